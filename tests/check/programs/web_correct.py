"""A web server for GET and HEAD written the way a careful student does, and correctly.

It serves the folder it is started in. A ``socketserver.ThreadingTCPServer``; each
handler reads the request head up to the blank line (at most 8 KB), answers one request
and closes. Anything that is not ``METHOD /path HTTP/1.x`` gets 400; the decoded path is
resolved with realpath and refused when it leads out of the folder; a missing file is
404; Content-Type comes from mimetypes, Content-Length counts bytes, every line of the
head ends with CRLF.

Usage: python web_correct.py [HOST] PORT   (port 0 picks a free one)
"""

import mimetypes
import os
import socketserver
from urllib.parse import unquote

from listening import address, announce

ROOT = os.path.realpath(os.getcwd())
MAX_REQUEST = 8192
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           414: "URI Too Long", 501: "Not Implemented"}


class WebHandler(socketserver.BaseRequestHandler):
    LINE_END = "\r\n"

    def handle(self):
        try:
            self.request.sendall(self.answer(self.read_request()))
        except ConnectionError:
            pass  # the client went away

    def read_request(self):
        """The request head, or None when it is longer than MAX_REQUEST."""
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data:
            if len(data) > MAX_REQUEST:
                return None
            chunk = self.request.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    @classmethod
    def answer(cls, request):
        """The whole response (bytes) for one request head."""
        if request is None:
            return cls.response(414, b"Request too long\n")
        words = request.decode("latin-1").split("\n", 1)[0].split()
        if len(words) != 3 or not words[1].startswith("/") or not words[2].startswith("HTTP/"):
            return cls.response(400, b"Bad request\n")
        method, target, _version = words
        if method not in ("GET", "HEAD"):
            return cls.response(501, b"Only GET and HEAD\n")
        path = cls.file_for(target)
        if path is None:
            return cls.response(403, b"Forbidden\n")
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        try:
            with open(path, "rb") as file:
                body = file.read()
        except OSError:  # missing, a folder, a name too long...
            return cls.response(404, b"Not found\n")
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return cls.response(200, body, kind, head_only=method == "HEAD")

    @classmethod
    def file_for(cls, target):
        """The file a request target names, or None when it is outside the folder."""
        path = os.path.realpath(os.path.join(ROOT, unquote(target.split("?")[0]).lstrip("/")))
        if os.path.commonpath([ROOT, path]) != ROOT:
            return None
        return path

    @classmethod
    def content_length(cls, body):
        return len(body)

    @classmethod
    def response(cls, status, body, kind="text/plain; charset=utf-8", head_only=False):
        head = [f"HTTP/1.0 {status} {REASONS[status]}", f"Content-Type: {kind}",
                f"Content-Length: {cls.content_length(body)}", "Connection: close"]
        data = (cls.LINE_END.join(head) + cls.LINE_END * 2).encode()
        return data if head_only else data + body


def serve(handler=WebHandler):
    server = socketserver.ThreadingTCPServer(address(), handler)
    server.daemon_threads = True
    announce(server.server_address)
    server.serve_forever()


if __name__ == "__main__":
    serve()
