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

import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple, Union

from labsuite import __version__
from labsuite.protocols import http
from labsuite.protocols.http import LocalPath, Refusal, Rejected, Request, RequestParser

from . import ports
from .core import Connection, SelectorServer
from .errors import NetError
from .files import MAX_LISTED, MISSING, FileFound, FolderFound, Refused, ServedFolder
from .events import PREVIEW_BYTES, EventCallback, Kind, preview, transfer_text

__all__ = ["WebServer", "RequestRecord", "builtin_site"]

SERVER_NAME = f"labsuite/{__version__}"
#: After the last response on a connection, what the client still sends is read and
#: dropped for a moment, so closing does not reset the connection before it has read.
LINGER_SECONDS = 2.0
#: How much of a request head a RequestRecord keeps, in characters.
RAW_REQUEST_LIMIT = 8192
#: Responses one connection gets per loop round: a client that pipelines a thousand
#: requests gets them answered a few at a time, with everyone else served in between.
REQUESTS_PER_TURN = 4



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


class _Exchange:
    """One connection's requests: the parser and the response being sent."""

    __slots__ = ("parser", "sending", "keep_alive", "request_head", "method", "target",
                 "status", "head_size", "body_size", "started", "sent_before", "turn", "served")

    def __init__(self):
        self.parser = RequestParser()
        self.sending = False
        self.keep_alive = True
        self.request_head = b""
        self.method = ""
        self.target = ""
        self.status = 0
        self.head_size = 0
        self.body_size = 0
        self.started = 0.0
        self.sent_before = 0  # the connection's bytes_out when this response began
        self.turn = -1  # the loop round of the latest response, and how many it had
        self.served = 0


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


