"""Where each part of a sequence diagram goes: the model's lanes and items as shapes.

One layout feeds both pictures of a :class:`~labsuite.protocols.diagram.Diagram`: the
window's Canvas and the PNG export (:mod:`diagram_export`), so the two always agree.
A shape is a line, a filled polygon (an arrow head), a rectangle or a line of text at
its top-left corner, in pixels, with colours named by role ("text", "error", "band"...)
that each picture turns into its theme's colours. Labels are set in a fixed-width font,
so fitting one into the room it has is arithmetic on its length.

Lanes are columns ``lane_width`` apart, time runs down a row per item: a handshake, a
read or a write is an arrow from the sender's lane to the receiver's with its label above
it; opened, bound, listening and stopped are marks on the lane; an error is a red cross;
a band spans the lanes of a summarised stretch of load. Pure: no Tk, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from .diagram import ARROW, BAND, ERROR, Item, Lane

LINE, POLYGON, RECT, TEXT = "line", "polygon", "rect", "text"
#: The colour roles a picture must provide.
ROLES = ("background", "text", "muted", "error", "accent", "ok", "lane", "band",
         "band_edge", "header", "select")
#: A lane is this many label characters wide ("Bound server socket to 127.0.0.1:8007"
#: and a typical "Wrote 16 bytes: Hello, COS 333.\n" fit).
LANE_CHARS = 40
ELLIPSIS = "…"
#: The first lane's line is this many lane widths in (room for its heading box).
FIRST_LANE = 0.4

_MARK_COLOURS = {"opened": "ok", "bound": "ok", "listening": "ok", "stopped": "muted",
                 "close": "muted"}
_ARROW_COLOURS = {"connect": "accent", "close": "muted"}


@dataclass(frozen=True)
class Shape:
    """One thing to draw. ``points``: x0, y0, x1, y1, ... (a RECT's two corners, a
    TEXT's top-left corner). ``colour`` is the ink (outline, line, text), ``fill`` the
    inside of a RECT or POLYGON ('' for none); ``bold`` text is a lane's title."""

    kind: str
    points: Tuple[float, ...]
    colour: str = "text"
    fill: str = ""
    width: float = 1.0
    dash: bool = False
    text: str = ""
    bold: bool = False


def fit(text: str, room: float, char_width: float) -> str:
    """``text`` cut (with …) to the characters that fit in ``room`` pixels."""
    fits = int(room // char_width) if char_width > 0 else len(text)
    if len(text) <= fits:
        return text
    return text[:fits - 1] + ELLIPSIS if fits >= 2 else ""


def lane_heading(lane: Lane) -> Tuple[str, str]:
    """The two lines at the top of a lane: what it is, and its address (or '')."""
    if lane.address is not None and " " in lane.title:
        head, address = lane.title.split(" ", 1)
        return head, address
    return lane.title, ""


class Layout:
    """Positions for a label font ``char_width`` x ``line_height`` pixels.

    ``stroke`` is the width of a plain line (wider pictures want thicker lines).
    """

    def __init__(self, char_width: float, line_height: float, stroke: int = 1,
                 lane_chars: int = LANE_CHARS):
        self.char_width = float(char_width)
        self.line_height = float(line_height)
        self.stroke = max(1, int(stroke))
        self.lane_width = round(char_width * lane_chars)
        self.row_height = round(line_height * 2.0)
        self.margin = round(char_width * 2)
        self.pad = max(2, round(char_width / 2))
        self.header_height = round(line_height * 2 + 3 * self.pad)

    # -- where things are -------------------------------------------------------------
    def lane_x(self, lane: int) -> float:
        return self.margin + self.lane_width * (lane + FIRST_LANE)

    def width(self, lanes: int) -> int:
        """The picture's width: every lane, and room for the last lane's mark labels."""
        return int(2 * self.margin + self.lane_width * (max(1, lanes) + FIRST_LANE))

    def row_top(self, row: int) -> float:
        return self.pad + row * self.row_height

    def height(self, rows: int) -> int:
        return int(self.row_top(max(0, rows)) + self.pad)

    def row_at(self, y: float) -> int:
        """The row at height ``y`` (-1 above the first)."""
        if y < self.pad:
            return -1
        return int((y - self.pad) // self.row_height)

    def _fit(self, text: str, room: float) -> str:
        return fit(text, room, self.char_width)

    def _text_width(self, text: str) -> float:
        return len(text) * self.char_width

    # -- the lanes --------------------------------------------------------------------
    def header_shapes(self, lanes: Sequence[Lane]) -> List[Shape]:
        """A box per lane with its two heading lines, in a strip ``header_height`` high."""
        shapes: List[Shape] = []
        room = 2 * FIRST_LANE * self.lane_width
        for lane in lanes:
            x = self.lane_x(lane.id)
            head, address = (self._fit(line, room - 2 * self.pad) for line in lane_heading(lane))
            half = min(room, max(self._text_width(head), self._text_width(address))
                       + 2 * self.pad) / 2
            shapes.append(Shape(RECT, (x - half, self.pad, x + half,
                                       self.header_height - self.pad),
                                colour="lane", fill="header", width=self.stroke))
            top = self.header_height / 2 - (self.line_height if address else
                                            self.line_height / 2)
            shapes.append(Shape(TEXT, (x - self._text_width(head) / 2, top), text=head,
                                bold=True))
            if address:
                shapes.append(Shape(TEXT, (x - self._text_width(address) / 2,
                                           top + self.line_height), colour="muted",
                                    text=address))
        return shapes

    def lifeline(self, lane: int, rows: int) -> Shape:
        """The vertical line of ``lane`` down through ``rows`` rows."""
        x = self.lane_x(lane)
        return Shape(LINE, (x, 0, x, self.height(rows)), colour="lane",
                     width=2 * self.stroke)

    def selection(self, row: int, lanes: int) -> Shape:
        """The highlight behind a chosen row."""
        top = self.row_top(row)
        return Shape(RECT, (0, top, self.width(lanes), top + self.row_height),
                     colour="", fill="select")

    # -- the items --------------------------------------------------------------------
    def item_shapes(self, item: Item, row: int = -1) -> List[Shape]:
        """What ``item`` looks like at ``row`` (its own row unless told)."""
        top = self.row_top(item.row if row < 0 else row)
        middle = top + self.row_height * 0.66
        if item.kind == ARROW and item.from_lane != item.to_lane:
            return self._arrow(item, middle)
        if item.kind == ARROW:
            return self._loop(item, middle)
        if item.kind == BAND:
            return self._band(item, top)
        if item.kind == ERROR:
            return self._mark(item, middle, error=True)
        return self._mark(item, middle)

    def _label(self, text: str, x: float, top: float, colour: str,
               crossing: bool = False) -> List[Shape]:
        """A label; one that crosses other lanes' lines sits on a patch of background
        (a RECT filled "background"), so they never run through its letters."""
        if not text:
            return []
        label = [Shape(TEXT, (x, top), colour=colour, text=text)]
        if not crossing:
            return label
        width = self._text_width(text)
        return [Shape(RECT, (x - 1, top, x + width + 1, top + self.line_height),
                      colour="", fill="background")] + label

    def _head(self, tip: float, middle: float, direction: int, colour: str) -> Shape:
        """An arrow head pointing ``direction`` (+1 right, -1 left) with its tip at ``tip``."""
        length, half = self.char_width * 1.3, self.line_height * 0.3
        back = tip - direction * length
        return Shape(POLYGON, (tip, middle, back, middle - half, back, middle + half),
                     colour=colour, fill=colour)

    def _arrow(self, item: Item, middle: float) -> List[Shape]:
        start, end = self.lane_x(item.from_lane), self.lane_x(item.to_lane)
        direction = 1 if end > start else -1
        colour = _ARROW_COLOURS.get(item.step, "text")
        width = self.stroke * (2 if item.step == "connect" else 1)
        head = self._head(end, middle, direction, colour)
        line = Shape(LINE, (start, middle, head.points[2], middle), colour=colour,
                     width=width, dash=item.step == "close")
        text = self._fit(item.label, abs(end - start) - self.char_width)
        left = (start + end) / 2 - self._text_width(text) / 2
        label_top = middle - self.line_height - self.pad / 2 - width
        crossing = abs(item.to_lane - item.from_lane) > 1
        return [line, head] + self._label(text, left, label_top, colour, crossing)

    def _loop(self, item: Item, middle: float) -> List[Shape]:
        """An arrow from a lane to itself (both ends in the "others" lane)."""
        x = self.lane_x(item.from_lane)
        out, drop = self.char_width * 3, self.line_height * 0.5
        colour = _ARROW_COLOURS.get(item.step, "text")
        head = self._head(x, middle, -1, colour)
        shapes = [Shape(LINE, (x, middle - drop, x + out, middle - drop, x + out, middle,
                               head.points[2], middle), colour=colour, width=self.stroke,
                        dash=item.step == "close"), head]
        text = self._fit(item.label, self.lane_width * 0.9 - out)
        return shapes + self._label(text, x + out + self.pad, middle - self.line_height / 2,
                                    colour)

    def _mark(self, item: Item, middle: float, error: bool = False) -> List[Shape]:
        x = self.lane_x(item.from_lane)
        half = self.line_height * 0.3
        if error:
            colour = "error"
            shapes = [Shape(LINE, (x - half, middle - half, x + half, middle + half),
                            colour=colour, width=2 * self.stroke),
                      Shape(LINE, (x - half, middle + half, x + half, middle - half),
                            colour=colour, width=2 * self.stroke)]
        else:
            colour = _MARK_COLOURS.get(item.step, "text")
            shapes = [Shape(RECT, (x - half, middle - half, x + half, middle + half),
                            colour=colour, fill=colour, width=self.stroke)]
        room = self.lane_width - self.char_width - 2 * half - self.pad  # to the next lane
        text = self._fit(item.label, room)
        return shapes + self._label(text, x + half + self.pad, middle - self.line_height / 2,
                                    "error" if error else ("muted" if colour == "muted"
                                                           else "text"))

    def _band(self, item: Item, top: float) -> List[Shape]:
        one, two = sorted((self.lane_x(item.from_lane), self.lane_x(item.to_lane)))
        if one == two:
            one, two = one - self.lane_width * 0.3, two + self.lane_width * 0.3
        else:
            one, two = one - self.margin, two + self.margin
        earlier = item.step == "earlier"
        box = Shape(RECT, (one, top + self.row_height * 0.12, two,
                           top + self.row_height * 0.92),
                    colour="lane" if earlier else "band_edge",
                    fill="header" if earlier else "band", width=self.stroke)
        text = self._fit(item.label, two - one - 2 * self.pad)
        left = (one + two) / 2 - self._text_width(text) / 2
        label_top = top + self.row_height * 0.52 - self.line_height / 2
        return [box, Shape(TEXT, (left, label_top), colour="muted" if earlier else "text",
                           text=text)]
