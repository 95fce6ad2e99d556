"""The diagram as a picture without Tk: the bitmap font, the raster and its PNG file, the
shared layout, and the PNG and text exports (checked by decoding the file's chunks)."""

from __future__ import annotations

import struct
import string
import zlib

import pytest

from labsuite.protocols import pixel_font
from labsuite.protocols.diagram import ARROW, BAND, Diagram
from labsuite.protocols.diagram_export import (MAX_ROWS, lane_letter, png_layout, render_png,
                                               transcript)
from labsuite.protocols.diagram_layout import (LINE, POLYGON, RECT, ROLES, TEXT, Layout,
                                               fit, lane_heading)
from labsuite.protocols.raster import Raster, parse_colour, read_png

from .test_diagram import closing, connect, ev, listening, round_trip

pytestmark = pytest.mark.timeout(30)

COLOURS = {"background": "#ffffff", "text": "#1c1c1c", "muted": "#646464",
           "error": "#b00020", "accent": "#0b4f8a", "ok": "#16651b", "lane": "#c8c8c8",
           "band": "#d7efd2", "band_edge": "#16651b", "header": "#fafafa", "select": "#fff1c2"}


def echo_session():
    diagram = Diagram()
    diagram.add(listening() + connect() + round_trip("Hello, COS 333.\\n") + closing()
                + [ev("error", "echo server", "Port 8007 is already in use."),
                   ev("stopped", "echo server", "Stopped")])
    return diagram


def decoded(data):
    width, height, palette, rows = read_png(data)
    return width, height, lambda x, y: palette[rows[y][x]]


# -- the font -------------------------------------------------------------------------------
def test_every_printable_character_has_a_glyph_of_the_right_size():
    for character in string.printable.strip() + " ·…→←":
        glyph = pixel_font.glyph(character)
        assert glyph is not pixel_font.MISSING, character
        assert len(glyph) == pixel_font.HEIGHT
        for runs in glyph:
            for column, width in runs:
                assert 0 <= column and width > 0 and column + width <= pixel_font.WIDTH
    assert not any(pixel_font.glyph(" "))  # a space has no ink
    assert any(pixel_font.glyph("g")[pixel_font.ASCENT:])  # g has a tail below the line
    assert not any(pixel_font.glyph("a")[pixel_font.ASCENT:])


def test_letters_look_different_and_others_fall_back():
    shapes = {pixel_font.glyph(c) for c in string.ascii_letters + string.digits}
    assert len(shapes) == len(string.ascii_letters + string.digits)
    assert pixel_font.glyph("é") == pixel_font.glyph("e")
    assert pixel_font.glyph("Å") == pixel_font.glyph("A")
    for odd in ("😀", "\x00", "\u200b", "中"):
        assert pixel_font.glyph(odd) is pixel_font.MISSING
    assert pixel_font.text_width("") == 0
    assert pixel_font.text_width("ab", scale=2) == (2 * 6 - 1) * 2


# -- the raster and its file ------------------------------------------------------------------
def test_a_png_round_trip_with_chunks_and_crcs():
    raster = Raster(7, 3, "#ffffff")
    raster.fill_rect(1, 1, 3, 2, "#ff0000")
    data = raster.png()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    assert struct.unpack(">IIBBBBB", data[16:29]) == (7, 3, 8, 3, 0, 0, 0)
    assert zlib.crc32(data[12:29]) & 0xFFFFFFFF == struct.unpack(">I", data[29:33])[0]
    assert data.endswith(b"IEND\xaeB`\x82")
    width, height, pixel = decoded(data)
    assert (width, height) == (7, 3)
    assert [pixel(x, 1) for x in range(4)] == [(255, 255, 255), (255, 0, 0), (255, 0, 0),
                                               (255, 255, 255)]
    assert pixel(1, 0) == pixel(1, 2) == (255, 255, 255)
    damaged = bytearray(data)
    damaged[20] ^= 1
    with pytest.raises(ValueError, match="damaged"):
        read_png(bytes(damaged))
    with pytest.raises(ValueError):
        read_png(b"GIF89a")


def test_drawing_is_clipped_and_lines_and_triangles_land_where_asked():
    raster = Raster(20, 20, "#000000")
    raster.fill_rect(-5, -5, 3, 3, "#ffffff")  # partly outside
    raster.fill_rect(30, 30, 40, 40, "#ffffff")  # wholly outside: nothing
    assert raster.pixel(0, 0) == raster.pixel(2, 2) == (255, 255, 255)
    assert raster.pixel(3, 3) == (0, 0, 0)
    raster.line(0, 10, 19, 10, "#00ff00", width=1, dash=2)
    assert [raster.pixel(x, 10)[1] for x in range(6)] == [255, 255, 0, 0, 255, 255]
    raster.line(5, 0, 5, 5, "#0000ff", width=3)
    assert raster.pixel(4, 1) == raster.pixel(6, 1) == (0, 0, 255)
    raster.line(10, 12, 19, 19, "#ff0000")  # a diagonal
    assert raster.pixel(10, 12) == raster.pixel(19, 19) == (255, 0, 0)
    raster.polygon((10, 0, 19, 0, 10, 9), "#ffff00")
    assert raster.pixel(11, 1) == (255, 255, 0) and raster.pixel(18, 8) == (0, 0, 0)
    raster.line(-100, -100, 100, 100, "#ffffff", width=4)  # far outside on both ends


