"""What a check run produces, and which checks each kind of program gets, in order.

A :class:`CheckSpec` names one check (its id is part of the interface: JSON, JUnit and
the teacher's scripts use it). Running it gives a :class:`Verdict` (passed, failed or
skipped, with a plain explanation and a hint for a beginner) and a transcript of the
bytes each side sent; together they make an :class:`Outcome`. A :class:`Report` is the
outcomes of one run against one target.

Pure: the runner passes every time in (seconds since the check started).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, List, Optional, Sequence, Tuple

SERVER_KINDS = ("daytime", "echo", "chat", "web")
#: Checks of a student's *client*: labsuite runs a reference server and the client's command.
CLIENT_KINDS = ("daytime-client", "echo-client", "chat-client")

#: Who said something in a transcript. A client check also has what the client sent
#: (CLIENT), what was typed into it (TYPED) and what it printed (PRINTED, ERRORS).
CHECKER, SERVER, NOTE = "checker", "server", "note"
CLIENT, TYPED, PRINTED, ERRORS = "client", "typed", "printed", "stderr"

#: How many bytes of one transfer a transcript keeps (the size is always kept).
PREVIEW_BYTES = 240
#: A transcript keeps its first and last entries; the middle of a long one is counted.
HEAD_ENTRIES = 60
TAIL_ENTRIES = 20


@dataclass(frozen=True)
class CheckSpec:
    """One check. ``required`` checks decide the verdict; ``risky`` ones may bring a
    server down, so the catalogue puts them last."""

    id: str
    title: str
    required: bool = True
    risky: bool = False


# -- transcripts ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TranscriptEntry:
    """One transfer (or a note): ``text`` is the bytes as text with escapes.

    ``at`` is seconds since the check started, ``size`` the bytes transferred (0 for a
    note), ``connection`` which connection it was when a check opens several.
    """

    side: str
    text: str
    at: float
    size: int = 0
    connection: Optional[str] = None


class TranscriptLog:
    """Collects a check's transcript, bounded in size whatever the check sends.

    Each transfer keeps a preview of :data:`PREVIEW_BYTES`; a transcript keeps its first
    :data:`HEAD_ENTRIES` and last :data:`TAIL_ENTRIES` entries and counts the rest. Bulk
    transfers (``merge=True``) are added to the side's previous entry, so 128 KiB sent in
    forty pieces reads as one line per side.
    """

    def __init__(self, preview: int = PREVIEW_BYTES, head: int = HEAD_ENTRIES,
                 tail: int = TAIL_ENTRIES):
        self._preview = preview
        self._head: List[list] = []
        self._head_limit = head
        self._tail: Deque[list] = deque(maxlen=tail)
        self._dropped = 0

    def add(self, side: str, data: bytes, at: float, connection: Optional[str] = None,
            merge: bool = False, joinable: Optional[bool] = None) -> None:
        """Record a transfer. ``merge``: add it to this side's latest joinable entry (one of
        the last two, so a send and its echo can alternate); ``joinable``: whether later
        transfers may join this one (by default, when it merges itself)."""
        if not data:
            return
        if merge:
            recent = (self._tail or self._head)
            for item in list(recent)[-2:][::-1]:
                if item[0] == side and item[4] == connection and item[5]:
                    item[1] += data[:max(0, self._preview - len(item[1]))]
                    item[2] += len(data)
                    return
        joinable = merge if joinable is None else joinable
        self._append([side, bytes(data[:self._preview]), len(data), at, connection, joinable, ""])

    def note(self, text: str, at: float, connection: Optional[str] = None) -> None:
        self._append([NOTE, b"", 0, at, connection, False, text])

    def _append(self, item: list) -> None:
        if len(self._head) < self._head_limit:
            self._head.append(item)
            return
        if len(self._tail) == self._tail.maxlen:
            self._dropped += 1
        self._tail.append(item)

    def entries(self) -> Tuple[TranscriptEntry, ...]:
        entries = [self._entry(item) for item in self._head]
        if self._dropped:
            at = self._tail[0][3] if self._tail else 0.0
            hidden = f"... {self._dropped:,} more entries not shown ..."
            entries.append(TranscriptEntry(NOTE, hidden, at))
        entries.extend(self._entry(item) for item in self._tail)
        return tuple(entries)

    @staticmethod
    def _entry(item: list) -> TranscriptEntry:
        side, preview, size, at, connection, _merge, note = item
        if side == NOTE:
            return TranscriptEntry(NOTE, note, round(at, 3), 0, connection)
        text = escape_bytes(preview)
        if size > len(preview):
            text += f" ... ({size:,} bytes in all)"
        return TranscriptEntry(side, text, round(at, 3), size, connection)


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def escape_bytes(data: bytes) -> str:
    """Bytes as one line of text: valid UTF-8 as itself, everything else as an escape.

    Line ends and tabs become ``\\r \\n \\t``, invalid bytes and control characters
    ``\\xNN``, invisible characters (zero-width spaces, direction overrides) ``\\uNNNN``,
    and a backslash ``\\\\``, so what a server sent can be read exactly and cannot
    disguise itself.
    """
    out = []
    for ch in data.decode("utf-8", "surrogateescape"):
        named = _NAMED_ESCAPES.get(ch)
        if named:
            out.append(named)
        elif "\udc80" <= ch <= "\udcff":  # a byte that is not UTF-8
            out.append(f"\\x{ord(ch) - 0xdc00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def quoted(data: bytes, limit: int = 60) -> str:
    """``data`` for an explanation: escaped, in double quotes, cut at ``limit`` bytes."""
    shown = escape_bytes(data[:limit])
    return f'"{shown}"' + (f" ... ({len(data):,} bytes)" if len(data) > limit else "")


def count(n: int, noun: str, plural: str = "") -> str:
    """"1 byte", "1,024 bytes"."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


