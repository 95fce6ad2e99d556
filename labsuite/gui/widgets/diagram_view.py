"""The conversation drawn: a live sequence diagram of a tab's log, on a Canvas.

Every tab's log area (:func:`add_diagram`) has a Diagram switch: the diagram takes the
log's place, or sits beside it when the window is wide enough for both. The diagram gets
the same events as the log, in the same order and with the same numbers
(:class:`~labsuite.gui.widgets.logview.LogView` hands each batch on), feeds them to the
sans-IO :class:`~labsuite.protocols.diagram.Diagram` and draws what that returns with the
shared :class:`~labsuite.protocols.diagram_layout.Layout`: one lane per endpoint, time
running down, an arrow per step.

It never slows the window: the model summarises load into bands and keeps at most
:data:`MAX_ITEMS` rows, and the drawing changes only the rows that changed, at most once
per :data:`DRAW_MS`; a full redraw happens only when the model renumbered its rows (and
at most once per :data:`REDRAW_MS`), when the zoom or the look changes, or when the view
comes back into sight. Hidden (Log mode, another tab) or paused, it only feeds the model.
Clicking a row selects its log line and clicking a log line selects its row.
"""

from __future__ import annotations

import time
import tkinter as tk
from tkinter import filedialog, ttk
from tkinter import font as tkfont
from typing import Callable, Dict, Iterable, Optional, Tuple

from labsuite.protocols import diagram_export
from labsuite.protocols.diagram import Diagram, Item
from labsuite.protocols.diagram_layout import LINE, POLYGON, RECT, Layout, Shape

from .. import style
from ..look import follow_look, palette_of
from .keys import relabel
from .panels import Tab, size_changed
from .tooltip import tip, tips

#: Rows the model keeps (older ones are summarised into one band at the top).
MAX_ITEMS = 800
#: Changed rows are drawn at most this often, and everything at most every REDRAW_MS.
DRAW_MS = 50
REDRAW_MS = 300
ZOOMS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0)
#: The diagram's pane shows at least this many rows.
MIN_ROWS = 3
LOG, DIAGRAM, BOTH = "log", "diagram", "both"
#: The log and the diagram go side by side when the log area is this many characters
#: of the fixed font wide (a readable log line and two lanes); less: one or the other.
BOTH_CHARS = 150


def diagram_colours(palette: style.Palette) -> Dict[str, str]:
    """The layout's colour roles in ``palette``'s colours."""
    return {"background": palette.field, "text": palette.text, "muted": palette.muted,
            "error": palette.error, "accent": palette.result, "ok": palette.running,
            "lane": palette.border, "band": palette.highlight, "band_edge": palette.running,
            "header": palette.background, "select": palette.notice}


