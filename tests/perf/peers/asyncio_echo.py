#!/usr/bin/env python3
"""Peer 1: the fastest plain-asyncio echo server (a Protocol that writes back what it reads).

No streams, no per-message coroutine: ``data_received`` hands the bytes straight to
``transport.write``, which is the cheapest echo the standard library can do.
"""

from __future__ import annotations

import asyncio
import signal

from common import announce, parse_address


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, host, port, backlog=128)
    announce("asyncio", server.sockets[0].getsockname())
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:  # Windows: the default handlers end the process
            pass
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(*parse_address(__doc__)))
