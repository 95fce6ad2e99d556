"""What a student's client did during a check, and the judgements every client check shares.

A client check runs the student's command against a reference server, types into it and
watches what it prints. What happened is handed to a judge as a :class:`ClientRun`:
its output (decoded leniently), whether it connected, whether it ended by itself and how.
This module reads that output the way a person would: by lines, looking for a text
shown whole, or broken into pieces. Pure: text in, verdicts out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from .model import Verdict, escape_bytes, fail, quoted

TRACEBACK = "Traceback (most recent call last):"
#: How many of the last lines of stderr an explanation shows (a traceback's end).
STDERR_LINES = 8
#: The shortest part of a text counted as a piece of it when printed on its own line.
SHORTEST_PIECE = 2
#: The shortest start or end of a text counted as a piece at the end or start of a line.
SHORTEST_EDGE = 3

CONNECT_HINT = ("Connect to the host and the port your program is given on its command line: "
                "labsuite puts its reference server's address where your command says {host} "
                "and {port} (in Python, host = sys.argv[1] and port = int(sys.argv[2]), in the "
                "order your command gives them).")
ENDING_HINT = ("When the conversation is over, close the socket and let the program end. A "
               "thread that still waits in recv() or input() keeps it running: end that loop "
               "when recv() returns b'' (or the last answer arrived), or make the thread with "
               "daemon=True.")
CRASH_HINT = ("Your program stopped with an error: the last line of the traceback says what "
              "went wrong, and the line above it where. Fix that first.")


@dataclass(frozen=True)
class ClientRun:
    """What the student's client did in one check.

    ``ended`` is True when it ended by itself while it was allowed to run (``returncode``
    is then its exit status); ``waited`` is how long the check waited for the step it
    was on when it gave up; ``address`` is where the reference server listened;
    ``name_typed`` is False when the command line gave a chat client its name ({name}).
    """

    printed: str = ""
    errors: str = ""
    connected: bool = False
    ended: bool = False
    returncode: Optional[int] = None
    waited: float = 0.0
    address: str = ""
    name_typed: bool = True

    @property
    def crashed(self) -> bool:
        """A traceback on stderr (even from a thread), or a failing exit status."""
        return TRACEBACK in self.errors or (self.ended and self.returncode not in (0, None))

    def lines(self) -> List[str]:
        return self.printed.splitlines()


# -- reading what was printed -------------------------------------------------------------
def shown(text: str, lines: Sequence[str]) -> List[int]:
    """The indexes of the lines that show ``text`` whole."""
    return [number for number, line in enumerate(lines) if text in line]


def broken(text: str, lines: Sequence[str]) -> List[str]:
    """Lines that show only a part of ``text``: a piece on its own, a line that ends with
    its start or one that begins with its end (what printing each recv() gives)."""
    found = []
    for line in lines:
        part = line.strip()
        if not part or text in line:
            continue
        alone = len(part) >= SHORTEST_PIECE and part in text
        starts = any(part.endswith(text[:size]) for size in range(SHORTEST_EDGE, len(text)))
        ends = any(part.startswith(text[-size:]) for size in range(SHORTEST_EDGE, len(text)))
        if alone or starts or ends:
            found.append(line)
    return found


def line_list(lines: Sequence[str], limit: int = 4) -> str:
    """Lines for an explanation: "nothing", or the first few quoted and escaped."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return "nothing"
    shown_lines = ", ".join(quoted(line.encode("utf-8", "surrogateescape"), 100)
                            for line in lines[:limit])
    more = f" and {len(lines) - limit:,} more lines" if len(lines) > limit else ""
    return shown_lines + more


def pieces_list(pieces: Sequence[bytes], limit: int = 5) -> str:
    """'"\\n610" + "82 2" + ...' for the first pieces of a reply."""
    shown_pieces = " + ".join(quoted(piece, 40) for piece in pieces[:limit])
    return shown_pieces + (" + ..." if len(pieces) > limit else "")


# -- how a run went wrong ------------------------------------------------------------------
def last_lines(errors: str, count: int = STDERR_LINES) -> List[str]:
    """The last non-blank lines of stderr, escaped so they cannot drive a terminal."""
    lines = [line for line in errors.splitlines() if line.strip()][-count:]
    return [escape_bytes(line[:200].encode("utf-8", "surrogateescape")) for line in lines]


def crash_note(run: ClientRun) -> str:
    """" It crashed; the last lines it wrote to stderr:" and those lines, or ""."""
    if not run.crashed:
        return ""
    tail = last_lines(run.errors)
    if TRACEBACK in run.errors:
        head = " It crashed; the last lines it wrote to stderr:"
    else:
        head = f" It ended with exit status {run.returncode}"
        head += "; the last lines it wrote to stderr:" if tail else " and wrote nothing to stderr."
    return head + "".join("\n    " + line for line in tail)


def never_connected(run: ClientRun) -> Verdict:
    where = f" at {run.address}" if run.address else ""
    what = f"Your client never connected to the reference server{where}"
    if run.crashed:
        what += "." + crash_note(run)
    elif run.ended:
        what += f"; it ended after printing {line_list(run.lines())}."
    else:
        what += f" within {run.waited:g} s; it printed {line_list(run.lines())}."
    return fail(what, CONNECT_HINT)


def crash_problem(run: ClientRun) -> Optional[Verdict]:
    """A failure when the client crashed (even after doing what was asked), else None."""
    if run.crashed:
        return fail(f"Your client did what was asked, but then something went wrong."
                    f"{crash_note(run)}", CRASH_HINT)
    return None


def ending_problem(run: ClientRun, after: str) -> Optional[Verdict]:
    """A failure when the client crashed, or did not end by itself ``after`` something
    ("after its input ended"); None when it ended cleanly."""
    if not run.crashed and not run.ended:
        return fail(f"Your client did what was asked, but it did not end within "
                    f"{run.waited:g} s {after}, so it was stopped.", ENDING_HINT)
    return crash_problem(run)
