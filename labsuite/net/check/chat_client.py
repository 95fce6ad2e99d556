"""The chat client checks, each in a room of its own on the reference chat server.

The student's client joins first, as "cool cat" (typed, as the paper's client asks "What is
your name:"); then the checker joins as a second member, "hot dog", and speaks to it: a
message, three at once, one a few bytes at a time, a private one, while lines are typed
into the client as a person would. Each check ends by typing 'quit' (and ending the
input); only sends-quit judges what the client does then.
"""

from __future__ import annotations

import functools
import socket
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Tuple

from labsuite.protocols import chat as protocol
from labsuite.protocols.check import chat_client as judge
from labsuite.protocols.check.model import Verdict, skip

from .reference import MERGED, PIECES, PLAIN, Pacing, ReferenceChat
from .scene import ClientContext, Scene

QUIT = ("quit",)
#: The longest the check waits for the client to take in the newcomer (see room()).
SETTLE = 0.5


class Companion:
    """The checker's own member of the room, on a plain socket read by a thread."""

    def __init__(self, scene: Scene, name: str):
        self.scene = scene
        self.name = name
        self.events: List[protocol.ChatEvent] = []
        self._parser = protocol.ClientParser()
        self.sock = socket.create_connection(scene.address, timeout=scene.ctx.timeout)
        self.sock.settimeout(None)
        scene.own(self.sock.getsockname(), name)
        self._reader = threading.Thread(target=self._read, daemon=True, name="check companion")
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.scene.publish()
                return
            events = self._parser.receive(data)
            self.scene.publish(lambda: self.events.extend(events))

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def mark(self) -> int:
        return len(self.events)

    def heard(self, mark: int = 0) -> List[protocol.ChatEvent]:
        return self.events[mark:]

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._reader.join(1.0)
        self.sock.close()


@contextmanager
def room(ctx: ClientContext, pacing: Pacing) -> Iterator[Tuple[Scene, Optional[Companion]]]:
    """The student's client joined, then the checker's member; (scene, None) when the
    client never joined (the check is then not judged, but sends-add is)."""
    scene = ctx.stage(ReferenceChat(pacing=pacing))
    scene.launch(name=judge.NAME)
    companion = None
    try:
        # until it joined, or the server answered something else it sent (or it ended)
        scene.wait(lambda: joined(scene, judge.NAME) or scene.ended or bool(scene.to_client()),
                   ctx.startup)
        if joined(scene, judge.NAME):
            before = len(scene.printed)
            companion = Companion(scene, judge.OTHER)
            announced = f"NEW {judge.OTHER}\n".encode()
            companion.send(protocol.encode_add(judge.OTHER))
            scene.wait(lambda: announced in b"".join(scene.to_client())
                       and any(isinstance(e, protocol.Joined) for e in companion.events),
                       ctx.timeout)
            # Let the client take in the news before the check speaks, so that only
            # merged-lines sends it lines that arrive together: a client that shows the
            # newcomer has, one that shows nothing is given a moment.
            scene.wait(lambda: judge.OTHER in scene.printed[before:] or scene.ended,
                       min(ctx.timeout, SETTLE))
        yield scene, companion
    finally:
        if companion is not None:
            companion.close()


def joined(scene: Scene, name: str) -> bool:
    return protocol.fold(name) in {protocol.fold(member) for member in scene.server.members}


def said(events, *kinds) -> bool:
    """Did the student's client say something (of one of ``kinds``) in ``events``?"""
    return any(isinstance(e, kinds) and protocol.fold(e.sender) == protocol.fold(judge.NAME)
               for e in events)


def until_shown(scene: Scene, *texts: str):
    return lambda: all(text in scene.printed for text in texts) or scene.ended


