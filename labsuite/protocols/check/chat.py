"""Judging a chat server that speaks the course paper's protocol (README "The chat protocol").

What each member received is read with :class:`labsuite.protocols.chat.ClientParser`,
which is as lenient as the paper: it skips the empty line the paper's server sends after
each message, and a server that never sends HERE or ERROR is fine.
"""

from __future__ import annotations

from typing import Iterable, List, Sequence

from labsuite.protocols.chat import (ChatEvent, Goodbye, Joined, Left, Message, Present, Private,
                                     Refused, Unknown, fold)

from .model import Verdict, escape_bytes, fail, ok

FRAME_BY_LINES = ("Your server treats each recv() as one whole command. TCP is a stream: two "
                  "commands sent together can arrive in one recv(), and one command can arrive "
                  "in several. Keep a buffer for each client, add what recv() returns, and handle "
                  "every complete line (up to '\\n') in it, keeping the rest for later "
                  "(self.rfile.readline() in a socketserver.StreamRequestHandler does this).")
HINTS = {
    "join": "After 'ADD name', add the client to the room and send 'NEW name\\n' to everyone in "
            "the room, the newcomer included.",
    "message": "For 'MESSAGE text', send 'MESSAGE sender\\n' and then the text on its own line "
               "to everyone in the room, the sender included (the paper's client shows your own "
               "line only when it comes back).",
    "private": "For 'PRIVATE name' followed by a line of text, send 'PRIVATE sender\\n' and the "
               "text on its own line to that one client only.",
    "quit": "On 'QUIT', send 'LEFT name\\n' to the others and 'GOODBYE\\n' to the one leaving, "
            "then close its connection.",
    "vanish": "When recv() returns b'' (or raises ConnectionResetError) the client is gone: "
              "remove it from the room, send 'LEFT name\\n' to the others and end that client's "
              "loop. Without this the loop spins for ever on empty reads and the name stays taken.",
    "many": "Keep every member's connection and send each message to all of them with sendall(); "
            "if several threads change the shared dictionary, protect it with a lock.",
    "frame": FRAME_BY_LINES,
}


def event_text(event: ChatEvent) -> str:
    """One event as the server's words: "NEW ann", "MESSAGE ann: hi"."""
    if isinstance(event, (Joined, Present, Left, Refused)):
        word = {Joined: "NEW", Present: "HERE", Left: "LEFT", Refused: "ERROR"}[type(event)]
        value = event.reason if isinstance(event, Refused) else event.name
        return f"{word} {value}"
    if isinstance(event, (Message, Private)):
        word = "MESSAGE" if isinstance(event, Message) else "PRIVATE"
        return f"{word} {event.sender}: {event.text}"
    if isinstance(event, Goodbye):
        return "GOODBYE"
    return event.line if isinstance(event, Unknown) else repr(event)


def received(events: Sequence[ChatEvent], limit: int = 6) -> str:
    """What arrived, for an explanation: 'nothing', or the first few events quoted."""
    if not events:
        return "nothing"
    shown = ", ".join(f"'{escape_bytes(event_text(event)[:80].encode())}'"
                      for event in events[:limit])
    more = f" and {len(events) - limit:,} more" if len(events) > limit else ""
    return shown + more


def same_name(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def joined(events: Iterable[ChatEvent], name: str) -> bool:
    return any(isinstance(e, Joined) and same_name(e.name, name) for e in events)


def left(events: Iterable[ChatEvent], name: str) -> bool:
    return any(isinstance(e, Left) and same_name(e.name, name) for e in events)


def said(events: Iterable[ChatEvent], sender: str, text: str, kind: type = Message) -> bool:
    """Did ``sender``'s ``text`` arrive as a ``kind`` (trailing spaces forgiven)?"""
    return any(isinstance(e, kind) and same_name(e.sender, sender) and e.text.strip() == text
               for e in events)


def mentions(events: Iterable[ChatEvent], text: str) -> bool:
    """Did ``text`` arrive in any form (as a message, a private message or a bare line)?"""
    return any(text in event_text(e) for e in events)


def missing(texts: Sequence[str], events: Sequence[ChatEvent], sender: str) -> List[str]:
    return [text for text in texts if not said(events, sender, text)]


def judge_merged(events: Sequence[ChatEvent], sender: str, texts: Sequence[str],
                 receiver: str, waited: float) -> Verdict:
    """Two MESSAGE commands sent in one segment must both arrive."""
    lost = missing(texts, events, sender)
    if not lost:
        return ok(f"Both messages, sent in one segment, reached {receiver}.")
    if len(lost) == len(texts):
        what = "neither of them arrived"
    else:
        what = f"only {texts[0]!r} arrived; {lost[0]!r} was lost or garbled"
    return fail(f"{sender} sent 'MESSAGE {texts[0]}\\nMESSAGE {texts[1]}\\n' in one segment; at "
                f"{receiver} {what} (within {waited:g} s {receiver} got {received(events)}).",
                FRAME_BY_LINES)


def judge_split(events: Sequence[ChatEvent], sender: str, text: str, pieces: Sequence[bytes],
                receiver: str, waited: float) -> Verdict:
    """One MESSAGE command sent in pieces must arrive whole."""
    if said(events, sender, text):
        return ok(f"The command arrived in {len(pieces)} pieces and reached {receiver} whole.")
    shown = " + ".join(repr(piece.decode()) for piece in pieces)
    return fail(f"{sender} sent one command in {len(pieces)} pieces ({shown}); {receiver} never "
                f"got the message {text!r} (within {waited:g} s {receiver} got "
                f"{received(events)}).",
                FRAME_BY_LINES)


def judge_private(recipient_events: Sequence[ChatEvent], bystander_events: Sequence[ChatEvent],
                  sender: str, recipient: str, bystander: str, text: str,
                  waited: float) -> Verdict:
    """The recipient gets it as PRIVATE; the bystander sees nothing of it."""
    if not said(recipient_events, sender, text, Private):
        if said(recipient_events, sender, text, Message):
            what = "it arrived as an ordinary MESSAGE, as if sent to everyone"
        else:
            what = (f"it never arrived (within {waited:g} s {recipient} got "
                    f"{received(recipient_events)})")
        return fail(f"{sender} sent 'PRIVATE {recipient}' and the line {text!r}; at {recipient} "
                    f"{what}.",
                    HINTS["private"])
    if mentions(bystander_events, text):
        return fail(f"{recipient} got the private message, but so did {bystander}, who was not "
                    "its recipient.", HINTS["private"])
    return ok(f"{recipient} got the private message from {sender}; {bystander} did not.")
