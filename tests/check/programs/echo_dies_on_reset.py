"""An echo server that dies when a client resets its connection (one bug).

It watches all its clients with select(), the non-blocking design of the lecture notes,
so it serves many at once; but it never expects recv() to fail: the
ConnectionResetError of a client that crashed is not caught and ends the whole server.
"""

import select

from listening import listen

if __name__ == "__main__":
    server = listen()
    clients = []
    while True:
        readable, _, _ = select.select([server] + clients, [], [])
        for sock in readable:
            if sock is server:
                conn, client = server.accept()
                clients.append(conn)
                continue
            data = sock.recv(4096)  # the bug: a reset raises ConnectionResetError here
            if data:
                sock.sendall(data)
            else:
                clients.remove(sock)
                sock.close()
