"""The raw console's conversation view: every byte sent and received, as text with
control characters made visible or as a hex dump with offsets, what was sent in blue.

Both views are rendered all the time (in memory, bounded) and only the one on screen is
drawn, once per pump tick; toggling redraws it from memory, so it shows everything
received so far (up to the bound).
"""

from __future__ import annotations

import tkinter as tk
from collections import deque
from tkinter import ttk
from typing import Deque, List, Optional, Tuple

from labsuite.protocols.console import HexRenderer, TextRenderer

from .. import style
from ..look import follow_look, palette_of
from .logview import LogView, stamp
from .tooltip import tip

RECEIVED, SENT, NOTE, ERROR = "received", "sent", "muted", "error"  # also the Text tags
#: Characters each view keeps (the oldest go first): about the last 128 KiB received.
TEXT_LIMIT = 256 * 1024
HEX_LIMIT = 8192 * 80
#: Bytes drawn at most from one burst; a flood beyond that is counted, not drawn.
RENDER_CAP = 128 * 1024

Segment = Tuple[str, str]  # (text, tag)


class Rendering:
    """One view of the conversation as coloured text, bounded in characters: finished
    segments, then a provisional tail (the hex dump's unfinished last row)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.segments: Deque[Segment] = deque()
        self.size = 0
        self.tail: Segment = ("", RECEIVED)
        self._new: List[Segment] = []
        self._changed = False
        self._redraw = False

    def clear(self) -> None:
        self.segments.clear()
        self.size = 0
        self.tail = ("", RECEIVED)
        self._new, self._changed, self._redraw = [], False, True

    def add(self, text: str, tag: str) -> None:
        if not text:
            return
        self.segments.append((text, tag))
        self.size += len(text)
        self._new.append((text, tag))
        self._changed = True
        if self.size > self.limit:
            self._trim()

    def set_tail(self, text: str, tag: str) -> None:
        if (text, tag) != self.tail:
            self.tail = (text, tag)
            self._changed = True

    def _trim(self) -> None:
        """Drop the oldest segments down to 3/4 of the limit, so trimming (and the
        redraw it causes) happens once per quarter of the limit, not on every add."""
        keep = self.limit * 3 // 4
        while self.size > keep:
            text, tag = self.segments[0]
            excess = self.size - keep
            if len(text) <= excess:
                self.segments.popleft()
                self.size -= len(text)
                continue
            cut = text.find("\n", excess - 1) + 1 or excess  # start at a line if one is near
            self.segments[0] = (text[cut:], tag)
            self.size -= cut
        self._redraw = True

    def content(self) -> str:
        return "".join(text for text, _ in self.segments) + self.tail[0]

    def redraw(self) -> None:
        """Ask for a full redraw at the next :meth:`take_changes`."""
        self._redraw = True

    def take_changes(self) -> Optional[Tuple[bool, List[Segment]]]:
        """``(redraw, new segments)`` since the last call, or None when nothing changed.
        With ``redraw`` the segments are all of them: draw from scratch."""
        redraw, new, changed = self._redraw, self._new, self._changed or self._redraw
        self._new, self._changed, self._redraw = [], False, False
        if not changed:
            return None
        return (True, list(self.segments)) if redraw else (False, new)


class Transcript:
    """Everything sent and received on the console, rendered as text and as hex at once."""

    def __init__(self, text_limit: int = TEXT_LIMIT, hex_limit: int = HEX_LIMIT,
                 render_cap: int = RENDER_CAP):
        self.text = Rendering(text_limit)
        self.hex = Rendering(hex_limit)
        self.render_cap = render_cap
        self._decoders = {RECEIVED: TextRenderer(), SENT: TextRenderer()}
        self._dumps = {RECEIVED: HexRenderer(), SENT: HexRenderer()}
        self._last: Optional[str] = None  # the direction of the latest bytes
        self._line_start = True  # the text view ends with a line break

    def begin(self) -> None:
        """A new connection: decoders and offsets start again from zero."""
        self._finish_rows()
        for renderer in (*self._decoders.values(), *self._dumps.values()):
            renderer.reset()

    def clear(self) -> None:
        """Forget what is shown (offsets keep counting: they are positions in the stream)."""
        for dump in self._dumps.values():
            dump.flush()
        self._last = None
        self._line_start = True
        self.text.clear()
        self.hex.clear()

    def add_bytes(self, direction: str, chunks: List[bytes]) -> None:
        """Bytes that went one way (RECEIVED or SENT), in order; from a burst bigger than
        ``render_cap`` only the end is drawn, and the rest counted in a note."""
        data, skipped = _last_bytes(chunks, self.render_cap)
        if not (data or skipped):
            return
        if self._last not in (None, direction):
            self._finish_rows()
        if skipped:
            self._decoders[direction].reset()
            self.note(f"… {skipped} bytes not shown: they came faster than the window can "
                      "show them")
            self._dumps[direction].offset += skipped  # offsets stay true to the stream
        self._last = direction
        self._add_text(self._decoders[direction].feed(data), direction)
        dump = self._dumps[direction]
        self.hex.add(dump.feed(data), direction)
        self.hex.set_tail(dump.pending(), direction)

    def end(self) -> None:
        """The connection ended: an unfinished character or row is shown as it is."""
        for direction, decoder in self._decoders.items():
            self._add_text(decoder.flush(), direction)
        self._finish_rows()

    def note(self, text: str, tag: str = NOTE, moment: Optional[float] = None) -> None:
        """A line of the window's own (connected, closed, errors), on a line of its own."""
        self._finish_rows()
        when = f"{stamp(moment)}  " if moment else ""
        line = f"--- {when}{text} ---\n"
        self._add_text(line if self._line_start else "\n" + line, tag)
        self.hex.add(line, tag)

    def _add_text(self, text: str, tag: str) -> None:
        if text:
            self.text.add(text, tag)
            self._line_start = text.endswith("\n")

    def _finish_rows(self) -> None:
        """End the hex dump's unfinished row (the next bytes start a new row)."""
        if self._last is not None:
            row = self._dumps[self._last].flush()
            self.hex.set_tail("", self._last)
            self.hex.add(row, self._last)
        self._last = None


