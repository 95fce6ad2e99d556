"""The poker table on a Canvas: seats around the table, real-looking cards, chips, the pot.

:class:`CardTable` draws a :class:`~.table_scene.Scene` (``show(scene)``) and draws it
again when the tab is resized or the look changes (theme, scale): everything is sized
from one unit, the window's scale step limited by the space the canvas has. My seat is
at the bottom; the others follow clockwise in seat order, spread evenly around the
table, whose outline (between an ellipse and a rounded rectangle) and name plates are
chosen so that no two seats overlap, even eight at the smallest size.

Items carry tags a test (or a curious student) can find: ``seat`` and ``seat:<name>`` on
every part of a seat, ``card`` with ``face`` or ``back``, ``hole`` (my cards), ``shown``
(cards shown at a showdown), ``board``, ``bet``, ``dealer``, ``pot``, ``timer``,
``turn`` and ``winner``. The turn clock counts down through :meth:`tick`, which changes
only the timer's text and bar (the tab calls it from an ``after()`` loop).
"""

from __future__ import annotations

import math
import time
import tkinter as tk
from dataclasses import dataclass
from tkinter import font as tkfont
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from labsuite.protocols.poker import Card

from ..look import current, follow_look, palette_of
from .table_scene import AWAY, FOLDED, NEXT_HAND, SITTING_OUT, Scene, SeatPicture

#: Fonts that have the four suit symbols (the WGL4 set: nearly every system font does).
SUIT_FONTS = ("DejaVu Sans", "Segoe UI Symbol", "Segoe UI", "Arial", "Liberation Sans",
              "Lucida Grande", "Helvetica Neue", "Helvetica", "Noto Sans", "FreeSans",
              "Noto Sans Symbols2", "Symbola")
SUIT_SYMBOLS = {"s": "\u2660", "h": "\u2665", "d": "\u2666", "c": "\u2663"}
SUIT_LETTERS = {"s": "S", "h": "H", "d": "D", "c": "C"}
RED_SUITS = frozenset("hd")
RANK_TEXT = {10: "10", 11: "J", 12: "Q", 13: "K", 14: "A"}
#: The design size (at unit 1): smaller canvases shrink everything together.
DESIGN_WIDTH, DESIGN_HEIGHT = 560, 250
#: What the canvas asks for at scale 1 (the pane's minimum; it grows when there is room).
MIN_WIDTH, MIN_HEIGHT = 420, 180
SMALLEST_UNIT = 0.6
#: Room for " (you)" after my name, at unit 1 (it is left out where it does not fit).
YOU_WIDTH = 45
#: The table outlines tried, fullest first (see :func:`squircle`; 2 is an ellipse).
POWERS = (3.0, 2.5, 2.0)
#: Text is never smaller than this share of its size at the window's scale.
TEXT_AT_LEAST = 0.85
#: Cards at unit 1: (width, height, the part that shows above a seat's name plate).
CARD_KINDS = {"board": (38, 53, 1.0), "mine": (38, 53, 0.8), "others": (30, 42, 0.6)}


@dataclass(frozen=True)
class Colours:
    felt: str
    felt_line: str
    rim: str
    on_felt: str  # text on the felt
    plate: str
    plate_text: str
    plate_line: str
    plate_out: str  # the plate of a seat out of the hand
    muted: str
    me_line: str
    turn: str  # the outline of the seat whose turn it is, and its clock's bar
    timer: str  # the clock's seconds, on a plate
    winner: str
    winner_text: str
    face: str
    face_line: str
    red: str
    black: str
    back: str
    back_line: str
    chip: str
    chip_line: str


LIGHT = Colours(felt="#2f7a4d", felt_line="#3f8f5e", rim="#6b4a2e", on_felt="#f6f6f0",
                plate="#ffffff", plate_text="#1c1c1c", plate_line="#9a9a9a",
                plate_out="#e4e4e4", muted="#5e5e5e", me_line="#2f60d8", turn="#f0b400",
                timer="#8a5a00", winner="#ffe28a", winner_text="#1c1c1c",
                face="#ffffff", face_line="#8a8a8a", red="#c8102e", black="#1c1c1c",
                back="#27509e", back_line="#9db8ec", chip="#e8c14a", chip_line="#8a6d12")
