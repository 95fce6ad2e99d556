"""Small windows of the window's own: a question with two answers, and a reading window.

:class:`Confirm` never waits in a nested event loop: it calls ``on_answer(True/False)``
when a button is pressed (or Escape, or the window is closed), so the code that asked
goes on in that callback, and a test answers by ``invoke()``-ing a button. While it is
open it holds the pointer and keyboard (a grab), like any modal dialog.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable, Iterable, Optional, Tuple

from .. import style
from ..look import palette_of
from .keys import underline_mnemonic
from .panels import WrapLabel

Answer = Callable[[bool], None]


class Confirm(tk.Toplevel):
    """``Confirm(parent, title, question, yes="Close the room", no="Keep it open",
    on_answer=...)``: the safe answer (``no``) has the focus, so Enter never destroys."""

    def __init__(self, parent: tk.Misc, title: str, question: str, yes: str, no: str,
                 on_answer: Answer, details: str = ""):
        super().__init__(parent)
        self.withdraw()
        self.title(title)
        self.transient(parent.winfo_toplevel())
        self.on_answer = on_answer
        self.answered: Optional[bool] = None
        palette = palette_of(parent)
        self.configure(background=palette.background, highlightthickness=1,
                       highlightbackground=palette.border, highlightcolor=palette.border)
        body = ttk.Frame(self, padding=2 * style.PAD)
        body.pack(fill="both", expand=True)
        self.question = WrapLabel(body, text=question, style="Title.TLabel", wraplength=420)
        self.question.pack(side="top", fill="x")
        self.details = WrapLabel(body, text=details, wraplength=420)
        if details:
            self.details.pack(side="top", fill="x", pady=(style.PAD, 0))
        row = ttk.Frame(body)
        row.pack(side="top", fill="x", pady=(2 * style.PAD, 0))
        self.no_button = ttk.Button(row, text=no, command=lambda: self.answer(False))
        self.no_button.pack(side="right")
        self.yes_button = ttk.Button(row, text=yes, command=lambda: self.answer(True))
        self.yes_button.pack(side="right", padx=(0, style.PAD))
        for button in (self.yes_button, self.no_button):
            underline_mnemonic(button)
            button.bind("<Return>", lambda event: event.widget.invoke())
            letter = button.cget("text")[int(button.cget("underline"))].lower() \
                if int(button.cget("underline")) >= 0 else ""
            if letter:
                self.bind(f"<Alt-KeyPress-{letter}>", lambda _e, b=button: b.invoke())
        self.bind("<Escape>", lambda _event: self.answer(False))
        self.protocol("WM_DELETE_WINDOW", lambda: self.answer(False))
        self._place(parent)
        self.deiconify()
        self.no_button.focus_force()
        self.after_idle(lambda: self.winfo_exists() and self.no_button.focus_force())
        try:
            self.grab_set()
        except tk.TclError:  # another grab (or not viewable yet): still usable
            pass

    def _place(self, parent: tk.Misc) -> None:
        owner = parent.winfo_toplevel()
        self.update_idletasks()
        width, height = self.winfo_reqwidth(), self.winfo_reqheight()
        x = owner.winfo_rootx() + max(0, (owner.winfo_width() - width) // 2)
        y = owner.winfo_rooty() + max(0, (owner.winfo_height() - height) // 3)
        self.geometry(f"+{x}+{y}")

    def answer(self, yes: bool) -> None:
        if self.answered is not None:
            return
        self.answered = yes
        try:
            self.grab_release()
        except tk.TclError:
            pass
        self.destroy()
        self.on_answer(yes)


def confirm(parent: tk.Misc, title: str, question: str, yes: str, no: str,
            on_answer: Answer, details: str = "") -> Confirm:
    """Ask; the answer comes to ``on_answer``. The open dialog is also the window's
    ``_labsuite_dialog`` (tests answer it from there)."""
    dialog = Confirm(parent, title, question, yes, no, on_answer, details)
    parent.winfo_toplevel()._labsuite_dialog = dialog
    return dialog


def open_dialog(widget: tk.Misc) -> Optional[Confirm]:
    """The question the window is asking now, if any."""
    dialog = getattr(widget.winfo_toplevel(), "_labsuite_dialog", None)
    return dialog if dialog is not None and dialog.answered is None else None


class ReadingWindow(tk.Toplevel):
    """A window to read help in: headed sections of wrapped text, code in the fixed font.

    ``show(title, blocks)`` replaces what it shows; a block is (kind, text) with kind
    "heading", "text" or "code".
    """

    def __init__(self, parent: tk.Misc):
        super().__init__(parent)
        self.transient(parent.winfo_toplevel())
        owner = parent.winfo_toplevel()
        width = max(480, min(900, owner.winfo_width() * 2 // 3))
        height = max(360, min(720, owner.winfo_height() - 40))
        self.geometry(f"{width}x{height}+{owner.winfo_rootx() + 40}+{owner.winfo_rooty() + 20}")
        frame = ttk.Frame(self, padding=style.PAD)
        frame.pack(fill="both", expand=True)
        bar = ttk.Frame(frame)
        bar.pack(side="bottom", fill="x", pady=(style.PAD, 0))
        self.close_button = ttk.Button(bar, text="Close", command=self.destroy)
        self.close_button.pack(side="right")
        underline_mnemonic(self.close_button)
        self.text = tk.Text(frame, wrap="word", font="TkTextFont", relief="flat", padx=12,
                            pady=8, borderwidth=0, highlightthickness=1, cursor="arrow")
        scroll = ttk.Scrollbar(frame, orient="vertical", command=self.text.yview)
        self.text.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.text.pack(side="left", fill="both", expand=True)
        palette = palette_of(parent)
        self.configure(background=palette.background)
        style.colour_tags(self.text, palette)
        self.text.tag_configure("heading", font="TkHeadingFont", spacing1=10, spacing3=4)
        self.text.tag_configure("code", font="TkFixedFont", lmargin1=16, lmargin2=16,
                                background=palette.background)
        self.text.tag_configure("text", spacing3=4)
        self.bind("<Escape>", lambda _event: self.destroy())
        self.bind("<Alt-KeyPress-c>", lambda _event: self.destroy())

    def show(self, title: str, blocks: Iterable[Tuple[str, str]]) -> None:
        self.title(title)
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        for kind, text in blocks:
            self.text.insert("end", text.rstrip("\n") + "\n", kind)
        self.text.configure(state="disabled")
        self.text.yview_moveto(0)
        self.lift()
        self.text.focus_set()

    @property
    def content(self) -> str:
        return self.text.get("1.0", "end-1c")
