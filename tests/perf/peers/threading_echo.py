#!/usr/bin/env python3
"""Peer 2: the textbook threaded echo server (socketserver, one thread per client).

The handler loops on recv/sendall on the raw socket (what StreamRequestHandler wraps),
which is the classic blocking design students write first.
"""

from __future__ import annotations

import signal
import socketserver
import sys
import threading

from common import announce, parse_address


class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        sock = self.connection
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                sock.sendall(data)
        except OSError:  # reset by the client: nothing to answer
            return


class EchoServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128  # the same listen backlog as the other servers


def serve(host: str, port: int) -> None:
    with EchoServer((host, port), EchoHandler) as server:
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
        announce("threading", server.server_address)
        server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    serve(*parse_address(__doc__))
