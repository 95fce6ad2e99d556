"""Small building blocks of a tab: the base class with its hint line, wrapping labels,
a page's intro line, a result panel and the clipboard."""

from __future__ import annotations

import re
import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import Dict, Iterable, List, Tuple

from labsuite.net.service import Service

from .. import style


class WrapLabel(ttk.Label):
    """A label that wraps its text to the width the layout gives it (fonts change size)."""

    def __init__(self, parent, wraplength: int = 300, **options):
        super().__init__(parent, wraplength=wraplength, justify="left", **options)
        self.bind("<Configure>", self._rewrap, add="+")

    def _rewrap(self, event) -> None:
        width = max(80, event.width - 4)
        if str(self.cget("wraplength")) != str(width):
            self.configure(wraplength=width)


def copy_text(widget: tk.Misc, text: str) -> None:
    """Put ``text`` on the clipboard, ready to paste."""
    widget.clipboard_clear()
    widget.clipboard_append(text)


def intro(parent, text: str) -> WrapLabel:
    """A page's opening line: what it shows, in a sentence or two."""
    label = WrapLabel(parent, text=text, style="Muted.TLabel", wraplength=840)
    label.pack(side="top", fill="x", pady=(0, style.PAD))
    return label


class Tab(ttk.Frame):
    """A notebook page: a one-line hint on what it teaches, then the tab's own body.

    Subclasses fill ``self.body`` and override the hooks the window calls on closing.
    """

    title = "Tab"
    hint = ""

    def __init__(self, parent):
        super().__init__(parent, padding=style.PAD)
        self.hint_label = WrapLabel(self, text=self.hint, style="Hint.TLabel", wraplength=860)
        self.hint_label.pack(side="top", fill="x", pady=(0, style.PAD))
        self.body = ttk.Frame(self)
        self.body.pack(side="top", fill="both", expand=True)

    def running_services(self) -> List[Service]:
        """Everything to stop when the window closes."""
        return []

    def settings(self) -> Dict[str, object]:
        """Values to remember for next time."""
        return {}

    def close(self) -> None:
        """Cancel timers; services are stopped by the window."""


#: "Offset:          " — a label, a colon and spaces, then the value.
_LABELLED = re.compile(r"^[^:]{1,24}:\s+")


class ResultPanel(ttk.LabelFrame):
    """The answer of the last request as readable lines, or one plain error sentence.

    Read-only text the student can select and copy; long lines wrap under their value,
    not under their label.
    """

    def __init__(self, parent, title: str = "Result", empty: str = "No result yet.",
                 height: int = 8):
        super().__init__(parent, text=title, padding=style.SMALL_PAD)
        background = ttk.Style(self).lookup("TFrame", "background") or style.TEXT_BACKGROUND
        self.view = tk.Text(self, height=height, width=40, wrap="word", font="TkFixedFont",
                            relief="flat", borderwidth=0, highlightthickness=0, padx=4, pady=2,
                            background=background, cursor="arrow")
        scroll = ttk.Scrollbar(self, orient="vertical", command=self.view.yview)
        self.view.configure(yscrollcommand=scroll.set)
        self.view.pack(side="left", fill="both", expand=True)
        scroll.pack(side="right", fill="y")
        for tag, colour in (("result", style.RESULT_COLOUR), ("error", style.ERROR_COLOUR),
                            ("muted", style.MUTED_COLOUR), ("ok", style.RUNNING_COLOUR)):
            self.view.tag_configure(tag, foreground=colour)
        self._shown: List[Tuple[str, str]] = [(empty, "muted")]  # (line, colour tag)
        self._render()
        self.winfo_toplevel().bind(style.FONT_CHANGED, lambda _e: self._render(), add="+")

    @property
    def content(self) -> str:
        return self.view.get("1.0", "end-1c")

    def show_lines(self, lines: Iterable[str]) -> None:
        self.show_rows((line, "result") for line in lines)

    def show_busy(self, text: str) -> None:
        self.show_rows([(text, "muted")])

    def show_error(self, text: str) -> None:
        self.show_rows([(text, "error")])

    def show_rows(self, rows: Iterable[Tuple[str, str]]) -> None:
        """Lines with a colour each: "result", "error", "muted" or "ok" (green)."""
        self._shown = list(rows)
        self._render()

    def add_row(self, text: str, tag: str = "result") -> None:
        """One more line under those shown (steps that arrive one at a time)."""
        self.show_rows([*self._shown, (text, tag)])

    def _render(self) -> None:
        if not self.winfo_exists():
            return
        prefixes = [match.end() for match in (_LABELLED.match(line) for line, _ in self._shown)
                    if match]
        indent = tkfont.nametofont("TkFixedFont", root=self).measure("0") * max(prefixes or [0])
        self.view.tag_configure("hanging", lmargin2=indent)
        chunks: list = []
        for number, (line, tag) in enumerate(self._shown):
            chunks += [("\n" if number else "") + line, (tag, "hanging")]
        self.view.configure(state="normal")
        self.view.delete("1.0", "end")
        if chunks:
            self.view.insert("1.0", *chunks)
        self.view.configure(state="disabled")
