"""Echo client: sends each line you type to an echo server (RFC 862) and prints its echo."""

import socket
import sys

HOST = "127.0.0.1"
PORT = 8007


def main():
    try:
        with socket.create_connection((HOST, PORT), timeout=10) as sock:
            print("Connected to", HOST, "port", PORT, file=sys.stderr)
            # Each line of standard input (type Ctrl+D, or Ctrl+Z on Windows, to end).
            for line in sys.stdin.buffer:
                echo = bytearray()
                # A piece at a time, reading its echo back before sending more: a huge
                # line sent whole could fill both sides' buffers, and both would wait.
                for start in range(0, len(line), 65536):
                    # sendall: one send() may write only part of the piece.
                    sock.sendall(line[start:start + 65536])
                    # Read until the piece is back: TCP may split the echo, so one
                    # recv() could return just the first part of it.
                    while len(echo) < min(len(line), start + 65536):
                        data = sock.recv(65536)
                        if not data:
                            sys.exit("The server closed the connection.")
                        echo += data
                print(echo.decode("utf-8", errors="replace").rstrip("\r\n"))
    except OSError as error:
        sys.exit(f"Could not talk to the echo server at {HOST} port {PORT}: {error}")


if __name__ == "__main__":
    main()
