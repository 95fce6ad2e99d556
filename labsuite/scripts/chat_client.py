"""Chat client: joins a chat room; "private <name>: text" whispers, "quit" leaves."""

import socket
import sys
import threading

HOST = "127.0.0.1"
PORT = 9000


def shown(text):
    # Others' text with control characters made harmless: they must not be able to
    # drive this terminal.
    return "".join(ch if ch.isprintable() else "?" for ch in text.rstrip("\r\n"))


def receive(sock):
    """The second thread: prints what the server sends until GOODBYE or the end."""
    # makefile() gives whole lines. The course's client split each recv() on "\n": a
    # line that TCP delivered in two pieces came out as two broken ones.
    lines = sock.makefile("r", encoding="utf-8", errors="replace", newline="\n")
    try:
        for line in lines:
            command, _, rest = shown(line).partition(" ")
            if command == "GOODBYE":
                return
            if command == "NEW":
                print("==>", rest, "has joined the chat room")
            elif command == "LEFT":
                print("==>", rest, "has left the chat room")
            elif command in ("MESSAGE", "PRIVATE"):
                text = shown(next(lines, ""))  # the text is on the next line
                private = "[private] " if command == "PRIVATE" else ""
                print(f"==> {private}{rest}: {text}")
            elif command == "ERROR":
                print("==> [server]", rest)
        print("==> The server closed the connection.")
    except OSError:  # the connection was reset, or closed while waiting for GOODBYE
        print("==> The connection to the server was lost.")


def send(sock, text):
    # Each command is a whole line ending in "\n" (the course's client left the
    # newline off MESSAGE, so a server could not tell where one message ended).
    sock.sendall(text.encode("utf-8") + b"\n")


def main():
    try:
        name = input("What is your name: ").strip()
        with socket.create_connection((HOST, PORT), timeout=10) as sock:
            sock.settimeout(None)  # connected: now wait as long as the room is quiet
            send(sock, f"ADD {name}")
            incoming = threading.Thread(target=receive, args=(sock,), daemon=True)
            incoming.start()
            for line in sys.stdin:  # this thread sends what you type
                line = line.strip()
                if line.lower() == "quit":
                    break
                if line.lower().startswith("private "):
                    friend, colon, text = line[len("private "):].partition(":")
                    if colon and friend.strip() and text.strip():
                        send(sock, f"PRIVATE {friend.strip()}\n{text.strip()}")
                    else:
                        print("To whisper, type: private <name>: <message>")
                elif line:
                    send(sock, f"MESSAGE {line}")
            # quit, or the end of input: say goodbye and wait for the server's answer
            send(sock, "QUIT")
            incoming.join(5)
    except EOFError:
        pass  # no name was typed
    except OSError as error:
        sys.exit(f"Lost the chat server at {HOST} port {PORT}: {error}")


if __name__ == "__main__":
    main()
