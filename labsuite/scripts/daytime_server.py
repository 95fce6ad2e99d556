"""Daytime server: sends each client the date and time (RFC 867) and closes."""

import socket
from datetime import datetime, timezone

# 127.0.0.1 lets only this computer connect; 0.0.0.0 lets other computers in too.
HOST = "127.0.0.1"
PORT = 8013


def main():
    family = socket.AF_INET6 if ":" in HOST else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as server:
        print("Opened server socket")
        # Allow a restart at once, even while old connections are still closing.
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((HOST, PORT))
        print("Bound server socket to port", server.getsockname()[1])
        server.listen()
        print("Listening")
        while True:
            # A client that vanishes is its own loss: the server goes on serving.
            try:
                conn, client = server.accept()
                with conn:
                    print("Accepted connection from", client[0], "port", client[1])
                    # In English and in UTC whatever this computer's settings, so every
                    # client can read it: Wednesday, February 11, 2026 21:30:43-UTC
                    now = datetime.now(timezone.utc)
                    line = now.strftime("%A, %B %d, %Y %H:%M:%S-UTC\r\n")
                    conn.sendall(line.encode("ascii"))
                    print("Wrote to client:", line.strip())
                # Closed: that tells the client the answer is complete.
            except OSError as error:
                print("Lost a client:", error)


if __name__ == "__main__":
    main()
