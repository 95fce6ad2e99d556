"""The sans-IO HTTP pieces: request parser, path mapping, response and page builders."""

from __future__ import annotations

import html as html_module
import re

import pytest

from labsuite.protocols import http
from labsuite.protocols.http import LocalPath, Refusal, Rejected, Request, RequestParser

SIMPLE = b"GET /index.html HTTP/1.1\r\nHost: example\r\nUser-Agent: test\r\n\r\n"


def parse_all(data: bytes, **limits):
    return RequestParser(**limits).feed(data)


def only(data: bytes, **limits):
    events = parse_all(data, **limits)
    assert len(events) == 1, events
    return events[0]


# -- the parser ---------------------------------------------------------------------------
def test_a_simple_request():
    request = only(SIMPLE)
    assert isinstance(request, Request)
    assert (request.method, request.target, request.version) == ("GET", "/index.html", "HTTP/1.1")
    assert request.headers == (("Host", "example"), ("User-Agent", "test"))
    assert request.header("host") == "example"
    assert request.header("missing", "x") == "x"
    assert request.raw == SIMPLE
    assert request.keep_alive


def test_split_at_every_byte_gives_the_same_requests():
    stream = SIMPLE + b"HEAD / HTTP/1.0\n\n" + b"\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
    whole = parse_all(stream)
    assert [event.target for event in whole] == ["/index.html", "/", "/b"]
    for cut in range(1, len(stream)):
        parser = RequestParser()
        events = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert events == whole, cut
    parser = RequestParser()
    events = [event for byte in stream for event in parser.feed(bytes([byte]))]
    assert events == whole


def test_pipelined_requests_come_out_one_at_a_time():
    parser = RequestParser()
    parser.receive(SIMPLE * 3)
    assert parser.next_event().target == "/index.html"
    assert parser.buffered == 2 * len(SIMPLE)
    assert parser.next_event() is not None and parser.next_event() is not None
    assert parser.next_event() is None and parser.buffered == 0


def test_bare_line_feeds_and_leading_empty_lines_are_accepted():
    request = only(b"\r\n\nGET /x HTTP/1.1\nHost: a\n\n")
    assert request.target == "/x" and request.header("Host") == "a"


@pytest.mark.parametrize("version, connection, keep", [
    ("HTTP/1.1", None, True), ("HTTP/1.1", "close", False), ("HTTP/1.1", "Keep-Alive, Close", False),
    ("HTTP/1.0", None, False), ("HTTP/1.0", "keep-alive", True), ("HTTP/1.2", None, True),
])
def test_keep_alive(version, connection, keep):
    extra = f"Connection: {connection}\r\n" if connection else ""
    request = only(f"GET / {version}\r\nHost: h\r\n{extra}\r\n".encode())
    assert request.keep_alive is keep


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"])
def test_known_methods_get_405_with_allow(method):
    event = only(f"{method} / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello".encode())
    assert isinstance(event, Rejected) and event.status == 405
    assert ("Allow", "GET, HEAD") in event.headers
    assert event.method == method


