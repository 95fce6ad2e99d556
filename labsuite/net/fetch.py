"""Download a web page: the course's "download and save a web page" exercise, done carefully.

:class:`FetchQuery` sends one GET with the standard library's ``http.client`` (http and
https), follows redirects up to a limit (a loop is recognised as one), keeps the start of
the body for display and, when asked, streams the whole body to a file so even a huge
download never sits in memory. Network failures become one plain sentence
(:class:`~labsuite.net.errors.NetError`); an HTTP error status (404, 500) is not a
failure of the download: it comes back as a result like any other response.
"""

from __future__ import annotations

import http.client
import os
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
from .events import PREVIEW_BYTES, EventCallback, Kind, format_address, preview
from .service import Service, shutdown_quietly

__all__ = ["FetchQuery", "FetchResult", "Redirect"]

USER_AGENT = f"labsuite/{__version__}"
CHUNK = 64 * 1024
#: How much of the body is kept for display, and how many lines of it are shown.
PREVIEW_LIMIT = 2048
PREVIEW_LINES = 40


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


class _Connection(http.client.HTTPConnection):
    """http.client on a socket we opened ourselves, reporting what it writes."""

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
    """

    source = "web client"

    def __init__(self, url: str, save_to: Optional[str] = None, timeout: float = 10.0,
                 max_redirects: int = 5, on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.url = url
        self.save_to = save_to
        self.timeout = float(timeout)
        self.max_redirects = max(0, int(max_redirects))
        self._cancelled = threading.Event()
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
            sock = socket.create_connection((host, port), timeout=self.timeout)
        except CONNECT_ERRORS as exc:
            raise self._failure(exc, host, port, resolving=True) from None
        self._sock = sock
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
            if isinstance(exc, ssl.SSLError):
                reason = exc.reason or str(exc)
                raise NetError(
                    f"The secure connection to {host} port {port} failed ({reason}): "
                    "is this really an https server?") from None
            raise self._failure(exc, host, port) from None
        self.emit(Kind.INFO, f"Secure connection to {host}: {secure.version()}")
        return secure

    def _report_sent(self, data: bytes, peer) -> None:
        self.emit(Kind.WROTE, f"Wrote {len(data):,} bytes to {format_address(peer)}: "
                              f"{preview(data)}", peer=peer, size=len(data),
                  data=data[:PREVIEW_BYTES])

    def _receive(self, first_url: str, url: str, response, redirects: Tuple[Redirect, ...],
                 started: float) -> FetchResult:
        """Read the body to the end, keeping its start and streaming it to a file if asked."""
        notes = []
        saving = bool(self.save_to) and response.status < 400
        if self.save_to and not saving:
            notes.append("Not saved: the server answered with an error.")
        out, target, partial = self._open_target(first_url, url) if saving else (None,) * 3
        start = bytearray()
        size = 0
        host = urlsplit(url).hostname
        finished = False
        try:
            while True:
                self._check_cancelled()
                try:
                    chunk = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    raise self._body_failure(exc, host, size) from None
                if not chunk:
                    break
                size += len(chunk)
                if len(start) < PREVIEW_LIMIT:
                    start += chunk[:PREVIEW_LIMIT - len(start)]
                if out is not None:
                    try:
                        out.write(chunk)
                    except OSError as exc:
                        raise NetError(f"Could not save to {target}: "
                                                 f"{exc.strerror or exc}.") from None
            if size < _declared_length(response):  # http.client returns short reads quietly
                raise self._body_failure(http.client.IncompleteRead(b""), host, size)
            if out is not None:
                out.close()
                out = None
                if partial:
                    os.replace(partial, target)
            finished = True
        finally:
            if out is not None:
                out.close()
            leftover = partial or (None if finished else target)
            if leftover and os.path.exists(leftover):
                os.remove(leftover)
        self.emit(Kind.READ, f"Read {size:,} bytes of body from {host}", size=size,
                  data=bytes(start[:PREVIEW_BYTES]))
        content_type = response.getheader("Content-Type")
        text, binary = web.body_preview(content_type, bytes(start), PREVIEW_LINES)
        charset = web.named_charset(content_type)
        if not binary and charset and web.text_encoding(content_type) is None:
            notes.append(f"The server named the character set {charset[:40]!r}, "
                         "which is not a text encoding: the body is shown as UTF-8.")
        complete = size == len(start) and text.count("\n") < PREVIEW_LINES - 1
        return FetchResult(first_url, url, response.status, response.reason,
                           tuple(response.getheaders()), text, size, target, redirects,
                           time.monotonic() - started,
                           "HTTP/1.0" if response.version == 10 else "HTTP/1.1",
                           binary, complete or binary, tuple(notes))

    def _open_target(self, first_url: str, url: str):
        """(file, path, partial path or None) to stream the body into."""
        folder = self._save_folder()
        if folder is None:  # the user named the file: replacing it is what they asked
            partial = self.save_to + ".part"
            return self._open_for_writing(partial, self.save_to), self.save_to, partial
        # a name we chose: written straight to a new file, never over another one
        out, target = self._open_new_file(folder, _name_for(first_url, url))
        return out, target, None

    def _save_folder(self) -> Optional[str]:
        """The folder to save into when ``save_to`` names one (None: it names the file)."""
        target = self.save_to
        if os.path.isdir(target) or target.endswith(("/", os.sep)):
            return target
        return None

    def _open_new_file(self, folder: str, name: str):
        """(file, path) for a file that did not exist: ``name``, else "name (1).ext", ..."""
        stem, ext = os.path.splitext(name)
        for number in range(1000):
            path = os.path.join(folder, f"{stem} ({number}){ext}" if number else name)
            out = self._open_for_writing(path, path, exclusive=True)
            if out is not None:
                return out, path
        raise NetError(f"Could not save to {folder}: too many files named {name}.")

    def _open_for_writing(self, partial: str, target: str, exclusive: bool = False):
        """``partial`` opened for writing; with ``exclusive``, None if it already exists."""
        try:
            return open(partial, "xb" if exclusive else "wb")
        except FileExistsError:  # only when exclusive: "wb" replaces
            return None
        except FileNotFoundError:
            message = f"Could not save to {target}: the folder does not exist."
        except IsADirectoryError:
            message = f"Could not save to {target}: that is a folder."
        except OSError as exc:
            message = f"Could not save to {target}: {exc.strerror or exc}."
        raise NetError(message)

    # -- failures -----------------------------------------------------------------------
    def _check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise NetError("The download was stopped.")

    def _failure(self, exc: BaseException, host: str, port: int,
                 resolving: bool = False) -> NetError:
        """``resolving``: ``exc`` came before any connection (a malformed name is a UnicodeError)."""
        if self._cancelled.is_set():
            return NetError("The download was stopped.")
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
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return NetError(f"{host} stopped sending for {self.timeout:g} seconds "
                                      f"after {received:,} bytes of the body.")
        return NetError(f"The connection to {host} ended before the whole body "
                                  f"arrived ({received:,} bytes received).")


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
