"""A daytime server that sends the time of day but no date (one bug)."""

import time

from daytime_correct import serve


def answer(conn):
    conn.sendall((time.strftime("%H:%M:%S") + "\r\n").encode())  # the bug: no date
    conn.close()


if __name__ == "__main__":
    serve(answer)
