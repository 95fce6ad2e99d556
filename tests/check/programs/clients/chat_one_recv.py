"""A chat client that takes each recv() as one line from the server (and the next one).

It works as long as every message from the server arrives in a recv() of its own; when
several arrive together only the first is shown, and a line split over two recv() calls
is shown in pieces. Its main thread sends QUIT and ends without waiting for GOODBYE (the
receiving thread is a daemon), which is fine.

Usage: python chat_one_recv.py HOST PORT
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
        lines = data.decode().split("\n")  # the bug: only the first line (and its text) counts
        command, _, param = lines[0].partition(" ")
        if command == "NEW":
            print("==>", param, "has joined the chat room")
        elif command == "LEFT":
            print("==>", param, "has left the chat room")
        elif command in ("MESSAGE", "PRIVATE"):
            text = lines[1] if len(lines) > 1 else ""
            print("==>", param + ":", text)


name = input("What is your name: ")
sock.sendall(("ADD " + name + "\n").encode())
threading.Thread(target=receive, daemon=True).start()
while True:
    line = input()
    if line == "quit":
        sock.sendall(b"QUIT\n")
        break
    if line.startswith("private ") and ":" in line:
        who, text = line[len("private "):].split(":", 1)
        sock.sendall(("PRIVATE " + who.strip() + "\n" + text.strip() + "\n").encode())
    else:
        sock.sendall(("MESSAGE " + line + "\n").encode())
sock.close()
