"""Small building blocks of a tab: the base class with its hint line and "What is this?",
wrapping labels, a row that wraps its controls, a page's intro line, a result panel and
the clipboard."""

from __future__ import annotations

import re
import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Tuple

from labsuite.net.service import Service

from .. import style
from ..look import follow_look, palette_of

if TYPE_CHECKING:
    from .logview import LogView


def size_changed(widget: tk.Misc) -> None:
    """``widget`` now asks for another size: the tab around it fits its body again
    (a canvas window does not follow what its content asks for by itself)."""
    parent = widget
    while parent is not None:
        fit = getattr(parent, "_fit_body_later", None)
        if fit is not None:
            fit()
            return
        parent = parent.master


class WrapLabel(ttk.Label):
    """A label that wraps its text to the width the layout gives it.

    It asks for almost no width of its own (``width=1``), so a long sentence never makes
    the window wider than the screen; its height follows the lines it wraps into.
    """

    def __init__(self, parent, wraplength: int = 300, **options):
        options.setdefault("width", 1)
        super().__init__(parent, wraplength=wraplength, justify="left", **options)
        self.bind("<Configure>", self._rewrap, add="+")

    def _rewrap(self, event) -> None:
        width = max(60, event.width - 4)
        if str(self.cget("wraplength")) != str(width):
            self.configure(wraplength=width)
            size_changed(self)


class Flow(ttk.Frame):
    """Controls side by side that move to a new row when the width runs out (like words).

    ``add(widget)`` instead of packing; each item is (widget, gap before it).
    """

    def __init__(self, parent, gap: int = style.PAD, row_gap: int = style.SMALL_PAD, **options):
        super().__init__(parent, **options)
        self.gap, self.row_gap = gap, row_gap
        self.items: List[Tuple[tk.Misc, int]] = []
        self._width = 0
        self.bind("<Configure>", self._resized, add="+")

    def add(self, widget: tk.Misc, gap: Optional[int] = None) -> tk.Misc:
        self.items.append((widget, self.gap if gap is None else gap))
        widget.bind("<Configure>", lambda _event: self._reflow_later(), add="+")
        self._reflow_later()
        return widget

    def _resized(self, event) -> None:
        if event.width != self._width:
            self._width = event.width
            self._reflow_later()

    def _reflow_later(self) -> None:
        if not getattr(self, "_pending", None):
            self._pending = self.after_idle(self.reflow)

    def reflow(self) -> None:
        self._pending = None
        if not self.winfo_exists():
            return
        width = self.winfo_width() if self.winfo_width() > 1 else 10_000
        row, x, y, row_height, widest = 0, 0, 0, 0, 1
        for widget, gap in self.items:
            if not widget.winfo_exists():
                continue
            w, h = widget.winfo_reqwidth(), widget.winfo_reqheight()
            if x and x + gap + w > width:
                row, x, y = row + 1, 0, y + row_height + self.row_gap
                row_height = 0
            x += gap if x else 0
            widget.place(in_=self, x=x, y=y)
            x += w
            widest = max(widest, w)
            row_height = max(row_height, h)
        # as tall as the rows it needs; as wide as its widest control (it wraps the rest)
        height = max(1, y + row_height)
        if (str(self.cget("height")), str(self.cget("width"))) != (str(height), str(widest)):
            self.configure(height=height, width=widest)
            size_changed(self)


