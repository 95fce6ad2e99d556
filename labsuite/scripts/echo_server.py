"""Echo server: sends back every byte each client sends (RFC 862), many clients at once."""

import socket
import socketserver

# 127.0.0.1 lets only this computer connect; 0.0.0.0 lets other computers in too.
HOST = "127.0.0.1"
PORT = 8007


class EchoHandler(socketserver.BaseRequestHandler):
    """Serves one client (on its own thread): self.request is its socket."""

    def handle(self):
        client = "%s port %s" % self.client_address[:2]
        print(f"Accepted connection from {client}")
        try:
            # Echo until the client closes its side (recv returns b""). The course's
            # first echo server read once and closed: it echoed only the first piece.
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                print(f"Read {len(data)} bytes from client: {data[:60]!r}")
                # sendall: one send() may write only part of what was read.
                self.request.sendall(data)
                print(f"Wrote {len(data)} bytes to client")
        except OSError as error:  # the client reset the connection or vanished
            print(f"Lost {client}: {error}")
        print(f"Closed connection with {client}")


class EchoServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6 if ":" in HOST else socket.AF_INET
    # Restart at once, even while old connections close; Ctrl+C stops the server even
    # with clients connected.
    allow_reuse_address = daemon_threads = True


if __name__ == "__main__":
    # Making the server does the first steps: Opened server socket, Bound server
    # socket to port, Listening. Then each Accepted connection gets its own thread.
    with EchoServer((HOST, PORT), EchoHandler) as server:
        print(f"Listening on port {server.server_address[1]}")
        server.serve_forever()
