"""Chat server: a chat room for many clients in the course's protocol (ADD, MESSAGE, ...)."""

import contextlib
import socket
import socketserver
import threading

# 127.0.0.1 lets only this computer connect; 0.0.0.0 lets other computers in too.
HOST = "127.0.0.1"
PORT = 9000

clients = {}  # name -> socket, for everyone in the room
clients_lock = threading.Lock()  # every client's thread uses the dictionary


def send(sock, text):
    with contextlib.suppress(OSError):  # a client that vanished: its own thread says so
        sock.sendall(text.encode("utf-8"))


def broadcast(text):
    # Sending while holding the lock keeps every message whole and in order. (A client
    # that stops reading makes the others wait here; labsuite's own server queues.)
    with clients_lock:
        for sock in clients.values():
            send(sock, text)


class ChatHandler(socketserver.StreamRequestHandler):
    """Serves one client (on its own thread) until it quits or vanishes."""

    def read_line(self):
        # Frame by lines, never by recv(): one recv() may hold half a command, or two
        # (the course's server took each recv() as one message and lost the rest).
        line = self.rfile.readline(4096)  # at most 4 KiB: a flood cannot fill memory
        return line.decode("utf-8", errors="replace").rstrip("\r\n") if line else None

    def handle(self):
        print("Accepted connection from %s port %s" % self.client_address[:2])
        name = command = None
        try:
            while command != "QUIT":
                line = self.read_line()
                if line is None:
                    break  # the client closed the connection
                print(f"Read from client: {line!r}")
                command, _, rest = line.partition(" ")
                command, rest = command.upper(), rest.strip()
                if command == "ADD" and name is None:
                    with clients_lock:
                        if rest and rest not in clients:
                            name, clients[rest] = rest, self.request
                    if name:
                        broadcast(f"NEW {name}\n")
                    else:
                        send(self.request, "ERROR That name is empty or taken.\n")
                elif command == "MESSAGE" and name:  # (only once it has joined)
                    broadcast(f"MESSAGE {name}\n{rest}\n")
                elif command == "PRIVATE" and name:
                    text = self.read_line()  # the content is on the next line
                    with clients_lock:
                        if rest in clients and text is not None:
                            send(clients[rest], f"PRIVATE {name}\n{text}\n")
        except OSError as error:
            print(f"Lost a client: {error}")  # it reset the connection, or vanished
        if name is not None:  # it said QUIT or vanished: tell everyone, then forget it
            broadcast(f"LEFT {name}\n")
            with clients_lock:
                del clients[name]
        if command == "QUIT":
            send(self.request, "GOODBYE\n")  # then socketserver closes the connection


class ChatServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6 if ":" in HOST else socket.AF_INET
    # Restart at once, even while old connections close; Ctrl+C stops the server even
    # with clients connected.
    allow_reuse_address = daemon_threads = True


if __name__ == "__main__":
    # Making the server does the first steps: Opened server socket, Bound server
    # socket to port, Listening. Then each Accepted connection gets its own thread.
    with ChatServer((HOST, PORT), ChatHandler) as server:
        print(f"Listening on port {server.server_address[1]}")
        server.serve_forever()
