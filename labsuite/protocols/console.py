"""The raw console's byte handling, with no sockets: line endings and two views of bytes.

A raw console (telnet, ``nc``) shows exactly what a server sends. Two views make that
visible: :class:`TextRenderer` decodes UTF-8 and writes control characters as escapes
(``\\r``, ``\\t``, ``\\x00``), the same style as the event log, keeping only ``\\n`` as a
line break; :class:`HexRenderer` writes a ``hexdump -C`` style dump. Both are incremental:
TCP delivers a stream in arbitrary pieces, and a piece boundary must never split a UTF-8
character or restart a dump row's offsets, so feeding the bytes one at a time gives the
same text as feeding them all at once.
"""

from __future__ import annotations

import codecs
import enum
from typing import Dict, List, Union


# -- line endings ---------------------------------------------------------------------------
class LineEnding(str, enum.Enum):
    """What the console adds after each typed line."""

    LF = "\n"
    CRLF = "\r\n"
    NONE = ""

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def choices(cls) -> List["LineEnding"]:
        """Every choice, the usual one (``\\n``) first."""
        return [cls.LF, cls.CRLF, cls.NONE]

    @classmethod
    def parse(cls, value: Union["LineEnding", str]) -> "LineEnding":
        """The choice for ``value`` (the ending itself, or a name such as "crlf")."""
        if isinstance(value, cls):
            return value
        for ending in cls:
            if value == ending.value or str(value).strip().upper() == ending.name:
                return ending
        raise ValueError(f"{value!r} is not a line ending; use \\n, \\r\\n or nothing")


_LABELS = {
    LineEnding.LF: "\\n (Unix, most course servers)",
    LineEnding.CRLF: "\\r\\n (telnet, HTTP, SMTP)",
    LineEnding.NONE: "nothing (send exactly what is typed)",
}


def encode_line(text: str, ending: Union[LineEnding, str] = LineEnding.LF) -> bytes:
    """``text`` as UTF-8 with ``ending`` after it.

    Line breaks inside ``text`` (a pasted block) become ``ending`` too, so every line
    reaches the server the same way; with no ending the text is sent exactly as typed.
    """
    ending = LineEnding.parse(ending)
    if ending is not LineEnding.NONE:
        text = "".join(line + ending.value for line in text.splitlines() or [""])
    return _utf8(text)


def _utf8(text: str) -> bytes:
    """UTF-8, joining surrogate pairs (as some Tk builds deliver emoji) and replacing
    lone surrogates, which have no UTF-8 form."""
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined.encode("utf-8", "replace")


# -- the text view --------------------------------------------------------------------------
def _visible_controls() -> Dict[int, str]:
    """How each invisible or layout-changing character is written (``\\n`` stays a break)."""
    table = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}
    table.update({ord("\r"): "\\r", ord("\t"): "\\t"})
    del table[ord("\n")]
    # C1 controls, line/paragraph separators and bidirectional overrides: invisible, or
    # able to reorder or break the display of what follows.
    for code in (*range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F),
                 *range(0x2066, 0x206A)):
        table[code] = f"\\u{code:04x}"
    return table


VISIBLE_CONTROLS = _visible_controls()


def visible_text(text: str) -> str:
    """``text`` with its control characters written as escapes (``\\n`` kept)."""
    return text.translate(VISIBLE_CONTROLS)


class TextRenderer:
    """Received bytes as text: UTF-8 with replacement characters, controls made visible."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes) -> str:
        """The text for ``data``; an unfinished character waits for the next piece."""
        return visible_text(self._decoder.decode(data))

    def flush(self) -> str:
        """At the end of the stream: an unfinished character becomes a replacement mark."""
        return visible_text(self._decoder.decode(b"", final=True))

    def reset(self) -> None:
        self._decoder.reset()


def render_text(data: bytes) -> str:
    """The whole of ``data`` as the text view shows it."""
    renderer = TextRenderer()
    return renderer.feed(data) + renderer.flush()


# -- the hex view ---------------------------------------------------------------------------
ROW_BYTES = 16


def hex_row(offset: int, row: bytes) -> str:
    """``00000000  48 65 6c 6c 6f 0d 0a ...  |Hello..|`` for up to 16 bytes at ``offset``."""
    left = " ".join(f"{byte:02x}" for byte in row[:8])
    right = " ".join(f"{byte:02x}" for byte in row[8:ROW_BYTES])
    shown = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in row)
    return f"{offset:08x}  {left:<23}  {right:<23}  |{shown}|"


class HexRenderer:
    """Received bytes as a running hex dump: rows of 16 with offsets counted from the start.

    :meth:`feed` returns only finished rows; :meth:`pending` shows the unfinished last row
    (to display it provisionally) and :meth:`flush` finishes it, e.g. when the connection
    closes.
    """

    def __init__(self):
        self.offset = 0  # bytes fed so far
        self._row = bytearray()

    def feed(self, data: bytes) -> str:
        """Every row that ``data`` completes, each ending with a newline."""
        self._row += data
        self.offset += len(data)
        start = self.offset - len(self._row)
        whole = len(self._row) - len(self._row) % ROW_BYTES
        rows = [hex_row(start + at, self._row[at:at + ROW_BYTES]) + "\n"
                for at in range(0, whole, ROW_BYTES)]
        del self._row[:whole]
        return "".join(rows)

    def pending(self) -> str:
        """The unfinished last row (no newline), or "" when there is none."""
        if not self._row:
            return ""
        return hex_row(self.offset - len(self._row), bytes(self._row))

    def flush(self) -> str:
        """The unfinished row as a finished one ("" when there is none)."""
        row = self.pending()
        self._row.clear()
        return row + "\n" if row else ""

    def reset(self) -> None:
        self.offset = 0
        self._row.clear()


def render_hex(data: bytes) -> str:
    """The whole of ``data`` as the hex view shows it."""
    renderer = HexRenderer()
    return renderer.feed(data) + renderer.flush()