def test_text_puts_ink_where_the_glyph_has_it():
    raster = Raster(40, 20, "#ffffff")
    width = raster.text(2, 3, "Hi", "#000000", scale=2)
    assert width == pixel_font.text_width("Hi", 2)
    glyph = pixel_font.glyph("H")
    for row in range(pixel_font.HEIGHT):
        inked = {column for start, length in glyph[row] for column in range(start, start + length)}
        for column in range(pixel_font.WIDTH):
            expected = (0, 0, 0) if column in inked else (255, 255, 255)
            assert raster.pixel(2 + column * 2, 3 + row * 2) == expected
    raster.text(-50, 0, "clipped at the left and the right" * 3, "#000000")


def test_colours_and_sizes_are_checked():
    assert parse_colour("#abc") == (0xaa, 0xbb, 0xcc)
    with pytest.raises(ValueError):
        parse_colour("red")
    with pytest.raises(ValueError):
        Raster(0, 10)
    with pytest.raises(ValueError):
        Raster(100_000, 100_000)
    raster = Raster(2, 2)  # white is the first colour
    for n in range(255):
        raster.colour(f"#0000{n:02x}")
    assert len(raster.palette) == 256
    with pytest.raises(ValueError, match="256"):
        raster.colour("#123456")


# -- the layout -------------------------------------------------------------------------------
def test_lanes_and_rows_are_where_the_layout_says():
    layout = Layout(8, 16)
    assert layout.lane_x(1) - layout.lane_x(0) == pytest.approx(layout.lane_width)
    assert layout.width(2) > layout.lane_x(1) + layout.lane_width / 3
    for row in (0, 1, 7, 100):
        assert layout.row_at(layout.row_top(row) + 1) == row
        assert layout.row_at(layout.row_top(row + 1) - 1) == row
    assert layout.row_at(0) == -1
    assert fit("Hello", 80, 8) == "Hello"
    assert fit("Hello, world", 48, 8) == "Hello…" and len(fit("x" * 99, 40, 8)) == 5
    assert fit("Hello", 8, 8) == ""


def test_every_item_becomes_shapes_in_known_roles_inside_its_row():
    diagram = echo_session()
    diagram.add([ev("closed", "echo server", "odd", peer=("1.2.3.4", 5), conn=9)])
    layout = Layout(8, 16)
    kinds = set()
    for item in diagram.items:
        shapes = layout.item_shapes(item)
        assert shapes
        top, bottom = layout.row_top(item.row), layout.row_top(item.row + 1)
        for shape in shapes:
            kinds.add(shape.kind)
            assert shape.kind in (LINE, POLYGON, RECT, TEXT)
            assert shape.colour in ROLES or shape.colour == ""
            assert shape.fill in ROLES or shape.fill == ""
            ys = shape.points[1::2]
            assert all(top - 1 <= y <= bottom + 1 for y in ys), (item, shape)
            if shape.kind == TEXT:
                assert shape.text and len(shape.text) <= 80
    assert kinds == {LINE, POLYGON, RECT, TEXT}
    connect_row = next(item for item in diagram.items if item.step == "connect")
    line, head = layout.item_shapes(connect_row)[:2]
    assert line.colour == "accent" and head.points[0] == layout.lane_x(0)  # to the server
    assert line.points[0] == layout.lane_x(1)  # from the client


def test_a_label_fits_between_its_lanes_and_an_arrow_to_itself_loops():
    layout = Layout(8, 16)
    diagram = Diagram(max_lanes=2)
    long = "Wrote 80 bytes: " + "x" * 70
    diagram.add(listening() + connect() + [
        ev("wrote", "echo server", long, peer=("127.0.0.1", 50252), conn=1, size=80)])
    arrow = diagram.items[-1]
    text = next(shape for shape in layout.item_shapes(arrow) if shape.kind == TEXT)
    assert text.text.endswith("…")
    left, right = text.points[0], text.points[0] + len(text.text) * 8
    assert layout.lane_x(0) < left and right < layout.lane_x(1)
    arrow.to_lane = arrow.from_lane  # both ends in the "others" lane
    shapes = layout.item_shapes(arrow)
    assert shapes[0].kind == LINE and len(shapes[0].points) == 8