def reply(scene: Scene, other: Companion, text: str, line: str,
          *kinds) -> Tuple[List[protocol.ChatEvent], bytes]:
    """Wait until ``text`` (from the other member) is shown, then type ``line`` and wait
    until the other member hears the client say something of ``kinds``. Returns what the
    other member heard and what the client sent after ``line`` was typed."""
    timeout = scene.ctx.timeout
    scene.wait(until_shown(scene, text), timeout)
    heard, sent = other.mark(), scene.mark()
    if not scene.ended:  # typed even if not shown: the explanation tells of both halves
        scene.type(line)
        scene.wait(lambda: said(other.heard(heard), *kinds) or scene.ended, timeout)
    return other.heard(heard), scene.from_client(sent)


def in_room(pacing: Pacing) -> Callable:
    """A check that runs once the client and the checker's member are both in a room
    paced by ``pacing``: ``body(ctx, scene, other)``; not judged if the client never joined."""
    def wrap(body: Callable[[ClientContext, Scene, Companion], Verdict]) -> Callable:
        @functools.wraps(body)
        def check(ctx: ClientContext) -> Verdict:
            with room(ctx, pacing) as (scene, other):
                if other is None:
                    return skip(judge.NOT_JOINED)
                return body(ctx, scene, other)
        return check
    return wrap


# -- the checks ------------------------------------------------------------------------------
def sends_add(ctx: ClientContext) -> Verdict:
    with room(ctx, PLAIN) as (scene, _companion):
        sent = scene.from_client()
        return judge.judge_add(sent, scene.finish(ctx.startup, QUIT))


@in_room(PLAIN)
def shows_messages(ctx: ClientContext, scene: Scene, other: Companion) -> Verdict:
    other.send(protocol.encode_say(judge.SAYS))
    heard, sent = reply(scene, other, judge.SAYS, judge.TYPED_LINE, protocol.Message)
    return judge.judge_messages(scene.finish(ctx.timeout, QUIT), heard, sent)


@in_room(MERGED)
def merged_lines(ctx: ClientContext, scene: Scene, other: Companion) -> Verdict:
    mark = scene.mark()
    other.send(b"".join(protocol.encode_say(text) for text in judge.MERGED))
    scene.wait(until_shown(scene, *judge.MERGED), ctx.timeout)
    first = judge.MERGED[0].encode()
    segment = next((piece for piece in scene.to_client(mark) if first in piece), b"")
    return judge.judge_merged(scene.finish(ctx.timeout, QUIT), segment)


@in_room(PIECES)
def split_line(ctx: ClientContext, scene: Scene, other: Companion) -> Verdict:
    mark = scene.mark()
    other.send(protocol.encode_say(judge.SPLIT))
    whole = f"MESSAGE {judge.OTHER}\n{judge.SPLIT}\n".encode()
    scene.wait(lambda: until_shown(scene, judge.SPLIT)()
               and b"".join(scene.to_client(mark)).endswith(whole), ctx.timeout)
    pieces = scene.to_client(mark)
    return judge.judge_split(scene.finish(ctx.timeout, QUIT), pieces)


@in_room(PLAIN)
def private(ctx: ClientContext, scene: Scene, other: Companion) -> Verdict:
    other.send(protocol.encode_whisper(judge.NAME, judge.WHISPER))
    heard, sent = reply(scene, other, judge.WHISPER, judge.PRIVATE_LINE, protocol.Message,
                        protocol.Private)
    return judge.judge_private(scene.finish(ctx.timeout, QUIT), heard, sent)


@in_room(PLAIN)
def sends_quit(ctx: ClientContext, scene: Scene, other: Companion) -> Verdict:
    mark = scene.mark()
    scene.type("quit")
    scene.wait(lambda: scene.ended, ctx.timeout)
    return judge.judge_quit(scene.finish(ctx.timeout), scene.from_client(mark))


CHECKS = {
    "sends-add": sends_add,
    "shows-messages": shows_messages,
    "merged-lines": merged_lines,
    "split-line": split_line,
    "private": private,
    "sends-quit": sends_quit,
}
