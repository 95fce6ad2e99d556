"""Judging a web server's answers: the status line, the head, the body's framing, and
whether a request climbing out of the served folder got a file from outside it.

:func:`parse_response` reads a response leniently (a bare ``\\n`` ends a line, as
browsers allow), so one mistake is reported by the one check it concerns and does not
hide everything else; the strict rules are in the judges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from ..http import header_value
from .model import Verdict, count, fail, ok, quoted

#: Reading stops after this much of one response (a server may stream for ever).
MAX_RESPONSE = 4 * 1024 * 1024
#: The longest response head looked for (a head that never ends is judged as such).
MAX_HEAD = 64 * 1024
#: How far the traversal requests climb: more ``..`` than any plausible served folder is deep.
CLIMB = 16

#: Binary junk for survives-garbage: every byte value (most not UTF-8), ended like a request
#: head so that a server waiting for the blank line reacts at once.
JUNK = bytes(range(255, -1, -1)) * 8 + b"\r\n\r\n"
HUGE_LINE = b"GET /" + b"a" * 100_000 + b" HTTP/1.0\r\n\r\n"

_STATUS = re.compile(rb"HTTP/(\d+)\.(\d+) +(\d{3})(?: (.*))?")
_LENIENT_STATUS = re.compile(rb"\s*HTTP/\S*\s+(\d{3})\b\s*(.*)", re.DOTALL)
_HEAD_END = re.compile(rb"\r?\n\r?\n")


def request(method: str, target: str, host_header: str) -> bytes:
    """A plain HTTP/1.0 request that asks the server to close after answering."""
    return (f"{method} {target} HTTP/1.0\r\nHost: {host_header}\r\n"
            "User-Agent: labsuite-check\r\nConnection: close\r\n\r\n").encode("latin-1")


@dataclass(frozen=True)
class Response:
    """A response head (and the body bytes that followed it)."""

    status_line: bytes
    status: Optional[int]
    reason: str
    headers: Tuple[Tuple[str, str], ...]
    head: bytes
    body: bytes

    def header(self, name: str) -> Optional[str]:
        return header_value(self.headers, name)

    @property
    def content_length(self) -> Optional[int]:
        value = (self.header("Content-Length") or "").strip()
        return int(value) if value.isdigit() and value.isascii() else None

    @property
    def described(self) -> str:
        """``"HTTP/1.0 200 OK"`` as sent (escaped), for explanations."""
        return quoted(self.status_line, 80)


def head_length(data: bytes) -> Optional[int]:
    """How many bytes the head takes (status line to blank line), or None until it ends."""
    found = _HEAD_END.search(data, 0, MAX_HEAD)
    return found.end() if found else None


def parse_response(data: bytes) -> Optional[Response]:
    """The response in ``data``, or None while its head is incomplete."""
    end = head_length(data)
    if end is None:
        return None
    head = data[:end]
    lines = head.split(b"\n")
    status_line = lines[0].rstrip(b"\r")
    match = _LENIENT_STATUS.fullmatch(status_line)
    status = int(match.group(1)) if match else None
    reason = match.group(2).decode("latin-1").strip() if match else ""
    headers = []
    for line in lines[1:]:
        name, colon, value = line.rstrip(b"\r").partition(b":")
        if colon and name.strip():
            headers.append((name.strip().decode("latin-1"), value.strip().decode("latin-1")))
    return Response(status_line, status, reason, tuple(headers), head, data[end:])


def response_complete(data: bytes, method: str = "GET") -> bool:
    """True when ``data`` holds a whole response whose end does not depend on the close:
    a head for HEAD and bodiless statuses, or as many body bytes as Content-Length says."""
    if len(data) >= MAX_RESPONSE:
        return True
    end = head_length(data)
    if end is None:
        return False
    response = parse_response(data[:end])
    if method == "HEAD" or response.status in (204, 304) or (response.status or 0) // 100 == 1:
        return True
    length = response.content_length
    return length is not None and len(data) - end >= length


# -- judges --------------------------------------------------------------------------------
def no_answer(data: bytes, closed: bool, waited: float, what: str = "GET /") -> Optional[Verdict]:
    """A failure when ``data`` holds no response head at all, else None."""
    if parse_response(data) is not None:
        return None
    if not data:
        if closed:
            return fail(f"The server closed the connection without answering {what}.",
                        "Read the request, then send the answer: a status line such as "
                        "'HTTP/1.0 200 OK\\r\\n', the headers, a blank line '\\r\\n', then the "
                        "page. (If your server crashed, its terminal shows why.)")
        return fail(f"No answer to {what} within {waited:g} seconds.",
                    "Does your server wait for more than the request? A request ends with a "
                    "blank line ('\\r\\n\\r\\n'): answer as soon as it has arrived.")
    ending = "before the server closed the connection" if closed else f"within {waited:g} seconds"
    return fail(f"The answer to {what} never finished its head: got {quoted(data, 80)} but no "
                f"blank line after the headers {ending}.",
                "End the head with an empty line: each header line ends with '\\r\\n', and one "
                "more '\\r\\n' separates the head from the page.")


def judge_root(response: Response) -> Verdict:
    status = response.status
    if status is not None and 200 <= status < 300:
        size = count(len(response.body), "byte")
        return ok(f"GET / was answered {response.described} with {size} of page.")
    if status is not None and 300 <= status < 400:
        where = quoted((response.header("Location") or "").encode(), 80)
        return fail(f"GET / was answered {response.described}, a redirect (to {where}) instead "
                    "of a page.",
                    "Answer GET / with the folder's index.html (or a list of its files) and "
                    "status 200 OK.")
    if status == 404:
        return fail(f"GET / was answered {response.described}: the server found no page for '/'.",
                    "'/' names the served folder itself: answer it with the folder's index.html "
                    "(or a list of its files).")
    return fail(f"GET / was answered {response.described} instead of 200 OK and a page.",
                "Answer GET / with 'HTTP/1.0 200 OK', a Content-Type and Content-Length, a "
                "blank line and the page.")


def judge_status_line(response: Response) -> Verdict:
    """``HTTP/1.x NNN Reason`` with CRLF after it and after every header line."""
    line = response.status_line
    match = _STATUS.fullmatch(line)
    crlf = "Start the answer with e.g. 'HTTP/1.0 200 OK\\r\\n' (version, status code, reason)."
    if not line.startswith(b"HTTP/"):
        return fail(f"The answer starts with {response.described}, not a status line.", crlf)
    if match is None:
        return fail(f"The status line {response.described} is not 'HTTP/1.x NNN Reason'.", crlf)
    if (match.group(1), match.group(2)) not in ((b"1", b"0"), (b"1", b"1")):
        return fail(f"The status line {response.described} names a version other than "
                    "HTTP/1.0 or HTTP/1.1.", crlf)
    bare = [row for row in response.head.split(b"\n")[:-1] if not row.endswith(b"\r")]
    if bare:
        which = "the status line" if not response.head.split(b"\n")[0].endswith(b"\r") else \
            f"{count(len(bare), 'line')} of the head"
        return fail(f"In the answer's head, {which} ends with '\\n' alone: HTTP ends every line "
                    "of the head with '\\r\\n'. Browsers forgive this; many other clients do not.",
                    "Write '\\r\\n' (not just '\\n') after the status line and after each header, "
                    "and '\\r\\n' alone after the last header.")
    if not match.group(4):
        return ok(f"The status line {response.described} ends with '\\r\\n' (it has no reason "
                  "phrase, which is allowed; 'OK' or 'Not Found' is usual).")
    return ok(f"The status line {response.described} has a version, a status code and a "
              "reason, and every line of the head ends with '\\r\\n'.")


def judge_content_length(response: Response, closed: bool, waited: float) -> Verdict:
    """Does the body end where the head says it does (or, without Content-Length, at the close)?

    Reading stops at :data:`MAX_RESPONSE`: a longer body is judged on what was read.
    """
    raw = response.header("Content-Length")
    body = len(response.body)
    truncated = len(response.head) + body >= MAX_RESPONSE
    if truncated and (response.content_length is None or response.content_length > body):
        return ok(f"The body is longer than the {MAX_RESPONSE:,} bytes this checker reads; "
                  f"Content-Length is {quoted((raw or 'not given').encode('latin-1'))}.")
    if raw is None:
        if closed:
            return ok(f"No Content-Length: the body ({count(body, 'byte')}) ended when the server "
                      "closed the connection, which HTTP/1.0 allows.")
        return fail(f"There is no Content-Length header and the connection stayed open for "
                    f"{waited:g} seconds after {count(body, 'byte')} of body, so a client cannot "
                    "tell where the page ends.",
                    "Send 'Content-Length: N' with N the number of bytes in the body, or close "
                    "the connection after the body.")
    length = response.content_length
    if length is None:
        return fail(f"The Content-Length header is {quoted(raw.encode('latin-1'))}, not a "
                    "number of bytes.",
                    "Write the body's size in bytes: f'Content-Length: {len(body)}\\r\\n' with "
                    "body the bytes you send.")
    if body == length:
        return ok(f"Content-Length: {length} matches the {count(body, 'byte')} of the body.")
    if body > length:
        return fail(f"Content-Length says {length:,} but {count(body, 'byte')} followed the head. "
                    f"A client stops after {length:,} bytes, so the end of the page is lost (or "
                    "read as the start of the next answer).",
                    "Count bytes, not characters: encode the page first and use len() of the "
                    "bytes. Letters like 'é' or '—' take two or three bytes in UTF-8.")
    ending = "before the server closed the connection" if closed else f"within {waited:g} seconds"
    return fail(f"Content-Length promises {length:,} bytes but only {body:,} arrived {ending}; a "
                "client waits for the rest.",
                "Send the whole body with sendall(), and compute Content-Length from the bytes "
                "you send (len(body) after encoding).")


def judge_content_type(response: Response) -> Verdict:
    value = response.header("Content-Type")
    looks_html = response.body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))
    if not value:
        return fail("The answer has no Content-Type header, so a browser has to guess what "
                    "the page is.",
                    "Send 'Content-Type: text/html' for .html files (mimetypes.guess_type(path) "
                    "knows the others).")
    kind = value.split(";", 1)[0].strip().lower()
    if "/" not in kind or kind.startswith("/") or kind.endswith("/"):
        return fail(f"Content-Type is {quoted(value.encode('latin-1'))}, not a type like "
                    "text/html.",
                    "A Content-Type is type/subtype, e.g. text/html or image/png.")
    if looks_html and kind != "text/html":
        return fail(f"The page is HTML but Content-Type says {quoted(kind.encode('latin-1'))}, "
                    "so a browser shows its tags as text.",
                    "Use text/html for .html files (mimetypes.guess_type(path) gives it).")
    return ok(f"Content-Type: {value}.")


def judge_not_found(response: Response, target: str) -> Verdict:
    if response.status in (404, 410):
        return ok(f"GET {target} was answered {response.described}.")
    if response.status is not None and 200 <= response.status < 300:
        return fail(f"GET {target} (a page that does not exist) was answered {response.described}.",
                    "When the file does not exist, answer 'HTTP/1.0 404 Not Found' (catch "
                    "FileNotFoundError, or test os.path.isfile first).")
    return fail(f"GET {target} (a page that does not exist) was answered {response.described} "
                "instead of 404 Not Found.",
                "A missing page gets status 404 Not Found.")


def judge_head(get: Optional[Response], head: Response, extra: int) -> Verdict:
    """HEAD: the same head as GET, and no body (``extra`` bytes came after the head)."""
    if head.status in (405, 501):
        return ok(f"HEAD / was answered {head.described}: this server answers GET only, which "
                  "the course's server does too.")
    if extra:
        return fail(f"HEAD / was answered with {count(extra, 'byte')} of body after the head; "
                    "an answer to HEAD has no body.",
                    "For HEAD send the same status line and headers as for GET (Content-Length "
                    "included), but not the page.")
    if get is not None and get.status != head.status:
        return fail(f"HEAD / was answered {head.described}, but GET / {get.described}.",
                    "HEAD gets the same status and headers as GET, without the body.")
    return ok(f"HEAD / was answered {head.described} with no body.")


def judge_junk_reply(data: bytes, closed: bool) -> str:
    """What the server did with garbage, in words (any reaction is fine if it survives)."""
    response = parse_response(data)
    if response is not None and response.status is not None:
        return f"it answered {response.described}"
    if closed:
        return "it closed the connection"
    return "it kept the connection open without answering"


# -- traversal -------------------------------------------------------------------------------
SPELLINGS: Tuple[Tuple[str, str, str], ...] = (
    # (name, climb step, separator inside the rest of the path)
    ("../", "../", "/"),
    ("%2e%2e/", "%2e%2e/", "/"),
    ("..%2f", "..%2f", "/"),
    ("%2e%2e%2f", "%2e%2e%2f", "/"),
    (".%2e/", ".%2e/", "/"),
    ("%252e%252e%252f (encoded twice)", "%252e%252e%252f", "/"),
    ("....// (survives removing '../' once)", "....//", "/"),
    ("..\\", "..\\", "\\"),
    ("..%5c", "..%5c", "%5c"),
)


def traversal_targets(parts: Sequence[str], drive: str = "") -> List[Tuple[str, str]]:
    """(spelling, request target) pairs that ask for the file at ``parts`` from the root of
    the file system (``drive`` is a Windows drive such as "C:")."""
    found = []
    for name, step, separator in SPELLINGS:
        found.append((name, "/" + step * CLIMB + separator.join(parts)))
    rest = "/".join(parts)
    found.append(("an absolute path (//...)", "//" + rest))
    found.append(("an absolute path (/%2f...)", "/%2f" + rest))
    if drive:
        found.append((f"a drive path (/{drive}/...)", f"/{drive}/" + rest))
    return found


#: Well-known system files and a signature of their content, for a server elsewhere.
SYSTEM_FILES: Tuple[Tuple[Tuple[str, ...], str, "re.Pattern[bytes]"], ...] = (
    (("etc", "passwd"), "", re.compile(rb"(?m)^root:[^:\n]*:0:0:")),
    (("Windows", "win.ini"), "C:", re.compile(rb"(?i)\[fonts\]|for 16-bit app support")),
)


def leak_verdict(leaks: Sequence[Tuple[str, str]], tried: int, what: str) -> Verdict:
    """``leaks``: (spelling, target) pairs that were answered with the file's content."""
    if not leaks:
        return ok(f"None of {tried} requests climbing out of the folder ('..' in every spelling, "
                  f"and absolute paths) got {what}.")
    spelling, target = leaks[0]
    also = f" ({count(len(leaks) - 1, 'other spelling')} too)" if len(leaks) > 1 else ""
    return fail(f"The server sent {what} when asked for GET {target[:120]} - spelled with "
                f"{spelling}{also}. Anyone who can reach your server can read any file on "
                "this computer this way.",
                "Decode the path (urllib.parse.unquote), join it to the folder, then resolve it "
                "with os.path.realpath and refuse (403 or 404) anything that is not inside the "
                "folder: os.path.commonpath([root, path]) == root.")
