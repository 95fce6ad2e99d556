"""A tab's "What is this?" panel: a short explanation laid over the right half of the tab.

It floats (``place``), so opening it never squeezes the conversation or the logs, and
the window's minimum size stays the same. Escape or its Close button hides it again.
The window's "What is this?" button (and F1) opens the panel of the tab shown.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from .. import help as guide
from .. import style
from ..look import follow_look, palette_of

WIDTH = 0.5  # of the tab


class Explainer(ttk.Frame):
    no_letters = True  # it floats over the tab's buttons: Escape and Close, no Alt letters

    def __init__(self, tab: tk.Misc, over: tk.Misc, topic: str, hint: str = ""):
        super().__init__(tab, style="Overlay.TFrame", padding=style.PAD)
        self.tab, self.over, self.topic, self.hint = tab, over, topic, hint
        bar = ttk.Frame(self)
        bar.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.close_button = ttk.Button(bar, text="Close", command=self.hide)
        self.close_button.pack(side="right")
        ttk.Label(self, text=f"What is this? — {topic}", style="Title.TLabel").pack(
            side="top", anchor="w", pady=(0, style.SMALL_PAD))
        from .tooltip import tip
        tip(self.close_button, "Hide this explanation (Escape).")
        self.text = tk.Text(self, wrap="word", font="TkTextFont", height=4, width=30,
                            relief="flat", borderwidth=0, highlightthickness=1, padx=8,
                            pady=6, cursor="arrow")
        scroll = ttk.Scrollbar(self, orient="vertical", command=self.text.yview)
        self.text.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.text.pack(side="left", fill="both", expand=True)
        self.text.bind("<Escape>", lambda _event: self.hide())
        self.bind("<Escape>", lambda _event: self.hide())
        self.shown = False
        self._fill()
        follow_look(self, self._restyle)

    def _restyle(self) -> None:
        style.colour_tags(self.text, palette_of(self))
        self.text.tag_configure("heading", font="TkHeadingFont", spacing1=6, spacing3=2)
        self.text.tag_configure("hint", foreground=palette_of(self).hint, spacing3=4)

    def _fill(self) -> None:
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        if self.hint:
            self.text.insert("end", self.hint + "\n", "hint")
        for heading, paragraph in guide.topic(self.topic):
            self.text.insert("end", heading + "\n", "heading")
            self.text.insert("end", paragraph + "\n")
        self.text.configure(state="disabled")

    @property
    def content(self) -> str:
        return self.text.get("1.0", "end-1c")

    def show(self) -> None:
        self.place(in_=self.over, relx=1.0, rely=0.0, anchor="ne", relwidth=WIDTH,
                   relheight=1.0)
        self.lift()
        self.shown = True
        self.text.focus_set()

    def hide(self) -> None:
        self.place_forget()
        self.shown = False
        if str(self.focus_get() or "").startswith(str(self)):
            self.tab.focus_set()

    def toggle(self) -> None:
        self.hide() if self.shown else self.show()
