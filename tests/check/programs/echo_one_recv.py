"""The course paper's echo server (Figure 2) in Python 3 (one bug).

handle() reads one ``recv(1024)``, sends it back and returns, which closes the
connection: a second message, a message over 1024 bytes or one that arrives in pieces
is not echoed. (The paper uses TCPServer, which also serves one client at a time; this
port is threaded so that the single recv() is its only bug: see echo_one_at_a_time.py.)
"""

import socketserver

from listening import address, announce


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        message = self.request.recv(1024)
        self.request.send(message)


if __name__ == "__main__":
    server = socketserver.ThreadingTCPServer(address(), EchoHandler)
    announce(server.server_address)
    server.serve_forever()
