"""An echo client with a receiving thread that never ends.

The main thread sends each line typed; a second thread prints whatever comes back, as
it comes, so every echo is printed whole. But at the end of the input nothing tells the
second thread to stop, and nobody closes the socket: it waits in recv() for ever, and
so the program never ends.

Usage: python echo_never_ends.py HOST PORT
"""

import socket
import sys
import threading

sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))


def receive():
    while True:
        data = sock.recv(1024)
        if not data:
            break
        print(data.decode(), end="", flush=True)


threading.Thread(target=receive).start()
for line in sys.stdin:
    sock.sendall(line.encode())
# the end of the input: the main thread is done, but receive() is still waiting
