"""An echo client written the way a student does, and correctly.

For each line typed it sends the line, then reads until the whole line has come back
(TCP may hand the echo over in several pieces), and prints it. At the end of the input
it closes the connection and ends.

Usage: python echo_correct.py HOST PORT
"""

import socket
import sys

host = sys.argv[1]
port = int(sys.argv[2])

sock = socket.create_connection((host, port))
for line in sys.stdin:
    data = line.encode()
    sock.sendall(data)
    echo = b""
    while len(echo) < len(data):
        piece = sock.recv(1024)
        if not piece:
            sys.exit("The server closed the connection.")
        echo += piece
    print("Echo:", echo.decode().rstrip("\n"))
sock.close()
