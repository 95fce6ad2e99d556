"""What makes text safe to show and names safe to tell apart, for every protocol here.

Names people choose (chat, poker) must not look like someone else's or like nothing at
all, and text a peer sends must not drive a terminal. Pure functions, no I/O.
"""

from __future__ import annotations

import unicodedata

#: Code points Unicode says to ignore when rendering (Default_Ignorable_Code_Point, from
#: DerivedCoreProperties.txt) plus ones that render as a blank: each lets two names that
#: differ only by it look the same, or a name look empty.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
    # blank-looking but not default-ignorable
    (0x2800, 0x2800),  # BRAILLE PATTERN BLANK
    (0x3000, 0x3000), (0x00A0, 0x00A0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x202F, 0x202F), (0x205F, 0x205F),  # spaces other than the plain one
)


def is_control(ch: str) -> bool:
    """Control characters and line or paragraph separators (they break lines or drive
    terminals)."""
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def is_invisible(ch: str) -> bool:
    """A character that shows as nothing (or as a space other than the plain one)."""
    code = ord(ch)
    if unicodedata.category(ch) in ("Cf", "Co", "Cs", "Cn"):
        return True  # format controls, private use, lone surrogates, unassigned
    return any(low <= code <= high for low, high in _INVISIBLE_RANGES)


def name_problem(name: str) -> bool:
    """True when a name holds a control or invisible character, so it could pass for
    another name or look blank."""
    return any(is_control(ch) or is_invisible(ch) for ch in name)


def clean_text(text: str) -> str:
    """Relayed text with control characters made harmless (no terminal escapes)."""
    if not any(is_control(ch) for ch in text):
        return text
    return "".join("\ufffd" if is_control(ch) and ch != "\t" else ch for ch in text)


def show_controls(text: str) -> str:
    """``text`` with control characters (tab excepted) as visible escapes (``\\x1b``), so
    what a peer sent is shown as it is without driving the terminal."""
    if not any(is_control(ch) and ch != "\t" for ch in text):
        return text
    return "".join(_escape(ch) if is_control(ch) and ch != "\t" else ch for ch in text)


def _escape(ch: str) -> str:
    named = {"\n": "\\n", "\r": "\\r"}
    if ch in named:
        return named[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters as ``?`` (for echoing a bad word back)."""
    return "".join(ch if not is_control(ch) else "?" for ch in text)