@pytest.mark.parametrize("method", ["BREW", "get", "Get", "FOO"])
def test_unknown_methods_get_501(method):
    event = only(f"{method} / HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    assert isinstance(event, Rejected) and event.status == 501


@pytest.mark.parametrize("head, status", [
    (b"GET /\r\n\r\n", 400),                                   # HTTP/0.9 style
    (b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),              # two spaces
    (b"GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n", 400),
    (b"GET / HTTQ/1.1\r\nHost: h\r\n\r\n", 400),
    (b"GET / HTTP/1\r\nHost: h\r\n\r\n", 400),
    (b"GET / HTTP/11.1\r\nHost: h\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
    (b"GET /a\x00b HTTP/1.1\r\nHost: h\r\n\r\n", 400),         # NUL in the target
    (b"GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400),       # raw non-ASCII target
    (b"GET / HTTP/1.1\r\n\r\n", 400),                          # 1.1 without Host
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),    # two Hosts
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 400),
    (b"HEAD / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400),   # obsolete line folding
    (b"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),              # space before the colon
    (b"GET / HTTP/1.1\r\nHost: h\r\nNo colon here\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n", 400),  # NUL in a value
    (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),    # bare CR in a value
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),     # a TLS ClientHello
    (b"\x00\x01binary", 400),
])
def test_malformed_requests_are_rejected(head, status):
    parser = RequestParser()
    events = parser.feed(head)
    assert len(events) == 1 and isinstance(events[0], Rejected), events
    assert events[0].status == status
    assert parser.closed and parser.feed(SIMPLE) == []


def test_a_tls_handshake_is_explained():
    event = only(b"\x16\x03\x01\x00\xa5\x01\x00\x00")
    assert "https" in event.detail and event.method == ""


def test_get_with_content_length_zero_is_fine():
    assert isinstance(only(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), Request)


def test_http_1_0_needs_no_host():
    assert isinstance(only(b"GET / HTTP/1.0\r\n\r\n"), Request)


def test_absolute_form_and_header_whitespace():
    request = only(b"GET http://h/x HTTP/1.1\r\nHost:   h  \r\nX-Tab:\tv\t\r\n\r\n")
    assert request.target == "http://h/x"
    assert request.header("Host") == "h" and request.header("X-Tab") == "v"


# -- limits ---------------------------------------------------------------------------------
def test_request_line_limit_is_exact():
    line = b"GET /" + b"a" * (http.MAX_REQUEST_LINE - len(b"GET / HTTP/1.1") - 1) + b" HTTP/1.1"
    assert len(line) == http.MAX_REQUEST_LINE - 1
    for extra in (b"", b"a"):
        candidate = line.replace(b" HTTP", extra + b" HTTP")
        assert isinstance(only(candidate + b"\r\nHost: h\r\n\r\n"), Request)
    too_long = line.replace(b" HTTP", b"aa HTTP")
    assert only(too_long + b"\r\nHost: h\r\n\r\n").status == 414


def test_an_endless_request_line_is_refused_before_it_ends():
    parser = RequestParser()
    assert parser.feed(b"GET /" + b"a" * (http.MAX_REQUEST_LINE - 5)) == []
    events = parser.feed(b"a" * 10)
    assert [event.status for event in events] == [414]
    assert events[0].method == "GET" and len(events[0].raw) <= http.MAX_REQUEST_LINE


def test_header_size_limit():
    big = b"X-Big: " + b"v" * (http.MAX_HEADER_BYTES - 100) + b"\r\n"
    assert isinstance(only(b"GET / HTTP/1.1\r\nHost: h\r\n" + big + b"\r\n"), Request)
    bigger = b"X-Big: " + b"v" * http.MAX_HEADER_BYTES + b"\r\n"
    assert only(b"GET / HTTP/1.1\r\nHost: h\r\n" + bigger + b"\r\n").status == 431


def test_endless_headers_are_refused_before_they_end():
    parser = RequestParser()
    assert parser.feed(b"GET / HTTP/1.1\r\nHost: h\r\n") == []
    events = []
    for _ in range(100):
        events += parser.feed(b"X-Filler: " + b"f" * 500 + b"\r\n")
        if events:
            break
    assert [event.status for event in events] == [431]


def test_field_count_limit():
    def head(count):
        fields = b"".join(b"X-%d: v\r\n" % n for n in range(count - 1))
        return b"GET / HTTP/1.1\r\nHost: h\r\n" + fields + b"\r\n"

    assert isinstance(only(head(http.MAX_HEADER_FIELDS)), Request)
    assert only(head(http.MAX_HEADER_FIELDS + 1)).status == 431


def test_limits_are_configurable():
    assert only(b"GET /abcdef HTTP/1.1\r\n\r\n", max_request_line=10).status == 414
    assert only(b"GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\n", max_fields=1).status == 431


# -- path mapping ---------------------------------------------------------------------------
@pytest.mark.parametrize("target, parts, slash", [
    ("/", (), True),
    ("/index.html", ("index.html",), False),
    ("/a/b/", ("a", "b"), True),
    ("/a//b/./c", ("a", "b", "c"), False),
    ("/docs/.", ("docs",), True),
    ("/a%20b/%23x%3F", ("a b", "#x?"), False),
    ("/caf%C3%A9.txt", ("café.txt",), False),
    ("/100%25.txt", ("100%.txt",), False),
    ("/x?y=../../etc/passwd", ("x",), False),
    ("/x#frag", ("x",), False),
    ("//etc/passwd", ("etc", "passwd"), False),          # stays inside the folder
    ("/%252e%252e%252f", ("%2e%2e%2f",), False),          # decoded once: a literal name
    ("http://other.example/a/", ("a",), True),
    ("/.hidden", (".hidden",), False),
    ("/..foo", ("..foo",), False),
])
def test_local_paths(target, parts, slash):
    assert http.local_path(target) == LocalPath(parts, slash)


TRAVERSALS = [
    "/../secret", "/..", "/a/../../b", "/%2e%2e%2fsecret", "/%2e%2e/secret", "/..%2fsecret",
    "/%2E%2E/secret", "/.%2e/secret", "/..\\secret", "/%5c..%5csecret", "/a%5c..%5c..%5cb",
    "/%c0%ae%c0%ae/secret", "/%c0%af", "/%e0%80%ae%e0%80%ae/x", "/C:/Windows/win.ini",
    "/c%3a/x", "/%5c%5cserver%5cshare", "/secret%00.html", "/a%0d%0aSet-Cookie:x",
    "/CON", "/nul.txt", "/com1.html", "/LPT9", "/aux.tar.gz", "/con .txt", "/prn.", "/a/Com1/b",
    "/...", "/. .", "/file::$DATA",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_spellings_are_refused(target):
    refused = http.local_path(target)
    assert isinstance(refused, Refusal) and refused.status in (400, 403, 404), refused


@pytest.mark.parametrize("target", ["secret", "*", "\\\\server\\share", "C:\\x", "/%", "/%2",
                                    "/%zz", "http://[bad/"])
def test_targets_that_are_not_paths_are_bad_requests(target):
    refused = http.local_path(target)
    assert isinstance(refused, Refusal) and refused.status == 400


def test_url_path_is_percent_encoded_with_one_leading_slash():
    assert http.url_path(()) == "/"
    assert http.url_path(("evil.example",), True) == "/evil.example/"
    assert http.url_path(("a b", "#?%", "é"), False) == "/a%20b/%23%3F%25/%C3%A9"
    mapped = http.local_path("//evil.example")
    assert LocalPath(mapped.parts, True).url == "/evil.example/"
    assert mapped.display == "/evil.example"


@pytest.mark.parametrize("name, ok", [
    ("index.html", True), ("a b.txt", True), ("..", False), ("", False), ("a:b", False),
    ("a\\b", False), ("con", False), ("Con.txt", False), ("console.txt", True),
    ("com10", True), ("com\u00b9", False), ("x\udcff", False), ("tab\there", False),
])
def test_servable_names(name, ok):
    assert http.servable_name(name) is ok


# -- responses ------------------------------------------------------------------------------
def test_response_head():
    head = http.response_head(404, [("Content-Length", "3"), ("X", "y")])
    assert head == b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX: y\r\n\r\n"


def test_response_head_cannot_be_split_by_a_value():
    head = http.response_head(301, [("Location", "/a\r\nSet-Cookie: x=1"), ("B", "\n")])
    assert head.count(b"\r\n") == 4 and b"\nSet-Cookie" not in head


def test_dates():
    assert http.http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
    for text in ("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                 "Sun Nov  6 08:49:37 1994"):
        assert http.parse_http_date(text) == 784111777, text
    for junk in (None, "", "yesterday", "Sun, 99 Nov 1994 08:49:37 GMT", "\x00"):
        assert http.parse_http_date(junk) is None


def test_not_modified_compares_whole_seconds():
    since = "Sun, 06 Nov 1994 08:49:37 GMT"
    assert http.not_modified(784111777.9, since)
    assert http.not_modified(784111700, since)
    assert not http.not_modified(784111778.0, since)
    assert not http.not_modified(784111777, "garbage")
    assert not http.not_modified(784111777, None)


@pytest.mark.parametrize("name, expected", [
    ("index.html", "text/html; charset=utf-8"), ("STYLE.CSS", "text/css; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"), ("data.json", "application/json; charset=utf-8"),
    ("pic.png", "image/png"), ("photo.JPG", "image/jpeg"), ("notes.txt", "text/plain; charset=utf-8"),
    ("lab.py", "text/plain; charset=utf-8"), ("archive.tar.gz", "application/gzip"),
    ("noextension", "application/octet-stream"), (".bashrc", "application/octet-stream"),
    ("x.unknownext", "application/octet-stream"), ("Makefile", "text/plain; charset=utf-8"),
    ("feed.atom", "application/atom+xml; charset=utf-8"), ("logo.svg", "image/svg+xml; charset=utf-8"),
    ("song.mp3", "audio/mpeg"), ("clip.webm", "video/webm"), ("font.woff2", "font/woff2"),
    ("report.pdf", "application/pdf"), ("sheet.xlsx", "application/vnd.openxmlformats-"
                                                      "officedocument.spreadsheetml.sheet"),
    ("slides.ODP", "application/vnd.oasis.opendocument.presentation"),
    ("config.yaml", "text/yaml; charset=utf-8"), ("main.rs", "text/plain; charset=utf-8"),
    ("favicon.ico", "image/vnd.microsoft.icon"), ("app.wasm", "application/wasm"),
    ("name.", "application/octet-stream"), ("a.b.c.unknown", "application/octet-stream"),
])
def test_content_types(name, expected):
    assert http.content_type(name) == expected


def test_the_type_table_is_well_formed_and_large():
    assert len(http._TYPES) >= 300
    for extension, kind in http._TYPES.items():
        assert re.fullmatch(r"\.[a-z0-9_+-]+", extension), extension
        assert re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", kind, re.IGNORECASE), kind
    text = [name for name in ("a.html", "a.csv", "a.md", "a.xml", "a.json", "a.rss", "a.c")]
    assert all(http.content_type(name).endswith("; charset=utf-8") for name in text)
    assert not any(http.content_type(f"a{ext}").endswith("charset=utf-8")
                   for ext in (".png", ".zip", ".mp4", ".woff", ".exe", ".bin"))


def test_content_types_never_consult_the_machine(tmp_path):
    """The answers come from the module's table: mimetypes is not even initialised, and
    what this machine's mimetypes would say changes nothing."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from labsuite.protocols import http\n"
        "names = ['a.html', 'b.zzz', 'Makefile', 'c.PNG', 'd', 'e.tar.gz']\n"
        "first = [http.content_type(name) for name in names]\n"
        "import mimetypes\n"
        "print(mimetypes.inited)\n"
        "mimetypes.add_type('text/x-weird', '.png')\n"
        "mimetypes.add_type('text/x-weird', '.zzz')\n"
        "print(first == [http.content_type(name) for name in names])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30)
    assert done.stdout.split() == ["False", "True"], done.stderr


# -- framing a response ---------------------------------------------------------------------
STATUSES = [100, 101, 103, 200, 201, 204, 206, 301, 304, 307, 400, 404, 416, 500, 503]
CONNECTIONS = [None, "close", "keep-alive", "Keep-Alive", "keep-alive, close", "Upgrade",
               "TE,  CLOSE", "keep-alive,upgrade"]
LENGTHS = [0, 17, None]


def request_for(method: str, version: str, connection) -> Request:
    extra = f"Connection: {connection}\r\n" if connection is not None else ""
    return only(f"{method} / {version}\r\nHost: h\r\n{extra}\r\n".encode())


def head_fields(head: bytes):
    lines = head.decode("latin-1").split("\r\n")
    assert head.endswith(b"\r\n\r\n") and lines[-2:] == ["", ""]
    return lines[0], [tuple(line.split(": ", 1)) for line in lines[1:-2]]


def client_reading(prepared, method: str, body: bytes):
    """What the standard library's client makes of the response: (closes?, body read)."""
    import http.client as client
    import io

    class Wire:
        def makefile(self, mode):
            return io.BytesIO(prepared.head + (body if prepared.send_body else b""))

    response = client.HTTPResponse(Wire(), method=method)
    response.begin()
    return response.will_close, response.read()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
@pytest.mark.parametrize("connection", CONNECTIONS)
def test_prepare_response_follows_the_rules(status, method, version, connection):
    request = request_for(method, version, connection)
    tokens = {token.strip().lower() for token in (connection or "").split(",")}
    for length in LENGTHS:
        caller = [("Date", "d"), ("Content-Length", "999"), ("Server", "s"),
                  ("connection", "upgrade"), ("Transfer-Encoding", "chunked")]
        if status < 200 and version == "HTTP/1.0":  # RFC 9110 15.2: never to a 1.0 client
            with pytest.raises(ValueError):
                http.prepare_response(request, status, caller, length)
            continue
        prepared = http.prepare_response(request, status, caller, length)
        status_line, fields = head_fields(prepared.head)
        names = [name.lower() for name, _ in fields]
        assert status_line == f"HTTP/1.1 {status} {http.reason(status)}"
        assert names[:2] == ["date", "server"] and "transfer-encoding" not in names
        no_content = status < 200 or status in (204, 304)
        # the body: never for HEAD, 1xx, 204, 304
        assert prepared.send_body is (method == "GET" and not no_content)
        # Content-Length: the body's length (for HEAD too), never for 1xx, 204, 304
        expected_length = None if no_content else length
        assert prepared.content_length == expected_length
        assert [value for name, value in fields if name == "Content-Length"] == \
            ([] if expected_length is None else [str(expected_length)])
        # the connection
        if status < 200:
            keep = True  # interim: the final response follows
        elif "close" in tokens:
            keep = False
        elif version == "HTTP/1.0" and "keep-alive" not in tokens:
            keep = False
        else:  # open unless a body of unknown length must be ended by closing
            keep = not (prepared.send_body and length is None)
        assert prepared.keep_alive is keep, (length, prepared)
        said = [value for name, value in fields if name == "Connection"]
        if status < 200:
            assert said == []
        elif not keep:
            assert said == ["close"]
        else:
            assert said == (["keep-alive"] if version == "HTTP/1.0" else [])
        if status >= 200:  # and a real client reads it the same way
            body = b"x" * (17 if length is None else length)
            closes, read = client_reading(prepared, method, body)
            assert closes is not keep
            assert read == (body if prepared.send_body else b"")


@pytest.mark.parametrize("method, send_body", [("GET", True), ("HEAD", False), ("", True)])
def test_after_a_rejected_request_the_connection_closes(method, send_body):
    rejected = Rejected(400, "bad", b"", method, "/")
    for length in (0, 5, None):
        prepared = http.prepare_response(rejected, 400, [("X", "y")], length)
        assert not prepared.keep_alive and prepared.send_body is send_body
        assert prepared.head.endswith(b"\r\nConnection: close\r\n\r\n")
        assert (b"Content-Length: 5\r\n" in prepared.head) is (length == 5)


def test_a_turn_away_closes_and_sends_its_page():
    prepared = http.prepare_response(None, 503, [("Retry-After", "1")], 12)
    assert prepared == http.PreparedResponse(
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 12\r\n"
        b"Connection: close\r\n\r\n", True, False, 12)


def test_parsed_rejections_close_too():
    for event in parse_all(b"DELETE / HTTP/1.1\r\nHost: h\r\n\r\n"):
        prepared = http.prepare_response(event, event.status, event.headers, 10)
        assert b"Allow: GET, HEAD\r\n" in prepared.head and not prepared.keep_alive


@pytest.mark.parametrize("request_, status, length", [
    (None, 99, 0), (None, 600, 0), (None, 200, -1),
    (None, 100, None), (Rejected(400, "x"), 103, None),
])
def test_prepare_response_refuses_what_no_server_may_send(request_, status, length):
    with pytest.raises(ValueError):
        http.prepare_response(request_, status, [], length)


def test_error_page_escapes_what_it_echoes():
    page = http.error_page(404, '<script>alert("x")</script>&').decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in page
    assert "404 Not Found" in page


def links_and_texts(page: str):
    return re.findall(r'<a href="([^"]*)">([^<]*)</a>', page)


def test_listing_escapes_names_and_percent_encodes_links():
    names = ['<script>&"\'.txt', "a b.txt", "#hash", "what?", "100%", "café", "x y"]
    page = http.listing_page("/d/<b>/", [(name, False) for name in names[:-1]] + [("x y", True)]
                             ).decode()
    assert "<script>" not in page and "<b>" not in page
    found = dict(links_and_texts(page))
    assert found["../"] == "../"
    expected = {
        "%3Cscript%3E%26%22%27.txt": '&lt;script&gt;&amp;&quot;&#x27;.txt',
        "a%20b.txt": "a b.txt", "%23hash": "#hash", "what%3F": "what?", "100%25": "100%",
        "caf%C3%A9": "café", "x%20y/": "x y/",
    }
    for link, text in expected.items():
        assert found[link] == text
        assert html_module.unescape(text).rstrip("/") in names
    assert page.index("x%20y/") < page.index("a%20b.txt")  # folders first


def test_listing_shows_refused_names_without_links():
    page = http.listing_page("/", [("con", False), ("ok.txt", False), ("bad\udcff", False)],
                             omitted=3).decode()
    assert [link for link, _ in links_and_texts(page)] == ["ok.txt"]
    assert "<li>con</li>" in page and "\ufffd" in page and "3 more" in page
    assert "../" not in page


# -- the client side ------------------------------------------------------------------------
@pytest.mark.parametrize("typed, url", [
    ("http://h/x", "http://h/x"), ("h:8080/x", "http://h:8080/x"),
    ("HTTPS://h/", "HTTPS://h/"), ("  127.0.0.1  ", "http://127.0.0.1"),
])
def test_normalize_url(typed, url):
    assert http.normalize_url(typed) == url


@pytest.mark.parametrize("typed", ["", "ftp://h/x", "http://", "http://h:99999/",
                                   "http://h:port/", "http://[::1/", "file:///etc/passwd",
                                   "http://h:0/"])
def test_normalize_url_refuses(typed):
    with pytest.raises(ValueError):
        http.normalize_url(typed)


def test_request_target_encodes_what_cannot_be_sent():
    assert http.request_target("http://h") == "/"
    assert http.request_target("http://h/a b/é?q=1 2&r=%20") == "/a%20b/%C3%A9?q=1%202&r=%20"


def test_redirect_target():
    assert http.redirect_target("http://h/a/b", "c") == "http://h/a/c"
    assert http.redirect_target("http://h/a/b", "/x/") == "http://h/x/"
    assert http.redirect_target("http://h/a", "https://o:1/z") == "https://o:1/z"
    assert http.redirect_target("http://h/a", "//o/z") == "http://o/z"
    for bad in ("javascript:alert(1)", "ftp://o/x", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            http.redirect_target("http://h/a", bad)


@pytest.mark.parametrize("url, name", [
    ("http://h/", "index.html"), ("http://h", "index.html"), ("http://h/a/page.html", "page.html"),
    ("http://h/a%20b.txt?x=1", "a b.txt"), ("http://h/%2e%2e", "index.html"),
    ("http://h/..%2f..%2fetc%2fpasswd", "_.._etc_passwd"), ("http://h/a%5cb", "a_b"),
    ("http://h/nul.txt", "_nul.txt"), ("http://h/%00x", "_x"),
    ("http://h/.bashrc", "bashrc"), ("http://h/..%2e.profile", "profile"), ("http://h/...", "index.html"),
    ("http://h/%20.ssh%20", "ssh"),
])
def test_file_name_for(url, name):
    assert http.file_name_for(url) == name


def test_body_preview_text_binary_and_escapes():
    text, binary, note = http.body_preview("text/plain; charset=utf-8",
                                           "é\x1b[31m\r\nline2".encode())
    assert not binary and text == "é\\x1b[31m\nline2" and note == ""
    assert http.body_preview("image/png", b"\x89PNG") == ("", True, "")
    assert http.body_preview("text/plain", b"a\x00b") == ("", True, "")
    assert http.body_preview(None, b"\xff\xfe\xfd\xfc") == ("", True, "")
    assert http.body_preview(None, b"plain") == ("plain", False, "")
    assert http.body_preview('text/html; charset="latin-1"', b"caf\xe9") == ("café", False, "")
    assert http.body_preview("text/html; charset=bogus", b"ok")[:2] == ("ok", False)
    lines = http.body_preview("text/plain", b"x\n" * 100, max_lines=40).text
    assert lines.count("\n") == 39
    cut = http.body_preview("text/plain", "aé".encode()[:2]).text  # cut inside a character
    assert cut == "a"


@pytest.mark.parametrize("charset", ["base64", "rot13", "zlib", "hex", "bz2", "uu", "x\x00y"])
def test_codecs_that_are_not_text_encodings_fall_back_to_utf8(charset):
    content_type = f"text/plain; charset={charset}"
    assert http.text_encoding(content_type) is None
    assert http.named_charset(content_type) == charset
    assert http.body_preview(content_type, "aGVsbG8= é".encode() + b"\xff") == (
        "aGVsbG8= é\ufffd", False, f"The server named the character set {charset!r}, which "
                                    "is not a text encoding: the body is shown as UTF-8.")


#: Codecs Python knows as text encodings that raise instead of replacing what they cannot
#: decode, whatever errors= says.
UNDECODABLE = ["utf-16", "utf-32", "idna", "punycode", "undefined"]


@pytest.mark.parametrize("charset", UNDECODABLE)
def test_a_body_the_codec_cannot_decode_is_shown_as_bytes(charset):
    preview = http.body_preview(f"text/html; charset={charset}", "café\n\x1b[2Jx\ty".encode())
    assert preview.text == "caf\\xc3\\xa9\n\\x1b[2Jx\ty" and not preview.binary
    assert preview.note.startswith(f"The server named the character set {charset!r}, which "
                                   "cannot decode this body (")
    assert preview.note.endswith("): it is shown as bytes.")
    assert "\x1b" not in preview.text + preview.note


def test_bytes_shown_are_cut_to_whole_lines():
    preview = http.body_preview("text/plain; charset=undefined", b"line\r\n" * 100, 40)
    assert preview.text.split("\n") == ["line"] * 40


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "UTF-16LE", "utf_32_be"])
def test_wide_encodings_with_nul_bytes_are_text(charset):
    body = "café\nsecond".encode(charset.replace("_", "-"))
    if charset.lower() in ("utf-16", "utf-32"):
        assert body[:2] in (b"\xff\xfe", b"\xfe\xff")  # with a byte order mark
    assert http.body_preview(f"text/plain; charset={charset}", body) == \
        ("café\nsecond", False, "")


def test_every_codec_python_knows_gives_a_preview_without_raising():
    import encodings.aliases

    bodies = [b"", b"caf\xc3\xa9\n", bytes(range(1, 256)), b"\\N{", b"+AGEA-", b"\xff\xfe\x00",
              b"xn--", b"\\u12"]
    for name in sorted(set(encodings.aliases.aliases.values()) | set(UNDECODABLE)):
        for body in bodies:
            for cut in range(len(body) + 1):
                preview = http.body_preview(f"text/plain; charset={name}", body[:cut])
                assert isinstance(preview.text, str) and isinstance(preview.note, str), name
                assert not http._CONTROL.search(preview.text.replace("\n", "")), (name, body)


@pytest.mark.parametrize("text, shown", [
    ("a\x1bb", "a\\x1bb"), ("\x9b2J", "\\x9b2J"), ("\x85next", "\\x85next"), ("tab\tok", "tab\tok"),
    ("cr\r", "cr\\r"), ("\u202eevil", "\\u202eevil"), ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\u2028sep", "line\\u2028sep"), ("\ufeffbom", "\\ufeffbom"), ("\u2066iso\u2069", "\\u2066iso\\u2069"),
    ("plain é ☕ 中", "plain é ☕ 中"), ("\xa0nbsp", "\xa0nbsp"),
])
def test_printable_line_shows_controls_and_invisible_characters(text, shown):
    assert http.printable_line(text) == shown


def test_text_encodings_are_recognised():
    assert http.text_encoding('text/html; charset="Latin-1"') == "iso8859-1"
    assert http.text_encoding("text/html; CHARSET=utf8") == "utf-8"
    assert http.text_encoding("text/html") is None and http.named_charset("text/html") is None
    assert http.text_encoding("text/html; charset=bogus") is None
