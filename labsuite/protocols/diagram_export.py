"""A sequence diagram for slides and reports: as a PNG picture, and as a text transcript.

The picture is drawn from the same :class:`~.diagram_layout.Layout` as the window's
Canvas, in :mod:`pixel_font` on a :class:`~.raster.Raster`, so it needs neither Tk nor
Pillow. A long diagram is exported a stretch of rows at a time (``first``, ``count``):
a picture of a thousand rows would be tens of thousands of pixels high. Pure: the model
and the colours in, bytes or text out.
"""

from __future__ import annotations

from typing import List, Mapping, Optional

from . import pixel_font
from .diagram import ARROW, BAND, ERROR, Diagram, Item, Lane
from .diagram_layout import LINE, POLYGON, RECT, ROLES, TEXT, Layout, Shape
from .raster import Raster

#: The most rows one picture holds.
MAX_ROWS = 200
#: Font pixels are drawn this many picture pixels wide (a readable size on a slide).
SCALE = 2


def png_layout(scale: int = SCALE) -> Layout:
    return Layout(char_width=(pixel_font.WIDTH + pixel_font.SPACING) * scale,
                  line_height=pixel_font.line_height(scale), stroke=scale)


def render_png(diagram: Diagram, colours: Mapping[str, str], first: int = 0,
               count: Optional[int] = None, scale: int = SCALE) -> bytes:
    """The lanes and the rows ``first`` to ``first + count`` (at most :data:`MAX_ROWS`)
    as a PNG; ``colours`` gives a ``#rrggbb`` for every role in
    :data:`~.diagram_layout.ROLES`."""
    missing = [role for role in ROLES if role not in colours]
    if missing:
        raise ValueError(f"no colour for {', '.join(missing)}")
    first = max(0, min(first, len(diagram.items)))
    count = MAX_ROWS if count is None else max(0, min(count, MAX_ROWS))
    items = diagram.items[first:first + count]
    layout = png_layout(scale)
    note = picture_note(first, len(items), len(diagram.items))
    header = layout.header_height
    body = layout.height(len(items))
    height = header + body + (layout.row_height if note else 0)
    raster = Raster(layout.width(len(diagram.lanes)), height, colours["background"])
    painter = _Painter(raster, colours, scale)
    for shape in layout.header_shapes(diagram.lanes):
        painter.draw(shape, 0)
    for lane in diagram.lanes:
        painter.draw(layout.lifeline(lane.id, len(items)), header)
    for row, item in enumerate(items):
        for shape in layout.item_shapes(item, row):
            painter.draw(shape, header)
    if note:
        painter.draw(Shape(TEXT, (layout.margin, header + body + layout.pad),
                           colour="muted", text=note), 0)
    return raster.png()


def picture_note(first: int, shown: int, total: int) -> str:
    """'' when the picture holds every row, else which stretch it is."""
    if shown >= total:
        return ""
    return f"Steps {first + 1:,} to {first + shown:,} of {total:,}"


class _Painter:
    """Shapes onto a raster: roles become colours, lines get their dashes."""

    def __init__(self, raster: Raster, colours: Mapping[str, str], scale: int):
        self.raster, self.colours, self.scale = raster, colours, scale

    def draw(self, shape: Shape, dy: float) -> None:
        raster, colours = self.raster, self.colours
        points = [value + (dy if index % 2 else 0) for index, value in enumerate(shape.points)]
        width = max(1, round(shape.width))
        if shape.kind == LINE:
            dash = 4 * self.scale if shape.dash else 0
            for n in range(0, len(points) - 2, 2):
                raster.line(*points[n:n + 4], colours[shape.colour], width=width, dash=dash)
        elif shape.kind == POLYGON:
            raster.polygon(points, colours[shape.fill or shape.colour])
        elif shape.kind == RECT:
            if shape.fill:
                raster.fill_rect(*points, colours[shape.fill])
            if shape.colour:
                raster.rect(*points, colours[shape.colour], width=width)
        elif shape.kind == TEXT:
            ink = (pixel_font.line_height(self.scale) - pixel_font.HEIGHT * self.scale) // 2
            raster.text(points[0], points[1] + ink, shape.text, colours[shape.colour],
                        self.scale, bold=shape.bold)


# -- the transcript -----------------------------------------------------------------------
def lane_letter(lane: int) -> str:
    """A, B, ... Z, then L27, L28 ... (a lane's short name in the transcript)."""
    return chr(ord("A") + lane) if lane < 26 else f"L{lane + 1}"


def transcript(diagram: Diagram) -> str:
    """The diagram as lines of text: who the lanes are, then one line per row with the
    time since the first row, who sent to whom, and what."""
    lanes: List[Lane] = diagram.lanes
    items: List[Item] = diagram.items
    steps = sum(item.count for item in items)
    lines = [f"Sequence diagram: {len(lanes)} endpoint{'' if len(lanes) == 1 else 's'}, "
             f"{len(items):,} row{'' if len(items) == 1 else 's'} "
             f"({steps:,} step{'' if steps == 1 else 's'})", ""]
    lines += [f"  {lane_letter(lane.id)} = {lane.title}" for lane in lanes]
    if lanes:
        lines.append("")
    start = items[0].time if items else 0.0
    for item in items:
        lines.append(f"{item.time - start:+10.3f} s  {_ends(item):<9} {_what(item)}")
    return "\n".join(lines) + "\n"


def _ends(item: Item) -> str:
    one, two = lane_letter(item.from_lane), lane_letter(item.to_lane)
    if item.kind == ARROW:
        return f"{one} -> {two}"
    if item.kind == BAND:
        return f"{one} .. {two}" if one != two else one
    return one


def _what(item: Item) -> str:
    if item.kind == ERROR:
        return f"error: {item.label}"
    return item.label
