"""Daytime client: asks a daytime server (RFC 867) for the time and prints the answer."""

import socket
import sys

# The server to ask (time.nist.gov port 13 is a public daytime server).
HOST = "127.0.0.1"
PORT = 8013


def main():
    try:
        # Connected: for daytime, connecting is the whole request.
        with socket.create_connection((HOST, PORT), timeout=10) as sock:
            reply = b""
            # Read until the server closes the connection: that marks the end of the
            # answer. (One recv(1024), as in the course's first client, can get only
            # the first part of the line when it arrives in two pieces.)
            while len(reply) < 10_000:  # an answer is one short line: stop a flood
                data = sock.recv(1024)
                if not data:
                    break
                reply += data
    except OSError as error:
        sys.exit(f"Could not get the time from {HOST} port {PORT}: {error}")
    print(reply.decode("utf-8", errors="replace").strip())


if __name__ == "__main__":
    main()
