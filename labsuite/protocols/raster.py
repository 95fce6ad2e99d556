"""A picture in memory and its PNG file, with nothing but ``zlib`` and ``struct``.

Tk cannot read back a Canvas's pixels without an extension and Pillow would weigh more
than the whole program, so the diagram's "Save as PNG" draws here: lines, filled
polygons (arrow heads), rectangles and text in :mod:`pixel_font`, on an indexed-colour
image (one byte a pixel, a palette of the few colours used), encoded as a standard PNG
(signature, IHDR, PLTE, IDAT, IEND; each chunk with its CRC). Pure: bytes out.
"""

from __future__ import annotations

import struct
import zlib
from typing import Dict, Iterable, List, Sequence, Tuple

from . import pixel_font

SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Pictures larger than this many pixels are refused (a bug, never a real diagram).
MAX_PIXELS = 40_000_000


def parse_colour(colour: str) -> Tuple[int, int, int]:
    """``"#1c1c1c"`` (or ``"#abc"``) as (r, g, b)."""
    value = colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(digit * 2 for digit in value)
    if len(value) != 6:
        raise ValueError(f"{colour!r} is not a colour like #1c1c1c")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class Raster:
    """``width`` x ``height`` pixels, all ``background`` to begin with.

    Colours are given as ``"#rrggbb"``; each new one takes the next palette entry (at
    most 256). Coordinates are pixels, x to the right and y down; whatever falls outside
    the picture is clipped.
    """

    def __init__(self, width: int, height: int, background: str = "#ffffff"):
        width, height = int(width), int(height)
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise ValueError(f"a picture of {width}x{height} pixels cannot be made")
        self.width, self.height = width, height
        self.palette: List[Tuple[int, int, int]] = []
        self._index: Dict[str, int] = {}
        self.background = self.colour(background)
        self.pixels = bytearray([self.background]) * (width * height)

    def colour(self, colour: str) -> int:
        """The palette index of ``colour`` (added if new)."""
        key = colour.lower()
        index = self._index.get(key)
        if index is None:
            if len(self.palette) >= 256:
                raise ValueError("a picture may use at most 256 colours")
            index = self._index[key] = len(self.palette)
            self.palette.append(parse_colour(colour))
        return index

    def pixel(self, x: int, y: int) -> Tuple[int, int, int]:
        """The (r, g, b) at ``x``, ``y`` (for tests and checks)."""
        return self.palette[self.pixels[y * self.width + x]]

    # -- drawing ----------------------------------------------------------------------
    def fill_rect(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        """Fill the pixels from (x0, y0) up to, not including, (x1, y1)."""
        left, right = sorted((int(round(x0)), int(round(x1))))
        top, bottom = sorted((int(round(y0)), int(round(y1))))
        left, right = max(0, left), min(self.width, right)
        top, bottom = max(0, top), min(self.height, bottom)
        if left >= right or top >= bottom:
            return
        run = bytes([self.colour(colour)]) * (right - left)
        for y in range(top, bottom):
            start = y * self.width + left
            self.pixels[start:start + len(run)] = run

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: str,
             width: int = 1) -> None:
        """The outline of a rectangle, ``width`` pixels thick, inside its corners."""
        self.fill_rect(x0, y0, x1, y0 + width, colour)
        self.fill_rect(x0, y1 - width, x1, y1, colour)
        self.fill_rect(x0, y0, x0 + width, y1, colour)
        self.fill_rect(x1 - width, y0, x1, y1, colour)

    def line(self, x0: float, y0: float, x1: float, y1: float, colour: str,
             width: int = 1, dash: int = 0) -> None:
        """A line ``width`` pixels thick; ``dash`` > 0 draws dashes that long, gaps alike."""
        x0, y0, x1, y1 = (int(round(value)) for value in (x0, y0, x1, y1))
        half = (width - 1) // 2
        if y0 == y1 or x0 == x1:  # the common case, with runs instead of points
            self._straight(x0, y0, x1, y1, colour, width, half, dash)
            return
        steps = max(abs(x1 - x0), abs(y1 - y0))
        for step in range(steps + 1):
            if dash and (step // dash) % 2:
                continue
            x = x0 + (x1 - x0) * step / steps
            y = y0 + (y1 - y0) * step / steps
            self.fill_rect(round(x) - half, round(y) - half, round(x) - half + width,
                           round(y) - half + width, colour)

    def _straight(self, x0, y0, x1, y1, colour, width, half, dash) -> None:
        horizontal = y0 == y1
        low, high = sorted((x0, x1) if horizontal else (y0, y1))
        pieces = [(low, high + 1)]
        if dash:
            pieces = [(start, min(start + dash, high + 1))
                      for start in range(low, high + 1, 2 * dash)]
        for start, end in pieces:
            if horizontal:
                self.fill_rect(start, y0 - half, end, y0 - half + width, colour)
            else:
                self.fill_rect(x0 - half, start, x0 - half + width, end, colour)

    def polygon(self, points: Sequence[float], colour: str) -> None:
        """Fill the polygon through ``points`` (x0, y0, x1, y1, ...), row by row."""
        corners = list(zip(points[0::2], points[1::2]))
        if len(corners) < 3:
            return
        top = max(0, int(min(y for _x, y in corners)))
        bottom = min(self.height - 1, int(max(y for _x, y in corners)))
        edges = list(zip(corners, corners[1:] + corners[:1]))
        for y in range(top, bottom + 1):
            middle = y + 0.5
            crossings = sorted(xa + (middle - ya) * (xb - xa) / (yb - ya)
                               for (xa, ya), (xb, yb) in edges
                               if (ya <= middle < yb) or (yb <= middle < ya))
            for left, right in zip(crossings[0::2], crossings[1::2]):
                self.fill_rect(round(left), y, round(right), y + 1, colour)

    def text(self, x: float, y: float, text: str, colour: str, scale: int = 1,
             bold: bool = False) -> int:
        """Write ``text`` with its top-left corner at (x, y); returns its width."""
        x, y = int(round(x)), int(round(y))
        index = self.colour(colour)
        advance = (pixel_font.WIDTH + pixel_font.SPACING) * scale
        for number, character in enumerate(text):
            left = x + number * advance
            if left >= self.width:
                break
            if left + advance <= 0:
                continue
            for row, runs in enumerate(pixel_font.glyph(character)):
                for column, length in runs:
                    start = left + column * scale
                    end = start + length * scale + (1 if bold else 0)
                    self._run(start, end, y + row * scale, scale, index)
        return pixel_font.text_width(text, scale)

    def _run(self, start: int, end: int, top: int, rows: int, index: int) -> None:
        start, end = max(0, start), min(self.width, end)
        if start >= end:
            return
        run = bytes([index]) * (end - start)
        for y in range(max(0, top), min(self.height, top + rows)):
            offset = y * self.width + start
            self.pixels[offset:offset + len(run)] = run

    # -- the file ---------------------------------------------------------------------
    def png(self, compression: int = 6) -> bytes:
        """The picture as a PNG file (8-bit indexed colour, no filtering)."""
        width = self.width
        raw = bytearray()
        for y in range(self.height):
            raw.append(0)  # filter type 0 (none) for every row
            raw += self.pixels[y * width:(y + 1) * width]
        header = struct.pack(">IIBBBBB", width, self.height, 8, 3, 0, 0, 0)
        palette = b"".join(bytes(entry) for entry in self.palette)
        return SIGNATURE + b"".join(_chunk(kind, data) for kind, data in (
            (b"IHDR", header), (b"PLTE", palette),
            (b"IDAT", zlib.compress(bytes(raw), compression)), (b"IEND", b"")))


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def read_png(data: bytes) -> Tuple[int, int, List[Tuple[int, int, int]], Iterable[bytes]]:
    """(width, height, palette, rows of palette indices) of a PNG this module wrote.

    Checks the signature, every chunk's CRC and the header; refuses anything else (it
    is the check for tests and the export, not a general PNG reader)."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    offset, chunks = len(SIGNATURE), []
    while offset < len(data):
        if offset + 8 > len(data):
            raise ValueError("a chunk is cut short")
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        if len(body) != length or zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"the {kind!r} chunk is damaged")
        chunks.append((kind, body))
        offset += 12 + length
    kinds = [kind for kind, _body in chunks]
    if kinds[:2] != [b"IHDR", b"PLTE"] or kinds[-1] != b"IEND":
        raise ValueError(f"unexpected chunks {kinds}")
    width, height, depth, colour_type, _c, _f, _i = struct.unpack(">IIBBBBB", chunks[0][1])
    if (depth, colour_type) != (8, 3):
        raise ValueError("not an 8-bit indexed-colour PNG")
    plte = chunks[1][1]
    palette = [tuple(plte[n:n + 3]) for n in range(0, len(plte), 3)]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width + 1
    if len(raw) != stride * height or any(raw[y * stride] for y in range(height)):
        raise ValueError("the pixel data does not match the header")
    rows = [raw[y * stride + 1:(y + 1) * stride] for y in range(height)]
    return width, height, palette, rows
