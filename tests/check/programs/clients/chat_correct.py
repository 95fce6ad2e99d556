"""A chat client written the way a student does, and correctly.

Two threads, as in the course paper: the main one reads what is typed and sends it, the
second one prints what the server sends. The second thread frames by lines: it keeps a
buffer, adds each recv() to it and handles every complete line in it, so several lines
in one recv(), or one line over several, are all shown whole.

Usage: python chat_correct.py HOST PORT
"""

import socket
import sys
import threading


def lines_from(sock):
    """Each complete line the server sends, whatever pieces TCP delivers it in."""
    buffer = b""
    while True:
        data = sock.recv(1024)
        if not data:
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8", "replace").rstrip("\r")


def receive(sock):
    lines = lines_from(sock)
    for line in lines:
        command, _, param = line.partition(" ")
        if command == "GOODBYE":
            return
        if command == "NEW":
            print("==>", param, "has joined the chat room")
        elif command == "LEFT":
            print("==>", param, "has left the chat room")
        elif command == "MESSAGE":
            print("==>", param + ":", next(lines, ""))
        elif command == "PRIVATE":
            print("==> [private]", param + ":", next(lines, ""))


def main():
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    name = input("What is your name: ").strip()
    sock.sendall(f"ADD {name}\n".encode())
    incoming = threading.Thread(target=receive, args=(sock,))
    incoming.start()
    while True:
        try:
            message = input()
        except EOFError:
            message = "quit"
        if not message.strip():
            continue
        if message.strip().lower() == "quit":
            sock.sendall(b"QUIT\n")
            break
        if message.split()[0].lower() == "private" and ":" in message:
            friend, text = message[len("private"):].split(":", 1)
            sock.sendall(f"PRIVATE {friend.strip()}\n{text.strip()}\n".encode())
        else:
            sock.sendall(f"MESSAGE {message}\n".encode())
    incoming.join()
    sock.close()


main()
