"""Bigger or smaller text for a projector: scale Tk's named fonts together."""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from typing import Callable, Dict, Optional

NAMED_FONTS = ("TkDefaultFont", "TkTextFont", "TkFixedFont", "TkHeadingFont", "TkMenuFont",
               "TkCaptionFont", "TkSmallCaptionFont", "TkIconFont", "TkTooltipFont")
MIN_SIZE, MAX_SIZE = 6, 40


class FontScaler:
    """Moves every named font by the same number of points, keeping their differences.

    ``size`` is the size of TkDefaultFont; 0 as a saved value means "the platform's".
    """

    def __init__(self, root: tk.Misc, on_change: Optional[Callable[[int], None]] = None):
        self.on_change = on_change
        self.fonts: Dict[str, tkfont.Font] = {}
        for name in NAMED_FONTS:
            try:
                self.fonts[name] = tkfont.nametofont(name, root=root)
            except tk.TclError:  # not every platform has every named font
                pass
        self.base: Dict[str, int] = {name: _points(font) for name, font in self.fonts.items()}
        self.default_size = self.base.get("TkDefaultFont", 10)
        self.size = self.default_size

    def set_size(self, size: int) -> int:
        size = max(MIN_SIZE, min(MAX_SIZE, int(size)))
        delta = size - self.default_size
        for name, font in self.fonts.items():
            font.configure(size=max(MIN_SIZE, self.base[name] + delta))
        self.size = size
        if self.on_change is not None:
            self.on_change(size)
        return size

    def bigger(self, _event=None) -> str:
        self.set_size(self.size + 1)
        return "break"

    def smaller(self, _event=None) -> str:
        self.set_size(self.size - 1)
        return "break"

    def reset(self, _event=None) -> str:
        self.set_size(self.default_size)
        return "break"

    def bind_keys(self, root: tk.Misc) -> None:
        """Ctrl + / Ctrl = / Ctrl - / Ctrl 0, on the main and the keypad keys."""
        for sequence in ("<Control-plus>", "<Control-equal>", "<Control-KP_Add>"):
            root.bind_all(sequence, self.bigger)
        for sequence in ("<Control-minus>", "<Control-KP_Subtract>"):
            root.bind_all(sequence, self.smaller)
        for sequence in ("<Control-0>", "<Control-KP_0>"):
            root.bind_all(sequence, self.reset)


def _points(font: tkfont.Font) -> int:
    """The font's size in points (Tk may report pixels as negative, or 0 for default)."""
    size = int(font.cget("size"))
    if size == 0:
        size = int(font.actual("size"))
    return abs(size) or 10
