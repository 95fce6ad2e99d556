"""A daytime server that never closes a connection (one bug).

It keeps every client in a list of visitors and forgets ``conn.close()``, so a client
that reads until the end of the reply (telnet, a loop on recv()) waits for ever.
"""

import time

from daytime_correct import serve

visitors = []


def answer(conn):
    conn.sendall((time.ctime() + "\r\n").encode())
    visitors.append(conn)  # the bug: no conn.close()


if __name__ == "__main__":
    serve(answer)
