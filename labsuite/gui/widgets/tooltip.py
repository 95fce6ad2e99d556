"""Tooltips: a sentence on what a control does, shown when the pointer rests on it.

``tip(widget, text)`` is all a tab writes. The text is kept by the widget's path, so tests
(and a screen reader) can ask :func:`tip_of` for it. One small borderless window per
main window shows the tip under the pointer after a short pause, in the tooltip font
(which grows with the scale), and hides on leaving, clicking or typing.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable, Dict, Optional, Union

from .. import look

DELAY_MS = 600
#: Where every tip is kept: widget path -> text (or a function giving the text).
_TIPS: Dict[str, Union[str, Callable[[], str]]] = {}


def tip(widget: tk.Misc, text: Union[str, Callable[[], str]]) -> tk.Misc:
    """Attach (or replace) the tooltip of ``widget``; returns the widget."""
    first = str(widget) not in _TIPS
    _TIPS[str(widget)] = text
    if first:
        widget.bind("<Enter>", lambda event: _tooltip_for(widget).schedule(widget), add="+")
        for sequence in ("<Leave>", "<ButtonPress>", "<KeyPress>"):
            widget.bind(sequence, lambda _event: _tooltip_for(widget).hide(), add="+")
        widget.bind("<Destroy>", lambda _event: _TIPS.pop(str(widget), None), add="+")
    return widget


def tip_of(widget: tk.Misc) -> Optional[str]:
    text = _TIPS.get(str(widget))
    return text() if callable(text) else text


def tips(*pairs) -> None:
    """``tips(widget, text, widget, text, ...)``: several at once."""
    for widget, text in zip(pairs[::2], pairs[1::2]):
        tip(widget, text)


class Tooltip:
    """The one tip window of a main window."""

    def __init__(self, root: tk.Misc):
        self.root = root
        self.window: Optional[tk.Toplevel] = None
        self.label: Optional[ttk.Label] = None
        self._after: Optional[str] = None
        self.shown_for: Optional[str] = None

    def schedule(self, widget: tk.Misc) -> None:
        self.cancel()
        self._after = self.root.after(DELAY_MS, lambda: self.show(widget))

    def cancel(self) -> None:
        if self._after is not None:
            self.root.after_cancel(self._after)
            self._after = None

    def show(self, widget: tk.Misc) -> None:
        self._after = None
        text = tip_of(widget)
        if not text or not widget.winfo_exists() or not widget.winfo_viewable():
            return
        if self.window is None or not self.window.winfo_exists():
            self.window = tk.Toplevel(self.root)
            self.window.withdraw()
            self.window.overrideredirect(True)
            self.label = tk.Label(self.window, justify="left", font="TkTooltipFont",
                                  relief="solid", borderwidth=1, padx=6, pady=3)
            self.label.pack()
        palette = look.palette_of(self.root)
        screen_width = widget.winfo_screenwidth()
        self.label.configure(text=text, wraplength=min(480, screen_width // 3) *
                             (look.current(self.root).scale if look.current(self.root) else 1),
                             background=palette.field, foreground=palette.text)
        x = widget.winfo_rootx() + 12
        y = widget.winfo_rooty() + widget.winfo_height() + 4
        self.window.update_idletasks()
        width, height = self.window.winfo_reqwidth(), self.window.winfo_reqheight()
        x = max(0, min(x, screen_width - width - 4))
        if y + height > widget.winfo_screenheight():
            y = max(0, widget.winfo_rooty() - height - 4)
        self.window.geometry(f"+{x}+{y}")
        self.window.deiconify()
        self.window.lift()
        self.shown_for = str(widget)

    def hide(self) -> None:
        self.cancel()
        if self.window is not None and self.window.winfo_exists():
            self.window.withdraw()
        self.shown_for = None

    @property
    def text(self) -> str:
        return str(self.label.cget("text")) if self.label is not None and self.shown_for else ""


def _tooltip_for(widget: tk.Misc) -> Tooltip:
    root = widget.winfo_toplevel()
    tooltip = getattr(root, "_labsuite_tooltip", None)
    if tooltip is None:
        tooltip = root._labsuite_tooltip = Tooltip(root)
    return tooltip