# -- verdicts, outcomes, reports ------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """What a check decided: ``passed`` True, False, or None for skipped."""

    passed: Optional[bool]
    explanation: str
    hint: str = ""


def ok(explanation: str) -> Verdict:
    return Verdict(True, explanation)


def fail(explanation: str, hint: str) -> Verdict:
    return Verdict(False, explanation, hint)


def skip(explanation: str) -> Verdict:
    return Verdict(None, explanation)


@dataclass(frozen=True)
class Outcome:
    """One check's result: the spec, the verdict's fields, the transcript, its duration."""

    spec: CheckSpec
    passed: Optional[bool]
    explanation: str = ""
    hint: str = ""
    transcript: Tuple[TranscriptEntry, ...] = ()
    duration: float = 0.0

    @classmethod
    def of(cls, spec: CheckSpec, verdict: Verdict,
           transcript: Sequence[TranscriptEntry] = (), duration: float = 0.0) -> "Outcome":
        return cls(spec, verdict.passed, verdict.explanation, verdict.hint, tuple(transcript),
                   duration)

    @property
    def status(self) -> str:
        return {True: "passed", False: "failed", None: "skipped"}[self.passed]


@dataclass(frozen=True)
class Report:
    """Every outcome of one run; it passes when every required check passed."""

    kind: str
    target: str
    outcomes: Tuple[Outcome, ...]

    @property
    def passed(self) -> bool:
        required = [o for o in self.outcomes if o.spec.required]
        return bool(required) and all(o.passed is True for o in required)

    def counts(self) -> Dict[str, int]:
        found = {"passed": 0, "failed": 0, "skipped": 0}
        for outcome in self.outcomes:
            found[outcome.status] += 1
        return found

    @property
    def duration(self) -> float:
        return sum(o.duration for o in self.outcomes)

    def headline(self) -> str:
        """One line: "the echo server at 127.0.0.1:8007: 6 of 8 checks passed, 1 failed"."""
        counts = self.counts()
        total = len(self.outcomes)
        what = subject(self.kind, self.target)
        if counts["passed"] == total:
            return f"{what}: all {total} checks passed."
        parts = [f"{counts['passed']} of {total} checks passed"]
        parts += [f"{counts[key]} {key}" for key in ("failed", "skipped") if counts[key]]
        optional = " (only optional checks failed)" if self.passed else ""
        return f"{what}: {', '.join(parts)}{optional}."


