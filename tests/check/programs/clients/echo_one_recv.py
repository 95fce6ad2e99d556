"""An echo client that takes one recv() as the whole echo.

It works while each echo comes back in one piece; when an echo arrives in pieces it
prints the first piece, and the rest turns up as the "echo" of the next line.

Usage: python echo_one_recv.py HOST PORT
"""

import socket
import sys

sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
for line in sys.stdin:
    sock.sendall(line.encode())
    echo = sock.recv(1024)  # the bug: the echo may not all be here yet
    print(echo.decode().rstrip("\n"))
sock.close()
