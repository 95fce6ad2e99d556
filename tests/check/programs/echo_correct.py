"""An echo server (RFC 862) written the way a student does, and correctly.

A ``socketserver.ThreadingTCPServer`` (one thread per client), as in the course paper;
the handler loops, sending back every byte it reads, until the client closes, and a
client that resets its connection ends only its own thread.

Usage: python echo_correct.py [HOST] PORT   (port 0 picks a free one)
"""

import socketserver

from listening import address, announce


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                data = self.request.recv(4096)
                if not data:
                    break  # the client closed
                self.echo(data)
        except ConnectionError:
            pass  # the client vanished: there is nobody left to answer

    def echo(self, data):
        self.request.sendall(data)


def serve(server_class=socketserver.ThreadingTCPServer, handler=EchoHandler):
    server = server_class(address(), handler)
    announce(server.server_address)
    server.serve_forever()


if __name__ == "__main__":
    serve()