class DiagramView(ttk.Frame):
    """The lanes' headings over the rows, and a toolbar (Pause, zoom, what it shows).

    ``add(events)`` feeds it; ``on_select(event_number)`` hears of a row clicked. The
    toolbar (``self.toolbar``) is made in ``toolbar_parent`` (a title row to share) when
    given, else packed above the diagram.
    """

    def __init__(self, parent, on_select: Optional[Callable[[int], None]] = None,
                 max_items: int = MAX_ITEMS, toolbar_parent: Optional[tk.Misc] = None,
                 note: Optional[Callable[..., None]] = None):
        super().__init__(parent)
        self.model = Diagram(max_items=max_items)
        self.on_select = on_select
        #: ``note(text, error=False)`` tells the student what a save did (the log's
        #: append, in a tab); the toolbar's label says it otherwise.
        self.note = note or self._say
        self.zoom = 1.0
        self.paused = False
        #: Keep the newest row in view; off while the student has scrolled back.
        self.following = True
        self.selected: Optional[int] = None  # the id of the chosen item
        self._select_later: Optional[int] = None  # an event chosen while not drawn
        self.waiting = 0  # events taken while paused
        self.colours = diagram_colours(style.LIGHT)
        self.layout = Layout(8, 16)
        self._fonts: Tuple[tuple, tuple] = (("TkFixedFont",), ("TkFixedFont",))
        self._dirty: Dict[int, Item] = {}  # item id -> item, to draw again
        self._full = True  # everything must be drawn again
        self._lanes_dirty = True
        self._drawn: Dict[int, int] = {}  # item id -> the row it is drawn at
        self._row_item: Dict[int, Item] = {}  # row drawn -> its item
        self._lifelines: Dict[int, int] = {}  # lane -> its line's canvas id
        self._draw_id: Optional[str] = None
        self._last_redraw = 0.0
        self._height = 1  # of the rows drawn, in pixels
        self.redraws = 0  # full redraws so far (for the tests and the benchmark)

        self._build_toolbar(toolbar_parent)
        grid = ttk.Frame(self)
        grid.pack(side="top", fill="both", expand=True)
        self.header = tk.Canvas(grid, height=30, width=200, highlightthickness=0,
                                borderwidth=0)
        self.canvas = tk.Canvas(grid, height=90, width=200, highlightthickness=1,
                                borderwidth=0, takefocus=1)
        vertical = ttk.Scrollbar(grid, orient="vertical", command=self._scroll_y)
        self.horizontal = ttk.Scrollbar(grid, orient="horizontal", command=self._scroll_x)
        self.canvas.configure(yscrollcommand=vertical.set, xscrollcommand=self._x_moved)
        self.header.grid(row=0, column=0, sticky="ew")
        self.canvas.grid(row=1, column=0, sticky="nsew")
        vertical.grid(row=1, column=1, sticky="ns")
        self.horizontal.grid(row=2, column=0, sticky="ew")
        grid.rowconfigure(1, weight=1)
        grid.columnconfigure(0, weight=1)
        self._bind_input()
        tip(self.canvas, "The conversation: one column per endpoint, time running down, an "
                         "arrow for each step. Click a row to find its log line. Keys: Up "
                         "and Down move between rows, P pauses, plus and minus zoom "
                         "(Ctrl+wheel too), End follows the newest again.")
        # Shown again: mapped itself, or a window around it is (a notebook shows its page
        # by mapping the page only). Not the toplevel: its bindings apply to every widget.
        widget: Optional[tk.Misc] = self
        while widget is not None and widget is not self.winfo_toplevel():
            widget.bind("<Map>", lambda _event: self._shown(), add="+")
            widget = widget.master
        self.bind("<Destroy>", self._destroyed, add="+")
        follow_look(self, self._restyle)

    def _build_toolbar(self, parent: Optional[tk.Misc]) -> None:
        bar = self.toolbar = ttk.Frame(parent if parent is not None else self)
        # Its own keys (P, +, -, while the diagram has the keyboard) instead of Alt
        # letters: every tab has this bar, and the tab's own buttons keep the letters.
        bar.no_letters = True
        if parent is None:
            bar.pack(side="top", fill="x", pady=(0, style.SMALL_PAD))
        self.pause_button = ttk.Button(bar, text="Pause", width=7, command=self.toggle_pause)
        self.pause_button.pack(side="left")
        self.zoom_out_button = ttk.Button(bar, text="−", width=2,
                                          command=lambda: self.zoom_by(-1))
        self.zoom_out_button.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.zoom_in_button = ttk.Button(bar, text="+", width=2, command=lambda: self.zoom_by(+1))
        self.zoom_in_button.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.state_label = ttk.Label(bar, text="", style="Muted.TLabel")
        self.state_label.pack(side="left", padx=(style.PAD, 0))
        tips(self.pause_button, "Stop drawing for a moment (nothing is lost); Resume "
                                "catches up. Key: P, on the diagram.",
             self.zoom_out_button, "Zoom out: more of the conversation at once. Keys: "
                                   "minus, or Ctrl+wheel, on the diagram.",
             self.zoom_in_button, "Zoom in. Keys: plus, or Ctrl+wheel, on the diagram.")

    def _bind_input(self) -> None:
        canvas = self.canvas
        canvas.bind("<Button-1>", self._clicked)
        for button, direction in ((4, -1), (5, 1)):  # X11: the wheel is buttons 4 and 5
            canvas.bind(f"<Button-{button}>", lambda _event, n=direction: self._wheel(3 * n))
            canvas.bind(f"<Control-Button-{button}>",
                        lambda _event, n=direction: self._zoom_wheel(n))
        canvas.bind("<MouseWheel>", lambda event: self._wheel(-3 if event.delta > 0 else 3))
        canvas.bind("<Control-MouseWheel>",
                    lambda event: self._zoom_wheel(-1 if event.delta > 0 else 1))
        for sequence, step in (("<Up>", -1), ("<Down>", 1)):
            canvas.bind(sequence, lambda _event, n=step: self.move_selection(n))
        canvas.bind("<Home>", lambda _event: self._scroll_y("moveto", 0) or "break")
        canvas.bind("<End>", lambda _event: self.follow() or "break")
        for sequence in ("<p>", "<P>"):
            canvas.bind(sequence, lambda _event: self.toggle_pause() or "break")
        for sequence, step in (("<plus>", 1), ("<equal>", 1), ("<KP_Add>", 1),
                               ("<minus>", -1), ("<KP_Subtract>", -1)):
            canvas.bind(sequence, lambda _event, n=step: self.zoom_by(n) and "break")

    # -- input --------------------------------------------------------------------------
    def add(self, events: Iterable) -> None:
        """More events, in the log's order (the log's batch of a tick)."""
        events = list(events)
        update = self.model.add(events)
        if self.paused:
            self.waiting += len(events)
            self._full = True
            self._show_state()
            return
        if update.redraw:
            self._full = True
            self._dirty.clear()
        elif not self._full:
            for item in update.added + update.changed:
                self._dirty[item.id] = item
        self._lanes_dirty = self._lanes_dirty or update.lanes_changed
        self._draw_soon(DRAW_MS)

    def clear(self) -> None:
        self.model.clear()
        self.selected = self._select_later = None
        self.waiting = 0
        self.following = True
        self._full = True
        self._draw_soon(0)

    # -- pausing, zooming, following ----------------------------------------------------
    def toggle_pause(self) -> None:
        self.resume() if self.paused else self.pause()

    def pause(self) -> None:
        self.paused = True
        relabel(self.pause_button, "Resume")
        self._show_state()

    def resume(self) -> None:
        """Draw again, caught up with everything that arrived meanwhile."""
        self.paused = False
        self.waiting = 0
        self.following = True
        relabel(self.pause_button, "Pause")
        self._full = True
        self._draw_soon(0, force=True)

    def zoom_by(self, step: int) -> float:
        index = min(range(len(ZOOMS)), key=lambda n: abs(ZOOMS[n] - self.zoom))
        return self.set_zoom(ZOOMS[max(0, min(len(ZOOMS) - 1, index + step))])

    def set_zoom(self, zoom: float) -> float:
        if zoom != self.zoom:
            self.zoom = zoom
            self._restyle()
        self.zoom_out_button.state(["disabled"] if zoom <= ZOOMS[0] else ["!disabled"])
        self.zoom_in_button.state(["disabled"] if zoom >= ZOOMS[-1] else ["!disabled"])
        self._show_state()
        return self.zoom

    def follow(self) -> None:
        """Show the newest rows, and keep showing them as they arrive."""
        self.following = True
        self.canvas.yview_moveto(1.0)

    def _wheel(self, units: int) -> str:
        self.canvas.yview_scroll(units, "units")
        self._user_scrolled()
        return "break"  # the tab around must not scroll as well

    def _zoom_wheel(self, direction: int) -> str:
        self.zoom_by(-direction)
        return "break"

    def _scroll_y(self, *args) -> None:
        self.canvas.yview(*args)
        self._user_scrolled()

    def _scroll_x(self, *args) -> None:
        self.canvas.xview(*args)

    def _x_moved(self, first, last) -> None:
        """The canvas scrolled sideways: the headings follow; the bar shows only when
        the lanes are wider than the view."""
        self.horizontal.set(first, last)
        self.header.xview_moveto(first)
        if float(first) <= 0.0 and float(last) >= 1.0:
            self.horizontal.grid_remove()
        else:
            self.horizontal.grid()

    def _user_scrolled(self) -> None:
        self.following = self.canvas.yview()[1] >= 0.999

    # -- drawing ------------------------------------------------------------------------
    def _restyle(self) -> None:
        """Fonts and colours from the look and the zoom; then everything again."""
        palette = palette_of(self)
        self.colours = diagram_colours(palette)
        fixed = tkfont.nametofont("TkFixedFont", root=self).actual()
        size = max(5, int(round((abs(int(fixed["size"])) or 10) * self.zoom)))
        self._fonts = ((fixed["family"], size), (fixed["family"], size, "bold"))
        width = int(self.tk.call("font", "measure", self._fonts[1], "0"))
        height = int(self.tk.call("font", "metrics", self._fonts[1], "-linespace"))
        self.layout = Layout(width, height, stroke=max(1, round(height / 16)))
        for canvas in (self.canvas, self.header):
            canvas.configure(background=palette.field if canvas is self.canvas
                             else palette.background,
                             highlightbackground=palette.border, highlightcolor=palette.focus)
        self.header.configure(height=self.layout.header_height)
        self.canvas.configure(height=self.layout.row_height * MIN_ROWS,
                              yscrollincrement=max(1, self.layout.row_height // 3))
        self._full = True
        self._draw_soon(0, force=True)

    def _draw_soon(self, delay_ms: int, force: bool = False) -> None:
        if force and self._draw_id is not None:
            self.after_cancel(self._draw_id)
            self._draw_id = None
        if self._draw_id is None:
            self._draw_id = self.after(delay_ms, lambda: self._draw(force))

    def _destroyed(self, event) -> None:
        if event.widget is self and self._draw_id is not None:
            self.after_cancel(self._draw_id)
            self._draw_id = None

    def _shown(self) -> None:
        if self._full or self._dirty or self._lanes_dirty:
            self._draw_soon(0, force=True)

    @property
    def visible(self) -> bool:
        return bool(self.winfo_exists() and self.winfo_viewable())

    def _draw(self, force: bool = False) -> None:
        """Bring the Canvas up to date (in full, or only the rows that changed)."""
        self._draw_id = None
        if self.paused:
            return  # drawn in full when resumed
        if not self.visible:
            self._full, self._dirty = True, {}  # drawn in full when shown again (<Map>)
            return
        if self._full:
            wait = REDRAW_MS / 1000 - (time.monotonic() - self._last_redraw)
            if wait > 0 and not force:
                self._draw_soon(int(wait * 1000) + 1)
                return
            self.redraw()
            return
        dirty, self._dirty = self._dirty, {}
        for item in dirty.values():
            if item.id in self._drawn:
                self.canvas.delete(f"i{item.id}")
            self._draw_item(item)
        self._finish()

    def redraw(self) -> None:
        """Draw every lane and row again."""
        self._full, self._dirty = False, {}
        self._last_redraw = time.monotonic()
        self.redraws += 1
        self.canvas.delete("all")
        self._drawn.clear()
        self._row_item.clear()
        self._lifelines.clear()
        self._lanes_dirty = True
        for item in self.model.items:
            self._draw_item(item)
        if self.selected is not None and self.selected not in self._drawn:
            self.selected = None
        self._finish()
        if self._select_later is not None:
            number, self._select_later = self._select_later, None
            self.select_event(number)

    def _draw_item(self, item: Item) -> None:
        self._drawn[item.id] = item.row
        self._row_item[item.row] = item
        tags = ("item", f"i{item.id}")
        for shape in self.layout.item_shapes(item):
            self._create(self.canvas, shape, tags)

    def _finish(self) -> None:
        layout, canvas = self.layout, self.canvas
        lanes, rows = len(self.model.lanes), len(self.model.items)
        if self._lanes_dirty:
            self._lanes_dirty = False
            self.header.delete("all")
            for shape in layout.header_shapes(self.model.lanes):
                self._create(self.header, shape, ("heading",))
            for lane in self.model.lanes[len(self._lifelines):]:
                self._lifelines[lane.id] = self._create(canvas, layout.lifeline(lane.id, rows),
                                                        ("lane",))
        for lane, line in self._lifelines.items():
            canvas.coords(line, *layout.lifeline(lane, rows).points)
        self._show_selection()
        canvas.tag_lower("lane")
        canvas.tag_lower("selection")
        width, height = layout.width(lanes), layout.height(rows)
        self._height = height
        canvas.configure(scrollregion=(0, 0, width, height))
        self.header.configure(scrollregion=(0, 0, width, layout.header_height))
        if self.following:
            canvas.yview_moveto(1.0)
        self._show_state()

    def _create(self, canvas: tk.Canvas, shape: Shape, tags: tuple) -> int:
        colours, points = self.colours, shape.points
        if shape.kind == LINE:
            return canvas.create_line(*points, fill=colours[shape.colour], width=shape.width,
                                      dash=(4, 3) if shape.dash else (), tags=tags)
        if shape.kind == POLYGON:
            return canvas.create_polygon(*points, fill=colours[shape.fill], outline="",
                                         tags=tags)
        if shape.kind == RECT:
            if shape.fill == "background":  # a label's patch: the selection's colour too
                tags = tags + ("patch",)
            return canvas.create_rectangle(
                *points, fill=colours[shape.fill] if shape.fill else "",
                outline=colours[shape.colour] if shape.colour else "",
                width=shape.width if shape.colour else 0, tags=tags)
        return canvas.create_text(*points, text=shape.text, anchor="nw",
                                  font=self._fonts[1 if shape.bold else 0],
                                  fill=colours[shape.colour], tags=tags)

    def _show_state(self) -> None:
        if self.paused:
            text = "Paused" + (f": {self.waiting:,} new event"
                               f"{'' if self.waiting == 1 else 's'} waiting" if self.waiting
                               else "")
        else:
            rows, lanes = len(self.model.items), len(self.model.lanes)
            text = (f"{lanes} endpoint{'' if lanes == 1 else 's'}, "
                    f"{rows:,} row{'' if rows == 1 else 's'}") if rows else "Nothing yet"
            if self.zoom != 1.0:
                text += f" · {self.zoom:.0%}"
        self.state_label.configure(text=text, style="Muted.TLabel")

    # -- choosing a row -----------------------------------------------------------------
    def _clicked(self, event) -> str:
        self.canvas.focus_set()
        row = self.layout.row_at(self.canvas.canvasy(event.y))
        item = self._row_item.get(row)
        if item is not None:
            self.choose(item, tell=True)
        return "break"

    def choose(self, item: Item, tell: bool = False) -> None:
        """Highlight ``item``'s row; ``tell``: the log shows its line too."""
        self.selected = item.id
        self._show_selection()
        if tell and self.on_select is not None:
            self.on_select(item.event)

    def move_selection(self, step: int) -> str:
        """Up and Down: the row above or below the chosen one (the last one if none)."""
        if self._row_item:
            rows = sorted(self._row_item)
            current = self._drawn.get(self.selected, rows[-1] + (1 if step < 0 else 0))
            target = max(rows[0], min(rows[-1], current + step))
            self.choose(self._row_item[target], tell=True)
            self._see_row(target)
        return "break"

    def select_event(self, number: int) -> Optional[Item]:
        """Highlight and show the row of event ``number`` (None if there is none); while
        the diagram waits to be drawn (hidden, paused), that happens once it is."""
        item = self.model.item_for_event(number)
        if item is None:
            return None
        if item.id not in self._drawn or self._full:
            self._select_later = number
            return None
        self.choose(item)
        self._see_row(self._drawn[item.id])
        return item

    def _see_row(self, row: int) -> None:
        total = max(1, self._height)
        top, bottom = self.layout.row_top(row), self.layout.row_top(row + 1)
        first, last = (fraction * total for fraction in self.canvas.yview())
        if top < first or bottom > last:
            self.canvas.yview_moveto(max(0.0, (top - (last - first) / 3) / total))
        self._user_scrolled()

    def _show_selection(self) -> None:
        canvas = self.canvas
        canvas.delete("selection")
        canvas.itemconfigure("patch", fill=self.colours["background"])
        row = self._drawn.get(self.selected) if self.selected is not None else None
        if row is None:
            return
        canvas.itemconfigure(f"i{self.selected}&&patch", fill=self.colours["select"])
        shape = self.layout.selection(row, len(self.model.lanes))
        x0, y0, x1, y1 = shape.points
        wide = max(x1, self.canvas.canvasx(self.canvas.winfo_width()))  # the view's width
        self._create(self.canvas, Shape(RECT, (x0, y0, wide, y1), colour="",
                                        fill=shape.fill), ("selection",))
        self.canvas.tag_lower("selection")

    @property
    def chosen_item(self) -> Optional[Item]:
        row = self._drawn.get(self.selected) if self.selected is not None else None
        return self._row_item.get(row) if row is not None else None

    # -- export -------------------------------------------------------------------------
    def picture_rows(self) -> Tuple[int, int]:
        """(first, count): every row if they fit one picture, else the rows from the top
        of the view (the newest ones while following)."""
        rows, most = len(self.model.items), diagram_export.MAX_ROWS
        if rows <= most:
            return 0, rows
        if self.following:
            return rows - most, most
        first = max(0, self.layout.row_at(self.canvas.canvasy(0)))
        return min(first, rows - most), most

    def save_png(self, path: str, first: Optional[int] = None,
                 count: Optional[int] = None) -> bytes:
        """Write the diagram (``picture_rows()`` unless told) as a PNG on white, for
        slides; returns the bytes written."""
        if first is None or count is None:
            first, count = self.picture_rows()
        data = diagram_export.render_png(self.model, diagram_colours(style.LIGHT),
                                         first, count)
        with open(path, "wb") as stream:
            stream.write(data)
        return data

    def save_text(self, path: str) -> str:
        """Write the transcript of the whole diagram; returns the text written."""
        text = diagram_export.transcript(self.model)
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
        return text

    def ask_save(self, kind: str) -> Optional[str]:
        """Ask where to save the picture (``"png"``) or the transcript (``"txt"``)."""
        picture = kind == "png"
        path = filedialog.asksaveasfilename(
            parent=self, title="Save the diagram" if picture else "Save the transcript",
            defaultextension=f".{kind}", initialfile=f"labsuite-diagram.{kind}",
            filetypes=[("PNG pictures", "*.png") if picture else ("Text files", "*.txt"),
                       ("All files", "*")])
        if not path:
            return None
        what = "diagram" if picture else "transcript"
        try:
            self.save_png(path) if picture else self.save_text(path)
        except (OSError, ValueError) as exc:
            self.note(f"Could not save the {what} to {path}: "
                      f"{getattr(exc, 'strerror', None) or exc}", error=True)
            return None
        self.note(f"Saved the {what} to {path}")
        return path

    def _say(self, text: str, error: bool = False) -> None:
        self.state_label.configure(text=text, style="Error.TLabel" if error else "Muted.TLabel")


class LogArea:
    """A tab's log with its diagram: the switch, the Save menu and the links both ways."""

    def __init__(self, log, tab=None):
        self.log = log
        self.tab = tab
        self.shown = tk.BooleanVar(log, False)
        self.mode = LOG
        self.diagram = DiagramView(log.body, on_select=log.select_event,
                                   toolbar_parent=log.bar, note=log.append)
        log.on_events = self.diagram.add
        log.on_clear = self.diagram.clear
        log.on_select = self.diagram.select_event
        self.diagram_button = ttk.Checkbutton(log.bar, text="Diagram", variable=self.shown,
                                              command=lambda: self.show_diagram(
                                                  self.shown.get()))
        self.diagram_button.pack(side="left", padx=(2 * style.PAD, 0))
        tip(self.diagram_button, "Draw the conversation as a sequence diagram: who sent what "
                                 "to whom, time running down (beside the log when the window "
                                 "is wide enough, else instead of it).")
        log.save_button.configure(command=self.ask_save)
        tip(log.save_button, "Save everything in this view to a text file; with the diagram "
                             "shown, also the diagram as a PNG picture or a text transcript.")
        log.body.bind("<Configure>", lambda _event: self._arrange(), add="+")
        follow_look(log, self._arrange)  # the width for both depends on the text size
        self.code_button = None
        if tab is not None and _offers_code(tab):
            from .code_view import show_code
            self.code_button = ttk.Button(log.bar, text="Code",
                                          command=lambda: show_code(tab))
            self.code_button.pack(side="right", padx=(0, style.SMALL_PAD),
                                  before=log.clear_button)
            tip(self.code_button, "Show a short Python program that does what this tab is "
                                  "set to, with its host and port filled in.")

    def show_diagram(self, shown: bool = True) -> str:
        """Show or hide the diagram; returns the mode: LOG, DIAGRAM or BOTH."""
        self.shown.set(bool(shown))
        self._arrange()
        if shown:
            self.log.after_idle(self._bring_into_view)
        return self.mode

    def _bring_into_view(self) -> None:
        """A tab that scrolls (a small screen) scrolls to the diagram once it is laid out."""
        tab = self.tab
        if tab is None or not self.log.winfo_exists() or not hasattr(tab, "see"):
            return
        tab.update_idletasks()
        tab.see(self.log)

    def wanted_mode(self) -> str:
        """LOG when the diagram is off; else BOTH if the log area is wide enough."""
        if not self.shown.get():
            return LOG
        digit = tkfont.nametofont("TkFixedFont", root=self.log).measure("0")
        width = self.log.body.winfo_width()
        wide = BOTH_CHARS * digit * (0.95 if self.mode == BOTH else 1.05)  # no flapping
        return BOTH if width >= wide else DIAGRAM

    def _arrange(self) -> None:
        mode = self.wanted_mode()
        if mode != self.mode:
            self._show(mode)

    def _show(self, mode: str) -> None:
        log, body = self.log, self.log.body
        self.mode = mode
        text_shown = mode in (LOG, BOTH)
        for widget, column, sticky in ((log.text, 0, "nsew"), (log.scrollbar, 1, "ns")):
            if text_shown:
                widget.grid(row=0, column=column, sticky=sticky)
            else:
                widget.grid_remove()
        if mode == LOG:
            self.diagram.grid_remove()
            self.diagram.toolbar.pack_forget()
        else:
            if not self.diagram.toolbar.winfo_ismapped():
                self.diagram.toolbar.pack(side="left", after=self.diagram_button,
                                          padx=(2 * style.PAD, 0))
            self.diagram.grid(row=0, column=0 if mode == DIAGRAM else 2,
                              columnspan=3 if mode == DIAGRAM else 1, sticky="nsew",
                              padx=(style.PAD, 0) if mode == BOTH else 0)
        both = mode == BOTH
        body.columnconfigure(0, weight=1, uniform="halves" if both else "")
        body.columnconfigure(2, weight=1 if both else 0, uniform="halves" if both else "")
        log.event_generate("<Configure>")  # the panes take the new minimum height
        size_changed(log)

    def ask_save(self) -> None:
        """Save…: the log as before; with the diagram shown, a menu of what to save."""
        if not self.shown.get():
            self.log.ask_save()
            return
        menu = tk.Menu(self.log, tearoff=False)
        menu.add_command(label="The log (text)…", underline=4, command=self.log.ask_save)
        menu.add_command(label="The diagram as a picture (PNG)…", underline=4,
                         command=lambda: self.diagram.ask_save("png"))
        menu.add_command(label="The diagram as a transcript (text)…", underline=17,
                         command=lambda: self.diagram.ask_save("txt"))
        button = self.log.save_button
        try:
            menu.tk_popup(button.winfo_rootx(), button.winfo_rooty() + button.winfo_height())
        finally:
            menu.grab_release()


def _offers_code(tab) -> bool:
    """Does ``tab``'s class say which scripts fit it (a Code button)?"""
    return type(tab).code_kinds is not Tab.code_kinds


def add_diagram(log, tab=None) -> LogArea:
    """Give ``log`` (a LogView) its diagram, the switch, and the tab's Code button."""
    return LogArea(log, tab)
