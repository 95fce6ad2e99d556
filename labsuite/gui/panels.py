"""Small building blocks of a tab: the base class with its hint line, a result panel
and the friendly "coming soon" page."""

from __future__ import annotations

import re
import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import Dict, Iterable, List, Tuple

from labsuite.net.service import Service

from . import style


class WrapLabel(ttk.Label):
    """A label that wraps its text to the width the layout gives it (fonts change size)."""

    def __init__(self, parent, wraplength: int = 300, **options):
        super().__init__(parent, wraplength=wraplength, justify="left", **options)
        self.bind("<Configure>", self._rewrap, add="+")

    def _rewrap(self, event) -> None:
        width = max(80, event.width - 4)
        if str(self.cget("wraplength")) != str(width):
            self.configure(wraplength=width)


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


class ComingSoonTab(Tab):
    """A placeholder that says what the tab will let the student do."""

    def __init__(self, parent, title: str, hint: str, plans: Iterable[str]):
        self.title = title
        self.hint = hint
        super().__init__(parent)
        box = ttk.LabelFrame(self.body, text="Coming soon", padding=style.PAD * 2)
        box.pack(side="top", fill="x", pady=style.PAD)
        ttk.Label(box, text=f"The {title} tab is on its way. It will let you:",
                  style="Title.TLabel").pack(side="top", anchor="w")
        for plan in plans:
            WrapLabel(box, text=f"•  {plan}", wraplength=800).pack(
                side="top", fill="x", pady=(style.SMALL_PAD, 0), padx=(style.PAD, 0))


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
                            ("muted", style.MUTED_COLOUR)):
            self.view.tag_configure(tag, foreground=colour)
        self._shown: Tuple[List[str], str] = ([empty], "muted")
        self._render()
        self.winfo_toplevel().bind(style.FONT_CHANGED, lambda _e: self._render(), add="+")

    @property
    def content(self) -> str:
        return self.view.get("1.0", "end-1c")

    def show_lines(self, lines: Iterable[str]) -> None:
        self._shown = (list(lines), "result")
        self._render()

    def show_busy(self, text: str) -> None:
        self._shown = ([text], "muted")
        self._render()

    def show_error(self, text: str) -> None:
        self._shown = ([text], "error")
        self._render()

    def _render(self) -> None:
        if not self.winfo_exists():
            return
        lines, tag = self._shown
        prefixes = [match.end() for match in map(_LABELLED.match, lines) if match]
        indent = tkfont.nametofont("TkFixedFont", root=self).measure("0") * max(prefixes or [0])
        self.view.tag_configure("hanging", lmargin2=indent)
        self.view.configure(state="normal")
        self.view.delete("1.0", "end")
        self.view.insert("1.0", "\n".join(lines), (tag, "hanging"))
        self.view.configure(state="disabled")
