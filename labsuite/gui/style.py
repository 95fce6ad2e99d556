"""One look for every tab: spacing, the light and dark colours, the named styles widgets
use, and tables. (The theme and the scale themselves live in :mod:`labsuite.gui.look`.)"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import font as tkfont
from tkinter import ttk
from typing import Dict, Sequence, Tuple

#: Space around and between widgets, in pixels.
PAD = 8
SMALL_PAD = 4

#: The smallest window labsuite is designed for (a 1024x600 netbook, less its panels).
MIN_WIDTH, MIN_HEIGHT = 760, 440

#: Sent to the main window after the theme or the text size changed; widgets that size
#: or colour themselves (tables, logs, panes) listen for it.
FONT_CHANGED = "<<LookChanged>>"

#: A table column: (key, heading, width in average characters, anchor).
Column = Tuple[str, str, int, str]


@dataclass(frozen=True)
class Palette:
    """The colours of one theme. Text colours keep 4.5:1 contrast on their background."""

    name: str
    background: str  # the window
    field: str  # inside logs, lists and answers
    text: str
    border: str
    focus: str  # the focus ring of text areas and lists
    select: str
    select_text: str
    hint: str
    muted: str
    error: str
    running: str
    result: str
    highlight: str  # a highlighted table row (the address to give a partner)
    notice: str  # the background of an important line (the room was closed)


LIGHT = Palette("light", background="#fafafa", field="#ffffff", text="#1c1c1c",
                border="#c8c8c8", focus="#005fb8", select="#2f60d8", select_text="#ffffff",
                hint="#3d3d3d", muted="#646464", error="#b00020", running="#16651b",
                result="#0b4f8a", highlight="#d7efd2", notice="#fff1c2")
DARK = Palette("dark", background="#1c1c1c", field="#262626", text="#f0f0f0",
               border="#4a4a4a", focus="#57c8ff", select="#2f60d8", select_text="#ffffff",
               hint="#d0d0d0", muted="#a8a8a8", error="#ff8a8a", running="#7fd685",
               result="#8cc8ff", highlight="#234d26", notice="#4d3f12")

#: The colour tags every text view shares (tag name -> palette field).
TEXT_TAGS = {"error": "error", "result": "result", "muted": "muted", "ok": "running",
             "time": "muted", "source": "muted"}


def configure_styles(root: tk.Misc, palette: Palette, sun_valley: bool) -> None:
    """The named styles labsuite's widgets use, in ``palette``'s colours."""
    ttk_style = ttk.Style(root)
    if not sun_valley:  # clam with our colours, so light and dark work without Sun Valley
        ttk_style.configure(".", background=palette.background, foreground=palette.text,
                            fieldbackground=palette.field, bordercolor=palette.border,
                            lightcolor=palette.background, darkcolor=palette.border,
                            troughcolor=palette.background, focuscolor=palette.focus,
                            selectbackground=palette.select, selectforeground=palette.select_text,
                            insertcolor=palette.text)
        ttk_style.map(".", foreground=[("disabled", palette.muted)])
        root.tk_setPalette(background=palette.background, foreground=palette.text,
                           highlightColor=palette.focus, selectBackground=palette.select,
                           selectForeground=palette.select_text)
    for name, colour in (("Hint", palette.hint), ("Muted", palette.muted),
                         ("Error", palette.error), ("Running", palette.running),
                         ("Result", palette.result)):
        ttk_style.configure(f"{name}.TLabel", foreground=colour)
    ttk_style.configure("Title.TLabel", font="TkHeadingFont")
    ttk_style.configure("Big.TLabel", font="LabsuiteBigFont", foreground=palette.running)
    ttk_style.configure("Status.TFrame", relief="flat", borderwidth=0)
    ttk_style.configure("Overlay.TFrame", relief="solid", borderwidth=1)


def scale_styles(root: tk.Misc, scale: float, sun_valley: bool) -> None:
    """Padding inside widgets and table rows grow with the scale."""
    ttk_style = ttk.Style(root)

    def pad(*values: float) -> Tuple[int, ...]:
        return tuple(int(round(value * scale)) for value in values)

    if sun_valley:
        ttk_style.configure("TButton", padding=pad(8, 2, 8, 3))
        ttk_style.configure("Accent.TButton", padding=pad(8, 2, 8, 3))
    else:
        ttk_style.configure("TButton", padding=pad(8, 3))
        for name in ("TCheckbutton", "TRadiobutton"):
            ttk_style.configure(name, indicatorsize=int(round(12 * scale)))
        for name in ("TCombobox", "TSpinbox", "Vertical.TScrollbar", "Horizontal.TScrollbar"):
            ttk_style.configure(name, arrowsize=int(round(14 * scale)))
    ttk_style.configure("TNotebook.Tab", padding=pad(12, 4))
    ttk_style.configure("Treeview", rowheight=row_height(root))
    # room on both sides of a heading: a right-aligned "#" must not run into "Address"
    ttk_style.configure("Heading", padding=pad(4, 2))


def row_height(root: tk.Misc) -> int:
    return tkfont.nametofont("TkDefaultFont", root=root).metrics("linespace") + 8


def colour_tags(text: tk.Text, palette: Palette) -> None:
    """Give a Text (or Listbox-like) the palette's colours and the shared colour tags."""
    text.configure(background=palette.field, foreground=palette.text,
                   selectbackground=palette.select, selectforeground=palette.select_text,
                   highlightcolor=palette.focus, highlightbackground=palette.border)
    if isinstance(text, tk.Text):
        text.configure(insertbackground=palette.text)
        for tag, field in TEXT_TAGS.items():
            text.tag_configure(tag, foreground=getattr(palette, field))
        text.tag_configure("notice", background=palette.notice, font="TkHeadingFont")


