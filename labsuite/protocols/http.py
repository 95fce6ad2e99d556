"""HTTP/1.x for a GET-only file server, sans-IO: bytes in, events and bytes out.

The course's web server answers "GET" and nothing else; this module is everything such a
server needs that does not touch a socket, a file or a clock:

* :class:`RequestParser` turns a byte stream into :class:`Request` events (or one
  :class:`Rejected` event, after which the connection must close), whatever the recv()
  boundaries were and with several requests pipelined in one packet. It enforces the
  limits that keep a hostile client from growing memory: request line, head size and
  number of header fields.
* :func:`local_path` maps a request target to safe relative path parts, or refuses it:
  ``..`` in any spelling, backslashes, drive letters, NUL bytes and Windows device
  names never reach the file system.
* :func:`prepare_response`: the framing rules of a response (body or not, Content-Length,
  whether the connection stays open), decided in one place, h11 style.
* builders for response heads, dates, the folder listing and error pages, which escape
  everything they echo; :func:`content_type` from a table shipped here, the same on every
  machine.
* for the downloader: URL checks, redirect targets, safe file names and a printable
  preview of a body's first bytes.
"""

from __future__ import annotations

import codecs
import email.utils
import functools
import html
import re
from dataclasses import dataclass
from datetime import timezone
from http import HTTPStatus
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union
from urllib.parse import quote, unquote, urljoin, urlsplit

#: Longest request line accepted (414 beyond), header section (431 beyond) and field count.
MAX_REQUEST_LINE = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADER_FIELDS = 100

SERVED_METHODS = ("GET", "HEAD")
ALLOW = ", ".join(SERVED_METHODS)
#: Methods this server knows but does not serve: 405 with ``Allow``; any other is 501.
KNOWN_METHODS = frozenset({
    "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
})

Headers = Tuple[Tuple[str, str], ...]

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_TARGET = re.compile(rb"[\x21-\x7e]+\Z")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)\Z")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_HEAD_END = re.compile(rb"\n\r?\n")