def test_lane_headings_show_what_and_where():
    diagram = echo_session()
    assert [lane_heading(lane) for lane in diagram.lanes] == [
        ("server", "127.0.0.1:8007"), ("client", "127.0.0.1:50252")]
    shapes = Layout(8, 16).header_shapes(diagram.lanes)
    assert [shape.text for shape in shapes if shape.kind == TEXT] == [
        "server", "127.0.0.1:8007", "client", "127.0.0.1:50252"]
    assert all(shape.bold for shape in shapes if shape.text in ("server", "client"))


# -- the exports ------------------------------------------------------------------------------
def test_the_png_of_an_echo_session_has_its_lanes_arrows_and_size():
    diagram = echo_session()
    data = render_png(diagram, COLOURS)
    width, height, pixel = decoded(data)
    layout = png_layout()
    assert width == layout.width(2)
    assert height == layout.header_height + layout.height(len(diagram.items))
    lane = parse_colour(COLOURS["lane"])
    below = layout.header_height + layout.row_top(len(diagram.items) - 1) + 2
    assert pixel(int(layout.lane_x(0)), below) == lane  # the server's line runs down
    connect_row = next(item.row for item in diagram.items if item.step == "connect")
    middle = layout.header_height + int(layout.row_top(connect_row) + layout.row_height * 0.66)
    x = int((layout.lane_x(0) + layout.lane_x(1)) / 2)
    assert parse_colour(COLOURS["accent"]) in {pixel(x, middle + dy) for dy in (-1, 0, 1)}
    error_row = next(item.row for item in diagram.items if item.kind == "error")
    top = layout.header_height + int(layout.row_top(error_row))
    reds = sum(pixel(x, y) == parse_colour(COLOURS["error"])
               for y in range(top, top + layout.row_height) for x in range(width))
    assert reds > 50  # the cross and its text
    ink = sum(pixel(x, y) == parse_colour(COLOURS["text"])
              for y in range(layout.header_height) for x in range(width))
    assert ink > 100  # the lanes' titles


def test_a_long_diagram_is_exported_a_stretch_at_a_time_with_a_note():
    diagram = Diagram(max_items=1000, rate=1000)
    diagram.add(listening() + connect())
    for n in range(150):
        diagram.add(round_trip(str(n), t=n * 2.0))  # 2 s apart: never folded
    assert len(diagram.items) > MAX_ROWS
    layout = png_layout()
    width, height, _pixel = decoded(render_png(diagram, COLOURS, first=10, count=5000))
    assert height == layout.header_height + layout.height(MAX_ROWS) + layout.row_height
    _w, short, _p = decoded(render_png(diagram, COLOURS, first=len(diagram.items) - 3))
    assert short == layout.header_height + layout.height(3) + layout.row_height
    with pytest.raises(ValueError, match="no colour"):
        render_png(diagram, {"background": "#ffffff"})


def test_the_empty_diagram_and_hostile_labels_still_make_pictures():
    width, height, _pixel = decoded(render_png(Diagram(), COLOURS))
    assert width > 0 and height > 0
    diagram = Diagram()
    diagram.add(listening() + connect() + [
        ev("read", "echo server", "Read 9 bytes: \x1b[2J😀\u202e\u200bcafé\x00 " + "y" * 300,
           peer=("127.0.0.1", 50252), conn=1, size=9),
        ev("error", "echo server", "\n\n\r" * 50)])
    decoded(render_png(diagram, COLOURS))
    assert "café" in transcript(diagram)


def test_the_transcript_names_the_lanes_and_each_row():
    diagram = echo_session()
    text = transcript(diagram)
    lines = text.splitlines()
    assert lines[0] == f"Sequence diagram: 2 endpoints, {len(diagram.items)} rows " \
                       f"({sum(item.count for item in diagram.items)} steps)"
    assert "  A = server 127.0.0.1:8007" in lines and "  B = client 127.0.0.1:50252" in lines
    rows = lines[5:]
    assert len(rows) == len(diagram.items)
    assert rows[0].split() == ["+0.000", "s", "A", "Opened", "server", "socket"]
    assert "B -> A    Connected · Accepted connection #1" in rows[3]
    assert any("A         error: Port 8007 is already in use." in row for row in rows)
    band = Diagram(rate=2)
    band.add(listening() + connect() + [step for n in range(10) for step in round_trip(t=0)])
    assert any(item.kind == BAND for item in band.items)
    assert "B .. A    " in transcript(band) and "round trips" in transcript(band)
    assert lane_letter(0) == "A" and lane_letter(25) == "Z" and lane_letter(26) == "L27"
    assert transcript(Diagram()).startswith("Sequence diagram: 0 endpoints, 0 rows")


def test_arrow_items_of_a_picture_are_the_models():
    diagram = echo_session()
    assert sum(item.kind == ARROW for item in diagram.items) == 7
