"""A chat client with no private messages: the part of the assignment not done yet.

Otherwise correct (it reads whole lines with makefile()), it does not know PRIVATE:
a private message from someone else is not shown, and 'private <name>: text' typed
goes to everyone as an ordinary MESSAGE.

Usage: python chat_no_private.py HOST PORT
"""

import socket
import sys
import threading

sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))


def receive():
    lines = sock.makefile("r", encoding="utf-8", newline="\n")
    for line in lines:
        command, _, param = line.rstrip("\n").partition(" ")
        if command == "GOODBYE":
            return
        if command == "NEW":
            print("==>", param, "has joined the chat room")
        elif command == "LEFT":
            print("==>", param, "has left the chat room")
        elif command == "MESSAGE":
            print("==>", param + ":", next(lines, "").rstrip("\n"))


name = input("What is your name: ").strip()
sock.sendall(f"ADD {name}\n".encode())
incoming = threading.Thread(target=receive)
incoming.start()
for line in sys.stdin:
    line = line.strip()
    if line == "quit":
        break
    if line:
        sock.sendall(f"MESSAGE {line}\n".encode())
sock.sendall(b"QUIT\n")
incoming.join()