def header_value(headers: Sequence[Tuple[str, str]], name: str,
                 default: Optional[str] = None) -> Optional[str]:
    """The value of the first header called ``name``, in any case (names are not case
    sensitive in HTTP)."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return default


# -- events -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """A complete, well-formed GET or HEAD request head."""

    method: str
    target: str
    version: str  # "HTTP/1.0" or "HTTP/1.1"
    headers: Headers  # (name as sent, value) in order
    raw: bytes  # the head exactly as received

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return header_value(self.headers, name, default)

    @property
    def keep_alive(self) -> bool:
        """HTTP/1.1 keeps the connection unless told to close; 1.0 only when asked."""
        tokens = {token.strip().lower() for token in (self.header("Connection") or "").split(",")}
        if "close" in tokens:
            return False
        return self.version == "HTTP/1.1" or "keep-alive" in tokens


@dataclass(frozen=True)
class Rejected:
    """A request that gets an error status and then the connection closes.

    ``method`` and ``target`` are whatever could be read of the request line (for the log).
    ``headers`` are extra response headers (``Allow`` for 405).
    """

    status: int
    detail: str
    raw: bytes = b""
    method: str = ""
    target: str = ""
    headers: Headers = ()


ParserEvent = Union[Request, Rejected]


class RequestParser:
    """Incremental request-head parser for one connection.

    :meth:`receive` adds bytes; :meth:`next_event` returns the next complete request,
    ``None`` when more bytes are needed, or one :class:`Rejected` after which it returns
    ``None`` for ever. Bodies are never expected: a GET or HEAD with one is rejected, and
    other methods are rejected before theirs, so whatever follows a head is the next head.
    """

    def __init__(self, max_request_line: int = MAX_REQUEST_LINE,
                 max_header_bytes: int = MAX_HEADER_BYTES,
                 max_fields: int = MAX_HEADER_FIELDS):
        self.max_request_line = max_request_line
        self.max_header_bytes = max_header_bytes
        self.max_fields = max_fields
        self._buffer = bytearray()
        self._scan_from = 0  # where the search for the end of the head resumes
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def buffered(self) -> int:
        """Bytes received and not yet part of an event."""
        return len(self._buffer)

    def receive(self, data: bytes) -> None:
        if not self._closed:
            self._buffer += data

    def feed(self, data: bytes) -> List[ParserEvent]:
        """Receive ``data`` and return every event it completes."""
        self.receive(data)
        events = []
        while True:
            event = self.next_event()
            if event is None:
                return events
            events.append(event)

    def next_event(self) -> Optional[ParserEvent]:
        if self._closed:
            return None
        buffer = self._buffer
        if buffer[:1] in (b"\r", b"\n"):  # empty lines before a request are ignored
            kept = len(buffer.lstrip(b"\r\n"))
            del buffer[:len(buffer) - kept]
            self._scan_from = 0
        if not buffer:
            return None
        if not _TOKEN.match(buffer[:1]):  # no method can start like this: say so at once
            if buffer[:2] == b"\x16\x03":
                return self._reject(400, "This server speaks plain HTTP, but the client started "
                                         "a secure (https) connection: use http:// instead.")
            return self._reject(400, "The request does not start with a method such as GET.")
        line_end = buffer.find(b"\n", 0, self.max_request_line + 2)
        if line_end < 0:
            if len(buffer) > self.max_request_line + 1:
                return self._too_long()
            return None
        if line_end - (buffer[line_end - 1:line_end] == b"\r") > self.max_request_line:
            return self._too_long()
        found = _HEAD_END.search(buffer, max(line_end, self._scan_from))
        if found is None:
            if len(buffer) - line_end - 1 > self.max_header_bytes:
                return self._reject(431, "The request headers are larger than "
                                         f"{self.max_header_bytes:,} bytes.")
            self._scan_from = max(line_end, len(buffer) - 2)
            return None
        head = bytes(buffer[:found.end()])
        del buffer[:found.end()]
        self._scan_from = 0
        event = self._parse(head, line_end, found.start() - line_end)
        if isinstance(event, Rejected):
            self._close()
        return event

    # -- parsing a complete head --------------------------------------------------------
    def _parse(self, head: bytes, line_end: int, header_bytes: int) -> ParserEvent:
        if header_bytes > self.max_header_bytes:
            return Rejected(431, "The request headers are larger than "
                                 f"{self.max_header_bytes:,} bytes.", head)
        request_line = head[:line_end].rstrip(b"\r")
        parts = request_line.split(b" ")
        method_bytes = parts[0]
        method = method_bytes.decode("latin-1")
        target = parts[1].decode("latin-1") if len(parts) > 1 else ""
        if len(parts) != 3 or not _TOKEN.match(method_bytes) or not _TARGET.match(parts[1]):
            return Rejected(400, "The request line is not 'METHOD /path HTTP/1.1'.",
                            head, _printable(method), _printable(target))
        version = _VERSION.match(parts[2])
        if version is None:
            return Rejected(400, "The request line does not end with a version like HTTP/1.1.",
                            head, method, target)
        if version.group(1) != b"1":
            return Rejected(505, "This server speaks HTTP/1.0 and HTTP/1.1 only.",
                            head, method, target)
        version_text = "HTTP/1.0" if version.group(2) == b"0" else "HTTP/1.1"
        if method not in SERVED_METHODS:
            if method in KNOWN_METHODS:
                return Rejected(405, f"This server only answers {ALLOW} requests.",
                                head, method, target, (("Allow", ALLOW),))
            return Rejected(501, f"This server only answers {ALLOW} requests.",
                            head, method, target)
        lines = head[line_end + 1:].split(b"\n")[:-2]  # the head ends with two line ends
        if len(lines) > self.max_fields:
            return Rejected(431, f"The request has more than {self.max_fields} header fields.",
                            head, method, target)
        headers = []
        for line in lines:
            line = line[:-1] if line.endswith(b"\r") else line
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.match(name):
                return Rejected(400, "A header line is not 'Name: value'.", head, method, target)
            value = value.strip(b" \t")
            if _BAD_VALUE.search(value):
                return Rejected(400, "A header value contains control characters.",
                                head, method, target)
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        request = Request(method, target, version_text, tuple(headers), head)
        problem = _framing_problem(request)
        if problem:
            return Rejected(400, problem, head, method, target)
        return request

    def _too_long(self) -> Rejected:
        return self._reject(414, f"The request line is longer than {self.max_request_line:,} bytes.")

    def _reject(self, status: int, detail: str) -> Rejected:
        """Reject what is buffered, naming its method and target only if they look like ones."""
        head = bytes(self._buffer[:self.max_request_line])
        method, _, rest = head.partition(b" ")
        target = rest.split(b" ", 1)[0] if rest else b""
        self._close()
        if not _TOKEN.match(method[:32]):
            return Rejected(status, detail, head)
        return Rejected(status, detail, head, method[:32].decode("latin-1"),
                        _printable(target[:200].decode("latin-1")))

    def _close(self) -> None:
        self._closed = True
        self._buffer = bytearray()


def _framing_problem(request: Request) -> Optional[str]:
    values = [(name.lower(), value) for name, value in request.headers]
    hosts = [value for name, value in values if name == "host"]
    if request.version == "HTTP/1.1" and len(hosts) != 1:
        return "An HTTP/1.1 request needs exactly one Host header."
    if any(name == "transfer-encoding" for name, _ in values):
        return f"A {request.method} request cannot have a body (Transfer-Encoding)."
    for name, value in values:
        if name == "content-length":
            if not value.isdigit() or not value.isascii():
                return "The Content-Length header is not a number."
            if int(value) > 0:
                return f"A {request.method} request cannot have a body (Content-Length)."
    return None


def _printable(text: str) -> str:
    return "".join(ch if " " < ch < "\x7f" else "?" for ch in text)


# -- from a request target to a safe relative path ------------------------------------------
@dataclass(frozen=True)
class LocalPath:
    """The path parts of a request, each a plain file or folder name, never ``..``."""

    parts: Tuple[str, ...]
    trailing_slash: bool

    @property
    def url(self) -> str:
        """The canonical, percent-encoded URL path (always starting with a single ``/``)."""
        return url_path(self.parts, self.trailing_slash)

    @property
    def display(self) -> str:
        """The decoded path for showing to a person (escape it before putting it in HTML)."""
        return "/" + "/".join(self.parts) + ("/" if self.parts and self.trailing_slash else "")


@dataclass(frozen=True)
class Refusal:
    status: int
    detail: str


_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in (*"0123456789", "\u00b9", "\u00b2", "\u00b3")])
NOT_ALLOWED = "This path is not allowed on this server."


@functools.lru_cache(maxsize=1024)  # pure, and the same few paths are asked for again and again
def local_path(target: str) -> Union[LocalPath, Refusal]:
    """Map a request target to path parts relative to the served folder, or refuse it.

    Percent-escapes are decoded exactly once, so ``%252e%252e`` names a file literally
    called ``%2e%2e``. Pure: nothing here looks at the file system.
    """
    if target[:7].lower() == "http://" or target[:8].lower() == "https://":
        try:  # absolute form, as sent to a proxy
            target = urlsplit(target).path or "/"
        except ValueError:
            return Refusal(400, "The requested URL cannot be read.")
    if not target.startswith("/"):
        return Refusal(400, "The requested path must start with '/'.")
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    if re.search(r"%(?![0-9A-Fa-f]{2})", path):
        return Refusal(400, "The requested path has a '%' that is not followed by two hex digits.")
    try:
        decoded = _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), path) \
            .encode("latin-1").decode("utf-8")
    except UnicodeError:
        return Refusal(403, "The requested path is not valid UTF-8.")
    segments = decoded.split("/")
    parts = tuple(segment for segment in segments if segment not in ("", "."))
    if not all(servable_name(part) for part in parts):
        return Refusal(403, NOT_ALLOWED)
    return LocalPath(parts, segments[-1] in ("", "."))


def servable_name(name: str) -> bool:
    """False for names that could escape the folder or mean something else on Windows."""
    if not name or name.strip(". ") == "":  # "..", "...", ". ." (Windows drops trailing dots)
        return False
    if any(ch < " " or ch == "\x7f" or ch in "\\/:" for ch in name):  # NUL, C:, a:b::$DATA
        return False
    if any("\ud800" <= ch <= "\udfff" for ch in name):
        return False  # undecodable bytes in a file name (surrogate escapes)
    stem = name.split(".", 1)[0].rstrip(" ").upper()
    return stem not in _DEVICE_NAMES


def url_path(parts: Sequence[str], trailing_slash: bool = False) -> str:
    """``/`` + each part percent-encoded: safe to put in a Location header or a link."""
    if not parts:
        return "/"
    return "/" + "/".join(quote(part, safe="") for part in parts) + ("/" if trailing_slash else "")


# -- responses ----------------------------------------------------------------------------
_REASONS = {status.value: status.phrase for status in HTTPStatus}


def reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


def response_head(status: int, headers: Sequence[Tuple[str, str]]) -> bytes:
    """The status line and headers, ending with the empty line. Always HTTP/1.1.

    A line break inside a value (which would let it add headers) becomes a space.
    """
    lines = [f"HTTP/1.1 {status} {reason(status)}"]
    lines.extend([f"{name}: {value}" for name, value in headers])
    text = "\r\n".join(lines)
    if text.count("\n") != len(headers) or text.count("\r") != len(headers):
        lines[1:] = [f"{name}: {value}".replace("\r", " ").replace("\n", " ")
                     for name, value in headers]
        text = "\r\n".join(lines)
    return (text + "\r\n\r\n").encode("latin-1", "replace")


#: Statuses whose responses never have a body, nor Content-Length (RFC 9110 8.6, 15.2, 15.3.5,
#: 15.4.5): every 1xx, 204 No Content and 304 Not Modified.
_NO_CONTENT = frozenset({204, 304})
#: Header fields that frame the message: decided by prepare_response, never by the caller.
_FRAMING_FIELDS = frozenset({"content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class PreparedResponse:
    """The head to send for one response, and what the rules of HTTP decided about it.

    ``send_body``: whether the body follows the head (not for HEAD, 1xx, 204, 304).
    ``keep_alive``: whether the connection stays open after this response.
    ``content_length``: the Content-Length written, None when there is none.
    """

    head: bytes
    send_body: bool
    keep_alive: bool
    content_length: Optional[int]


def prepare_response(request: Union[Request, Rejected, None], status: int,
                     headers: Sequence[Tuple[str, str]],
                     body_length: Optional[int]) -> PreparedResponse:
    """Decide how a response is framed, from the request it answers (RFC 9110, RFC 9112).

    ``request`` is the :class:`Request`, the :class:`Rejected` (the connection then always
    closes) or None for a client turned away before any request was read. ``headers`` are
    the caller's (Date, Server, Content-Type...); any Content-Length, Transfer-Encoding or
    Connection among them is replaced by what the rules give. ``body_length`` None means
    the length is unknown: the body then ends when the connection closes.

    * no body for HEAD and for 1xx, 204 and 304; Content-Length from ``body_length``,
      except for 1xx, 204 and 304, which must never carry one (for HEAD it tells the
      length a GET would get);
    * the connection stays open for HTTP/1.1 unless the client sent ``Connection: close``,
      for HTTP/1.0 only when it sent ``keep-alive`` (answered with ``Connection:
      keep-alive``); never after a Rejected or a turn-away, nor when a body of unknown
      length is sent; a closing response says ``Connection: close``;
    * a 1xx response is interim: the connection goes on to the final response, and it is
      only for HTTP/1.1 requests.

    Raises ValueError for a status outside 100-599, a negative length, or a 1xx that no
    HTTP/1.1 request asked for (mistakes of the caller, never of a client).
    """
    if not 100 <= status <= 599:
        raise ValueError(f"{status} is not an HTTP status (100-599).")
    if body_length is not None and body_length < 0:
        raise ValueError("A body cannot have a negative length.")
    interim = status < 200
    if interim and not (isinstance(request, Request) and request.version == "HTTP/1.1"):
        raise ValueError("A 1xx response can only answer an HTTP/1.1 request.")
    bodiless = interim or status in _NO_CONTENT
    send_body = not bodiless and (request is None or request.method != "HEAD")
    length = None if bodiless else body_length
    if interim:
        keep_alive = True
    elif isinstance(request, Request):
        keep_alive = request.keep_alive and not (send_body and length is None)
    else:
        keep_alive = False
    fields = [(name, value) for name, value in headers
              if name.strip().lower() not in _FRAMING_FIELDS]
    if length is not None:
        fields.append(("Content-Length", str(length)))
    if not keep_alive:
        fields.append(("Connection", "close"))
    elif not interim and request.version == "HTTP/1.0":
        fields.append(("Connection", "keep-alive"))
    return PreparedResponse(response_head(status, fields), send_body, keep_alive, length)


def http_date(timestamp: float) -> str:
    """``Sun, 06 Nov 1994 08:49:37 GMT`` for a POSIX timestamp."""
    return email.utils.formatdate(timestamp, usegmt=True)


def parse_http_date(text: Optional[str]) -> Optional[float]:
    """The timestamp an HTTP date means, or None for anything unreadable."""
    if not text:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def not_modified(modified: float, if_modified_since: Optional[str]) -> bool:
    """True when the client's copy (dated ``if_modified_since``) is still current.

    HTTP dates have whole seconds, so the file's time is compared rounded down.
    """
    since = parse_http_date(if_modified_since)
    return since is not None and int(modified) <= since


#: Content types by file extension, shipped here so every machine answers alike (the
#: ``mimetypes`` module reads the machine's own files, which differ from one to the next).
#: Source code is text/plain, so a browser shows it instead of downloading it.
_TYPE_EXTENSIONS = {
    # web pages and what they load
    "text/html": "html htm shtml",
    "application/xhtml+xml": "xhtml xht",
    "text/css": "css",
    "text/javascript": "js mjs cjs",
    "application/json": "json map jsonc",
    "application/ld+json": "jsonld",
    "application/manifest+json": "webmanifest",
    "application/geo+json": "geojson",
    "application/wasm": "wasm",
    "application/xml": "xml xsl xsd dtd rng",
    "application/xslt+xml": "xslt",
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "text/cache-manifest": "appcache",
    # plain text and documents
    "text/plain": (
        "txt text log conf cfg ini env properties toml lock diff patch asc nfo srt "
        # source code, shown in the browser
        "py pyw pyi c h cc cpp cxx hh hpp hxx ino java kt kts scala groovy gradle cs fs vb "
        "go rs swift m mm rb pl pm php lua r jl dart ts tsx jsx vue svelte elm erl hrl ex "
        "exs hs lhs ml mli clj cljs lisp el scm rkt f f90 f95 for asm s nasm v sv vhd vhdl "
        "sh bash zsh fish ps1 bat cmd awk sed sql proto gitignore gitattributes "
        "editorconfig mk cmake tf hcl nix bzl pas ada adb ads d zig "
        "nim cr tcl"),
    "text/markdown": "md markdown mkd",
    "text/x-rst": "rst",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv tab",
    "text/calendar": "ics ifb",
    "text/vcard": "vcf vcard",
    "text/vtt": "vtt",
    "text/yaml": "yaml yml",
    "text/x-tex": "tex ltx sty cls bib",
    "text/rtf": "rtf",
    "application/pdf": "pdf",
    "application/postscript": "ps eps ai",
    "application/epub+zip": "epub",
    "application/msword": "doc dot",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls xlt",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt pps pot",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow": "ppsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.graphics": "odg",
    "application/vnd.visio": "vsd vsdx",
    "application/x-ipynb+json": "ipynb",
    "message/rfc822": "eml mht mhtml",
    # images
    "image/png": "png",
    "image/apng": "apng",
    "image/jpeg": "jpg jpeg jpe jfif pjpeg pjp",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/jxl": "jxl",
    "image/jp2": "jp2 j2k",
    "image/bmp": "bmp dib",
    "image/tiff": "tif tiff",
    "image/svg+xml": "svg svgz",
    "image/vnd.microsoft.icon": "ico cur",
    "image/x-icns": "icns",
    "image/x-portable-anymap": "pnm",
    "image/x-portable-bitmap": "pbm",
    "image/x-portable-graymap": "pgm",
    "image/x-portable-pixmap": "ppm",
    "image/x-xbitmap": "xbm",
    "image/x-xpixmap": "xpm",
    "image/x-tga": "tga",
    "image/vnd.adobe.photoshop": "psd",
    "image/x-xcf": "xcf",
    "image/vnd.djvu": "djvu djv",
    "image/x-exr": "exr",
    "image/vnd.radiance": "hdr",
    "image/x-canon-cr2": "cr2",
    "image/x-nikon-nef": "nef",
    "image/x-adobe-dng": "dng",
    # sound
    "audio/mpeg": "mp3 mpga m2a",
    "audio/mp4": "m4a m4b",
    "audio/aac": "aac",
    "audio/ogg": "ogg oga spx",
    "audio/opus": "opus",
    "audio/flac": "flac",
    "audio/wav": "wav",
    "audio/webm": "weba",
    "audio/aiff": "aif aiff aifc",
    "audio/midi": "mid midi kar",
    "audio/basic": "au snd",
    "audio/amr": "amr",
    "audio/x-matroska": "mka",
    "audio/x-ms-wma": "wma",
    "audio/x-mpegurl": "m3u",
    "application/vnd.apple.mpegurl": "m3u8",
    "audio/x-scpls": "pls",
    # video
    "video/mp4": "mp4 m4v mp4v",
    "video/webm": "webm",
    "video/ogg": "ogv",
    "video/quicktime": "mov qt",
    "video/x-msvideo": "avi",
    "video/x-matroska": "mkv mk3d",
    "video/mpeg": "mpeg mpg mpe m1v m2v",
    "video/mp2t": "mts m2ts",
    "video/3gpp": "3gp",
    "video/3gpp2": "3g2",
    "video/x-flv": "flv",
    "video/x-ms-wmv": "wmv",
    "video/x-ms-asf": "asf asx",
    "application/dash+xml": "mpd",
    # fonts
    "font/woff": "woff",
    "font/woff2": "woff2",
    "font/ttf": "ttf",
    "font/otf": "otf",
    "font/collection": "ttc",
    "application/vnd.ms-fontobject": "eot",
    # archives and compressed data
    "application/zip": "zip",
    "application/gzip": "gz tgz",
    "application/x-bzip2": "bz2 tbz2",
    "application/x-xz": "xz txz",
    "application/zstd": "zst",
    "application/x-lzip": "lz",
    "application/x-lzma": "lzma",
    "application/x-compress": "z",
    "application/x-tar": "tar",
    "application/x-7z-compressed": "7z",
    "application/vnd.rar": "rar",
    "application/x-cpio": "cpio",
    "application/x-iso9660-image": "iso",
    "application/x-apple-diskimage": "dmg",
    "application/java-archive": "jar war ear",
    "application/vnd.android.package-archive": "apk",
    "application/vnd.debian.binary-package": "deb",
    "application/x-rpm": "rpm",
    "application/x-msi": "msi",
    "application/x-msdownload": "exe dll",
    "application/x-sharedlib": "so",
    "application/x-python-code": "pyc pyo",
    "application/java-vm": "class",
    "application/x-sqlite3": "sqlite sqlite3 db",
    "application/x-shockwave-flash": "swf",
    "application/x-bittorrent": "torrent",
    # data, science and security
    "application/octet-stream": "bin dat img dump pcap pcapng",
    "application/cbor": "cbor",
    "application/msgpack": "msgpack",
    "application/vnd.apache.parquet": "parquet",
    "application/x-hdf5": "h5 hdf5",
    "application/x-netcdf": "nc",
    "application/x-npy": "npy",
    "application/mathml+xml": "mathml",
    "application/vnd.google-earth.kml+xml": "kml",
    "application/vnd.google-earth.kmz": "kmz",
    "application/gpx+xml": "gpx",
    "model/gltf+json": "gltf",
    "model/gltf-binary": "glb",
    "model/obj": "obj",
    "model/stl": "stl",
    "model/vrml": "wrl vrml",
    "application/pkix-cert": "cer",
    "application/x-x509-ca-cert": "crt der",
    "application/x-pem-file": "pem",
    "application/pkcs12": "p12 pfx",
    "application/pkcs7-mime": "p7m p7c",
    "application/pkix-crl": "crl",
    "application/pgp-signature": "sig",
    "application/vnd.ms-cab-compressed": "cab",
    "application/x-chrome-extension": "crx",
    "application/x-xpinstall": "xpi",
}
_TYPES = {f".{extension}": kind for kind, extensions in _TYPE_EXTENSIONS.items()
          for extension in extensions.split()}
#: Files usually named without an extension that are text.
_TEXT_NAMES = frozenset({"makefile", "gnumakefile", "dockerfile", "containerfile", "readme",
                         "license", "licence", "copying", "authors", "changelog", "news",
                         "todo", "install", "notice", "vagrantfile", "procfile"})
_TEXT_TYPES = ("application/json", "application/javascript", "application/xml")


def content_type(name: str) -> str:
    """The Content-Type for a file name, from the table above (unknown: octet-stream);
    text types say they are UTF-8."""
    dot = name.rfind(".")
    if dot > 0:
        kind = _TYPES.get(name[dot:].lower(), "application/octet-stream")
    else:
        kind = "text/plain" if name.lower() in _TEXT_NAMES else "application/octet-stream"
    if kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+xml", "+json")):
        kind += "; charset=utf-8"
    return kind


# -- pages --------------------------------------------------------------------------------
def _page(title: str, body: str) -> bytes:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n"
            "<style>body{font-family:sans-serif;margin:2em;line-height:1.5}"
            "a{text-decoration:none}a:hover{text-decoration:underline}</style>\n"
            f"</head>\n<body>\n{body}</body>\n</html>\n").encode("utf-8")


def error_page(status: int, detail: str = "") -> bytes:
    """A small HTML page for an error status; ``detail`` is escaped."""
    title = f"{status} {html.escape(reason(status))}"
    text = f"<p>{html.escape(detail)}</p>\n" if detail else ""
    return _page(title, f"<h1>{title}</h1>\n{text}")


def listing_page(display_path: str, entries: Iterable[Tuple[str, bool]],
                 omitted: int = 0) -> bytes:
    """The page for a folder without index.html: one link per (name, is_folder).

    Names are HTML-escaped and links percent-encoded relative to the folder's URL (which
    ends with ``/``), so no name can inject markup or point anywhere else. Names the
    server would refuse are listed without a link; ``omitted`` (entries left out of a
    huge folder) is shown as a count.
    """
    where = html.escape(_readable(display_path))
    rows = []
    if display_path != "/":
        rows.append('<li><a href="../">../</a> (parent folder)</li>')
    for name, is_folder in sorted(entries, key=lambda entry: (not entry[1], entry[0].casefold())):
        shown = html.escape(_readable(name)) + ("/" if is_folder else "")
        if servable_name(name):
            link = quote(name, safe="") + ("/" if is_folder else "")
            rows.append(f'<li><a href="{link}">{shown}</a></li>')
        else:
            rows.append(f"<li>{shown}</li>")
    if omitted:
        rows.append(f"<li>(and {omitted:,} more not listed)</li>")
    items = "\n".join(rows) if rows else "<li>(this folder is empty)</li>"
    return _page(f"Index of {where}", f"<h1>Index of {where}</h1>\n<ul>\n{items}\n</ul>\n")


def _readable(name: str) -> str:
    """Undecodable bytes (surrogate escapes) shown as replacement characters."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# -- the client side: URLs, redirects, file names and body previews ---------------------------
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
#: Shown as escapes: C0 and C1 controls (a terminal obeys both), and the invisible
#: characters that reorder or hide text (zero-width, bidirectional, line separators).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f"
                      r"\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def normalize_url(text: str) -> str:
    """An http or https URL from what a person typed ("example.com/x" means http).

    Raises ValueError with a plain sentence for anything that is not such a URL.
    """
    text = text.strip()
    if not text:
        raise ValueError("No address given: type a URL such as http://127.0.0.1:8080/.")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} is not a valid URL (check the port number and brackets).") \
            from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"Only http:// and https:// addresses can be fetched, not {parts.scheme}://.")
    if not parts.hostname:
        raise ValueError(f"{text!r} has no host name.")
    if port == 0:
        raise ValueError(f"{text!r} has port 0, which no server can listen on.")
    return text


