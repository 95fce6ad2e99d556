"""One look for every tab: theme, spacing, colours and the named styles widgets use."""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import Sequence, Tuple

#: Space around and between widgets, in pixels.
PAD = 8
SMALL_PAD = 4

ERROR_COLOUR = "#b00020"
RUNNING_COLOUR = "#1b6e20"
HINT_COLOUR = "#444444"
MUTED_COLOUR = "#707070"
RESULT_COLOUR = "#0b4f8a"
TEXT_BACKGROUND = "#ffffff"

MIN_WIDTH, MIN_HEIGHT = 900, 620
START_SIZE = "1000x700"

#: Sent to the main window after the text size changed; widgets that size themselves
#: from the fonts (tables) listen for it.
FONT_CHANGED = "<<FontSizeChanged>>"

#: A table column: (key, heading, width in average characters, anchor).
Column = Tuple[str, str, int, str]


def apply_theme(root: tk.Tk) -> ttk.Style:
    """Use "clam" on X11 (the default there looks dated); keep native looks elsewhere."""
    style = ttk.Style(root)
    if root.tk.call("tk", "windowingsystem") == "x11" and "clam" in style.theme_names():
        style.theme_use("clam")
    style.configure("Hint.TLabel", foreground=HINT_COLOUR)
    style.configure("Muted.TLabel", foreground=MUTED_COLOUR)
    style.configure("Error.TLabel", foreground=ERROR_COLOUR)
    style.configure("Running.TLabel", foreground=RUNNING_COLOUR)
    style.configure("Result.TLabel", foreground=RESULT_COLOUR)
    style.configure("Title.TLabel", font="TkHeadingFont")
    style.configure("Status.TFrame", relief="groove", borderwidth=1)
    style.configure("Treeview", rowheight=_row_height(root))
    style.configure("TNotebook.Tab", padding=(14, 5))
    return style


def fonts_changed(root: tk.Tk) -> None:
    """Tables keep fixed row heights and column widths: tell them to follow the fonts."""
    ttk.Style(root).configure("Treeview", rowheight=_row_height(root))
    root.event_generate(FONT_CHANGED)


def _row_height(root: tk.Misc) -> int:
    return tkfont.nametofont("TkDefaultFont", root=root).metrics("linespace") + 6


def make_table(parent, columns: Sequence[Column], height: int, stretch: str) -> ttk.Treeview:
    """A Treeview with headings, a vertical scrollbar, and columns sized from the fonts."""
    tree = ttk.Treeview(parent, columns=[key for key, *_rest in columns], show="headings",
                        height=height, selectmode="browse")
    for key, title, _chars, anchor in columns:
        tree.heading(key, text=title, anchor=anchor)
        tree.column(key, anchor=anchor, minwidth=30, stretch=key == stretch)
    scroll = ttk.Scrollbar(parent, orient="vertical", command=tree.yview)
    tree.configure(yscrollcommand=scroll.set)
    # the scrollbar first: when the window shrinks, the columns give way, not the scrollbar
    scroll.pack(side="right", fill="y")
    tree.pack(side="left", fill="both", expand=True)

    def fit(_event=None):
        body = tkfont.nametofont("TkDefaultFont", root=tree)
        heading = tkfont.nametofont("TkHeadingFont", root=tree)
        digit = body.measure("0")
        for key, title, chars, _anchor in columns:
            tree.column(key, width=max(chars * digit, heading.measure(title) + 12))

    fit()
    tree.winfo_toplevel().bind(FONT_CHANGED, fit, add="+")
    return tree