DARK = Colours(felt="#1f5538", felt_line="#2c6a48", rim="#3d2b1c", on_felt="#eeeeea",
               plate="#2d2d2d", plate_text="#f0f0f0", plate_line="#5a5a5a",
               plate_out="#242424", muted="#a0a0a0", me_line="#57c8ff", turn="#ffc629",
               timer="#ffc629", winner="#6b5410", winner_text="#fff4c8",
               face="#f7f7f2", face_line="#bdbdbd", red="#c8102e", black="#1c1c1c",
               back="#2a4f93", back_line="#8fb0ea", chip="#e8c14a", chip_line="#8a6d12")


def suit_font_family(families: Iterable[str]) -> Optional[str]:
    """The first font here known to draw ♠♥♦♣, or None (cards then show S H D C)."""
    present = {family.lower(): family for family in families}
    return next((present[name.lower()] for name in SUIT_FONTS if name.lower() in present),
                None)


def card_text(card: Card, symbols: bool = True) -> Tuple[str, str]:
    """(rank, suit) as printed on the card: ("10", "♥"), or ("10", "H") without symbols."""
    rank = RANK_TEXT.get(card.rank, str(card.rank))
    return rank, (SUIT_SYMBOLS if symbols else SUIT_LETTERS)[card.suit]


def seconds_text(seconds: float) -> str:
    """"12 s", rounded up (a turn with 0.2 s left still has time); a day at most."""
    return f"{max(0, math.ceil(min(seconds, 86400.0) - 1e-6))} s"


def chips_text(amount: int) -> str:
    return f"{amount:,}"


def squircle(angle: float, rx: float, ry: float, power: float = 3.0) -> Tuple[float, float]:
    """The point at ``angle`` on a superellipse (|x/rx|^p + |y/ry|^p = 1): between an
    ellipse (p = 2) and a rectangle, like a modern card table. Its corners are fuller
    than an ellipse's, which spreads the seats there apart."""
    cos, sin = math.cos(angle), math.sin(angle)
    return (math.copysign(abs(cos) ** (2 / power), cos) * rx,
            math.copysign(abs(sin) ** (2 / power), sin) * ry)


def positions(count: int, width: float, height: float, rx: float, ry: float,
              power: float = 2.0) -> List[Tuple[float, float]]:
    """``count`` points spread around the table's outline (see :func:`squircle`), the
    first at the bottom, then clockwise on the screen (towards the left first, as the
    deal goes)."""
    cx, cy = width / 2, height / 2
    points = []
    for index in range(count):
        x, y = squircle(math.pi / 2 + 2 * math.pi * index / max(1, count), rx, ry, power)
        points.append((cx + x, cy + y))
    return points


def outline(cx: float, cy: float, rx: float, ry: float, power: float,
            steps: int = 96) -> List[float]:
    """The table's outline as polygon points."""
    points: List[float] = []
    for index in range(steps):
        x, y = squircle(2 * math.pi * index / steps, rx, ry, power)
        points += [cx + x, cy + y]
    return points


def rounded_points(x0: float, y0: float, x1: float, y1: float, r: float) -> List[float]:
    """A rounded rectangle as the points of a smoothed polygon."""
    r = max(0.0, min(r, (x1 - x0) / 2, (y1 - y0) / 2))
    return [x0 + r, y0, x0 + r, y0, x1 - r, y0, x1 - r, y0, x1, y0, x1, y0 + r, x1, y0 + r,
            x1, y1 - r, x1, y1 - r, x1, y1, x1 - r, y1, x1 - r, y1, x0 + r, y1, x0 + r, y1,
            x0, y1, x0, y1 - r, x0, y1 - r, x0, y0 + r, x0, y0 + r, x0, y0]


