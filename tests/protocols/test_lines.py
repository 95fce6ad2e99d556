"""Line framing with plain bytes, including every possible split point."""

import pytest

from labsuite.protocols.lines import LineFramer, Overlong

pytestmark = pytest.mark.timeout(10)


def feed_split(framer, data, cuts):
    frames = []
    start = 0
    for cut in [*cuts, len(data)]:
        frames += framer.feed(data[start:cut])
        start = cut
    return frames


STREAM = b"ADD cool cat\r\nMESSAGE hi\n\nPRIVATE hot dog\nAre you hungry?\r\n\xff\xfe\nlast"


def test_whole_stream():
    framer = LineFramer()
    assert framer.feed(STREAM) == [b"ADD cool cat", b"MESSAGE hi", b"", b"PRIVATE hot dog",
                                   b"Are you hungry?", b"\xff\xfe"]
    assert framer.pending == 4
    assert framer.flush() == [b"last"]
    assert framer.flush() == []


def test_every_single_split_and_every_pair_of_splits_gives_the_same_lines():
    expected = LineFramer().feed(STREAM)
    for i in range(len(STREAM) + 1):
        assert feed_split(LineFramer(), STREAM, [i]) == expected, i
        for j in range(i, len(STREAM) + 1, 3):
            assert feed_split(LineFramer(), STREAM, [i, j]) == expected, (i, j)


def test_byte_at_a_time():
    framer = LineFramer()
    frames = []
    for byte in STREAM:
        frames += framer.feed(bytes([byte]))
    assert frames == LineFramer().feed(STREAM)


def test_crlf_split_between_cr_and_lf():
    framer = LineFramer()
    assert framer.feed(b"abc\r") == []
    assert framer.feed(b"\n") == [b"abc"]


def test_lone_cr_inside_a_line_is_kept():
    assert LineFramer().feed(b"a\rb\n") == [b"a\rb"]


def test_overlong_line_reported_once_and_skipped_to_its_newline():
    framer = LineFramer(max_line=10)
    frames = framer.feed(b"x" * 25 + b"\nok\n")
    assert frames == [Overlong(25), b"ok"]  # the size seen when it was noticed


def test_overlong_line_split_across_many_feeds_keeps_memory_bounded():
    framer = LineFramer(max_line=100)
    frames = []
    for _ in range(1000):
        frames += framer.feed(b"y" * 1000)
        assert framer.pending <= 100
    frames += framer.feed(b"tail\nnext\n")
    assert frames == [Overlong(1000), b"next"]


def test_line_of_exactly_the_limit_is_fine_with_either_ending():
    assert LineFramer(max_line=5).feed(b"12345\n12345\r\n") == [b"12345", b"12345"]


def test_overlong_then_flush_drops_the_rest():
    framer = LineFramer(max_line=4)
    assert framer.feed(b"123456") == [Overlong(6)]
    assert framer.flush() == []
    assert framer.feed(b"ab\n") == [b"ab"]


@pytest.mark.parametrize("limit", [1, 2, 7])
def test_every_split_with_small_limits_agrees_with_whole(limit):
    data = b"a\nbbbbbbbb\ncc\r\n\nddd"
    expected = LineFramer(limit).feed(data)
    for i in range(len(data) + 1):
        frames = feed_split(LineFramer(limit), data, [i])
        # an overlong line may be reported with a different seen-size; compare shapes
        assert [type(f) if isinstance(f, Overlong) else f for f in frames] == \
               [type(f) if isinstance(f, Overlong) else f for f in expected], i