def describe(kind: str) -> str:
    """"the echo server", "the chat client"."""
    if kind.endswith("-client"):
        return f"the {kind[:-len('-client')]} client"
    return f"the {kind} server"


def subject(kind: str, target: str) -> str:
    """'the echo server at 127.0.0.1:8007', 'the echo client "python3 echo.py {host} {port}"'."""
    if kind in CLIENT_KINDS:
        return f'{describe(kind)} "{target}"'
    return f"{describe(kind)} at {target}"


# -- the catalogue ----------------------------------------------------------------------------
CATALOGUE: Dict[str, Tuple[CheckSpec, ...]] = {
    "daytime": (
        CheckSpec("connects", "Accepts a connection"),
        CheckSpec("sends-time", "Sends the date and time"),
        CheckSpec("closes", "Closes the connection after sending the time"),
        CheckSpec("many-clients", "Answers 20 clients that connect at once"),
    ),
    "echo": (
        CheckSpec("connects", "Accepts a connection"),
        CheckSpec("echoes-line", "Echoes a line of text"),
        CheckSpec("echoes-until-close", "Echoes several messages on one connection"),
        CheckSpec("large-message", "Echoes a 128 KiB message byte for byte"),
        CheckSpec("pieces", "Echoes a message that arrives in small pieces"),
        CheckSpec("binary", "Echoes all 256 byte values unchanged"),
        CheckSpec("two-clients-at-once", "Serves a second client while the first stays connected"),
        CheckSpec("survives-reset", "Keeps serving after clients reset their connections",
                  risky=True),
    ),
    "chat": (
        CheckSpec("join", "Announces a newcomer with NEW to everyone"),
        CheckSpec("message", "Relays MESSAGE to everyone in the room"),
        CheckSpec("private", "Delivers PRIVATE to its recipient only"),
        CheckSpec("quit", "Answers QUIT with GOODBYE and tells the others LEFT"),
        CheckSpec("merged-commands", "Understands two commands that arrive together"),
        CheckSpec("split-command", "Understands a command that arrives in pieces"),
        CheckSpec("many-clients", "Relays every message to all of 20 members"),
        CheckSpec("vanish", "Announces LEFT when a client disappears without QUIT", risky=True),
    ),
    "web": (
        CheckSpec("connects", "Accepts a connection"),
        CheckSpec("get-root", "Answers GET / with a page"),
        CheckSpec("status-line",
                  "Starts its answer with a valid status line, lines ending in CRLF"),
        CheckSpec("content-length", "Sends a Content-Length that matches the body"),
        CheckSpec("content-type", "Says what the page is with Content-Type"),
        CheckSpec("not-found", "Answers 404 for a page that does not exist"),
        CheckSpec("head", "Answers HEAD with the head only", required=False),
        CheckSpec("traversal", "Serves no file from outside its folder"),
        CheckSpec("two-clients-at-once", "Serves a second client while the first stays connected"),
        CheckSpec("survives-garbage", "Keeps serving after garbage and a huge request line",
                  risky=True),
    ),
    "daytime-client": (
        CheckSpec("prints-time", "Prints the date and time the server sent"),
        CheckSpec("pieces", "Prints them when the reply arrives in pieces"),
    ),
    "echo-client": (
        CheckSpec("prints-echo", "Prints the echo of each line typed"),
        CheckSpec("pieces", "Prints each echo whole, once, when it arrives in pieces"),
    ),
    "chat-client": (
        CheckSpec("sends-add", "Joins the room with ADD and the name typed"),
        CheckSpec("shows-messages", "Shows another member's message and sends a typed line"),
        CheckSpec("merged-lines", "Shows every line when several arrive together"),
        CheckSpec("split-line", "Shows a line that arrives in pieces whole, once"),
        CheckSpec("private", "Shows a private message and sends 'private <name>: text'"),
        CheckSpec("sends-quit", "Sends QUIT for 'quit' and ends after GOODBYE"),
    ),
}


def specs_for(kind: str) -> Tuple[CheckSpec, ...]:
    """The checks of ``kind`` in the order they run; ValueError for an unknown kind."""
    try:
        return CATALOGUE[kind]
    except KeyError:
        raise ValueError(f"No checks for {kind!r}; choose one of {', '.join(CATALOGUE)}.") from None