def request_target(url: str) -> str:
    """The path and query to send, with unsafe characters (spaces, non-ASCII) percent-encoded."""
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~") if parts.query else ""
    return path + ("?" + query if query else "")


def redirect_target(url: str, location: str) -> str:
    """Where a Location header points, resolved against the URL that sent it."""
    target = urljoin(url, location.strip())
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise ValueError(f"The server redirected to {printable_line(target)!r}, "
                         "which is not an http:// or https:// address.")
    return normalize_url(target)


def file_name_for(url: str) -> str:
    """A safe local file name for what a URL names (``index.html`` for a folder).

    Leading dots are dropped so a download never becomes a hidden file such as .bashrc.
    """
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    name = _UNSAFE_IN_NAME.sub("_", unquote(last, errors="replace")).lstrip(" .").rstrip(" ")
    name = name[:200]
    if not name.strip("."):
        return "index.html"
    if not servable_name(name):  # a Windows device name such as CON or nul.txt
        name = "_" + name
    return name


_TEXTUAL = ("application/json", "application/javascript", "application/xml",
            "application/xhtml+xml", "image/svg+xml", "application/x-www-form-urlencoded")


class Preview(NamedTuple):
    """How the start of a body is shown: ``text`` (escaped, cut to whole lines), whether it
    is ``binary`` (then nothing is shown), and a ``note`` saying how it was decoded when
    that is not what the server said ("" when it is)."""

    text: str
    binary: bool
    note: str = ""


