"""Panes a student can resize by dragging the bar between them, each with a minimum.

:class:`VerticalPanes` stacks parts of a tab (say, the conversation over the log). Each
part's minimum is what it asks for (its ``winfo_reqheight()``: a log asks for its few
minimum lines), so a part never collapses: not at large text, not in a small window.
Until the student drags a bar, the spare height is shared by weight; after that, the
bars stay where they were put and the panes keep at least their minimum.
"""

from __future__ import annotations

import tkinter as tk
from typing import List, Tuple

from ..look import follow_look, palette_of
from .panels import size_changed

SASH = 7  # pixels between two panes (the bar to drag), before scaling


class VerticalPanes(tk.PanedWindow):
    def __init__(self, parent, **options):
        super().__init__(parent, orient="vertical", sashrelief="flat", borderwidth=0,
                         showhandle=False, opaqueresize=True, **options)
        self.parts: List[Tuple[tk.Misc, float]] = []
        self.dragged = False
        self._layout_id = None
        self._laid_out = None  # (height, minimums) the sashes were last placed for
        self.bind("<Configure>", lambda _event: self._later(), add="+")
        self.bind("<ButtonRelease-1>", self._released, add="+")
        follow_look(self, self._restyle)

    def add_part(self, widget: tk.Misc, weight: float = 1.0) -> tk.Misc:
        self.add(widget, stretch="always")
        self.parts.append((widget, weight))
        widget.bind("<Configure>", lambda _event: self._later(), add="+")
        self._later()
        return widget

    def _restyle(self) -> None:
        from ..look import current
        look = current(self)
        scale = look.scale if look is not None else 1.0
        palette = palette_of(self)
        self.configure(background=palette.background, sashwidth=max(5, int(SASH * scale)))
        self._later()

    def _released(self, _event) -> None:
        if self.identify(_event.x, _event.y):  # a bar was dragged
            self.dragged = True

    def _later(self) -> None:
        if self._layout_id is None:
            self._layout_id = self.after_idle(self.layout)

    def minimums(self) -> List[int]:
        return [max(1, widget.winfo_reqheight()) for widget, _weight in self.parts]

    def layout(self) -> None:
        """Set each pane's minimum; share the spare height by weight (until dragged)."""
        self._layout_id = None
        if not self.winfo_exists():
            return
        minimums = self.minimums()
        height = self.winfo_height()
        if self._laid_out == (height, minimums):
            return  # nothing changed (placing a sash reports a resize of the panes)
        self._laid_out = (height, minimums)
        for (widget, _weight), minimum in zip(self.parts, minimums):
            if int(self.panecget(widget, "minsize")) != minimum:
                self.paneconfigure(widget, minsize=minimum)
        sash = int(self.cget("sashwidth")) + 2 * int(self.cget("sashpad"))
        # ask for the minimums only (a panedwindow would ask for what its panes have now)
        wanted = sum(minimums) + sash * (len(self.parts) - 1)
        if str(self.cget("height")) != str(wanted):
            self.configure(height=wanted)
            size_changed(self)
        if self.dragged or len(self.parts) < 2 or height <= 1:
            return
        spare = max(0, height - sum(minimums) - sash * (len(self.parts) - 1))
        total = sum(weight for _widget, weight in self.parts) or 1.0
        y = 0
        for index, ((_widget, weight), minimum) in enumerate(zip(self.parts[:-1], minimums)):
            y += minimum + int(spare * weight / total)
            self.sash_place(index, 0, y)
            y += sash

    def pane_heights(self) -> List[int]:
        return [widget.winfo_height() for widget, _weight in self.parts]
