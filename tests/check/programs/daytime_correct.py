"""A daytime server (RFC 867) written the way a student does, and correctly.

It loops for ever: accept a client, send one line with the time (``time.ctime()``, the
server's local time) and close the connection.

Usage: python daytime_correct.py [HOST] PORT   (port 0 picks a free one)
"""

import time

from listening import listen


def answer(conn):
    conn.sendall((time.ctime() + "\r\n").encode())
    conn.close()


def serve(answer):
    server = listen()
    while True:
        conn, client = server.accept()
        answer(conn)


if __name__ == "__main__":
    serve(answer)
