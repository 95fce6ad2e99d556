"""Judging an echo client: each line typed is sent, comes back, and is printed whole.

The lines the checks type live here, so the tests can judge the exact text. A client may
print an echo in its own words ("Echo: ..."), and may also print what it sends; what it
must not do is print an echo in pieces (what printing each recv() gives when the echo
arrives a few bytes at a time) or leave one out.
"""

from __future__ import annotations

from typing import Sequence

from .client import (ClientRun, broken, crash_note, ending_problem, line_list, never_connected,
                     shown)
from .model import Verdict, count, fail, ok, quoted

#: What the checks type, one line at a time (distinct starts and ends, so a piece of one
#: cannot be taken for another).
LINES = ("Hello, echo server!", "A second line, with more words in it.")
PIECE_LINES = ("Hello in small pieces", "and a second line, also in pieces!")

READ_WHOLE_ECHO = ("One recv() returns what has arrived so far, which may be only the first "
                   "piece of the echo (the rest then turns up as the 'echo' of the next line). "
                   "Keep calling recv() until you have as many bytes back as you sent (or until "
                   "the '\\n' arrives), then print the line once.")
SEND_AND_PRINT = ("For each line you read, send it with sock.sendall(line.encode()), then read "
                  "its echo with recv() and print it before reading the next line.")


def judge_echo_client(lines: Sequence[str], sent: bytes, run: ClientRun, piece: int = 0,
                      untyped: int = 0) -> Verdict:
    """``lines`` were typed one by one, each once the echo of the one before was printed
    (``untyped`` more were not: one was not printed in time, or the client ended);
    ``sent`` is what the server received; ``piece`` how many bytes at a time the server
    sent each echo (0: all at once)."""
    if not run.connected:
        return never_connected(run)
    printed = run.lines()
    start = 0
    for line in lines:
        found = [number for number in shown(line, printed) if number >= start]
        if not found:
            return _missing(line, sent, printed[start:], run, pieces_of(line, piece))
        start = found[0] + 1
    local = [line for line in lines if line.encode() not in sent]
    if local:
        return fail(f"Your client printed {quoted(local[0].encode())} but never sent it to the "
                    "server: what it printed was not an echo.", SEND_AND_PRINT)
    if untyped and run.ended:
        return fail(f"Your client ended after {count(len(lines), 'line')}, before the other "
                    f"{count(untyped, 'line')} could be typed.{crash_note(run)}",
                    "Keep reading lines until the input ends (for line in sys.stdin: ...), "
                    "sending each one and printing its echo; end only then.")
    if untyped:
        return fail(f"The echo of {quoted(lines[-1].encode())} was printed only after more than "
                    f"{run.waited:g} s.", SEND_AND_PRINT)
    problem = ending_problem(run, "after its input ended (Ctrl+D, or Ctrl+Z on Windows)")
    if problem:
        return problem
    although = f", although each echo arrived {piece} bytes at a time" if piece else ""
    return ok(f"Each of the {count(len(lines), 'line')} typed came back and was printed "
              f"whole{although}, and the client ended when its input did.")


def pieces_of(line: str, piece: int) -> int:
    """How many pieces the echo of ``line`` (and its newline) comes back in."""
    return -(-(len(line.encode()) + 1) // piece) if piece else 1


def _missing(line: str, sent: bytes, after: Sequence[str], run: ClientRun,
             pieces: int) -> Verdict:
    typed = quoted(line.encode())
    if line.encode() not in sent:
        return fail(f"{typed} was typed, but your client never sent it to the server (within "
                    f"{run.waited:g} s it printed {line_list(after)}).{crash_note(run)}",
                    SEND_AND_PRINT)
    parts = broken(line, after)
    arrived = f"in {count(pieces, 'piece')}" if pieces > 1 else "at once"
    if parts:
        what = f"printed it in pieces instead: {line_list(parts)}"
    else:
        what = f"printed {line_list(after)}"
    return fail(f"{typed} was typed and sent, and the server echoed it {arrived}; your "
                f"client {what}, not the whole line.{crash_note(run)}",
                READ_WHOLE_ECHO if pieces > 1 or parts else SEND_AND_PRINT)