def columns(parent, weights=(1, 1), side: Optional[str] = None) -> ttk.Frame:
    """A frame whose grid columns share the width in proportion to ``weights``
    (packed at ``side`` when given)."""
    frame = ttk.Frame(parent)
    if side is not None:
        frame.pack(side=side, fill="x")
    for column, weight in enumerate(weights):
        frame.columnconfigure(column, weight=weight, uniform="sides")
    return frame


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
    """A notebook page: the tab's own ``body``, which scrolls only when it must.

    The body is laid out at the window's width and at least the window's height; when
    the window is shorter than the body needs (a small screen at a large scale), the body
    keeps what it needs, so no pane is squeezed below its minimum, and a scroll bar
    appears instead. ``hint`` (one sentence) and ``topic`` (the tab's explanation in
    :mod:`labsuite.gui.help`) feed the "What is this?" panel; subclasses override the
    hooks the window calls.
    """

    title = "Tab"
    hint = ""
    topic = ""

    def __init__(self, parent):
        super().__init__(parent, padding=(style.PAD, style.PAD, style.SMALL_PAD, style.PAD))
        from .explain import Explainer  # (explain builds on this module)

        self.canvas = tk.Canvas(self, highlightthickness=0, borderwidth=0, height=80, width=80)
        self.scroll = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        self.canvas.configure(yscrollcommand=self.scroll.set)
        self.canvas.pack(side="left", fill="both", expand=True)
        self.body = ttk.Frame(self.canvas)
        self._window = self.canvas.create_window(0, 0, window=self.body, anchor="nw")
        self.canvas.bind("<Configure>", lambda _event: self._fit_body(), add="+")
        self.body.bind("<Configure>", lambda _event: self._fit_body_later(), add="+")
        self._fit_id = None
        self.scrolling = False
        self.explainer = Explainer(self, self, self.topic or self.title, self.hint)
        follow_look(self, lambda: self.canvas.configure(
            background=palette_of(self).background))

    # -- the usual layout: controls on top, then resizable parts over the log ------------
    def top_row(self, weights=(1, 1)) -> ttk.Frame:
        """The row of boxes at the top of the body (server, client...), side by side."""
        return columns(self.body, weights, side="top")

    def parts_over_log(self, weights=(1, 1), weight: float = 2.0) -> ttk.Frame:
        """``self.panes``: a part with columns (returned), over ``self.log``, the tab's
        "What happened" log of at least three lines."""
        from .panes import VerticalPanes

        self.panes = VerticalPanes(self.body)
        self.panes.pack(side="top", fill="both", expand=True, pady=(style.PAD, 0))
        part = columns(self.panes, weights)
        part.rowconfigure(0, weight=1)
        self.panes.add_part(part, weight=weight)
        self.log = self.make_log(self.panes)
        self.panes.add_part(self.log, weight=1)
        return part

    def make_log(self, parent) -> "LogView":
        """The tab's "What happened" log, with its sequence diagram (``self.log_area``)
        and, if the tab offers scripts (:meth:`code_kinds`), a Code button."""
        from .diagram_view import add_diagram
        from .logview import LogView

        log = LogView(parent, title="What happened", height=3)
        self.log_area = add_diagram(log, self)
        return log

    # -- the body: the window's size, or what it needs -----------------------------------
    def _fit_body_later(self) -> None:
        if self._fit_id is None:
            self._fit_id = self.after_idle(self._fit_body)

    def _fit_body(self) -> None:
        self._fit_id = None
        if not self.winfo_exists():
            return
        needed_w, needed_h = self.body.winfo_reqwidth(), self.body.winfo_reqheight()
        if int(self.canvas.cget("width")) != needed_w:
            self.canvas.configure(width=needed_w)  # the window's width follows the body's
        width = max(self.canvas.winfo_width(), 1)
        shown = max(self.canvas.winfo_height(), 1)
        height = max(shown, needed_h)
        self.canvas.itemconfigure(self._window, width=width, height=height)
        self.canvas.configure(scrollregion=(0, 0, width, height))
        scrolling = height > shown + 1
        if scrolling != self.scrolling:
            self.scrolling = scrolling
            if scrolling:
                self.scroll.pack(side="right", fill="y", before=self.canvas)
            else:
                self.scroll.pack_forget()
                self.canvas.yview_moveto(0)

    @property
    def needed_height(self) -> int:
        """The height the body needs to show every part at its minimum."""
        return self.body.winfo_reqheight()

    def see(self, widget: tk.Misc) -> None:
        """Scroll so that ``widget`` (inside the body) is in view."""
        if not self.scrolling:
            return
        top = widget.winfo_rooty() - self.body.winfo_rooty()
        bottom = top + widget.winfo_height()
        total = max(1, self.body.winfo_height())
        first, last = (fraction * total for fraction in self.canvas.yview())
        if top < first:
            self.canvas.yview_moveto(top / total)
        elif bottom > last:
            self.canvas.yview_moveto(max(0.0, (bottom - (last - first)) / total))

    def scroll_by(self, units: int) -> None:
        if self.scrolling:
            self.canvas.yview_scroll(units, "units")

    # -- the window's hooks --------------------------------------------------------------
    def running_services(self) -> List[Service]:
        """Everything to stop when the window closes."""
        return []

    def servers_with_people(self) -> List[str]:
        """The servers this tab runs that others may be using (asked before quitting)."""
        server = getattr(self, "server", None)
        if server is not None and getattr(server, "running", False):
            return [f"the {self.title.lower()} server"]
        return []

    def settings(self) -> Dict[str, object]:
        """Values to remember for next time."""
        return {}

    def code_kinds(self) -> list:
        """The short programs for what the tab is set to, the likeliest first
        (:class:`~labsuite.gui.widgets.code_view.CodeChoice`, host and port filled in).
        A tab that overrides this gets a Code button on its log."""
        return []

    def close(self) -> None:
        """Cancel timers; services are stopped by the window."""


#: "Offset:          " — a label, a colon and spaces, then the value.
_LABELLED = re.compile(r"^[^:]{1,24}:\s+")
#: Continuation lines hang under the value, but never further in than this.
MAX_HANG = 20


class ResultPanel(ttk.LabelFrame):
    """The answer of the last request as readable lines, or one plain error sentence.

    Read-only text the student can select and copy; a long line wraps under its own
    value, not under its label (each line hangs by its own label's width).
    """

    def __init__(self, parent, title: str = "Result", empty: str = "No result yet.",
                 height: int = 8):
        super().__init__(parent, text=title, padding=style.SMALL_PAD)
        self.view = tk.Text(self, height=height, width=40, wrap="word", font="TkFixedFont",
                            relief="flat", borderwidth=0, highlightthickness=0, padx=4, pady=2,
                            cursor="arrow")
        scroll = ttk.Scrollbar(self, orient="vertical", command=self.view.yview)
        self.view.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.view.pack(side="left", fill="both", expand=True)
        self._shown: List[Tuple[str, str]] = [(empty, "muted")]  # (line, colour tag)
        follow_look(self, self._restyle)

    def _restyle(self) -> None:
        style.colour_tags(self.view, palette_of(self))
        self._render()

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
        digit = tkfont.nametofont("TkFixedFont", root=self).measure("0")
        chunks: list = []
        for number, (line, tag) in enumerate(self._shown):
            match = _LABELLED.match(line)
            hang = min(match.end(), MAX_HANG) if match else 0
            hanging = f"hang{hang}"
            self.view.tag_configure(hanging, lmargin2=hang * digit)
            chunks += [("\n" if number else "") + line, (tag, hanging)]
        self.view.configure(state="normal")
        self.view.delete("1.0", "end")
        if chunks:
            self.view.insert("1.0", *chunks)
        self.view.configure(state="disabled")
