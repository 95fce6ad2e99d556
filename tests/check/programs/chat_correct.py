"""A chat server for the course paper's protocol, written the way a careful student does.

A ``socketserver.ThreadingTCPServer`` with a ``StreamRequestHandler``, whose
``rfile.readline()`` frames the stream by lines (two commands in one segment, or one
command in several, are read right); one lock guards the shared dictionary of members;
a client that leaves in any way (QUIT, closing, a reset) is announced with LEFT.

Usage: python chat_correct.py [HOST] PORT   (port 0 picks a free one)
"""

import socketserver
import threading

from listening import address, announce

members = {}  # name -> the handler of that member's connection
members_lock = threading.Lock()


def broadcast(text):
    with members_lock:
        everyone = list(members.values())
    for member in everyone:
        member.write(text)


class ChatHandler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.name = None
        self.quitting = False
        self.write_lock = threading.Lock()

    def write(self, text):
        try:
            with self.write_lock:  # several threads write to this one client
                self.wfile.write(text.encode())
        except OSError:
            pass  # that client is gone; its own thread says LEFT

    def read_line(self):
        """The next line without its line end; None once the client has closed."""
        raw = self.rfile.readline(4096)
        return raw.decode("utf-8", "replace").rstrip("\r\n") if raw else None

    def handle(self):
        try:
            while not self.quitting:
                line = self.read_line()
                if line is None:
                    break  # the client closed without QUIT
                self.command(line)
        except OSError:
            pass  # the client reset its connection
        finally:
            self.leave()

    def command(self, line):
        word, _, rest = line.partition(" ")
        if word == "ADD":
            self.add(rest.strip())
        elif word == "MESSAGE" and self.name:
            broadcast(f"MESSAGE {self.name}\n{rest}\n")
        elif word == "PRIVATE" and self.name:
            text = self.read_line()  # the content comes on the next line
            if text is not None:
                self.private(rest.strip(), text)
        elif word == "QUIT":
            self.quitting = True
            self.leave()
            self.write("GOODBYE\n")

    def add(self, name):
        with members_lock:
            refused = self.name is not None or not name or name in members
            if not refused:
                self.name = name
                members[name] = self
        if refused:
            self.write(f"ERROR cannot join as {name!r}\n")
        else:
            broadcast(f"NEW {name}\n")

    def private(self, recipient, text):
        with members_lock:
            target = members.get(recipient)
        if target:
            target.write(f"PRIVATE {self.name}\n{text}\n")

    def leave(self):
        with members_lock:
            name, self.name = self.name, None
            if name is not None:
                del members[name]
        if name is not None:
            broadcast(f"LEFT {name}\n")


class ChatServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    request_queue_size = 32


def serve(handler=ChatHandler):
    server = ChatServer(address(), handler)
    announce(server.server_address)
    server.serve_forever()


if __name__ == "__main__":
    serve()
