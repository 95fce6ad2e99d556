"""The web server: GET and HEAD for the files of one folder, on one selector thread.

The course's web server answers "GET" requests with files. This one does the same for a
folder the student chooses (or the built-in sample site) and is careful the way a real
server must be:

* nothing outside the folder is ever served: request targets are mapped by
  :func:`labsuite.protocols.http.local_path` (pure), then every path is resolved and
  checked against the folder again, so a symbolic link cannot lead out either;
* every response carries Content-Length, so connections are kept alive between requests,
  and pipelined requests are answered in order;
* large files are streamed with ``os.sendfile`` (or chunked reads) only as fast as the
  client takes them, so memory stays flat whatever the file size;
* a client gets ``idle_timeout`` seconds to send a whole request head (slow senders are
  dropped), and no more than ``max_connections`` clients are served at once.

Each request is reported as one RESULT event carrying a :class:`RequestRecord`, next to
one READ (the request head) and one WROTE (the response) event, so the log shows the
conversation without one line per recv().
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from labsuite import __version__
from labsuite.protocols import http
from labsuite.protocols.http import LocalPath, Refusal, Rejected, Request, RequestParser

from . import ports
from .chat import plain_reason
from .errors import NetError
from .events import PREVIEW_BYTES, Address, EventCallback, Kind, format_address, preview
from .service import TcpServer

__all__ = ["WebServer", "RequestRecord", "builtin_site"]

SERVER_NAME = f"labsuite/{__version__}"
#: Files up to this size are read in one go (and kept in a small cache); larger ones stream.
SMALL_FILE = 64 * 1024
CACHE_BYTES = 8 * 1024 * 1024
#: The most one sendfile() or read() moves, so one fast client cannot hog the thread.
STREAM_CHUNK = 256 * 1024
RECV_SIZE = 65536
ACCEPT_BATCH = 64
BACKLOG = 1024
#: After the last response on a connection, what the client still sends is read and
#: dropped for a moment, so closing does not reset the connection before it has read.
LINGER_SECONDS = 2.0
LINGER_BYTES = 1024 * 1024
#: Longest listing of one folder (a folder with more entries shows a note instead).
MAX_LISTED = 5000
#: How much of a request head a RequestRecord keeps, in characters.
RAW_REQUEST_LIMIT = 8192

_LISTENER, _WAKER = object(), object()
_WAITING, _SENDING, _LINGERING = "waiting", "sending", "lingering"
_FORBIDDEN = "forbidden"
_NO_FILE = "There is no file at this address."


def builtin_site() -> Path:
    """The sample site shipped with labsuite (package data, also inside a frozen app)."""
    return Path(__file__).resolve().parent.parent / "assets" / "site"


@dataclass(frozen=True)
class RequestRecord:
    """One request and its response, for the log and the Web tab's request list.

    ``bytes`` counts the body sent (0 for HEAD and 304); ``raw_request`` is the request
    head as text (invalid UTF-8 shown as replacement characters, at most 8,192
    characters). ``complete`` is False when the client went away mid-response.
    """

    client: str
    method: str
    path: str
    status: int
    bytes: int
    duration_ms: float
    raw_request: str
    complete: bool = True

    @property
    def text(self) -> str:
        request = f"{self.method} {self.path}" if self.method else "(unreadable request)"
        ending = "" if self.complete else ", connection lost"
        return (f"{self.client} {request} -> {self.status} "
                f"({self.bytes:,} bytes, {self.duration_ms:,.1f} ms{ending})")


class _Connection:
    __slots__ = ("conn_id", "sock", "peer", "client", "parser", "state", "mask", "deadline",
                 "out", "fd", "offset", "remaining", "use_sendfile", "keep_alive",
                 "request_head", "method", "target", "status", "head_size", "sent",
                 "started", "lingered")

    def __init__(self, conn_id: int, sock: socket.socket, peer: Address):
        self.conn_id = conn_id
        self.sock = sock
        self.peer = peer
        self.client = format_address(peer)
        self.parser = RequestParser()
        self.state = _WAITING
        self.mask = selectors.EVENT_READ
        self.deadline = 0.0
        self.out = bytearray()
        self.fd: Optional[int] = None
        self.offset = 0
        self.remaining = 0
        self.use_sendfile = hasattr(os, "sendfile")
        self.keep_alive = True
        self.request_head = b""
        self.method = ""
        self.target = ""
        self.status = 0
        self.head_size = 0
        self.sent = 0  # bytes of the current response sent so far, head included
        self.started = 0.0
        self.lingered = 0


class _CachedFile:
    __slots__ = ("key", "last_modified", "content_type", "body")

    def __init__(self, key: tuple, last_modified: str, content_type: str):
        self.key = key
        self.last_modified = last_modified
        self.content_type = content_type
        self.body: Optional[bytes] = None


class _Response:
    """What to send: status, headers, and a body as bytes or an open file."""

    __slots__ = ("status", "headers", "body", "fd", "size")

    def __init__(self, status: int, headers: List[Tuple[str, str]], body: bytes = b"",
                 fd: Optional[int] = None, size: Optional[int] = None):
        self.status = status
        self.headers = headers
        self.body = body
        self.fd = fd
        self.size = len(body) if size is None else size


class WebServer(TcpServer):
    source = "web server"

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.WEB,
                 root: Optional[str] = None, on_event: Optional[EventCallback] = None,
                 idle_timeout: float = 10.0, max_connections: int = 1000):
        super().__init__(host, port, on_event)
        self.root = None if root in (None, "") else str(root)
        self.idle_timeout = float(idle_timeout)
        self.max_connections = int(max_connections)
        self._root_real = ""
        self._cache: Dict[str, _CachedFile] = {}
        self._cache_bytes = 0
        self._date_second = -1
        self._date_text = ""

    @property
    def root_description(self) -> str:
        """What is being served, for the person running the server (never sent to clients)."""
        if self.root is None:
            return "the built-in sample site"
        return f"the folder {os.path.abspath(self.root)}"

    # -- lifecycle ----------------------------------------------------------------------
    def _setup(self) -> None:
        folder = str(builtin_site()) if self.root is None else self.root
        if not os.path.isdir(folder):
            what = "The built-in sample site is missing from this installation" \
                if self.root is None else f"The folder {folder!r} does not exist or is not a folder"
            raise NetError(f"{what}, so there is nothing to serve.")
        self._root_real = os.path.realpath(folder)
        self._cache.clear()
        self._cache_bytes = 0
        super()._setup()
        try:
            self.listener.listen(BACKLOG)  # room for a burst of many clients at once
        except OSError:
            pass

    def serve(self) -> None:
        self._conns: Dict[int, _Connection] = {}
        self._accept_paused_until = 0.0
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ, _LISTENER)
        self._selector.register(self.waker, selectors.EVENT_READ, _WAKER)
        sweep_every = max(0.01, min(0.25, self.idle_timeout / 5))
        next_sweep = time.monotonic() + sweep_every
        try:
            while not self.stopping:
                wait = None
                if self._conns or self._accept_paused_until:
                    wait = max(0.0, next_sweep - time.monotonic())
                for key, mask in self._selector.select(wait):
                    tag = key.data
                    if tag is _LISTENER:
                        self._accept_waiting()
                    elif tag is _WAKER:
                        self.waker.drain()
                    elif tag.conn_id in self._conns:
                        if mask & selectors.EVENT_WRITE:
                            self._on_writable(tag)
                        elif mask & selectors.EVENT_READ:
                            self._on_readable(tag)
                now = time.monotonic()
                if now >= next_sweep:
                    next_sweep = now + sweep_every
                    self._sweep(now)
        finally:
            for conn in list(self._conns.values()):
                self._close_file(conn)
            self._conns.clear()
            self._selector.close()

    # -- connections --------------------------------------------------------------------
    def _accept_waiting(self) -> None:
        for attempt in range(ACCEPT_BATCH):
            accepted = self.accept()
            if accepted is None:
                if attempt == 0:  # readable but nothing accepted: out of files? wait a bit
                    self._selector.unregister(self.listener)
                    self._accept_paused_until = time.monotonic() + 0.05
                return
            conn_id, sock, peer = accepted
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            if len(self._conns) >= self.max_connections:
                self._turn_away(conn_id, sock, peer)
                continue
            conn = _Connection(conn_id, sock, peer)
            conn.deadline = time.monotonic() + self.idle_timeout
            self._conns[conn_id] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _turn_away(self, conn_id: int, sock: socket.socket, peer: Address) -> None:
        page = http.error_page(503, "The server is busy with too many connections; "
                                    "try again in a moment.")
        head = http.response_head(503, self._base_headers() + [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page))),
            ("Retry-After", "1"), ("Connection", "close")])
        try:
            sock.send(head + page)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        record = RequestRecord(format_address(peer), "", "", 503, len(page), 0.0, "")
        self.emit(Kind.RESULT, record.text + " (too many connections)", peer=peer,
                  conn=conn_id, size=len(page), result=record)
        self.release(conn_id, "too many connections")

    def _on_readable(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._drop(conn, plain_reason(exc))
            return
        if conn.state is _LINGERING:
            conn.lingered += len(data)
            if not data or conn.lingered > LINGER_BYTES:
                self._drop(conn, "" if not data else "kept sending after the last response")
            return
        if not data:
            self._drop(conn, "closed the connection")
            return
        conn.parser.receive(data)
        self._serve_requests(conn)

    def _on_writable(self, conn: _Connection) -> None:
        if self._send_more(conn):
            self._response_done(conn)
            if conn.state is _WAITING:
                self._serve_requests(conn)

    def _serve_requests(self, conn: _Connection) -> None:
        """Answer every complete request the parser holds, in order, while each finishes."""
        while True:
            event = conn.parser.next_event()
            if event is None:
                self._want(conn, selectors.EVENT_READ)
                return
            self._start_response(conn, event)
            if not self._send_more(conn):
                if conn.conn_id in self._conns:
                    self._want(conn, selectors.EVENT_WRITE)
                return
            self._response_done(conn)
            if conn.state is not _WAITING:
                return

    def _want(self, conn: _Connection, mask: int) -> None:
        if conn.mask != mask:
            conn.mask = mask
            self._selector.modify(conn.sock, mask, conn)

    def _sweep(self, now: float) -> None:
        if self._accept_paused_until and now >= self._accept_paused_until:
            self._accept_paused_until = 0.0
            self._selector.register(self.listener, selectors.EVENT_READ, _LISTENER)
        for conn in [c for c in self._conns.values() if c.deadline <= now]:
            if conn.state is _LINGERING:
                self._drop(conn, "")
            elif conn.state is _SENDING:
                self._drop(conn, f"did not read the response for {self.idle_timeout:g} seconds")
            elif conn.parser.buffered:
                self._drop(conn, f"did not finish its request within {self.idle_timeout:g} seconds")
            else:
                self._drop(conn, f"sent no request for {self.idle_timeout:g} seconds")

    def _drop(self, conn: _Connection, reason: str) -> None:
        if self._conns.pop(conn.conn_id, None) is None:
            return
        if conn.state is _SENDING:
            self._finish_record(conn, complete=False)
        self._close_file(conn)
        try:
            self._selector.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        self.release(conn.conn_id, reason)

    @staticmethod
    def _close_file(conn: _Connection) -> None:
        if conn.fd is not None:
            try:
                os.close(conn.fd)
            except OSError:
                pass
            conn.fd = None

    # -- one response -------------------------------------------------------------------
    def _start_response(self, conn: _Connection, event: Union[Request, Rejected]) -> None:
        conn.started = time.monotonic()
        conn.request_head = event.raw
        conn.method, conn.target = event.method, event.target[:1000]
        self.emit(Kind.READ, f"Read request from {conn.client}: {_first_line(event.raw)}",
                  peer=conn.peer, conn=conn.conn_id, size=len(event.raw),
                  data=event.raw[:PREVIEW_BYTES])
        if isinstance(event, Rejected):
            conn.keep_alive = False
            response = self._error(event.status, event.detail, list(event.headers))
            head_only = False
        else:
            conn.keep_alive = event.keep_alive
            response = self._respond(event)
            head_only = event.method == "HEAD"
        headers = response.headers
        if not conn.keep_alive:
            headers.append(("Connection", "close"))
        elif not isinstance(event, Rejected) and event.version == "HTTP/1.0":
            headers.append(("Connection", "keep-alive"))
        head = http.response_head(response.status, headers)
        conn.status = response.status
        conn.head_size = len(head)
        conn.sent = 0
        conn.out += head
        if head_only:
            if response.fd is not None:
                os.close(response.fd)
        elif response.fd is not None:
            conn.fd, conn.offset, conn.remaining = response.fd, 0, response.size
        else:
            conn.out += response.body
        conn.state = _SENDING
        conn.deadline = conn.started + self.idle_timeout

    def _send_more(self, conn: _Connection) -> bool:
        """Send what the socket takes now; True once the whole response is out."""
        progressed = False
        try:
            while True:
                if conn.out:
                    sent = conn.sock.send(conn.out)
                    del conn.out[:sent]
                    progressed = True
                    conn.sent += sent
                    if conn.out:
                        return False
                if conn.fd is None:
                    return True
                if conn.remaining <= 0:
                    self._close_file(conn)
                    return True
                sent = self._send_file_part(conn)
                if sent == 0:  # the file got shorter than announced: cannot finish
                    self._drop(conn, "the file changed while it was being sent")
                    return False
                progressed = True
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self._drop(conn, plain_reason(exc))
            return False
        finally:
            if progressed:
                conn.deadline = time.monotonic() + self.idle_timeout

    def _send_file_part(self, conn: _Connection) -> int:
        count = min(conn.remaining, STREAM_CHUNK)
        if conn.use_sendfile:
            try:
                sent = os.sendfile(conn.sock.fileno(), conn.fd, conn.offset, count)
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP,
                                     getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)):
                    raise
                conn.use_sendfile = False  # e.g. a file system without sendfile support
                return self._send_file_part(conn)
            conn.sent += sent
        else:
            os.lseek(conn.fd, conn.offset, os.SEEK_SET)
            chunk = os.read(conn.fd, count)
            sent = len(chunk)
            conn.out += chunk  # sent by the caller's loop, counted there
        conn.offset += sent
        conn.remaining -= sent
        return sent

    def _response_done(self, conn: _Connection) -> None:
        self._finish_record(conn, complete=True)
        if conn.keep_alive:
            conn.state = _WAITING
            conn.deadline = time.monotonic() + self.idle_timeout
            return
        conn.state = _LINGERING
        conn.deadline = time.monotonic() + min(LINGER_SECONDS, self.idle_timeout)
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._drop(conn, "")
            return
        self._want(conn, selectors.EVENT_READ)

    def _finish_record(self, conn: _Connection, complete: bool) -> None:
        if not conn.status:
            return
        body = max(0, conn.sent - conn.head_size)
        elapsed = (time.monotonic() - conn.started) * 1000
        record = RequestRecord(conn.client, conn.method, conn.target, conn.status, body,
                               round(elapsed, 3), _raw_text(conn.request_head), complete)
        self.emit(Kind.WROTE, f"Wrote {conn.sent:,} bytes to {conn.client}: HTTP/1.1 "
                              f"{conn.status} {http.reason(conn.status)}",
                  peer=conn.peer, conn=conn.conn_id, size=conn.sent)
        self.emit(Kind.RESULT, record.text, peer=conn.peer, conn=conn.conn_id, size=body,
                  result=record)
        conn.status = 0
        conn.request_head = b""

    # -- choosing the response ----------------------------------------------------------
    def _respond(self, request: Request) -> _Response:
        mapped = http.local_path(request.target)
        if isinstance(mapped, Refusal):
            return self._error(mapped.status, mapped.detail)
        try:
            found = self._resolve(mapped.parts)
            if found is None:
                return self._error(404, _NO_FILE)
            if found is _FORBIDDEN:
                return self._error(403, http.NOT_ALLOWED)
            path, info = found
            if stat.S_ISDIR(info.st_mode):
                return self._folder(request, mapped, path)
            if not stat.S_ISREG(info.st_mode):
                return self._error(403, "Only ordinary files are served.")
            if mapped.trailing_slash:
                return self._error(404, "There is no folder at this address.")
            return self._file(request, path, info)
        except PermissionError:
            return self._error(403, "This server is not allowed to read that.")
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:  # no file can have such a name
                return self._error(404, _NO_FILE)
            return self._error(500, "The file could not be read.")

    def _resolve(self, parts: Tuple[str, ...]):
        """(real path, stat) for the parts under the root; None if missing; _FORBIDDEN outside.

        Each part is looked at with lstat; only when one is a symbolic link is the rest
        resolved in full and checked against the root (on Windows always, since junctions
        are not reported as links).
        """
        root = self._root_real
        if not parts:
            return root, os.stat(root)
        if sys.platform == "win32":
            return self._resolve_fully(os.path.join(root, *parts))
        path = root
        for index, part in enumerate(parts):
            path = os.path.join(path, part)
            try:
                info = os.lstat(path)
            except (FileNotFoundError, NotADirectoryError):
                return None
            if stat.S_ISLNK(info.st_mode):
                return self._resolve_fully(os.path.join(path, *parts[index + 1:]))
        return path, info

    def _resolve_fully(self, candidate: str):
        real = os.path.realpath(candidate)
        if not _inside(self._root_real, real):
            return _FORBIDDEN
        try:
            return real, os.stat(real)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _folder(self, request: Request, mapped: LocalPath, path: str) -> _Response:
        if not mapped.trailing_slash:  # so relative links in the page work
            return self._redirect(LocalPath(mapped.parts, True).url)
        index = self._resolve(mapped.parts + ("index.html",))
        if index is _FORBIDDEN:
            return self._error(403, http.NOT_ALLOWED)
        if index is not None and stat.S_ISREG(index[1].st_mode):
            return self._file(request, *index)
        entries, omitted = [], 0
        with os.scandir(path) as listing:
            for entry in listing:
                if len(entries) >= MAX_LISTED:
                    omitted += 1
                    continue
                try:
                    entries.append((entry.name, entry.is_dir()))
                except OSError:
                    entries.append((entry.name, False))
        page = http.listing_page(mapped.display, entries, omitted)
        return self._page(200, page)

    def _file(self, request: Request, path: str, info: os.stat_result) -> _Response:
        """A file's response. Small files are kept in memory while their stat is unchanged
        (size, modification time and inode are checked on every request)."""
        key = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_dev)
        cached = self._cache.get(path)
        if cached is None or cached.key != key:
            cached = _CachedFile(key, http.http_date(info.st_mtime),
                                 http.content_type(os.path.basename(path)))
        headers = self._base_headers()
        headers += [("Last-Modified", cached.last_modified), ("Cache-Control", "no-cache")]
        since = request.header("If-Modified-Since")
        if since and http.not_modified(info.st_mtime, since):
            return _Response(304, headers)
        headers.append(("Content-Type", cached.content_type))
        if cached.body is not None:
            headers.append(("Content-Length", str(len(cached.body))))
            return _Response(200, headers, cached.body)
        fd = _open_regular(path)
        size = os.fstat(fd).st_size
        headers.append(("Content-Length", str(size)))
        if size > SMALL_FILE:
            return _Response(200, headers, fd=fd, size=size)
        try:
            cached.body = _read_all(fd, size)
        finally:
            os.close(fd)
        self._remember(path, cached)
        return _Response(200, headers, cached.body)

    def _remember(self, path: str, entry: "_CachedFile") -> None:
        old = self._cache.pop(path, None)
        if old is not None:
            self._cache_bytes -= len(old.body)
        while self._cache and self._cache_bytes + len(entry.body) > CACHE_BYTES:
            _, dropped = self._cache.popitem()
            self._cache_bytes -= len(dropped.body)
        self._cache[path] = entry
        self._cache_bytes += len(entry.body)

    def _redirect(self, location: str) -> _Response:
        response = self._page(301, http.error_page(301, "This is a folder; its address ends "
                                                        "with a slash."))
        response.headers.append(("Location", location))
        return response

    def _error(self, status: int, detail: str,
               extra: Optional[List[Tuple[str, str]]] = None) -> _Response:
        response = self._page(status, http.error_page(status, detail))
        response.headers.extend(extra or ())
        return response

    def _page(self, status: int, page: bytes) -> _Response:
        headers = self._base_headers()
        headers += [("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(page))), ("Cache-Control", "no-cache")]
        return _Response(status, headers, page)

    def _base_headers(self) -> List[Tuple[str, str]]:
        now = time.time()
        if int(now) != self._date_second:
            self._date_second, self._date_text = int(now), http.http_date(now)
        return [("Date", self._date_text), ("Server", SERVER_NAME),
                ("X-Content-Type-Options", "nosniff")]


def _inside(root: str, path: str) -> bool:
    try:
        return os.path.commonpath([root, path]) == root
    except ValueError:  # different drives on Windows
        return False


def _open_regular(path: str) -> int:
    """Open a file for reading without ever blocking on a FIFO or following a final link."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PermissionError("not a regular file")
    return fd


def _read_all(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        chunk = os.read(fd, left)
        if not chunk:
            raise OSError("the file got shorter while it was read")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _first_line(head: bytes) -> str:
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if line.isascii():
        text = line.decode("ascii")
        if text.isprintable() and len(text) <= 80:
            return text
    return preview(line)


def _raw_text(head: bytes) -> str:
    text = head[:RAW_REQUEST_LIMIT * 4].decode("utf-8", "replace")
    return text if len(text) <= RAW_REQUEST_LIMIT else text[:RAW_REQUEST_LIMIT] + "…"
