#!/usr/bin/env python3
"""Peer 2 for the chat bench: the chat server as written in class (the paper's Figure 4).

A ``socketserver.ThreadingTCPServer``, one thread per client, and its design kept as it is
(ported to Python 3 bytes, nothing fixed):

* each ``recv(1024)`` is taken as ONE message: its first word is the command and the rest
  the data, so two messages that arrive together, or one split across two reads, are
  relayed garbled or not at all;
* one global dict maps names to sockets, shared by every thread with no lock, and a
  broadcast loops ``sendall`` over its values.

The only addition is bookkeeping: an exception that ends a handler thread (socketserver
then closes that client's socket, as it did in class) is counted instead of printed, and
the count is printed when the server stops, so the bench can report it.
"""

from __future__ import annotations

import collections
import signal
import socketserver
import sys
import threading

from common import parse_address

socket_lookup = {}  # name -> socket, shared by every handler thread (no lock, as in class)


def broadcast(announcement: bytes) -> None:
    for connection in socket_lookup.values():
        connection.sendall(announcement)


class ChatHandler(socketserver.BaseRequestHandler):
    def handle(self):
        username = b"Unknown"
        active = True
        while active:
            message = self.request.recv(1024)
            if message:  # as in class: an empty read (the client left) is never handled
                command = message.split()[0]
                data = message[1 + len(command):]  # the rest
                if command == b"ADD":
                    username = data.strip()
                    socket_lookup[username] = self.request
                    broadcast(b"NEW %s\n" % username)
                elif command == b"MESSAGE":
                    broadcast(b"MESSAGE %s\n%s\n" % (username, data))
                elif command == b"PRIVATE":
                    rcpt = data.split(b"\n")[0]
                    if rcpt in socket_lookup:
                        content = data.split(b"\n")[1]
                        socket_lookup[rcpt].sendall(b"PRIVATE %s\n%s\n" % (username, content))
                elif command == b"QUIT":
                    active = False
                    broadcast(b"LEFT %s\n" % username)  # inform others
                    self.request.sendall(b"GOODBYE\n")  # acknowledge
        socket_lookup.pop(username)
        self.request.close()


class PaperChatServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128  # the same listen backlog as the other servers

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exceptions = collections.Counter()
        self._tally_lock = threading.Lock()  # for the bookkeeping only, not the design

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        with self._tally_lock:
            self.exceptions[f"{type(exc).__name__}: {exc}"] += 1

    def summary(self) -> str:
        with self._tally_lock:
            kinds = "; ".join(f"{what} x{count}" for what, count in self.exceptions.most_common(4))
            total = sum(self.exceptions.values())
        return f"paper chat server: {total} handler exceptions" + (f" ({kinds})" if kinds else "")


def serve(host: str, port: int) -> None:
    with PaperChatServer((host, port), ChatHandler) as server:
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
        address = server.server_address
        print(f"paper chat server listening on {address[0]}:{address[1]}", flush=True)
        server.serve_forever()
        print(server.summary(), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    serve(*parse_address(__doc__))