#: Encodings whose text holds NUL bytes, so a NUL does not mean binary data for them.
_WIDE_ENCODINGS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                             "utf-32-be"})


def body_preview(content_type: Optional[str], start: bytes, max_lines: int = 40) -> Preview:
    """How to show the first bytes of a body: never raises, whatever the server sent.

    Text is decoded with the charset the server named (UTF-8 when it names none, or one
    that is not a text encoding, with a note), cut to ``max_lines`` lines, with control and
    invisible characters shown as escapes so a hostile page cannot drive the terminal. A
    body the named codec cannot decode (UTF-16 without a byte order mark, ``idna``...) is
    shown as bytes, with a note. Bodies that are not text give ``Preview("", True)``.
    """
    kind = (content_type or "").partition(";")[0].strip().lower()
    textual = kind.startswith("text/") or kind in _TEXTUAL or kind.endswith(("+json", "+xml"))
    encoding = text_encoding(content_type)
    if (kind and not textual) or (b"\0" in start and encoding not in _WIDE_ENCODINGS):
        return Preview("", True)
    note = ""
    charset = named_charset(content_type)
    if charset and encoding is None:
        note = (f"The server named the character set {charset[:40]!r}, which is not a text "
                "encoding: the body is shown as UTF-8.")
    try:
        text = codecs.getincrementaldecoder(encoding or "utf-8")(errors="replace") \
            .decode(start, final=False)
    except Exception as exc:  # a codec is code the server chose: any failure is shown plainly
        reason = printable_line(str(exc))[:80] or type(exc).__name__
        return Preview(_bytes_shown(start, max_lines), False,
                       f"The server named the character set {charset[:40]!r}, which cannot "
                       f"decode this body ({reason}): it is shown as bytes.")
    if not kind and text.count("\ufffd") > len(text) // 10:  # unlabelled and not text after all
        return Preview("", True)
    lines = text.replace("\r\n", "\n").split("\n")[:max_lines]
    return Preview("\n".join(printable_line(line) for line in lines), False, note)


def _bytes_shown(data: bytes, max_lines: int) -> str:
    """Bytes as text: printable ASCII as it is, every other byte as ``\\xNN``."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")[:max_lines]
    return "\n".join("".join(chr(byte) if 32 <= byte < 127 or byte == 9 else f"\\x{byte:02x}"
                              for byte in line) for line in lines)


def named_charset(content_type: Optional[str]) -> Optional[str]:
    """The charset parameter of a Content-Type, as written (None when there is none)."""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"'):
            return value.strip().strip('"')
    return None


def text_encoding(content_type: Optional[str]) -> Optional[str]:
    """The text encoding a Content-Type names, or None when it names none Python can decode.

    Codecs that are not text encodings (base64, rot13, zlib...) count as unknown: a server
    must not be able to choose one.
    """
    charset = named_charset(content_type)
    if charset is None:
        return None
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", False) else None


def printable_line(text: str) -> str:
    """``text`` with control and invisible characters (tab excepted) as visible escapes."""
    return _CONTROL.sub(_escape, text)


def _escape(match) -> str:
    code = ord(match.group())
    if code == 13:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
