"""Web server: answers GET and HEAD with the files of the folder it runs in, never outside."""

import html
import mimetypes
import os
import socket
import socketserver
from urllib.parse import quote, unquote

# 127.0.0.1 lets only this computer connect; 0.0.0.0 lets other computers in too.
HOST = "127.0.0.1"
PORT = 8080
FOLDER = os.path.realpath(os.getcwd())  # the folder whose files are served


class WebHandler(socketserver.StreamRequestHandler):
    """Answers one request (on its own thread), then closes the connection."""

    timeout = 10  # seconds a client gets to send its request
    head_only = False  # HEAD: the status line and headers, without the body

    def handle(self):
        print("Accepted connection from %s port %s" % self.client_address[:2])
        try:
            # The request line, e.g. "GET /index.html HTTP/1.1", then header lines up
            # to an empty line. Read by lines: one recv() may hold only part of them.
            request = self.rfile.readline(8192).decode("latin-1")
            print(f"Read from client: {request.strip()!r}")
            for _ in range(100):  # skip the headers (at most 100 of them)
                if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                    break
            words = request.split()
            if len(words) != 3 or not words[1].startswith("/"):
                return self.reply("400 Bad Request", b"That is not an HTTP request.\n")
            if words[0] not in ("GET", "HEAD"):
                return self.reply("501 Not Implemented", b"Only GET and HEAD.\n")
            self.head_only = words[0] == "HEAD"
            path = unquote(words[1].split("?")[0].split("#")[0])
            # Refuse ".." (and a NUL byte), then check where the path really leads
            # (a symbolic link could point outside the folder).
            if ".." in path.replace("\\", "/").split("/") or "\0" in path:
                return self.reply("403 Forbidden", b"Only files inside the folder.\n")
            name = os.path.realpath(os.path.join(FOLDER, path.lstrip("/\\")))
            if name != FOLDER and not name.startswith(FOLDER.rstrip(os.sep) + os.sep):
                return self.reply("403 Forbidden", b"Only files inside the folder.\n")
            if os.path.isfile(os.path.join(name, "index.html")):
                name = os.path.join(name, "index.html")
            if os.path.isdir(name):  # a folder without index.html: list its files
                links = [f'<a href="{quote(path.rstrip("/") + "/" + entry)}">'
                         f'{html.escape(entry)}</a><br>' for entry in sorted(os.listdir(name))]
                page = "<!DOCTYPE html>\n" + "\n".join(links) + "\n"
                return self.reply("200 OK", page.encode("utf-8"), "text/html; charset=utf-8")
            if not os.path.isfile(name):
                return self.reply("404 Not Found", b"There is no file at this address.\n")
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            # The whole file at once: fine for web pages (a film would fill the memory;
            # labsuite's own server sends big files a piece at a time).
            with open(name, "rb") as file:
                self.reply("200 OK", file.read(), kind)
        except OSError as error:  # the client vanished, or a file could not be read
            print(f"Lost a client: {error}")

    def reply(self, status, body, kind="text/plain; charset=utf-8"):
        """Send the status line, the headers and (not for HEAD) the body."""
        head = (f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        # wfile.write() calls sendall(): all of it goes out, however long.
        self.wfile.write(head.encode("latin-1") + (b"" if self.head_only else body))
        print(f"Wrote to client: {status} ({len(body)} bytes)")


class WebServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6 if ":" in HOST else socket.AF_INET
    # Restart at once, even while old connections close; Ctrl+C stops the server even
    # with clients connected.
    allow_reuse_address = daemon_threads = True


if __name__ == "__main__":
    # Making the server does the first steps: Opened server socket, Bound server
    # socket to port, Listening. Then each Accepted connection gets its own thread.
    with WebServer((HOST, PORT), WebHandler) as server:
        print(f"Listening on port {server.server_address[1]}, serving {FOLDER}")
        server.serve_forever()
