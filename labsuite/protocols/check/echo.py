"""Judging an echo server (RFC 862): every byte sent must come back, unchanged, in order.

The messages the checks send live here too, so the tests can judge the exact bytes.
"""

from __future__ import annotations

from typing import Sequence

from .model import Verdict, count, fail, ok, quoted

LINE = b"Hello, echo server!\n"
SEVERAL = (b"first message\n", b"second message\n", b"third message\n")
#: One message sent as these pieces, with a pause after each.
PIECES = (b"hel", b"lo in s", b"mall piec", b"es\n")
ALL_BYTES = bytes(range(256))
LARGE_SIZE = 128 * 1024

#: The hint for each situation a check creates, when the echo came back short.
_SHORT_HINTS = {
    "closed": "Your server seems to answer one recv() and then close the connection. TCP is a "
              "stream, not separate messages: loop, reading and sending back, until recv() "
              "returns b'' (the client closed), and only then close.",
    "large": "Send back everything you read with sendall() (send() may send only part of it), "
             "in a loop until recv() returns b''.",
    "pieces": "Send back each piece as soon as you read it: an echo server does not wait for "
              "a whole line or a full buffer.",
    "binary": "Treat the data as bytes and send back exactly what recv() returned. Decoding it "
              "as text (.decode()) fails for bytes that are not UTF-8, and encoding text back "
              "changes them.",
    "other": "Send back every byte you read, unchanged, with sendall(), and keep reading until "
             "the client closes.",
}


def large_message(size: int = LARGE_SIZE) -> bytes:
    """Numbered lines of text, so a difference can be placed ("line 1,024")."""
    lines = []
    total = 0
    number = 0
    while total < size:
        line = f"{number:07d} the quick brown fox jumps over the lazy dog\n".encode()
        lines.append(line)
        total += len(line)
        number += 1
    return b"".join(lines)[:size - 1] + b"\n"


def judge_echo(sent: Sequence[bytes], received: bytes, closed: bool, waited: float,
               situation: str = "other") -> Verdict:
    """Compare what came back with the messages sent (in order, as one stream).

    ``situation`` picks the hint: "closed" style one-recv servers for several messages,
    "large", "pieces", "binary" or "other".
    """
    expected = b"".join(sent)
    if received == expected:
        return ok(f"All {count(len(expected), 'byte')} came back unchanged"
                  + (f", in {len(sent)} messages." if len(sent) > 1 else "."))
    ending = ("then the server closed the connection" if closed
              else f"then nothing more came within {waited:g} seconds")
    if expected.startswith(received):
        if not received:
            head = ("The server closed the connection without sending anything back"
                    if closed else f"Nothing came back within {waited:g} seconds")
            what = f"{head} (sent {count(len(expected), 'byte')}: {quoted(expected)})."
        elif len(sent) > 1 and received in _prefixes(sent):
            back = _prefixes(sent).index(received)
            first = "first message" if back == 1 else f"first {back} messages"
            what = (f"Only the {first} of {len(sent)} came back ({quoted(received)}); {ending}.")
        else:
            what = (f"Only the first {count(len(received), 'byte')} of {len(expected):,} came "
                    f"back; {ending}.")
        return fail(what, _short_hint(situation, closed, received))
    if received.startswith(expected):
        extra = received[len(expected):]
        return fail(f"Everything came back, but the server added {count(len(extra), 'byte')}: "
                    f"{quoted(extra)}.",
                    "Echo exactly what you read and add nothing: no extra newline, prompt "
                    "or greeting.")
    at = first_difference(expected, received)
    what = (f"The reply differs from what was sent at byte {at:,}: sent "
            f"{quoted(expected[at:at + 24])}, got {quoted(received[at:at + 24])}.")
    if b"\xef\xbf\xbd" in received and b"\xef\xbf\xbd" not in expected:
        what += " The server replaced bytes it could not decode with the replacement character."
        return fail(what, _SHORT_HINTS["binary"])
    if received.strip() == expected.strip() or received.lower() == expected.lower():
        return fail(what, "Send back the bytes exactly as they arrived: do not strip spaces "
                          "or newlines or change upper and lower case.")
    return fail(what, _SHORT_HINTS["binary" if situation == "binary" else "other"])


def _short_hint(situation: str, closed: bool, received: bytes) -> str:
    if situation == "binary":
        return _SHORT_HINTS["binary"]
    if closed and received and situation in ("closed", "large", "pieces"):
        return _SHORT_HINTS["closed"]
    return _SHORT_HINTS.get(situation, _SHORT_HINTS["other"])


def _prefixes(messages: Sequence[bytes]) -> list:
    """What arrives after 0, 1, 2 ... whole messages came back."""
    found, total = [], b""
    for message in messages:
        found.append(total)
        total += message
    return found + [total]


def first_difference(a: bytes, b: bytes) -> int:
    """The first index where ``a`` and ``b`` differ (the shorter length if one is a prefix)."""
    low, high = 0, min(len(a), len(b))
    while low < high:  # binary search on equal prefixes: fast for 128 KiB
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
