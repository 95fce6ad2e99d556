"""Event text helpers: addresses and the printable preview of what was read or written."""

import random

import pytest

from labsuite.net.events import format_address, preview

pytestmark = pytest.mark.timeout(10)


def reference_preview(data: bytes, limit: int = 80) -> str:
    """The obvious, slow definition the fast one must match."""
    names = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    text = data[:limit].decode("utf-8", errors="replace")
    shown = "".join(names.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 32 or ord(ch) == 127 else ch)
                    for ch in text)
    return shown + ("…" if len(data) > limit else "")


def test_preview_matches_the_reference_for_any_bytes():
    rng = random.Random(333)
    samples = [bytes([b]) for b in range(256)] + [b"Hello\n", b"a\r\n", b"\n", b"", b"x" * 81]
    samples += [rng.randbytes(rng.randrange(0, 120)) for _ in range(500)]
    samples += [bytes(rng.choice(b"ab\n\t\x7f\xc3\xa9") for _ in range(rng.randrange(90)))
                for _ in range(500)]
    for data in samples:
        assert preview(data) == reference_preview(data), data


def test_preview_examples():
    assert preview(b"Hello, COS 333.\n") == "Hello, COS 333.\\n"
    assert preview(b"\xff\x1b[2J") == "\ufffd\\x1b[2J"
    assert preview(b"y" * 100, limit=3) == "yyy…"


def test_format_address():
    assert format_address(("127.0.0.1", 80)) == "127.0.0.1:80"
    assert format_address(("::1", 9000)) == "[::1]:9000"
    assert format_address(None) == "?"
