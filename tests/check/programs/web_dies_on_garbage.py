"""A web server that dies when a client sends bytes that are not text (one bug).

It watches its clients with select(), the non-blocking design of the lecture notes, and
answers each request with the correct server's logic; but it decodes each recv() as
UTF-8 straight away, and the UnicodeDecodeError of binary junk ends the whole server.
"""

import select

from listening import listen
from web_correct import WebHandler

if __name__ == "__main__":
    server = listen()
    requests = {}  # client socket -> the text of its request so far
    while True:
        readable, _, _ = select.select([server, *requests], [], [])
        for sock in readable:
            if sock is server:
                conn, client = server.accept()
                requests[conn] = ""
                continue
            data = sock.recv(4096)
            requests[sock] += data.decode()  # the bug: junk raises UnicodeDecodeError
            if data and "\r\n\r\n" not in requests[sock] and len(requests[sock]) < 8192:
                continue
            sock.sendall(WebHandler.answer(requests.pop(sock).encode()))
            sock.close()
