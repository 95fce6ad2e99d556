#!/usr/bin/env python3
"""Draw labsuite's icon and write every file the window and the builds need.

    python -m pip install pillow        # a build-time tool only (in the `build` extra)
    python icons/make_icons.py

The mark: two computers on a blue tile, one up on the left and one down on the right,
joined by an orange cable: what the lab is about. It is drawn on a 16 x 16 grid so that
at 16 px every edge falls on a whole pixel; the shapes are drawn 8x larger and scaled
down (below 48 px with every edge snapped to a whole pixel, so small sizes stay crisp),
and from 48 px up they get a little detail (screen glass, a data packet on the cable).
Writes, next to this script: labsuite-<N>.png for each size,
labsuite.png (256 px, what the Linux desktop file and build use), labsuite.ico
(Windows, several sizes in one file) and labsuite.icns (macOS); and the window's own
icon, labsuite/assets/icon.png (256 px).
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from PIL import Image, ImageDraw
except ImportError:  # pragma: no cover - a message, not a traceback
    sys.exit("make_icons.py needs Pillow: python -m pip install pillow")

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent / "labsuite" / "assets"

SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: The running window's icon (labsuite.gui.app loads it; package data, so frozen too).
WINDOW_ICON, WINDOW_SIZE = ASSETS / "icon.png", 256
#: Shapes are drawn this many times larger, then scaled down, for smooth edges.
OVERSAMPLE = 8
#: Sizes from here up get the small details, which would only be mud below.
DETAIL_FROM = 48

TILE = (29, 78, 137, 255)        # blue
TILE_EDGE = (17, 50, 92, 255)    # darker blue: the tile's rim at large sizes
WHITE = (255, 255, 255, 255)
GLASS = (186, 215, 245, 255)     # light blue screen glass
CABLE = (247, 151, 29, 255)      # orange


def draw(size: int) -> Image.Image:
    """The icon at ``size`` x ``size`` pixels, transparent outside the tile."""
    canvas = size * OVERSAMPLE
    unit = canvas / 16  # one cell of the 16 x 16 design grid
    image = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    detail = size >= DETAIL_FROM

    def at(value: float) -> int:
        """A grid position on the big canvas; below DETAIL_FROM, on a whole final pixel."""
        if detail:
            return round(value * unit)
        return round(value * unit / OVERSAMPLE) * OVERSAMPLE

    def box(x0, y0, x1, y1, fill, radius=0.0):
        shape = [at(x0), at(y0), at(x1) - 1, at(y1) - 1]
        if radius:
            pen.rounded_rectangle(shape, radius=round(radius * unit), fill=fill)
        else:
            pen.rectangle(shape, fill=fill)

    # The tile: full bleed at small sizes (every pixel counts), a margin at large ones
    # (as desktop icon sets do), with a darker rim to keep it apart from blue wallpaper.
    if detail:
        box(0.6, 0.6, 15.4, 15.4, TILE_EDGE, radius=3.2)
        box(0.9, 0.9, 15.1, 15.1, TILE, radius=2.9)
    else:
        box(0, 0, 16, 16, TILE, radius=3)

    # Two computers, one up on the left and one down on the right, each a screen on a
    # stand; the cable runs from the side of one to the top of the other.
    for left, top in ((1, 2), (9, 8)):
        screen(box, left, top, detail)
    thick = 1.6 if detail else 2
    box(7, 4 - thick / 2, 12 + thick / 2, 4 + thick / 2, CABLE)   # out of the left screen
    box(12 - thick / 2, 4 - thick / 2, 12 + thick / 2, 8, CABLE)     # down into the right one
    if detail:  # a packet on its way
        box(8.7, 4 - 1.2, 10.7, 4 + 1.2, WHITE, radius=0.4)

    # Box filtering averages each block of pixels: no ringing, and shapes on the grid
    # stay crisp. (Premultiplied, so transparent pixels do not darken the edges.)
    return image.convert("RGBa").resize((size, size), Image.BOX).convert("RGBA")


def screen(box, left: float, top: float, detail: bool) -> None:
    """One computer: a 6 x 4 screen with its top-left corner at (left, top), on a stand."""
    box(left, top, left + 6, top + 4, WHITE, radius=0.6 if detail else 0)
    if detail:
        box(left + 0.7, top + 0.7, left + 5.3, top + 3.3, GLASS, radius=0.25)
    box(left + 2, top + 4, left + 4, top + 5, WHITE)       # the neck
    box(left + 1, top + 5, left + 5, top + 6, WHITE, radius=0.3 if detail else 0)  # the foot


def main() -> int:
    images = {size: draw(size) for size in SIZES}
    for size, image in images.items():
        image.save(HERE / f"labsuite-{size}.png", optimize=True)
    images[256].save(HERE / "labsuite.png", optimize=True)
    images[256].save(HERE / "labsuite.ico", sizes=[(s, s) for s in ICO_SIZES],
                     append_images=[images[s] for s in ICO_SIZES if s != 256])
    images[1024].save(HERE / "labsuite.icns",
                      append_images=[images[s] for s in (16, 32, 64, 128, 256, 512)])
    ASSETS.mkdir(exist_ok=True)
    images[WINDOW_SIZE].save(WINDOW_ICON, optimize=True)
    written = [f"labsuite-{s}.png" for s in SIZES] + ["labsuite.png", "labsuite.ico",
                                                      "labsuite.icns"]
    print(f"wrote {', '.join(written)} in {HERE}")
    print(f"wrote {WINDOW_ICON}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
