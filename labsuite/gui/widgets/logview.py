"""The event log every tab shows: time-stamped, read-only, bounded, errors in red."""

from __future__ import annotations

import time
import tkinter as tk
from collections import deque
from tkinter import filedialog, ttk
from tkinter import font as tkfont
from typing import Callable, Deque, Dict, Iterable, List, Optional

from labsuite.net.events import Event, Kind

from .. import style
from ..look import follow_look, palette_of
from .tooltip import tips

#: Oldest lines are trimmed beyond this, so a long session cannot eat the memory.
MAX_LINES = 5000

_TAG_FOR_KIND = {Kind.ERROR: "error", Kind.RESULT: "result", Kind.STOPPED: "muted"}


def stamp(moment: float) -> str:
    """``14:03:07.125``: local time with milliseconds, as a server log would print it."""
    return time.strftime("%H:%M:%S", time.localtime(moment)) + f".{int(moment % 1 * 1000):03d}"


class LogView(ttk.Frame):
    """A scrolling log with Clear and Save… buttons.

    It follows new lines unless the student has scrolled up to read something, and it
    inserts each batch of events with one Tk call. ``height`` is the fewest lines it
    shows: its pane never gets smaller than that.

    Each line from an event gets the next *event number* (0, 1, ... since the last
    Clear), in the order shown, and those events go to ``on_events`` (the tab's sequence
    diagram numbers them the same way); :meth:`select_event` shows the line of a number,
    and clicking a line tells ``on_select`` its number.
    """

    def __init__(self, parent, title: str = "Log", max_lines: int = MAX_LINES,
                 height: int = 10):
        super().__init__(parent)
        self.max_lines = max_lines
        self.bar = bar = ttk.Frame(self)  # the title row: a subclass may add controls
        bar.pack(side="top", fill="x", pady=(0, style.SMALL_PAD))
        ttk.Label(bar, text=title, style="Title.TLabel").pack(side="left")
        self.save_button = ttk.Button(bar, text="Save…", command=self.ask_save)
        self.save_button.pack(side="right")
        self.clear_button = ttk.Button(bar, text="Clear", command=self.clear)
        self.clear_button.pack(side="right", padx=(0, style.SMALL_PAD))

        body = ttk.Frame(self)
        body.pack(side="top", fill="both", expand=True)
        self.body = body
        # prose wraps at words; a wrapped line hangs under the text, after the time stamp
        self.text = tk.Text(body, height=height, width=20, wrap="word", font="TkFixedFont",
                            relief="flat", borderwidth=0, highlightthickness=1, padx=6, pady=4,
                            undo=False)
        vertical = ttk.Scrollbar(body, orient="vertical", command=self._scrollbar_moved)
        self.text.configure(yscrollcommand=vertical.set)
        self.text.grid(row=0, column=0, sticky="nsew")
        vertical.grid(row=0, column=1, sticky="ns")
        self.scrollbar = vertical
        body.rowconfigure(0, weight=1)
        body.columnconfigure(0, weight=1)
        self.text.configure(state="disabled")
        follow_look(self, self._restyle)
        tips(self.clear_button, "Empty this view (save it first to keep it).",
             self.save_button, "Save everything in this view to a text file.")
        #: Follow new lines; off while the student has scrolled up to read.
        self.following = True
        self._pending: List[tuple] = []
        self._flush_id: Optional[str] = None
        for sequence in ("<MouseWheel>", "<Button-4>", "<Button-5>", "<ButtonRelease-1>",
                         "<KeyRelease>"):
            self.text.bind(sequence, lambda _event: self.after_idle(self._user_scrolled),
                           add="+")
        self.text.bind("<Configure>", lambda _event: self.following and self.text.see("end"),
                       add="+")
        self.text.bind("<ButtonRelease-1>", self._clicked, add="+")
        #: Told the events of each batch shown, in their order (event numbers go with them).
        self.on_events: Optional[Callable[[List[Event]], None]] = None
        #: Told when the view is cleared (event numbers start again at 0).
        self.on_clear: Optional[Callable[[], None]] = None
        #: Told the event number of a line the student clicks.
        self.on_select: Optional[Callable[[int], None]] = None
        self._numbered = 0  # the next event number
        self._numbers: Deque[Optional[int]] = deque()  # each line's event number (or None)
        self._line_of: Dict[int, int] = {}  # event number -> line counted from the first ever
        self._trimmed = 0  # lines trimmed off the top since the last clear

    def _restyle(self) -> None:
        palette = palette_of(self)
        style.colour_tags(self.text, palette)
        indent = tkfont.nametofont("TkFixedFont", root=self).measure(stamp(0) + "  ")
        self.text.tag_configure("line", lmargin2=indent)
        self.text.tag_configure("chosen", background=palette.notice)
        self.text.tag_lower("chosen", "sel")  # a selection to copy still shows on it

    # -- adding lines -----------------------------------------------------------------
    def append_events(self, events: Iterable[Event]) -> None:
        """Show a batch of events, one line each (events without text are not shown).

        Several services may feed one log within a tick: their lines are kept until the
        window is idle, then inserted together in time order with one Tk call.
        """
        self._queue([(event.time, event.source, event.text, _TAG_FOR_KIND.get(event.kind),
                      event) for event in events if event.text])

    def append(self, text: str, error: bool = False, source: str = "",
               tag: Optional[str] = None) -> None:
        """Show one line written by the window itself (not from a service);
        ``tag`` is "result" or "muted" for a colour."""
        self._queue([(time.time(), source, text, "error" if error else tag, None)])

    def _queue(self, lines: List[tuple]) -> None:
        if not lines:
            return
        self._pending.extend(lines)
        if len(self._pending) > self.max_lines:
            del self._pending[:-self.max_lines]
        if self._flush_id is None:
            self._flush_id = self.after_idle(self.flush)

    def flush(self) -> None:
        """Insert the waiting lines now (normally done when the window is idle)."""
        if self._flush_id is not None:
            self.after_cancel(self._flush_id)
            self._flush_id = None
        lines, self._pending = self._pending, []
        if lines:
            lines.sort(key=lambda line: line[0])
            self._insert(lines)

    def _insert(self, lines: List[tuple]) -> None:
        chunks: list = []
        events: List[Event] = []
        for moment, source, text, tag, event in lines:
            number = None
            if event is not None:
                number = self._numbered
                self._numbered += 1
                self._line_of[number] = self._trimmed + len(self._numbers)
                events.append(event)
            self._numbers.append(number)
            chunks += [stamp(moment) + "  ", "time"]
            if source:
                chunks += [f"[{source}] ", "source"]
            chunks += [" ".join(str(text).splitlines()) + "\n", (tag, "line") if tag else "line"]
        self.text.configure(state="normal")
        try:
            self.text.insert("end", *chunks)
            self._trim()
        finally:
            self.text.configure(state="disabled")
        if self.following:
            self.text.see("end")
        if events and self.on_events is not None:
            self.on_events(events)

    def _scrollbar_moved(self, *args) -> None:
        self.text.yview(*args)
        self._user_scrolled()

    def _user_scrolled(self) -> None:
        if self.winfo_exists():
            self.following = self.text.yview()[1] >= 0.999

    def _trim(self) -> None:
        excess = self._shown_lines() - self.max_lines
        if excess > 0:
            self.text.delete("1.0", f"{excess + 1}.0")
            for _line in range(min(excess, len(self._numbers))):
                number = self._numbers.popleft()
                if number is not None:
                    self._line_of.pop(number, None)
            self._trimmed += excess

    # -- reading and the buttons ------------------------------------------------------
    def line_count(self) -> int:
        """Lines shown, after inserting any that are waiting."""
        self.flush()
        return self._shown_lines()

    def _shown_lines(self) -> int:
        # the Text always ends with one empty line, which does not count
        return int(self.text.index("end-1c").split(".")[0]) - 1

    def content(self) -> str:
        self.flush()
        return self.text.get("1.0", "end-1c")

    def clear(self) -> None:
        self._pending.clear()
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        self.text.configure(state="disabled")
        self.following = True
        self._numbered = self._trimmed = 0
        self._numbers.clear()
        self._line_of.clear()
        if self.on_clear is not None:
            self.on_clear()

    # -- event numbers: the line of an event, and the other way round -----------------
    def line_of_event(self, number: int) -> Optional[int]:
        """The line (1 = the first shown) of event ``number``; None once trimmed off."""
        self.flush()
        line = self._line_of.get(number)
        return None if line is None else line - self._trimmed + 1

    def event_at_line(self, line: int) -> Optional[int]:
        """The event number of ``line`` (None for a line the window wrote itself)."""
        self.flush()
        if 1 <= line <= len(self._numbers):
            return self._numbers[line - 1]
        return None

    def select_event(self, number: int) -> bool:
        """Highlight the line of event ``number`` and scroll to it (False if it is gone);
        the view stops following new lines until the student scrolls to the end."""
        line = self.line_of_event(number)
        self._choose_line(line)
        if line is None:
            return False
        self.text.see(f"{line}.0")
        self.following = self.text.yview()[1] >= 0.999
        return True

    @property
    def chosen_line(self) -> Optional[int]:
        """The highlighted line, if any."""
        found = self.text.tag_ranges("chosen")
        return int(str(found[0]).split(".")[0]) if found else None

    def _clicked(self, event) -> None:
        if self.text.tag_ranges("sel"):
            return  # selecting text to copy, not choosing a line
        line = int(self.text.index(f"@{event.x},{event.y}").split(".")[0])
        number = self.event_at_line(line)
        if number is None:
            return
        self._choose_line(line)
        if self.on_select is not None:
            self.on_select(number)

    def _choose_line(self, line: Optional[int]) -> None:
        """Highlight ``line`` alone (None: no line)."""
        self.text.tag_remove("chosen", "1.0", "end")
        if line is not None:
            self.text.tag_add("chosen", f"{line}.0", f"{line + 1}.0")

    def save_to(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(self.content())

    def ask_save(self) -> Optional[str]:
        path = filedialog.asksaveasfilename(
            parent=self, title="Save the log", defaultextension=".txt",
            initialfile="labsuite-log.txt", filetypes=[("Text files", "*.txt"), ("All files", "*")])
        if not path:
            return None
        try:
            self.save_to(path)
        except OSError as exc:
            self.append(f"Could not save the log to {path}: {exc.strerror or exc}", error=True)
            return None
        self.append(f"Saved the log to {path}")
        return path