class WebServer(SelectorServer):
    source = "web server"
    announce_as = "web"
    logs_reads = logs_writes = False  # one READ per request head, one WROTE per response
    backlog = 1024  # room for a burst of many clients at once

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.WEB,
                 root: Optional[str] = None, on_event: Optional[EventCallback] = None,
                 idle_timeout: float = 10.0, max_connections: int = 1000):
        super().__init__(host, port, on_event)
        self.root = None if root in (None, "") else str(root)
        self.idle_timeout = float(idle_timeout)
        self.max_connections = int(max_connections)
        self.linger_seconds = min(LINGER_SECONDS, self.idle_timeout)
        self.sweep_seconds = max(0.01, min(0.25, self.idle_timeout / 5))
        self._folder: Optional[ServedFolder] = None
        self._date_second = -1
        self._date_text = ""
        self._round = 0

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
        self._folder = ServedFolder(folder)
        try:
            super()._setup()
        except BaseException:
            self._folder.close()
            raise

    def _cleanup(self) -> None:
        super()._cleanup()
        self._folder.close()

    # -- connections --------------------------------------------------------------------
    def on_connect(self, conn: Connection) -> None:
        conn.state = _Exchange()
        self._expect_request(conn)

    def on_full(self, conn: Connection) -> None:
        page = http.error_page(503, "The server is busy with too many connections; "
                                    "try again in a moment.")
        head = http.response_head(503, self._base_headers() + [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page))),
            ("Retry-After", "1"), ("Connection", "close")])
        conn.state = _Exchange()
        conn.send(head + page)
        conn.close("too many connections", linger=True)
        record = RequestRecord(conn.label, "", "", 503, len(page), 0.0, "")
        self.emit(Kind.RESULT, record.text + " (too many connections)", peer=conn.peer,
                  conn=conn.id, size=len(page), result=record)

    def on_data(self, conn: Connection, data: bytes) -> None:
        conn.state.parser.receive(data)
        if not conn.state.sending:
            self._serve_requests(conn)

    def on_turn(self, conn: Connection) -> None:
        if not conn.state.sending:
            self._serve_requests(conn)

    def on_eof(self, conn: Connection) -> None:
        if not conn.state.sending:
            self._serve_requests(conn)  # a whole request may still be waiting
        if not conn.state.sending:  # nothing more to answer (at most half a request)
            conn.close("closed the connection", flush=False)
        # else: answer what it asked before it shut its side; on_drain then closes

    def on_drain(self, conn: Connection) -> None:
        exchange = conn.state
        if not exchange.sending:
            return
        self._finish_record(conn, complete=True)
        exchange.sending = False
        if not exchange.keep_alive:
            conn.close("", linger=True)
            return
        self._expect_request(conn)
        if conn.eof and not exchange.parser.buffered:
            conn.close("closed the connection", flush=False)
            return
        self._serve_requests(conn)

    def on_timeout(self, conn: Connection) -> None:
        exchange = conn.state
        if exchange.sending:
            reason = f"did not read the response for {self.idle_timeout:g} seconds"
        elif exchange.parser.buffered:
            reason = f"did not finish its request within {self.idle_timeout:g} seconds"
        else:
            reason = f"sent no request for {self.idle_timeout:g} seconds"
        conn.close(reason, flush=False)

    def on_close(self, conn: Connection, reason: str) -> None:
        if conn.state is not None and conn.state.sending:
            self._finish_record(conn, complete=False)

    def _expect_request(self, conn: Connection) -> None:
        """The whole next request head must arrive within idle_timeout (however slowly it
        trickles in: a slowloris client gains nothing by sending a byte at a time)."""
        conn.expect(self.idle_timeout, "sent no request")

    def _serve_requests(self, conn: Connection) -> None:
        """Start the response to the next complete request, a few per round at most."""
        exchange = conn.state
        if exchange.turn == self.rounds and exchange.served >= REQUESTS_PER_TURN:
            if exchange.parser.buffered:
                conn.request_turn()  # the others first; the rest of its requests next round
            return
        event = exchange.parser.next_event()
        if event is None:
            return
        if exchange.turn != self.rounds:
            exchange.turn, exchange.served = self.rounds, 0
        exchange.served += 1
        conn.identify()
        self._start_response(conn, event)

    # -- one response -------------------------------------------------------------------
    def _start_response(self, conn: Connection, event: Union[Request, Rejected]) -> None:
        exchange = conn.state
        exchange.started = time.monotonic()
        exchange.request_head = event.raw
        exchange.method, exchange.target = event.method, event.target[:1000]
        self.emit(Kind.READ, f"Read request from {conn.label}: {_first_line(event.raw)}",
                  peer=conn.peer, conn=conn.id, size=len(event.raw),
                  data=event.raw[:PREVIEW_BYTES])
        if isinstance(event, Rejected):
            response = self._error(event.status, event.detail, list(event.headers))
        else:
            response = self._respond(event)
        prepared = http.prepare_response(event, response.status, response.headers,
                                         response.size)
        exchange.keep_alive = prepared.keep_alive
        exchange.status = response.status
        exchange.head_size = len(prepared.head)
        exchange.sent_before = conn.bytes_out
        exchange.sending = True
        conn.send(prepared.head)
        if not prepared.send_body:
            if response.fd is not None:
                os.close(response.fd)
        elif response.fd is not None:
            conn.stream_file(response.fd, 0, response.size)
        else:
            conn.send(response.body)
        conn.expect(self.idle_timeout, "did not read the response", refresh=True)

    def _finish_record(self, conn: Connection, complete: bool) -> None:
        exchange = conn.state
        if not exchange.status:
            return
        sent = conn.bytes_out - exchange.sent_before
        body = max(0, sent - exchange.head_size)
        elapsed = (time.monotonic() - exchange.started) * 1000
        record = RequestRecord(conn.label, exchange.method, exchange.target, exchange.status,
                               body, round(elapsed, 3), _raw_text(exchange.request_head),
                               complete)
        self.emit(Kind.WROTE, transfer_text(Kind.WROTE, sent, conn.label, f"HTTP/1.1 "
                              f"{exchange.status} {http.reason(exchange.status)}"),
                  peer=conn.peer, conn=conn.id, size=sent)
        self.emit(Kind.RESULT, record.text, peer=conn.peer, conn=conn.id, size=body,
                  result=record)
        exchange.status = 0
        exchange.request_head = b""

    # -- choosing the response ----------------------------------------------------------
    def _respond(self, request: Request) -> _Response:
        mapped = http.local_path(request.target)
        if isinstance(mapped, Refusal):
            return self._error(mapped.status, mapped.detail)
        found = self._folder.resolve(mapped.parts)
        if isinstance(found, Refused):
            return self._refused(found)
        if isinstance(found, FolderFound):
            with found:
                return self._folder_page(request, mapped, found)
        if mapped.trailing_slash:
            found.close()
            return self._error(404, "There is no folder at this address.")
        return self._file(request, found)

    def _folder_page(self, request: Request, mapped: LocalPath,
                     folder: FolderFound) -> _Response:
        if not mapped.trailing_slash:  # so relative links in the page work
            return self._redirect(LocalPath(mapped.parts, True).url)
        index = self._folder.resolve(mapped.parts + ("index.html",))
        if isinstance(index, FileFound):
            return self._file(request, index)
        if isinstance(index, FolderFound):
            index.close()
        elif index is not MISSING:
            return self._refused(index)  # e.g. an index.html that links out of the folder
        listing = folder.listing(MAX_LISTED)
        if isinstance(listing, Refused):
            return self._refused(listing)
        return self._page(200, http.listing_page(mapped.display, listing.entries,
                                                 listing.omitted))

    def _file(self, request: Request, found: FileFound) -> _Response:
        """A file's response: small files from the cache (checked against the file just
        opened), larger ones streamed from the descriptor that was checked."""
        info = found.info
        headers = self._base_headers()
        headers += [("Last-Modified", _http_date(int(info.st_mtime))),
                    ("Cache-Control", "no-cache")]
        since = request.header("If-Modified-Since")
        if since and http.not_modified(info.st_mtime, since):
            found.close()
            return _Response(304, headers)
        headers.append(("Content-Type", _content_type(found.name)))
        body = self._folder.read(found)
        if body is not None:
            found.close()
            return _Response(200, headers, body)
        fd, found.fd = found.fd, -1  # the connection streams it, then closes it
        return _Response(200, headers, fd=fd, size=info.st_size)

    def _refused(self, refused: Refused) -> _Response:
        return self._error(refused.status, refused.detail)

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
        headers += [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache")]
        return _Response(status, headers, page)

    def _base_headers(self) -> List[Tuple[str, str]]:
        now = time.time()
        if int(now) != self._date_second:
            self._date_second, self._date_text = int(now), http.http_date(now)
        return [("Date", self._date_text), ("Server", SERVER_NAME),
                ("X-Content-Type-Options", "nosniff")]


@functools.lru_cache(maxsize=4096)  # the same few files are asked for again and again
def _http_date(second: int) -> str:
    return http.http_date(second)


_content_type = functools.lru_cache(maxsize=4096)(http.content_type)


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
