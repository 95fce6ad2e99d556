"""The raw console's byte handling: line endings, the text view and the hex view."""

from __future__ import annotations

import pytest

from labsuite.protocols.console import (HexRenderer, LineEnding, TextRenderer, encode_line,
                                        hex_row, render_hex, render_text, visible_text)

pytestmark = pytest.mark.timeout(10)

#: Text, multi-byte characters, controls and bytes that are not UTF-8 at all.
MIXED = ("Héllo, wörld 😀\r\n\tnext\x00line\x1b[0m\n".encode()
         + b"\xff\xfe bad \xe2\x82 cut \xc3" + "€ end\u202e".encode() + b"\xf0\x9f")


# -- line endings -----------------------------------------------------------------------------
@pytest.mark.parametrize("ending, expected", [
    ("\n", b"QUIT\n"), ("\r\n", b"QUIT\r\n"), ("", b"QUIT"),
    (LineEnding.LF, b"QUIT\n"), (LineEnding.CRLF, b"QUIT\r\n"), (LineEnding.NONE, b"QUIT"),
    ("crlf", b"QUIT\r\n"), ("LF", b"QUIT\n"), ("none", b"QUIT"),
])
def test_encode_line_adds_the_chosen_ending(ending, expected):
    assert encode_line("QUIT", ending) == expected


def test_default_ending_is_a_newline():
    assert encode_line("ADD alice") == b"ADD alice\n"


def test_pasted_lines_each_get_the_ending():
    assert encode_line("PRIVATE bob\nhi bob", "\r\n") == b"PRIVATE bob\r\nhi bob\r\n"
    assert encode_line("a\r\nb\n", "\n") == b"a\nb\n"
    assert encode_line("a\nb", "") == b"a\nb"  # no ending: exactly as typed


def test_an_empty_line_is_just_the_ending():
    assert encode_line("", "\r\n") == b"\r\n"
    assert encode_line("", "") == b""


def test_text_is_utf8_and_surrogates_never_crash():
    assert encode_line("café €", "") == "café €".encode()
    assert encode_line("\ud83d\ude00", "") == "😀".encode()  # a pair, as some Tk builds give
    assert encode_line("x\ud800", "") == "x\ufffd".encode()  # a lone half has no UTF-8


def test_an_unknown_ending_is_refused():
    with pytest.raises(ValueError):
        encode_line("x", "\r")


def test_choices_start_with_the_usual_one_and_have_labels():
    choices = LineEnding.choices()
    assert choices[0] is LineEnding.LF and set(choices) == set(LineEnding)
    assert all(choice.label for choice in choices)
    assert LineEnding.parse("\r\n") is LineEnding.CRLF


# -- the text view ----------------------------------------------------------------------------
def test_controls_are_visible_and_newlines_stay_line_breaks():
    assert render_text(b"Hi\r\n\tthere\x00\x1b[1m\x7f\n") == "Hi\\r\n\\tthere\\x00\\x1b[1m\\x7f\n"


def test_invalid_utf8_becomes_replacement_marks():
    assert render_text(b"ok \xff\xfe ok") == "ok \ufffd\ufffd ok"


def test_characters_that_reorder_the_display_are_shown_as_escapes():
    assert visible_text("a\u202eb\u2028c\x85") == "a\\u202eb\\u2028c\\u0085"
    assert visible_text("Grüße 😀 \\ ok") == "Grüße 😀 \\ ok"


def test_a_character_split_between_reads_is_not_broken():
    renderer = TextRenderer()
    euro = "€".encode()
    assert renderer.feed(b"price: " + euro[:1]) == "price: "
    assert renderer.feed(euro[1:2]) == ""
    assert renderer.feed(euro[2:] + b"!") == "€!"


def test_an_unfinished_character_at_the_end_becomes_one_mark():
    renderer = TextRenderer()
    assert renderer.feed(b"x\xe2\x82") == "x"
    assert renderer.flush() == "\ufffd"
    assert renderer.flush() == ""


def feed_in_pieces(renderer, data, cuts):
    out, start = [], 0
    for cut in [*cuts, len(data)]:
        out.append(renderer.feed(data[start:cut]))
        start = cut
    out.append(renderer.flush())
    return "".join(out)


@pytest.mark.parametrize("make", [TextRenderer, HexRenderer])
def test_one_byte_at_a_time_gives_the_same_as_all_at_once(make):
    whole = feed_in_pieces(make(), MIXED, [])
    assert feed_in_pieces(make(), MIXED, range(1, len(MIXED))) == whole


@pytest.mark.parametrize("make", [TextRenderer, HexRenderer])
def test_every_split_in_two_and_three_gives_the_same(make):
    whole = feed_in_pieces(make(), MIXED, [])
    for first in range(len(MIXED) + 1):
        assert feed_in_pieces(make(), MIXED, [first]) == whole, first
        for second in range(first, len(MIXED) + 1, 5):
            assert feed_in_pieces(make(), MIXED, [first, second]) == whole, (first, second)


# -- the hex view -----------------------------------------------------------------------------
def test_hex_rows_look_like_hexdump():
    data = b"Hello\r\n\x00\x01\x02\x03\x04\x05\x06\x07\x08\tABC\xff"
    assert render_hex(data) == (
        "00000000  48 65 6c 6c 6f 0d 0a 00  01 02 03 04 05 06 07 08  |Hello...........|\n"
        "00000010  09 41 42 43 ff                                    |.ABC.|\n")


def test_bytes_that_are_not_utf8_are_shown_exactly():
    assert render_hex(b"\xff\xfe\x00\x80") == (
        "00000000  ff fe 00 80" + " " * 39 + "|....|\n")
    assert render_text(b"\xff\xfe\x00\x80") == "\ufffd\ufffd\\x00\ufffd"


def test_offsets_run_on_across_reads():
    renderer = HexRenderer()
    assert renderer.feed(b"A" * 10) == ""  # no finished row yet
    assert renderer.pending() == hex_row(0, b"A" * 10)
    rows = renderer.feed(b"B" * 30)
    assert rows == hex_row(0, b"A" * 10 + b"B" * 6) + "\n" + hex_row(16, b"B" * 16) + "\n"
    assert renderer.pending() == hex_row(32, b"B" * 8)
    assert renderer.offset == 40
    assert renderer.flush() == hex_row(32, b"B" * 8) + "\n"
    assert renderer.pending() == "" and renderer.flush() == ""
    assert renderer.feed(b"C" * 16) == hex_row(40, b"C" * 16) + "\n"  # offsets keep counting


def test_hex_row_pads_a_short_row_so_the_text_column_lines_up():
    full, short = hex_row(0, bytes(16)), hex_row(0, b"a")
    assert full.index("|") == short.index("|")
    assert hex_row(0x1_0000_0000, b"x").startswith("100000000  78")


def test_nothing_renders_as_nothing():
    assert render_hex(b"") == "" and render_text(b"") == ""


def test_reset_starts_over():
    renderer = HexRenderer()
    renderer.feed(b"abc")
    renderer.reset()
    assert renderer.offset == 0 and renderer.pending() == ""
