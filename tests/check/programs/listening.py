"""What every student program starts with: where to listen, and saying so once it does.

``python PROGRAM.py [HOST] PORT`` (port 0 picks a free one); the program prints
``Listening on HOST:PORT`` with the real port, which the tests wait for.
"""

import socket
import sys


def address():
    """(HOST, PORT) from the command line; PORT alone means 127.0.0.1."""
    if len(sys.argv) > 2:
        return sys.argv[1], int(sys.argv[2])
    return "127.0.0.1", int(sys.argv[1])


def announce(where):
    print(f"Listening on {where[0]}:{where[1]}", flush=True)


def listen(backlog=5):
    """A listening socket, the way the course opens one (listen(5), as in every tutorial)."""
    server = socket.socket()
    server.bind(address())
    server.listen(backlog)
    announce(server.getsockname())
    return server