class CardTable(tk.Canvas):
    """A resizable drawing of one poker table (see the module docstring)."""

    def __init__(self, parent, **options):
        options.setdefault("highlightthickness", 0)
        options.setdefault("borderwidth", 0)
        super().__init__(parent, width=MIN_WIDTH, height=MIN_HEIGHT, **options)
        self.scene = Scene()
        self.unit = 1.0
        self._redraw_id: Optional[str] = None
        self._size = (0, 0)
        self.colours = LIGHT
        families = tkfont.families(self)
        self.suit_family = suit_font_family(families)
        body = tkfont.nametofont("TkDefaultFont", root=self).actual("family")
        self.fonts: Dict[str, tkfont.Font] = {
            "name": tkfont.Font(root=self, family=body, weight="bold"),
            "small": tkfont.Font(root=self, family=body),
            "pot": tkfont.Font(root=self, family=body, weight="bold"),
            "button": tkfont.Font(root=self, family=body, weight="bold"),
        }
        for kind in CARD_KINDS:  # each size of card has fonts of its own
            self.fonts[f"rank_{kind}"] = tkfont.Font(root=self, family=self.suit_family or body,
                                                     weight="bold")
            self.fonts[f"suit_{kind}"] = tkfont.Font(root=self, family=self.suit_family or body)
        self._timer_bar: Optional[Tuple[int, float, float, float, float]] = None
        self.bind("<Configure>", self._resized, add="+")
        follow_look(self, self._restyle)

    # -- what the tab calls --------------------------------------------------------------
    def show(self, scene: Scene) -> None:
        """Draw ``scene`` (at the next idle moment: many events in a tick, one drawing)."""
        self.scene = scene
        self._redraw_later()

    def tick(self, now: Optional[float] = None) -> None:
        """Count the turn clock down: only the timer's text and bar change."""
        scene = self.scene
        if scene.deadline is None:
            return
        left = max(0.0, scene.deadline - (time.monotonic() if now is None else now))
        self.itemconfigure("timer_text", text=seconds_text(left))
        if self._timer_bar is not None:
            item, x0, y0, x1, y1 = self._timer_bar
            total = scene.clock_seconds or left or 1.0
            share = max(0.0, min(1.0, left / total))
            self.coords(item, x0, y0, x0 + (x1 - x0) * share, y1)

    @property
    def symbols(self) -> bool:
        """Are suits drawn as ♠♥♦♣ (True) or as letters (no font with them)?"""
        return self.suit_family is not None

    # -- drawing -------------------------------------------------------------------------
    def _restyle(self) -> None:
        look = current(self)
        scale = look.scale if look is not None else 1.0
        self.colours = DARK if palette_of(self).name == "dark" else LIGHT
        self.configure(background=palette_of(self).background,
                       width=int(MIN_WIDTH * scale), height=int(MIN_HEIGHT * scale))
        self._redraw_later()

    def _resized(self, event) -> None:
        if (event.width, event.height) != self._size:
            self._size = (event.width, event.height)
            self._redraw_later()

    def _redraw_later(self) -> None:
        if self._redraw_id is None:
            self._redraw_id = self.after_idle(self.redraw)

    def redraw(self) -> None:
        """Draw the scene now (normally done at the next idle moment)."""
        if self._redraw_id is not None:
            self.after_cancel(self._redraw_id)  # (drawn now: not again when idle)
            self._redraw_id = None
        if not self.winfo_exists():
            return
        self.delete("all")
        self._timer_bar = None
        width = max(self.winfo_width(), 2)
        height = max(self.winfo_height(), 2)
        if width < 10 or height < 10:
            return
        look = current(self)
        scale = look.scale if look is not None else 1.0
        self.unit = u = max(SMALLEST_UNIT, min(scale, width / DESIGN_WIDTH,
                                               height / DESIGN_HEIGHT))
        # text shrinks less than the drawing, to stay readable on a small screen, unless
        # the names would have to be cut short to fit
        scene = self.scene
        for text_unit in (max(u, TEXT_AT_LEAST * scale), u):
            self._size_fonts(u, text_unit)
            layout = _Layout(self, scene, width, height, u)
            if not layout.cuts:
                break
        self._felt(layout)
        self._corner_text(scene, u)
        for seat, (x, y) in zip(layout.order, layout.points):
            self._seat(seat, x, y, layout)
        self._middle(scene, layout)
        self.tick()

    def _size_fonts(self, u: float, text_unit: float) -> None:
        """Every font in pixels: the text's from ``text_unit``, a card's from the part of
        it that shows (a font is shared by every item that uses it: hence one per kind)."""
        for name, pixels, unit in (("name", 13, text_unit), ("small", 12, text_unit),
                                   ("pot", 15, text_unit), ("button", 10, text_unit)):
            self.fonts[name].configure(size=-max(7, int(round(pixels * unit))))
        for kind, (_w, h, peek) in CARD_KINDS.items():
            pixels = max(7, int(h * u * (0.46 * peek if peek < 1 else 0.36)))
            self.fonts[f"rank_{kind}"].configure(size=-pixels)
            self.fonts[f"suit_{kind}"].configure(size=-pixels)

    def _felt(self, layout: "_Layout") -> None:
        c, u = self.colours, layout.u
        cx, cy, rx, ry = layout.cx, layout.cy, layout.felt_rx, layout.felt_ry
        rim = 9 * u
        power = layout.power
        self.create_polygon(outline(cx, cy, rx + rim, ry + rim, power), fill=c.rim,
                            outline="", tags=("felt",))
        self.create_polygon(outline(cx, cy, rx, ry, power), fill=c.felt, outline="",
                            tags=("felt",))
        inset = 10 * u
        self.create_polygon(outline(cx, cy, rx - inset, ry - inset, power), fill="",
                            outline=c.felt_line, width=max(1, int(2 * u)), tags=("felt",))

    def _corner_text(self, scene: Scene, u: float) -> None:
        parts = []
        if scene.hand_number:
            parts.append(f"Hand {scene.hand_number}")
        small, big = scene.blinds
        if big:
            parts.append(f"blinds {small:,}/{big:,}")
        if parts:
            self.create_text(6 * u, 4 * u, text=" · ".join(parts), anchor="nw",
                             font=self.fonts["small"], fill=palette_of(self).muted,
                             tags=("info",))

    def _middle(self, scene: Scene, layout: "_Layout") -> None:
        """The board in the middle, then the pot, side pots and the message, each where
        it covers no seat (drawn after the seats, so they can be looked around)."""
        c, u = self.colours, layout.u
        cx, cy = layout.cx, layout.cy
        cw, ch = layout.board_card
        gap = 5 * u
        if scene.board:
            total = 5 * cw + 4 * gap
            x = cx - total / 2
            for card in scene.board:
                self._card(x, cy - ch / 2, "board", card, ("board",))
                x += cw + gap
            above, below = cy - ch / 2 - 4 * u, cy + ch / 2 + 4 * u
            sides = [(cx + total / 2 + 8 * u, cy, "w"), (cx - total / 2 - 8 * u, cy, "e")]
        else:
            above, below = cy - 2 * u, cy + 2 * u
            sides = []
        spots = [(cx, above, "s"), (cx, below, "n")] + sides
        if scene.pot:
            self._label([f"Pot {chips_text(scene.pot)}"], self.fonts["pot"], c.on_felt,
                        ("pot",), spots)
        if len(scene.side_pots) > 1:
            words = " · ".join(f"side {chips_text(amount)}" for amount in scene.side_pots[1:])
            self._label([f"main {chips_text(scene.side_pots[0])} · {words}"],
                        self.fonts["small"], c.on_felt, ("pot", "side_pots"),
                        spots[1:] + spots[:1])
        if scene.message:
            won = any(seat.won for seat in scene.seats)
            texts = [scene.message] + ([scene.short_message] if scene.short_message else [])
            self._label(texts, self.fonts["name"], c.winner_text if won else c.on_felt,
                        ("message",), spots, banner=(c.winner, c.turn) if won else
                        (c.felt_line, ""), width=layout.felt_rx * 1.3)

    def _label(self, texts: Sequence[str], font: tkfont.Font, fill: str,
               tags: Tuple[str, ...], spots: Sequence[Tuple[float, float, str]],
               banner: Optional[Tuple[str, str]] = None, width: float = 0) -> int:
        """The first of ``texts`` (a long form, then shorter ones) at the first of
        ``spots`` (x, y, anchor) where it covers no seat and no other label; if nothing
        fits, the last text at the first spot, above everything."""
        u = self.unit
        pad = 5 * u if banner else 0
        chosen = None
        tries = [(text, spot) for text in texts for spot in spots]
        for text, (x, y, anchor) in tries:
            dy = {"s": -pad / 2, "n": pad / 2}.get(anchor, 0)
            dx = {"w": pad, "e": -pad}.get(anchor, 0)
            item = self.create_text(x + dx, y + dy, text=text, anchor=anchor,
                                    justify="center", width=width, font=font, fill=fill,
                                    tags=tags + ("label",))
            x0, y0, x1, y1 = self.bbox(item)
            box = (x0 - pad, y0 - pad / 2, x1 + pad, y1 + pad / 2)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= self.winfo_width() and \
                box[3] <= self.winfo_height()
            covers = [other for other in self.find_overlapping(*box) if other != item and
                      {"seat", "label", "banner", "board"} & set(self.gettags(other))]
            if inside and not covers:
                chosen = (item, box)
                break
            self.delete(item)
        if chosen is None:
            text, (x, y, anchor) = texts[-1], spots[0]
            item = self.create_text(x, y, text=text, anchor=anchor, justify="center",
                                    width=width, font=font, fill=fill, tags=tags + ("label",))
            x0, y0, x1, y1 = self.bbox(item)
            chosen = (item, (x0 - pad, y0 - pad / 2, x1 + pad, y1 + pad / 2))
        item, box = chosen
        if banner is not None:
            fill_colour, outline = banner
            under = self.create_polygon(rounded_points(*box, 6 * u), smooth=True,
                                        fill=fill_colour, outline=outline,
                                        width=max(1, int(u)), tags=tags + ("banner",))
            self.tag_lower(under, item)
        self.tag_raise(item)
        return item

    def _seat(self, seat: SeatPicture, x: float, y: float, layout: "_Layout") -> None:
        c, u = self.colours, layout.u
        tag = f"seat:{seat.name}"
        base = ("seat", tag)
        pw, ph = layout.plate_size(seat)
        cw, ch = layout.card_size(seat)
        group_h = layout.group_height(seat)
        top = y - group_h / 2
        plate_top = top + group_h - ph
        # the cards first: the name plate covers their lower part
        if seat.cards:
            overlap = cw * (0.16 if seat.me else 0.28)  # my ranks stay whole ("10")
            total = len(seat.cards) * cw - (len(seat.cards) - 1) * overlap
            cx = x - total / 2
            for card in seat.cards:
                what = "hole" if seat.me else ("shown" if card is not None else "others")
                self._card(cx, top, "mine" if seat.me else "others", card, base + (what,))
                cx += cw - overlap
        x0, x1 = x - pw / 2, x + pw / 2
        y0, y1 = plate_top, plate_top + ph
        fill, text, line, width = c.plate, c.plate_text, c.plate_line, max(1, int(u))
        extra: Tuple[str, ...] = ()
        if seat.won:
            fill, text, line, width = c.winner, c.winner_text, c.turn, max(2, int(3 * u))
            extra += ("winner",)
        elif seat.state in (FOLDED, AWAY, SITTING_OUT, NEXT_HAND):
            fill, text = c.plate_out, c.muted  # out of this hand: greyed
        if seat.turn:
            line, width = c.turn, max(2, int(3 * u))
            extra += ("turn",)
        elif seat.me and not seat.won:
            line, width = c.me_line, max(2, int(2 * u))
        dash = (4, 3) if seat.state == AWAY else ()
        self.create_polygon(rounded_points(x0, y0, x1, y1, 6 * u), smooth=True, fill=fill,
                            outline=line, width=width, dash=dash, tags=base + ("plate",) + extra)
        pad = 6 * u
        name_line = self.fonts["name"].metrics("linespace")
        room = pw - 2 * pad
        name = seat.name + " (you)" if seat.me else seat.name
        if self.fonts["name"].measure(name) > room:  # a cut name is worse than no "(you)"
            name = seat.name
        name = layout.fit_text(name, self.fonts["name"], room)
        self.create_text(x, y0 + 3 * u, text=name, anchor="n", font=self.fonts["name"],
                         fill=text, tags=base + ("name",))
        timer_room = self.fonts["small"].measure(" 30 s") if seat.turn else 0
        second = layout.second_lines(seat, self.fonts["small"], room - timer_room)
        self.create_text(x0 + pad, y0 + 3 * u + name_line, text=second, anchor="nw",
                         font=self.fonts["small"], fill=text, tags=base + ("chips",))
        if seat.turn and self.scene.deadline is not None:
            self.create_text(x1 - pad, y0 + 3 * u + name_line, text="", anchor="ne",
                             font=self.fonts["small"], fill=c.timer,
                             tags=base + ("timer", "timer_text"))
            bar_y0, bar_y1 = y1 - 4 * u, y1 - 1.5 * u
            bar = self.create_rectangle(x0 + pad, bar_y0, x1 - pad, bar_y1, fill=c.turn,
                                        outline="", tags=base + ("timer", "timer_bar"))
            self._timer_bar = (bar, x0 + pad, bar_y0, x1 - pad, bar_y1)
        inward = layout.inward(x, y)
        if seat.dealer:
            self._dealer_button(x, pw, y0, layout, base)
        if seat.bet:
            self._bet(seat, x, y, pw, group_h, inward, layout, base)

    def _dealer_button(self, x: float, pw: float, plate_top: float, layout: "_Layout",
                       base: Tuple[str, ...]) -> None:
        """The dealer button: a badge on the plate's top corner, on the middle's side
        (the cards are narrower than the plate, so the corner is free)."""
        r = max(8 * layout.u, self.fonts["button"].metrics("linespace") * 0.6)
        side = 1 if x <= layout.cx else -1
        bx, by = x + side * (pw / 2 - r * 0.4), plate_top - r * 0.1
        self.create_oval(bx - r, by - r, bx + r, by + r, fill="#ffffff", outline="#333333",
                         width=max(1, int(layout.u)), tags=base + ("dealer",))
        self.create_text(bx, by, text="D", font=self.fonts["button"], fill="#1c1c1c",
                         tags=base + ("dealer",))

    def _bet(self, seat, x, y, pw, group_h, inward, layout, base) -> None:
        c, u = self.colours, layout.u
        dx, dy = inward
        r = 6 * u
        reach = min(pw / 2 / abs(dx) if abs(dx) > 1e-6 else math.inf,
                    group_h / 2 / abs(dy) if abs(dy) > 1e-6 else math.inf)
        distance = reach + r + 8 * u
        bx, by = x + dx * distance, y + dy * distance
        self.create_oval(bx - r, by - r, bx + r, by + r, fill=c.chip, outline=c.chip_line,
                         width=max(1, int(1.5 * u)), tags=base + ("bet",))
        self.create_oval(bx - r * 0.5, by - r * 0.5, bx + r * 0.5, by + r * 0.5,
                         outline=c.chip_line, width=max(1, int(u)), tags=base + ("bet",))
        right = bx <= layout.cx + 1
        self.create_text(bx + (r + 3 * u) * (1 if right else -1), by,
                         text=chips_text(seat.bet), anchor="w" if right else "e",
                         font=self.fonts["small"], fill=c.on_felt, tags=base + ("bet",))

    def _card(self, x: float, y: float, kind: str, card: Optional[Card],
              tags: Tuple[str, ...]) -> None:
        """One card at (x, y), its top left corner: ``kind`` is a key of CARD_KINDS;
        None is a card seen from the back."""
        c, u = self.colours, self.unit
        w, h, peek = CARD_KINDS[kind]
        w, h = w * u, h * u
        radius = max(2.0, w * 0.12)
        outline_width = max(1, int(u))
        if card is None:
            self.create_polygon(rounded_points(x, y, x + w, y + h, radius), smooth=True,
                                fill=c.back, outline=c.face, width=max(1, int(1.5 * u)),
                                tags=tags + ("card", "back"))
            inset = max(2.0, w * 0.14)
            self.create_polygon(rounded_points(x + inset, y + inset, x + w - inset,
                                               y + h - inset, radius * 0.6), smooth=True,
                                fill="", outline=c.back_line, width=outline_width,
                                tags=tags + ("card", "back"))
            mx, my, d = x + w / 2, y + h * peek / 2, w * 0.16
            self.create_polygon(mx, my - d * 1.4, mx + d, my, mx, my + d * 1.4, mx - d, my,
                                fill=c.back_line, outline="", tags=tags + ("card", "back"))
            return
        rank, suit = card_text(card, self.symbols)
        colour = c.red if card.suit in RED_SUITS else c.black
        self.create_polygon(rounded_points(x, y, x + w, y + h, radius), smooth=True,
                            fill=c.face, outline=c.face_line, width=outline_width,
                            tags=tags + ("card", "face", f"card:{card.text}"))
        # rank over suit, in the part a seat's name plate leaves uncovered
        shows = h * peek
        suit_y = 0.72 if peek < 1 else 0.70
        self.create_text(x + w / 2, y + shows * 0.29, text=rank,
                         font=self.fonts[f"rank_{kind}"], fill=colour,
                         tags=tags + ("card", "face", "rank"))
        self.create_text(x + w / 2, y + shows * suit_y, text=suit,
                         font=self.fonts[f"suit_{kind}"], fill=colour,
                         tags=tags + ("card", "face", "suit"))