def _last_bytes(chunks: List[bytes], cap: int) -> Tuple[bytes, int]:
    """The last ``cap`` bytes of ``chunks`` joined, and how many came before them."""
    total = sum(map(len, chunks))
    if total <= cap:
        return b"".join(chunks), 0
    kept: List[bytes] = []
    size = 0
    for chunk in reversed(chunks):
        kept.append(chunk[-(cap - size):])
        size += len(kept[-1])
        if size >= cap:
            break
    return b"".join(reversed(kept)), total - size


class ConsoleView(LogView):
    """The conversation: a LogView (scrolling, Clear, Save…) that shows a byte stream,
    as text or as hex, with what was sent in blue."""

    TAIL = "console-tail"  # a mark: where the provisional hex row starts

    def __init__(self, parent, height: int = 8, hex_view: bool = False):
        super().__init__(parent, title="Conversation", height=height)
        self.transcript = Transcript()
        self.hex_mode = tk.BooleanVar(self, hex_view)
        self.hex_check = ttk.Checkbutton(self.bar, text="Hex with offsets",
                                         variable=self.hex_mode, command=self.redraw)
        self.hex_check.pack(side="right", padx=(0, style.PAD))
        ttk.Label(self.bar, text="(blue: what you sent)", style="Result.TLabel").pack(
            side="left", padx=(style.PAD, 0))
        tip(self.hex_check, "Show every byte as two hex digits with its offset in the "
                            "stream, sixteen to a row, beside the text.")
        # hex rows keep their layout (no wrapping): only they scroll sideways
        self.sideways = ttk.Scrollbar(self.body, orient="horizontal", command=self.text.xview)
        self.text.configure(xscrollcommand=self.sideways.set)
        follow_look(self, lambda: self.text.tag_configure(SENT, foreground=palette_of(self).result))
        self.text.mark_set(self.TAIL, "end-1c")
        self.text.mark_gravity(self.TAIL, "left")
        self.redraw()

    @property
    def shown(self) -> Rendering:
        return self.transcript.hex if self.hex_mode.get() else self.transcript.text

    def redraw(self) -> None:
        """Show the chosen view from scratch (after the toggle)."""
        if self.hex_mode.get():
            self.text.configure(wrap="none")
            self.sideways.grid(row=1, column=0, sticky="ew")
        else:
            self.text.configure(wrap="char")
            self.sideways.grid_remove()
        self.shown.redraw()
        self.show()

    def show(self) -> None:
        """Draw what changed in the view on screen, with one insert."""
        hidden = self.transcript.text if self.shown is self.transcript.hex else self.transcript.hex
        hidden.take_changes()  # drawn from scratch if it is chosen later
        changes = self.shown.take_changes()
        if changes is None:
            return
        redraw, segments = changes
        chunks = [part for text, tag in segments for part in (text, tag)]
        self.text.configure(state="normal")
        try:
            self.text.delete("1.0" if redraw else self.TAIL, "end-1c")
            if chunks:
                self.text.insert("end", *chunks)
            self.text.mark_set(self.TAIL, "end-1c")
            tail, tag = self.shown.tail
            if tail:
                self.text.insert("end", tail, tag)
        finally:
            self.text.configure(state="disabled")
        if self.following:
            self.text.see("end")

    def clear(self) -> None:
        self.transcript.clear()
        super().clear()
        self.show()

    def append(self, text: str, error: bool = False, source: str = "",
               tag: Optional[str] = None) -> None:
        """The window's own lines (e.g. "Saved the log to …") join the conversation."""
        self.transcript.note(text, ERROR if error else NOTE)
        self.show()
