"""Download a web page: the course's "download and save a web page" exercise, done carefully.

:class:`FetchQuery` sends one GET with the standard library's ``http.client`` (http and
https), follows redirects up to a limit (a loop is recognised as one), keeps the start of
the body for display and, when asked, streams the whole body to a file so even a huge
download never sits in memory. Network failures become one plain sentence
(:class:`~labsuite.net.errors.NetError`); an HTTP error status (404, 500) is not a
failure of the download: it comes back as a result like any other response.

A hostile server cannot make it misbehave: ``timeout`` bounds each wait and ``max_time``
the whole transfer (a server dripping a byte a second is stopped); chunk sizes are checked
strictly; a body no codec can decode is shown as bytes; and every file it writes is created
new (never through an existing file or link), then renamed into place when complete.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import List, Optional, Tuple
from urllib.parse import urlsplit

from labsuite import __version__
from labsuite.protocols import http as web

from .errors import CONNECT_ERRORS, NetError, net_error
from .events import PREVIEW_BYTES, EventCallback, Kind, count_bytes, format_address
from .service import Service, shutdown_quietly

__all__ = ["FetchQuery", "FetchResult", "Redirect"]

USER_AGENT = f"labsuite/{__version__}"
CHUNK = 64 * 1024
#: How much of the body is kept for display, and how many lines of it are shown.
PREVIEW_LIMIT = 2048
PREVIEW_LINES = 40
#: How many other names are tried for the unfinished file (FILE.part, FILE.1.part, ...).
PART_NAMES = 100
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_CHUNK_LINE_LIMIT = 4096
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) \
    | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Redirect:
    """One redirect followed: ``url`` answered ``status`` pointing to ``location``."""

    status: int
    reason: str
    url: str
    location: str


@dataclass(frozen=True)
class FetchResult:
    """The final response of a fetch (after any redirects).

    ``body_preview`` is the start of the body as text (at most 2 KiB and 40 lines, empty
    for binary data); ``body_size`` is the whole body's length in bytes; ``saved_to`` is
    the file written, or None. ``elapsed`` is in seconds, from the first connection to the
    last byte.
    """

    url: str
    final_url: str
    status: int
    reason: str
    headers: Tuple[Tuple[str, str], ...]
    body_preview: str
    body_size: int
    saved_to: Optional[str]
    redirects: Tuple[Redirect, ...]
    elapsed: float
    version: str = "HTTP/1.1"
    binary: bool = False
    preview_complete: bool = True
    notes: Tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """False for an error status (4xx or 5xx)."""
        return self.status < 400

    @property
    def status_line(self) -> str:
        return f"{self.version} {self.status} {web.printable_line(self.reason)}".rstrip()

    def headline(self) -> str:
        return (f"{self.status_line} from {web.printable_line(self.final_url)} "
                f"({self.body_size:,} bytes in {self.elapsed * 1000:,.1f} ms)")

    def summary_lines(self, body: bool = True) -> List[str]:
        """Redirects, status line, headers, then (with ``body``) the start of the body."""
        lines = [web.printable_line(f"{hop.status} {hop.reason}: {hop.url} -> {hop.location}")
                 for hop in self.redirects]
        if lines:
            lines.append("")
        lines.append(self.status_line)
        lines += [f"{name}: {web.printable_line(value)}" for name, value in self.headers]
        lines.append("")
        if body:
            if self.binary:
                lines.append(f"({self.body_size:,} bytes of binary data)")
            elif self.body_size == 0:
                lines.append("(no body)")
            else:
                lines += self.body_preview.split("\n")
                if not self.preview_complete:
                    lines.append(f"… (the body is {self.body_size:,} bytes; "
                                 "only the start is shown)")
            lines.append("")
        if self.saved_to:
            lines.append(f"Saved {self.body_size:,} bytes to {self.saved_to}")
        lines += list(self.notes)
        lines.append(f"{self.body_size:,} bytes received in {self.elapsed * 1000:,.1f} ms")
        return lines


class MalformedChunk(http.client.HTTPException):
    """A chunk-size line that is not hexadecimal digits (negative, ``0x``, signs, junk)."""

    def __init__(self, line: bytes):
        super().__init__(line)
        self.line = line


class _Response(http.client.HTTPResponse):
    """http.client's response, reading chunk sizes as RFC 9112 writes them (1*HEXDIG):
    http.client would take ``-5`` or ``0x5`` through ``int(line, 16)``."""

    def _read_next_chunk_size(self) -> int:
        line = self.fp.readline(_CHUNK_LINE_LIMIT + 1)
        if not line:
            raise http.client.IncompleteRead(b"")
        size = line.split(b";", 1)[0].rstrip(b" \t\r\n")
        if len(line) > _CHUNK_LINE_LIMIT or not _CHUNK_SIZE.fullmatch(size):
            raise MalformedChunk(line[:60])
        return int(size, 16)


class _Connection(http.client.HTTPConnection):
    """http.client on a socket we opened ourselves, reporting what it writes."""

    response_class = _Response

    def __init__(self, host: str, port: int, timeout: float, sock: socket.socket, report):
        super().__init__(host, port, timeout=timeout)
        self.sock = sock
        self._report = report

    def connect(self) -> None:  # already connected (and wrapped for https)
        pass

    def send(self, data) -> None:
        super().send(data)
        self._report(bytes(data))


class FetchQuery(Service):
    """GET one URL: :meth:`run` on the caller's thread, or :meth:`start` in the background.

    In the background the outcome arrives as a RESULT event (``result=`` a
    :class:`FetchResult`) or an ERROR event; the query can be started again. :meth:`stop`
    abandons a download in progress.

    ``timeout`` bounds each wait (connecting, each read); ``max_time``, when given, bounds
    the whole transfer from the first connection to the last byte, redirects included
    (None: no limit, as for curl without ``--max-time``).
    """

    source = "web client"

    def __init__(self, url: str, save_to: Optional[str] = None, timeout: float = 10.0,
                 max_redirects: int = 5, on_event: Optional[EventCallback] = None,
                 max_time: Optional[float] = None):
        super().__init__(on_event)
        self.url = url
        self.save_to = save_to
        self.timeout = float(timeout)
        self.max_redirects = max(0, int(max_redirects))
        self.max_time = None if max_time is None else float(max_time)
        self._cancelled = threading.Event()
        self._expired = threading.Event()
        self._deadline: Optional[float] = None
        self._received: Optional[int] = None  # body bytes so far (None: no body begun)
        self._sock: Optional[socket.socket] = None

    # -- background use -----------------------------------------------------------------
    def start(self) -> "FetchQuery":
        with self._lifecycle:  # a finished query may be started again
            if self._running and not any(thread.is_alive() for thread in self._threads):
                self._running = False
            return super().start()

    def _setup(self) -> None:
        self._cancelled.clear()
        self.spawn(self._run_and_report, name="web client")

    def _run_and_report(self) -> None:
        try:
            result = self.run()
        except NetError as exc:
            if not self._cancelled.is_set():
                self.emit(Kind.ERROR, exc.explanation)
            return
        if not self._cancelled.is_set():
            self.emit(Kind.RESULT, result.headline(), result=result)

    def _teardown(self) -> None:
        self._cancelled.set()
        sock = self._sock
        shutdown_quietly(sock)

    # -- the fetch ----------------------------------------------------------------------
    def run(self) -> FetchResult:
        started = time.monotonic()
        try:
            url = first_url = web.normalize_url(self.url)
        except ValueError as exc:
            raise NetError(str(exc)) from None
        self._expired.clear()
        self._received = None
        self._deadline = None if self.max_time is None else started + self.max_time
        watchdog = None
        if self.max_time is not None:  # ends a transfer still running at the deadline
            watchdog = threading.Timer(self.max_time, self._expire)
            watchdog.daemon = True
            watchdog.start()
        try:
            return self._fetch(first_url, url, started)
        finally:
            if watchdog is not None:
                watchdog.cancel()

    def _expire(self) -> None:
        self._expired.set()
        shutdown_quietly(self._sock)  # the blocked read returns, and sees the deadline

    def _fetch(self, first_url: str, url: str, started: float) -> FetchResult:
        redirects: List[Redirect] = []
        while True:
            conn, response = self._request(url)
            try:
                location = response.getheader("Location")
                if response.status in web.REDIRECT_STATUSES and location and self.max_redirects:
                    url = self._follow(url, response, location, redirects, first_url)
                    continue
                return self._receive(first_url, url, response, tuple(redirects), started)
            finally:
                response.close()  # the connection does not close a response it did not keep
                conn.close()
                self._sock = None

    def _follow(self, url: str, response, location: str, redirects: List[Redirect],
                first_url: str) -> str:
        try:
            target = web.redirect_target(url, location)
        except ValueError as exc:
            raise NetError(str(exc)) from None
        redirects.append(Redirect(response.status, response.reason, url, target))
        shown = web.printable_line(target)  # the server chose it: no escapes to the terminal
        self.emit(Kind.INFO, web.printable_line(
            f"Redirected ({response.status} {response.reason}) to {target}"))
        visited = [first_url] + [hop.location for hop in redirects[:-1]]
        if target in visited:
            raise NetError(
                f"Redirect loop: {web.printable_line(url)} sends the browser back to {shown}, "
                "which was already visited, so the page can never arrive.")
        if len(redirects) > self.max_redirects:
            raise NetError(
                f"Too many redirects: gave up after {self.max_redirects} "
                f"(the last one pointed to {shown}).")
        return target

    def _request(self, url: str):
        """Connect, send the GET and read the response head."""
        parts = urlsplit(url)
        secure = parts.scheme.lower() == "https"
        host = parts.hostname
        port = parts.port or (443 if secure else 80)
        self._check_cancelled()
        try:
            sock = socket.create_connection((host, port), timeout=self._wait_limit())
        except CONNECT_ERRORS as exc:
            raise self._failure(exc, host, port, resolving=True) from None
        self._sock = sock
        if self._out_of_time():  # the deadline passed while connecting
            sock.close()
            self._sock = None
            raise self._too_slow()
        try:
            peer, local = sock.getpeername()[:2], sock.getsockname()[:2]
            self.emit(Kind.CONNECTED, f"Connected to {format_address(peer)} from "
                                      f"{format_address(local)}", peer=peer, local=local)
            if secure:
                sock = self._secure(sock, host, port)
                self._sock = sock
            conn = _Connection(host, port, self.timeout, sock,
                               lambda data: self._report_sent(data, peer))
            conn.putrequest("GET", web.request_target(url), skip_accept_encoding=True)
            for name, value in (("User-Agent", USER_AGENT), ("Accept", "*/*"),
                                ("Accept-Encoding", "identity"), ("Connection", "close")):
                conn.putheader(name, value)
            conn.endheaders()
            response = conn.getresponse()
            if self._out_of_time():  # cut short by the watchdog: the head may be partial
                response.close()
                raise TimeoutError
        except (OSError, http.client.HTTPException, ValueError) as exc:
            sock.close()
            self._sock = None
            raise self._failure(exc, host, port) from None
        self.emit(Kind.READ, f"Read response from {format_address(peer)}: HTTP/"
                             f"{'1.0' if response.version == 10 else '1.1'} {response.status} "
                             f"{web.printable_line(response.reason)} "
                             f"({len(response.getheaders())} headers)", peer=peer)
        return conn, response

    def _secure(self, sock: socket.socket, host: str, port: int) -> socket.socket:
        context = ssl.create_default_context()
        try:
            secure = context.wrap_socket(sock, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            raise NetError(
                f"The secure connection to {host} port {port} was refused: its certificate "
                f"could not be verified ({exc.verify_message or exc.reason}).") from None
        except (ssl.SSLError, OSError) as exc:
            sock.close()
            if isinstance(exc, ssl.SSLError) and not (self._cancelled.is_set()
                                                      or self._out_of_time()):
                reason = exc.reason or str(exc)
                raise NetError(
                    f"The secure connection to {host} port {port} failed ({reason}): "
                    "is this really an https server?") from None
            raise self._failure(exc, host, port) from None
        self.emit(Kind.INFO, f"Secure connection to {host}: {secure.version()}")
        return secure

    def _report_sent(self, data: bytes, peer) -> None:
        self.emit(Kind.WROTE, None, peer=peer, size=len(data), data=data[:PREVIEW_BYTES])

    def _receive(self, first_url: str, url: str, response, redirects: Tuple[Redirect, ...],
                 started: float) -> FetchResult:
        """Read the body to the end, keeping its start and streaming it to a file if asked."""
        notes = []
        saving = bool(self.save_to) and response.status < 400
        if self.save_to and not saving:
            notes.append("Not saved: the server answered with an error.")
        download = self._open_target(first_url, url) if saving else None
        start = bytearray()
        size = self._received = 0
        host = urlsplit(url).hostname
        try:
            while True:
                self._check_cancelled()
                try:  # read1: one recv() at most, so each wait is bounded by the timeout
                    chunk = response.read1(CHUNK)
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    raise self._body_failure(exc, host, size) from None
                if self._out_of_time():  # the watchdog ended the connection
                    raise self._too_slow()
                if not chunk:
                    break
                size += len(chunk)
                self._received = size
                if len(start) < PREVIEW_LIMIT:
                    start += chunk[:PREVIEW_LIMIT - len(start)]
                if download is not None:
                    download.write(chunk)
            if size < _declared_length(response):  # http.client returns short reads quietly
                raise self._body_failure(http.client.IncompleteRead(b""), host, size)
            if download is not None:
                download.commit()
        finally:
            if download is not None:
                download.discard()  # nothing left behind unless committed
        self.emit(Kind.READ, f"Read {count_bytes(size)} of body from {host}", size=size,
                  data=bytes(start[:PREVIEW_BYTES]))
        preview = web.body_preview(response.getheader("Content-Type"), bytes(start),
                                   PREVIEW_LINES)
        if preview.note:
            notes.append(preview.note)
        complete = size == len(start) and preview.text.count("\n") < PREVIEW_LINES - 1
        return FetchResult(first_url, url, response.status, response.reason,
                           tuple(response.getheaders()), preview.text, size,
                           download.target if download else None, redirects,
                           time.monotonic() - started,
                           "HTTP/1.0" if response.version == 10 else "HTTP/1.1",
                           preview.binary, complete or preview.binary, tuple(notes))

    def _open_target(self, first_url: str, url: str) -> "_Download":
        """Where the body goes: FILE by way of a new FILE.part when the user named the file
        (replacing FILE is what they asked), else a new file named after the URL."""
        folder = self._save_folder()
        if folder is None:
            target = self.save_to
            for number in range(PART_NAMES):
                partial = f"{target}.{number}.part" if number else f"{target}.part"
                download = _Download.create(partial, target)
                if download is not None:
                    return download
            raise NetError(f"Could not save to {target}: {target}.part and {PART_NAMES - 1} "
                           "other names for the unfinished download are already taken.")
        # a name we chose: written straight to a new file, never over another one
        name = _name_for(first_url, url)
        stem, ext = os.path.splitext(name)
        for number in range(1000):
            path = os.path.join(folder, f"{stem} ({number}){ext}" if number else name)
            download = _Download.create(path)
            if download is not None:
                return download
        raise NetError(f"Could not save to {folder}: too many files named {name}.")

    def _save_folder(self) -> Optional[str]:
        """The folder to save into when ``save_to`` names one (None: it names the file)."""
        target = self.save_to
        if os.path.isdir(target) or target.endswith(("/", os.sep)):
            return target
        return None

    # -- failures -----------------------------------------------------------------------
    def _check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise NetError("The download was stopped.")
        if self._out_of_time():
            raise self._too_slow()

    def _out_of_time(self) -> bool:
        return self._expired.is_set() or (
            self._deadline is not None and time.monotonic() >= self._deadline)

    def _wait_limit(self) -> float:
        """The longest one wait may take: the timeout, or less as the deadline nears."""
        if self._deadline is None:
            return self.timeout
        return max(0.001, min(self.timeout, self._deadline - time.monotonic()))

    def _too_slow(self) -> NetError:
        if self._received is None:
            progress = "the page itself had not begun to arrive"
        else:
            progress = f"{self._received:,} bytes of the body had arrived"
        limit = f"{self.max_time:g} second{'' if self.max_time == 1 else 's'}"
        return NetError(f"The download took longer than {limit}, the most allowed for the "
                        f"whole transfer, and was stopped: {progress}.")

    def _failure(self, exc: BaseException, host: str, port: int,
                 resolving: bool = False) -> NetError:
        """``resolving``: ``exc`` came before any connection (a malformed name is a UnicodeError)."""
        if self._cancelled.is_set():
            return NetError("The download was stopped.")
        if self._out_of_time():
            return self._too_slow()
        if isinstance(exc, (http.client.HTTPException, ValueError)) and not resolving \
                and not isinstance(exc, ConnectionError):
            return NetError(
                f"{host} port {port} did not answer with HTTP ({type(exc).__name__}): "
                "is this really a web server?")
        if isinstance(exc, ConnectionError) and not isinstance(exc, ConnectionRefusedError):
            return NetError(
                f"{host} port {port} closed the connection without answering.")
        return net_error(exc, host=host, port=port, timeout=self.timeout)

    def _body_failure(self, exc: BaseException, host: str, received: int) -> NetError:
        if self._cancelled.is_set():
            return NetError("The download was stopped.")
        if self._out_of_time():
            return self._too_slow()
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return NetError(f"{host} stopped sending for {self.timeout:g} seconds "
                            f"after {received:,} bytes of the body.")
        if isinstance(exc, MalformedChunk):
            shown = web.printable_line(exc.line.decode("latin-1").rstrip("\r\n"))
            return NetError(f"{host} sent a malformed chunk size ({shown!r}) after "
                            f"{received:,} bytes of the body, so the rest cannot be read.")
        if isinstance(exc, ValueError):  # whatever else http.client could not make sense of
            return NetError(f"{host} sent a body that could not be read "
                            f"({received:,} bytes received).")
        return NetError(f"The connection to {host} ended before the whole body "
                        f"arrived ({received:,} bytes received).")


class _Download:
    """A file being written, created new so that it can never be an existing file or a
    link (O_CREAT | O_EXCL); :meth:`commit` renames it onto ``target`` if it was written
    under another name, :meth:`discard` removes it unless committed."""

    def __init__(self, path: str, target: str, out, identity: Tuple[int, int]):
        self.path = path
        self.target = target
        self._out = out
        self._identity = identity
        self._committed = False

    @classmethod
    def create(cls, path: str, target: Optional[str] = None) -> Optional["_Download"]:
        """A new file at ``path`` (to become ``target``); None if the name is taken."""
        target = target or path
        try:
            fd = os.open(path, _NEW_FILE, 0o666)
        except FileExistsError:
            return None
        except OSError as exc:
            raise NetError(_save_problem(target, exc)) from None
        info = os.fstat(fd)
        return cls(path, target, open(fd, "wb"), (info.st_dev, info.st_ino))

    def write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except OSError as exc:
            raise NetError(_save_problem(self.target, exc)) from None

    def commit(self) -> None:
        try:
            self._out.close()
            if self.path != self.target:
                if not self._still_ours():
                    raise NetError(f"Could not save to {self.target}: the unfinished file "
                                   f"{self.path} was replaced by someone else meanwhile.")
                os.replace(self.path, self.target)
        except OSError as exc:
            raise NetError(_save_problem(self.target, exc)) from None
        self._committed = True

    def discard(self) -> None:
        try:
            self._out.close()
        except OSError:
            pass
        if not self._committed and self._still_ours():
            try:
                os.remove(self.path)
            except OSError:
                pass

    def _still_ours(self) -> bool:
        try:
            info = os.stat(self.path, follow_symlinks=False)
        except OSError:
            return False
        return (info.st_dev, info.st_ino) == self._identity


def _save_problem(target: str, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"Could not save to {target}: the folder does not exist."
    if isinstance(exc, IsADirectoryError):
        return f"Could not save to {target}: that is a folder."
    return f"Could not save to {target}: {exc.strerror or exc}."


def _name_for(first_url: str, final_url: str) -> str:
    """The file name for a download: from the URL typed, never from where a server redirected.

    The one exception is a folder redirect of the same address ("/docs" -> "/docs/"),
    which names nothing new and so saves as index.html.
    """
    typed, final = urlsplit(first_url), urlsplit(final_url)
    if (final.scheme, final.netloc, final.path) == (typed.scheme, typed.netloc, typed.path + "/"):
        return web.file_name_for(final_url)
    return web.file_name_for(first_url)


def _declared_length(response) -> int:
    """The Content-Length the server announced (0 when chunked, absent or unreadable)."""
    if "chunked" in (response.getheader("Transfer-Encoding") or "").lower():
        return 0
    try:
        return int(response.getheader("Content-Length") or 0)
    except ValueError:
        return 0