class _Layout:
    """Where things go on a canvas of this size, at this unit."""

    def __init__(self, table: CardTable, scene: Scene, width: float, height: float,
                 u: float):
        self.table, self.scene, self.width, self.height, self.u = table, scene, width, height, u
        self.cx, self.cy = width / 2, height / 2
        self.name_font, self.small_font = table.fonts["name"], table.fonts["small"]
        self.board_card = (CARD_KINDS["board"][0] * u, CARD_KINDS["board"][1] * u)
        seats = list(scene.seats)
        mine = next((index for index, seat in enumerate(seats) if seat.me), 0)
        self.order: List[SeatPicture] = seats[mine:] + seats[:mine]
        # measured once: asking Tk about a font costs far more than the sums below
        self.plate_height = self.name_font.metrics("linespace") + \
            self.small_font.metrics("linespace") + 9 * u
        self._natural = [self._natural_width(seat) for seat in self.order]
        # the plates get narrower (their names cut short) until no two seats overlap;
        # of the outlines tried, the one that cuts the least (a fuller one on a tie)
        best = None
        for power in POWERS:
            self.power, self.widest_plate = power, 170 * u
            for _attempt in range(12):
                self._place()
                if not self._crowded():
                    break
                self.widest_plate = max(56 * u, self.widest_plate * 0.88)
            if best is None or self.widest_plate > best[1] + 0.5:
                best = (power, self.widest_plate)
        self.power, self.widest_plate = best or (POWERS[0], 170 * u)
        self._place()
        #: Are some names (or chips) cut short to make the seats fit? ("(you)" may go)
        self.cuts = any(width > self.widest_plate + 0.5 + (YOU_WIDTH * u if seat.me else 0)
                        for seat, width in zip(self.order, self._natural))

    def _place(self) -> None:
        u, width, height = self.u, self.width, self.height
        seats = self.order
        widest = min(max(self._natural, default=90 * u), self.widest_plate)
        tallest = max((self.group_height(seat) for seat in seats), default=60 * u)
        margin = 4 * u
        rx = max(10.0, width / 2 - widest / 2 - margin)
        ry = max(10.0, height / 2 - tallest / 2 - margin)
        self.points = positions(len(seats), width, height, rx, ry, self.power)
        self.felt_rx = max(20.0, min(rx + 4 * u, width / 2 - 12 * u))
        self.felt_ry = max(20.0, min(ry + 2 * u, height / 2 - 12 * u))

    def _crowded(self) -> bool:
        """Do the boxes of two seats (plate and cards) overlap?"""
        boxes = []
        for seat, natural, (x, y) in zip(self.order, self._natural, self.points):
            half_w, half_h = min(natural, self.widest_plate) / 2, self.group_height(seat) / 2
            boxes.append((x - half_w, y - half_h, x + half_w, y + half_h))
        slack = 2 * self.u
        for index, a in enumerate(boxes):
            for b in boxes[index + 1:]:
                if min(a[2], b[2]) - max(a[0], b[0]) > slack and \
                        min(a[3], b[3]) - max(a[1], b[1]) > slack:
                    return True
        return False

    def card_size(self, seat: SeatPicture) -> Tuple[float, float]:
        w, h, _peek = CARD_KINDS["mine" if seat.me else "others"]
        return w * self.u, h * self.u

    def plate_size(self, seat: SeatPicture) -> Tuple[float, float]:
        natural = self._natural[self.order.index(seat)]
        return min(natural, self.widest_plate), self.plate_height

    def _natural_width(self, seat: SeatPicture) -> float:
        """The width a plate needs for its whole name and chips (at most 20 letters: a
        longer name is cut anyway)."""
        name = seat.name[:20] + (" (you)" if seat.me else "")
        text_width = max(self.name_font.measure(name),
                         self.small_font.measure(self.second_line(seat) +
                                                 ("  30 s" if seat.turn else "")))
        return max(88 * self.u, text_width + 14 * self.u)

    def group_height(self, seat: SeatPicture) -> float:
        """A seat's cards peek out above its name plate."""
        _w, h, peek = CARD_KINDS["mine" if seat.me else "others"]
        return self.plate_height + h * peek * self.u

    @staticmethod
    def second_line(seat: SeatPicture) -> str:
        if seat.won:
            return f"wins {chips_text(seat.won)}"
        words = chips_text(seat.chips)
        return f"{words} · {seat.state}" if seat.state else words

    def second_lines(self, seat: SeatPicture, font: tkfont.Font, width: float) -> str:
        """The chips and the state; where both do not fit, the state (it says the most),
        else whatever fits, cut."""
        for text in (self.second_line(seat), seat.state):
            if text and font.measure(text) <= width:
                return text
        return self.fit_text(self.second_line(seat), font, width)

    def inward(self, x: float, y: float) -> Tuple[float, float]:
        dx, dy = self.cx - x, self.cy - y
        length = math.hypot(dx, dy) or 1.0
        return dx / length, dy / length

    @staticmethod
    def fit_text(text: str, font: tkfont.Font, width: float) -> str:
        """``text``, cut with an ellipsis if it is wider than ``width``."""
        if font.measure(text) <= width:
            return text
        text = text[:max(1, int(width / max(1, font.measure("n")))) + 2]
        while len(text) > 1 and font.measure(text + "…") > width:
            text = text[:-1]
        return text + "…"


__all__: Sequence[str] = ["CardTable", "card_text", "suit_font_family", "positions",
                          "squircle", "seconds_text"]
