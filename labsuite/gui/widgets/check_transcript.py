"""A check's transcript as the Check tab shows it: each transfer in the words of the
course's log ("Wrote 16 bytes to your server: ..."), or as a hex dump with offsets.

No Tk here: lines of ``(text, tag)`` that a view inserts as they are. The transcript keeps
each transfer as escaped text (:func:`labsuite.protocols.check.model.escape_bytes`), so
the hex view turns that text back into bytes with :func:`unescape`. One escape is
ambiguous there: ``\\x80`` to ``\\xff`` stand for a byte that is not UTF-8, but also for
the few characters from U+0080 to U+00FF that do not show (C1 controls, the no-break
space, the soft hyphen); the hex view shows them as the single byte.
"""

from __future__ import annotations

import re
from typing import Dict, Iterator, List, Optional, Tuple

from labsuite.net.events import Kind, count_bytes, transfer_text
from labsuite.protocols.check.model import (CHECKER, ERRORS, NOTE, PRINTED, SERVER, TYPED,
                                            TranscriptEntry)
from labsuite.protocols.console import ROW_BYTES, hex_row

Line = Tuple[str, Tuple[str, ...]]  # (text ending in a line break, its tags)

#: Tags of a transcript line: what labsuite sent or typed, what the student's program
#: sent or printed, what it wrote to stderr, labsuite's own notes, the time column; and
#: the rows of a hex dump (which keep their layout: they never wrap).
OURS, THEIRS, STDERR, NOTE_TAG, TIME = "ours", "theirs", "stderr", "note", "time"
ROWS = "hex-rows"

_TRUNCATED = re.compile(r" \.\.\. \((\d[\d,]*) bytes in all\)$")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt\\])")
_NAMED = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\"}
#: After each ``\n`` escape (not an escaped backslash before an ``n``) a line ends.
_LINE_END = re.compile(r"((?<!\\)(?:\\\\)*\\n)(?=.)")


def unescape(text: str) -> bytes:
    """The bytes :func:`~labsuite.protocols.check.model.escape_bytes` wrote as ``text``."""
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(text):
        out += text[position:match.start()].encode("utf-8", "replace")
        code = match.group(1)
        if code in _NAMED:
            out += _NAMED[code]
        elif code[0] == "x":
            out.append(int(code[1:], 16))  # a control character, or a byte that is not UTF-8
        else:
            out += chr(int(code[1:], 16)).encode("utf-8", "replace")
        position = match.end()
    out += text[position:].encode("utf-8", "replace")
    return bytes(out)


def kept_text(entry: TranscriptEntry) -> Tuple[str, int]:
    """The escaped text the transcript kept of a transfer, without its "... (N bytes in
    all)" ending, and how many bytes of it were not kept."""
    match = _TRUNCATED.search(entry.text)
    if match and int(match.group(1).replace(",", "")) == entry.size:
        text = entry.text[:match.start()]
        return text, max(0, entry.size - len(unescape(text)))
    return entry.text, 0


def what_happened(entry: TranscriptEntry, client_check: bool) -> str:
    """One transfer in the course's words, from labsuite's side of the conversation:
    "Wrote 16 bytes to your server", "Read 6 bytes from your client", "Typed 5 bytes
    into your client", or a note's own text."""
    program = "your client" if client_check else "your server"
    size = entry.size
    if entry.side == NOTE:
        return entry.text
    if entry.side == TYPED:
        return f"Typed {count_bytes(size)} into your client"
    if entry.side == PRINTED:
        return f"Your client printed {count_bytes(size)}"
    if entry.side == ERRORS:
        return f"Your client wrote {count_bytes(size)} to its error output (stderr)"
    # labsuite writes to the student's program (CHECKER, or its reference SERVER) and
    # reads what the program sends (the student's SERVER, or CLIENT)
    wrote = entry.side == CHECKER or (entry.side == SERVER and client_check)
    return transfer_text(Kind.WROTE if wrote else Kind.READ, size, program)


def tag_of(entry: TranscriptEntry, client_check: bool) -> str:
    if entry.side == NOTE:
        return NOTE_TAG
    if entry.side == ERRORS:
        return STDERR
    ours = entry.side in (CHECKER, TYPED) or (entry.side == SERVER and client_check)
    return OURS if ours else THEIRS


def _time_and_who(entry: TranscriptEntry) -> List[Line]:
    who = f"[{entry.connection}] " if entry.connection else ""
    return [(f"{entry.at:7.3f}  {who}", (TIME,))]


def _transfers(entries: List[TranscriptEntry], client_check: bool,
               lines: List[Line]) -> Iterator[Tuple[TranscriptEntry, str]]:
    """Each entry's time (and connection) goes on ``lines``, a note whole; the transfers
    are yielded with their tag, for the caller to add the rest of their line."""
    for entry in entries:
        tag = tag_of(entry, client_check)
        lines += _time_and_who(entry)
        if entry.side == NOTE:
            lines.append((f"{entry.text}\n", (tag,)))
        else:
            yield entry, tag


def text_lines(entries: List[TranscriptEntry], client_check: bool) -> List[Line]:
    """The transcript as text: a line per transfer, broken after each ``\\n`` it carried,
    so lines read as lines (the continuation hangs under the text)."""
    lines: List[Line] = []
    for entry, tag in _transfers(entries, client_check, lines):
        text, _missing = kept_text(entry)
        shown = _LINE_END.sub("\\1\n", text)
        suffix = entry.text[len(text):]
        lines.append((f"{what_happened(entry, client_check)}: {shown}{suffix}\n", (tag,)))
    return lines


def hex_lines(entries: List[TranscriptEntry], client_check: bool) -> List[Line]:
    """The transcript as a hex dump: each transfer's line, then its bytes sixteen to a
    row, the offsets counted in each side's stream (per connection) since the check began."""
    lines: List[Line] = []
    offsets: Dict[Tuple[str, Optional[str]], int] = {}
    for entry, tag in _transfers(entries, client_check, lines):
        lines.append((f"{what_happened(entry, client_check)}:\n", (tag,)))
        text, missing = kept_text(entry)
        data = unescape(text)
        stream = (entry.side, entry.connection)
        start = offsets.get(stream, 0)
        rows = [hex_row(start + at, data[at:at + ROW_BYTES]) + "\n"
                for at in range(0, len(data), ROW_BYTES)]
        if rows:
            lines.append(("".join(rows), (tag, ROWS)))
        if missing:
            lines.append((f"… {count_bytes(missing)} more, not kept in the transcript\n",
                          (NOTE_TAG, ROWS)))
        offsets[stream] = start + max(entry.size, len(data))
    return lines
