#!/usr/bin/env python3
"""Peer 1 for the chat bench: the leanest correct chat room plain asyncio can run.

One ``asyncio.Protocol`` per client, lines framed by hand, and each relayed line handed to
every member's ``transport.write``: no streams, no per-message coroutine, so this is the
practical limit of a Python chat server. It speaks what the bench uses of the course
protocol: ADD (NEW to everyone, the newcomer too), MESSAGE (to everyone, the sender too),
QUIT (LEFT to the others, then GOODBYE and close) and LEFT when a member disconnects.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Dict, Optional

from common import parse_address

MAX_LINE = 4096


class Room:
    def __init__(self):
        self.members: Dict["Member", bytes] = {}  # in order of joining
        self.names = set()

    def broadcast(self, data: bytes) -> None:
        for member in self.members:
            member.transport.write(data)


class Member(asyncio.Protocol):
    def __init__(self, room: Room):
        self.room = room
        self.name: Optional[bytes] = None
        self.pending = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        if len(self.pending) > MAX_LINE:
            self.pending = b""
            self.transport.write(b"ERROR Line too long; it was ignored.\n")
        for line in lines:
            if self.transport.is_closing():
                return
            self.handle(line.rstrip(b"\r"))

    def handle(self, line: bytes) -> None:
        command, _, rest = line.partition(b" ")
        if command == b"MESSAGE" and self.name is not None and rest:
            self.room.broadcast(b"MESSAGE %s\n%s\n" % (self.name, rest))
        elif command == b"ADD":
            self.join(rest.strip())
        elif command == b"QUIT":
            self.leave()
            self.transport.write(b"GOODBYE\n")
            self.transport.close()
        elif command:
            self.transport.write(b"ERROR Join first with ADD, then MESSAGE or QUIT.\n")

    def join(self, name: bytes) -> None:
        if self.name is not None or not name or name in self.room.names:
            self.transport.write(b"ERROR That name cannot be used.\n")
            return
        self.name = name
        self.room.names.add(name)
        self.room.members[self] = name
        self.room.broadcast(b"NEW %s\n" % name)

    def leave(self) -> None:
        if self.name is None:
            return
        del self.room.members[self]
        self.room.names.discard(self.name)
        self.room.broadcast(b"LEFT %s\n" % self.name)
        self.name = None

    def connection_lost(self, exc):
        self.leave()


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    room = Room()
    server = await loop.create_server(lambda: Member(room), host, port, backlog=128)
    address = server.sockets[0].getsockname()
    print(f"asyncio chat server listening on {address[0]}:{address[1]}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(*parse_address(__doc__)))