def make_table(parent, columns: Sequence[Column], height: int, stretch: str) -> ttk.Treeview:
    """A Treeview with headings, a vertical scrollbar, and columns sized from the fonts.

    Column widths follow the text size; the one named ``stretch`` takes the spare width.
    """
    from .look import follow_look, palette_of  # (look imports this module)

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

    def fit():
        body = tkfont.nametofont("TkDefaultFont", root=tree)
        heading = tkfont.nametofont("TkHeadingFont", root=tree)
        digit = body.measure("0")
        for key, title, chars, _anchor in columns:
            title_width = heading.measure(title) + 2 * digit  # (the heading's padding)
            tree.column(key, width=max(chars * digit, title_width),
                        minwidth=min(chars * digit, title_width))
        palette = palette_of(tree)
        for tag, field in TEXT_TAGS.items():
            tree.tag_configure(tag, foreground=getattr(palette, field))
        tree.tag_configure("highlight", background=palette.highlight)

    follow_look(tree, fit)
    return tree


def shown_text(widget: tk.Misc) -> Dict[str, str]:
    """Every piece of text a window shows, by widget path (for tests and screen readers):
    labels, buttons, entries, text views, lists and tables."""
    found: Dict[str, str] = {}
    stack = [widget]
    while stack:
        current = stack.pop()
        stack.extend(current.winfo_children())
        parts = []
        try:
            if isinstance(current, tk.Text):
                parts.append(current.get("1.0", "end"))
            elif isinstance(current, tk.Listbox):
                parts += [str(item) for item in current.get(0, "end")]
            elif isinstance(current, ttk.Treeview):
                for iid in current.get_children():
                    parts += [str(value) for value in current.item(iid, "values")]
            elif isinstance(current, (ttk.Entry, tk.Entry)):
                parts.append(current.get())
            if "text" in current.keys():
                parts.append(str(current.cget("text")))
        except tk.TclError:
            continue
        if any(parts):
            found[str(current)] = "\n".join(parts)
    return found
