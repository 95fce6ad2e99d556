"""The web server with real requests on loopback (http.client and raw sockets)."""

from __future__ import annotations

import errno
import http.client
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import tracemalloc

import pytest

from labsuite.net import files, web
from labsuite.net.errors import NetError
from labsuite.net.events import Kind
from labsuite.net.web import RequestRecord, WebServer

pytestmark = pytest.mark.timeout(30)

CANARY = b"CANARY-7f3a-this-must-never-be-served"
HELLO = b"Hello from the test site.\n"


# -- the site -------------------------------------------------------------------------------
@pytest.fixture
def site(tmp_path):
    """A folder to serve, with a canary file and folder OUTSIDE it (next to it in tmp)."""
    (tmp_path / "canary.txt").write_bytes(CANARY)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "canary.txt").write_bytes(CANARY)
    root = tmp_path / "root"
    root.mkdir()
    (root / "hello.txt").write_bytes(HELLO)
    (root / "page.html").write_text("<h1>page</h1>")
    (root / "withindex").mkdir()
    (root / "withindex" / "index.html").write_text("folder index")
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("# guide")
    (root / "evil.example").mkdir()
    (root / "a b").mkdir()
    if os.name != "nt":  # real files, refused by name and not by absence (not on Windows!)
        for name in ("nul.txt", "com1.html", "CON"):
            (root / name).write_bytes(CANARY)
    (root / "withindex-out").mkdir()
    try:
        os.symlink(tmp_path / "canary.txt", root / "link-out")
        os.symlink(tmp_path / "outside", root / "dir-out", target_is_directory=True)
        os.symlink(root / "hello.txt", root / "link-in")
        os.symlink(tmp_path / "canary.txt", root / "withindex-out" / "index.html")
    except (OSError, NotImplementedError):  # Windows without the right to make links
        pass
    return root


def needs_links(root):
    if not (root / "link-in").is_symlink():
        pytest.skip("symbolic links cannot be made here")


def start(root, **options) -> WebServer:
    events = []
    server = WebServer(port=0, root=str(root) if root else None, on_event=events.append,
                       idle_timeout=options.pop("idle_timeout", 5.0), **options)
    server.start()
    server.events = events
    return server


@pytest.fixture
def server(site):
    server = start(site)
    yield server
    server.stop()


# -- clients --------------------------------------------------------------------------------
def fetch(server, path, method="GET", headers=None):
    conn = http.client.HTTPConnection(*server.address, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def exchange(server, data: bytes, timeout: float = 5) -> bytes:
    """Send raw bytes and read until the server closes."""
    with socket.create_connection(server.address, timeout=timeout) as sock:
        sock.sendall(data)
        return read_to_end(sock)


def read_to_end(sock) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(sock):
    """(status, headers with lower-case names, body) of the next response on ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in
               (line.partition(": ") for line in lines[1:])}
    size = int(headers.get("content-length", 0))
    while len(body) < size:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return int(lines[0].split(" ")[1]), headers, body


def raw_get(server, target: str, extra: str = "") -> bytes:
    return exchange(server, f"GET {target} HTTP/1.1\r\nHost: test\r\n{extra}"
                            f"Connection: close\r\n\r\n".encode("latin-1"))


def split_responses(data: bytes, head_only=()):
    """[(status, headers with lower-case names, body)] from concatenated responses."""
    found = []
    while data:
        head, _, data = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(": ")
            headers[name.lower()] = value
        size = 0 if len(found) in head_only or status == 304 else int(headers["content-length"])
        found.append((status, headers, data[:size]))
        data = data[size:]
    return found


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def results(server):
    return [event.result for event in server.events if event.kind is Kind.RESULT]


def eventually(check, timeout: float = 5.0):
    """Wait (bounded) until ``check()`` is true: events arrive just after the socket work."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.01)
    return check()


def closed_because(server, words: str) -> bool:
    return eventually(lambda: any(words in event.text for event in server.events
                                  if event.kind is Kind.CLOSED))


# -- serving files --------------------------------------------------------------------------
def test_a_file_with_every_header(server, site):
    status, headers, body = fetch(server, "/hello.txt")
    assert status == 200 and body == HELLO
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Length"] == str(len(HELLO))
    assert headers["Server"].startswith("labsuite/")
    modified = os.stat(site / "hello.txt").st_mtime
    assert headers["Last-Modified"] == web.http.http_date(modified)
    date = web.http.parse_http_date(headers["Date"])
    assert date is not None and abs(date - time.time()) < 60


def test_the_built_in_site_is_served_without_a_folder():
    server = start(None)
    try:
        assert server.root_description == "the built-in sample site"
        for path, kind, words in (("/", "text/html", b"It works"),
                                  ("/about.html", "text/html", b"GET request"),
                                  ("/style.css", "text/css", b"body")):
            status, headers, body = fetch(server, path)
            assert status == 200 and headers["Content-Type"].startswith(kind)
            assert words in body
        assert fetch(server, "/missing.html")[0] == 404
    finally:
        server.stop()


@pytest.mark.parametrize("path", ["/" + "a" * 300, "/docs/" + "b" * 256 + ".txt",
                                  "/" + "c" * 300 + "/hello.txt"])
def test_a_name_too_long_for_any_file_is_not_found(server, path):
    status, _, body = fetch(server, path)
    assert status == 404 and b"There is no file at this address." in body
    assert fetch(server, "/hello.txt")[0] == 200  # and the server carries on


def test_head_equals_get_without_the_body(server):
    for path in ("/hello.txt", "/docs/", "/missing", "/docs", "/withindex/"):
        get_status, get_headers, get_body = fetch(server, path)
        head_status, head_headers, head_body = fetch(server, path, "HEAD")
        get_headers.pop("Date"), head_headers.pop("Date")
        assert (head_status, head_headers, head_body) == (get_status, get_headers, b""), path
        assert get_body and int(get_headers["Content-Length"]) == len(get_body)


def test_if_modified_since_gives_304_until_the_file_changes(server, site):
    status, headers, _ = fetch(server, "/hello.txt")
    since = {"If-Modified-Since": headers["Last-Modified"]}
    status, headers304, body = fetch(server, "/hello.txt", headers=since)
    assert status == 304 and body == b"" and "Content-Length" not in headers304
    assert headers304["Last-Modified"] == headers["Last-Modified"]
    assert fetch(server, "/hello.txt", headers={"If-Modified-Since": "not a date"})[0] == 200
    older = {"If-Modified-Since": web.http.http_date(os.stat(site / "hello.txt").st_mtime - 60)}
    assert fetch(server, "/hello.txt", headers=older)[0] == 200
    (site / "hello.txt").write_bytes(b"changed!")
    later = time.time() + 120
    os.utime(site / "hello.txt", (later, later))
    status, _, body = fetch(server, "/hello.txt", headers=since)
    assert status == 200 and body == b"changed!"


def test_a_changed_file_is_never_served_stale(server, site):
    for round_number in range(3):
        content = f"version {round_number} ".encode() * (round_number + 1)
        (site / "page.html").write_bytes(content)
        assert fetch(server, "/page.html")[2] == content


def test_keep_alive_serves_several_requests_on_one_connection(server):
    conn = http.client.HTTPConnection(*server.address, timeout=5)
    for path in ("/hello.txt", "/missing", "/page.html", "/docs", "/hello.txt"):
        conn.request("HEAD" if path == "/page.html" else "GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status in (200, 301, 404)
    conn.close()
    assert eventually(lambda: len(results(server)) == 5)  # the last record follows the reply
    accepted = [event for event in server.events if event.kind is Kind.ACCEPTED]
    assert len(accepted) == 1


def test_http_1_0_keep_alive_when_asked(server):
    with socket.create_connection(server.address, timeout=5) as sock:
        for _ in range(2):
            sock.sendall(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            data = b""
            while not data.endswith(HELLO):
                data += sock.recv(65536)
            assert b"Connection: keep-alive" in data
        sock.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
        data = read_to_end(sock)
        assert data.endswith(HELLO) and b"Connection: close" in data


def test_pipelined_requests_in_one_packet_are_answered_in_order(server):
    requests = (b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                b"HEAD /page.html HTTP/1.1\r\nHost: t\r\n\r\n"
                b"GET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
                b"GET /page.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    answers = split_responses(exchange(server, requests), head_only=(1,))
    assert [status for status, _, _ in answers] == [200, 200, 404, 200]
    assert answers[0][2] == HELLO and answers[1][2] == b"" and answers[3][2] == b"<h1>page</h1>"
    assert answers[3][1]["connection"] == "close"


def test_requests_split_into_single_bytes(server):
    with socket.create_connection(server.address, timeout=5) as sock:
        for byte in b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n":
            sock.sendall(bytes([byte]))
        assert read_to_end(sock).endswith(HELLO)


def test_a_huge_file_streams_and_a_reader_that_stops_does_not_block_others(server, site):
    size = 20 * 1024 * 1024
    with open(site / "big.bin", "wb") as out:
        out.truncate(size)
    with socket.create_connection(server.address, timeout=5) as stalled:
        stalled.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        assert stalled.recv(100).startswith(b"HTTP/1.1 200 OK")
        assert fetch(server, "/hello.txt")[2] == HELLO  # the stalled reader blocks no one
    status, headers, body = fetch(server, "/big.bin")
    assert status == 200 and len(body) == size and headers["Content-Type"] == "application/octet-stream"


def test_streaming_without_sendfile_keeps_memory_flat(site, monkeypatch):
    """The fallback (chunked reads, for systems without sendfile) with back-pressure."""
    calls = []

    def no_sendfile(*args):
        calls.append(args)
        raise OSError(errno.ENOSYS, "no sendfile here")

    monkeypatch.setattr(web.os, "sendfile", no_sendfile, raising=False)
    size = 32 * 1024 * 1024
    with open(site / "big.bin", "wb") as out:
        out.truncate(size)
    server = start(site)
    tracemalloc.start()
    try:
        with socket.create_connection(server.address, timeout=5) as sock:
            sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            buffer = bytearray(65536)
            received = 0
            tracemalloc.reset_peak()
            while True:
                got = sock.recv_into(buffer)
                if not got:
                    break
                received += got
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        server.stop()
    assert received > size
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes while streaming {size:,}"
    assert len(calls) <= 1  # after the first refusal it reads instead


# -- folders --------------------------------------------------------------------------------
def test_a_folder_without_its_slash_is_redirected(server):
    status, headers, _ = fetch(server, "/docs")
    assert status == 301 and headers["Location"] == "/docs/"
    status, headers, _ = fetch(server, "/a%20b?x=1")
    assert status == 301 and headers["Location"] == "/a%20b/"


@pytest.mark.parametrize("target", ["//evil.example", "///evil.example", "/./evil.example",
                                    "//evil.example/.", "http://x//evil.example"])
def test_redirect_location_never_names_another_host(server, target):
    response = raw_get(server, target)
    location = re.search(rb"\r\nLocation: ([^\r]*)\r\n", response)
    if status_of(response) == 301:
        assert location.group(1) == b"/evil.example/"
    else:
        assert status_of(response) == 200 and location is None


def test_a_folder_with_index_html_serves_it(server):
    assert fetch(server, "/withindex/")[2] == b"folder index"
    assert fetch(server, "/withindex/index.html")[2] == b"folder index"


def test_listing_escapes_names_and_its_links_work(server, site):
    names = ['<script>&"\'.txt', "space name.txt", "hash#.txt", "what?.txt", "100%.txt",
             "café ☕.txt", "plus+semi;.txt"]
    for number, name in enumerate(names):
        (site / "docs" / name).write_text(f"content {number}")
    (site / "docs" / "sub folder").mkdir()
    status, headers, body = fetch(server, "/docs/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<script>" not in page
    assert "&lt;script&gt;&amp;&quot;&#x27;.txt" in page
    links = re.findall(r'<a href="([^"]*)">', page)
    assert "sub%20folder/" in links and "../" in links
    for number, name in enumerate(names):
        link = next(link for link in links if link.endswith(".txt")
                    and web.http.local_path("/docs/" + link).parts[-1] == name)
        assert re.fullmatch(r"[A-Za-z0-9%._~-]+", link), link
        assert fetch(server, "/docs/" + link)[2] == f"content {number}".encode()


def test_a_folder_path_in_a_listing_is_escaped(server, site):
    folder = site / "<i>x"
    folder.mkdir()
    body = fetch(server, "/%3Ci%3Ex/")[2]
    assert b"<i>x" not in body and b"&lt;i&gt;x" in body


# -- never outside the folder --------------------------------------------------------------
def traversal_payloads(tmp_path):
    absolute = str(tmp_path / "canary.txt")
    return [
        "/../canary.txt", "/%2e%2e%2fcanary.txt", "/%2e%2e/canary.txt", "/..%2fcanary.txt",
        "/%2E%2E%2Fcanary.txt", "/%252e%252e%252fcanary.txt", "/%252e%252e/canary.txt",
        "/..\\canary.txt", "/%5c..%5ccanary.txt", "/..%5ccanary.txt", "/docs/..\\..\\canary.txt",
        "/%c0%ae%c0%ae/canary.txt", "/%c0%ae%c0%ae%c0%afcanary.txt", "/%e0%80%ae%e0%80%ae/canary.txt",
        "//" + absolute.lstrip("/"), "/" + absolute, "//etc/passwd", "/../../../../etc/passwd",
        "C:\\canary.txt", "/C:/canary.txt", "/c%3a%5ccanary.txt", "\\\\server\\share\\canary.txt",
        "/%5c%5cserver%5cshare", "/%00", "/canary.txt%00.html", "/hello.txt%00",
        "/link-out", "/dir-out/canary.txt", "/dir-out/", "/withindex-out/",
        "/withindex-out/index.html", "/CON", "/nul.txt", "/com1.html", "/NUL", "/con.txt",
        "/docs/../../canary.txt", "/docs/%2e%2e/%2e%2e/canary.txt", "http://x/../canary.txt",
        "/.%2e/canary.txt", "/%2e./canary.txt", "/...", "*", "canary.txt",
    ]


def test_traversal_payloads_never_reach_the_canary(server, site, tmp_path):
    for payload in traversal_payloads(tmp_path):
        for method in ("GET", "HEAD"):
            response = exchange(server, f"{method} {payload} HTTP/1.1\r\nHost: t\r\n"
                                        "Connection: close\r\n\r\n".encode("latin-1"))
            assert status_of(response) in (400, 403, 404), (payload, response[:200])
            assert CANARY not in response, payload
            assert b"root:" not in response, payload
            assert str(tmp_path).encode() not in response, payload
    if (site / "link-in").is_symlink():
        assert status_of(raw_get(server, "/link-in")) == 200  # links inside the folder are fine


def test_a_symlinked_index_outside_the_folder_is_refused(server, site):
    needs_links(site)
    response = raw_get(server, "/withindex-out/")
    assert status_of(response) == 403 and CANARY not in response


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifos_and_other_special_files_are_not_opened(server, site):
    os.mkfifo(site / "pipe")
    assert fetch(server, "/pipe")[0] == 403
    assert fetch(server, "/hello.txt")[2] == HELLO  # the server did not block on the FIFO


def test_unreadable_files_give_403_without_a_path(server, site, monkeypatch):
    """What the file layer refuses becomes a 403 that names no path (the refusals
    themselves, as root and as nobody, are tested in test_files.py)."""
    real_resolve = web.ServedFolder.resolve

    def resolve(folder, parts):
        if parts[-1:] == ("secret.txt",):
            return files.NO_PERMISSION
        return real_resolve(folder, parts)

    monkeypatch.setattr(web.ServedFolder, "resolve", resolve)
    (site / "secret.txt").write_text("x")
    status, _, body = fetch(server, "/secret.txt")
    assert status == 403 and str(site).encode() not in body and b"Permission" not in body
    monkeypatch.setattr(web.FolderFound, "listing", lambda found, limit: files.NO_PERMISSION)
    status, _, body = fetch(server, "/docs/")
    assert status == 403 and str(site).encode() not in body


@pytest.mark.timeout(60)
@pytest.mark.parametrize("what, target", [("folder", ".."), ("file", "../secret.txt")])
def test_a_link_swapped_in_a_loop_never_serves_a_file_from_outside(tmp_path, what, target):
    """An attacker who can write into the served folder swaps a folder part (or the file
    itself) between the real one and a link out, as fast as they can, while requests run;
    not one response carries the outside file, and once they stop the right file is served
    (nothing poisoned the cache)."""
    from tests.net.test_files import SWAPPER

    canary = b"CANARY: this file is outside the served folder"
    for name in ("secret.txt", "page.txt"):
        (tmp_path / name).write_bytes(canary)
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "secret.txt").write_bytes(HELLO)
    (root / "page.keep").write_bytes(HELLO)
    os.link(root / "page.keep", root / "page.txt")
    path = b"/sub/secret.txt" if what == "folder" else b"/page.txt"
    server = start(root)
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(root), what, target,
                                "20000", "2"], stdout=subprocess.PIPE, text=True)
    statuses = {}
    try:
        assert swapper.stdout.readline() == "ready\n"
        with socket.create_connection(server.address, timeout=10) as sock:
            while swapper.poll() is None:
                sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: t\r\n\r\n")
                status, _, body = read_response(sock)
                assert canary not in body, "a file from outside the folder was served"
                statuses[status] = statuses.get(status, 0) + 1
        swaps = int(swapper.communicate(timeout=20)[0])
        assert swaps > 0 and statuses.get(200), (swaps, statuses)
        assert fetch(server, path.decode()) == (200, fetch(server, path.decode())[1], HELLO)
    finally:
        if swapper.poll() is None:
            swapper.kill()
            swapper.communicate()
        server.stop()


# -- bad requests and limits ----------------------------------------------------------------
@pytest.mark.parametrize("method, status", [("POST", 405), ("PUT", 405), ("DELETE", 405),
                                            ("OPTIONS", 405), ("PATCH", 405), ("BREW", 501)])
def test_other_methods_are_refused_and_the_connection_closes(server, method, status):
    response = exchange(server, f"{method} /hello.txt HTTP/1.1\r\nHost: t\r\n"
                                "Content-Length: 4\r\n\r\nbody".encode())
    answers = split_responses(response)
    assert len(answers) == 1 and answers[0][0] == status
    assert answers[0][1]["connection"] == "close"
    if status == 405:
        assert answers[0][1]["allow"] == "GET, HEAD"


@pytest.mark.parametrize("data, status", [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 17000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-%d: v\r\n" % n for n in range(101)) + b"\r\n",
     431),
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/9.9\r\nHost: t\r\n\r\n", 505),
    (b"GET / HTTP/x\r\nHost: t\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 400),
    (b"HEAD / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(256)), 400),
])
def test_bad_requests_get_an_error_and_the_connection_closes(server, data, status):
    response = exchange(server, data)
    answers = split_responses(response)
    assert [answer[0] for answer in answers] == [status]
    assert answers[0][1]["connection"] == "close"
    assert answers[0][1]["content-type"] == "text/html; charset=utf-8"


def test_error_pages_escape_what_they_echo(server, site):
    for target in ("/<script>alert(1)</script>", "/%3Cb%3E", "/docs/<img src=x>"):
        response = raw_get(server, target)
        assert b"<script>alert" not in response and b"<b>" not in response
        assert b"<img" not in response
    (site / "<b>").mkdir()
    response = raw_get(server, "/%3Cb%3E/")
    assert status_of(response) == 200 and b"<b>" not in response


def test_a_silent_client_is_dropped(site):
    server = start(site, idle_timeout=0.5)
    try:
        with socket.create_connection(server.address, timeout=10) as sock:
            assert read_to_end(sock) == b""
        assert closed_because(server, "sent no request")
    finally:
        server.stop()


def test_a_slowloris_client_is_dropped_although_it_keeps_sending(site):
    """The deadline covers the whole request head, not each byte."""
    server = start(site, idle_timeout=0.5)
    drip = b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X-Slow: y\r\n" * 100
    try:
        with socket.create_connection(server.address, timeout=10) as sock:
            for sent, byte in enumerate(drip):  # one byte every 0.05 s: up to 70 s if never dropped
                if not still_open(sock, byte):
                    break
            assert sent < 200, "still connected after 10 s of dripping"
        assert closed_because(server, "did not finish its request")
        assert fetch(server, "/hello.txt")[2] == HELLO  # and the server is fine
    finally:
        server.stop()


def still_open(sock, byte: int) -> bool:
    """Send one byte, wait 0.05 s, and say whether the server has kept the connection."""
    try:
        sock.sendall(bytes([byte]))
        if select.select([sock], [], [], 0.05)[0]:
            return sock.recv(1) != b""
    except OSError:
        return False
    return True


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout(site):
    server = start(site, idle_timeout=0.5)
    try:
        with socket.create_connection(server.address, timeout=10) as sock:
            sock.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
            assert read_to_end(sock).endswith(HELLO)  # ends because the server closes it
    finally:
        server.stop()


def test_connections_beyond_the_cap_get_503(site):
    server = start(site, max_connections=2)
    try:
        first = socket.create_connection(server.address, timeout=5)
        second = socket.create_connection(server.address, timeout=5)
        for sock in (first, second):  # each has asked for something: neither is silent
            sock.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
            assert read_response(sock)[2] == HELLO
        assert eventually(lambda: server.connection_count == 2)
        with socket.create_connection(server.address, timeout=5) as third:
            response = read_to_end(third)
        assert status_of(response) == 503 and b"Connection: close" in response
        first.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert read_to_end(first).endswith(HELLO)
        first.close()
        second.close()
        assert eventually(lambda: server.connection_count == 0)
        assert fetch(server, "/hello.txt")[0] == 200  # room again
    finally:
        server.stop()


def test_silent_connections_make_room_for_a_newcomer(site):
    """A server full of connections that never sent a request still serves a newcomer
    at once: the oldest silent connection goes instead."""
    server = start(site, max_connections=50)
    silent = [socket.create_connection(server.address, timeout=5) for _ in range(50)]
    try:
        assert eventually(lambda: server.connection_count == 50)
        assert fetch(server, "/hello.txt")[2] == HELLO  # not a 503
        assert closed_because(server, "the server was full and it had not said who it is")
    finally:
        for sock in silent:
            sock.close()
        server.stop()


def test_many_keep_alive_connections_at_once(server):
    count = 300
    sockets = [socket.create_connection(server.address, timeout=10) for _ in range(count)]
    try:
        for round_number in range(2):
            for sock in sockets:
                sock.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
            for sock in sockets:
                data = b""
                while not data.endswith(HELLO):
                    chunk = sock.recv(4096)
                    assert chunk, "connection closed"
                    data += chunk
        assert server.connection_count == count
    finally:
        for sock in sockets:
            sock.close()


def test_abrupt_resets_mid_response_do_not_hurt_the_server(server, site):
    import struct

    with open(site / "big.bin", "wb") as out:
        out.truncate(8 * 1024 * 1024)
    for _ in range(5):
        sock = socket.create_connection(server.address, timeout=5)
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        sock.recv(1000)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    assert fetch(server, "/hello.txt")[2] == HELLO
    assert eventually(lambda: any(not record.complete and record.path == "/big.bin"
                                  for record in results(server)))


# -- events ---------------------------------------------------------------------------------
def test_each_request_is_one_record_with_the_raw_head(server):
    conn = http.client.HTTPConnection(*server.address, timeout=5)
    conn.request("GET", "/hello.txt", headers={"X-Student": "ada"})
    conn.getresponse().read()
    conn.request("HEAD", "/missing")
    conn.getresponse().read()
    client = "%s:%d" % conn.sock.getsockname()[:2]
    conn.close()
    assert eventually(lambda: len(results(server)) == 2)
    first, second = results(server)
    assert isinstance(first, RequestRecord)
    assert (first.method, first.path, first.status, first.bytes) == ("GET", "/hello.txt", 200,
                                                                      len(HELLO))
    assert first.client == client
    assert first.raw_request.startswith("GET /hello.txt HTTP/1.1\r\n")
    assert "X-Student: ada\r\n" in first.raw_request and first.duration_ms >= 0
    assert (second.method, second.status, second.bytes) == ("HEAD", 404, 0)
    text = [event.text for event in server.events if event.kind is Kind.RESULT][0]
    assert re.fullmatch(r"127\.0\.0\.1:\d+ GET /hello\.txt -> 200 \(26 bytes, [\d.,]+ ms\)", text)
    reads = [event for event in server.events if event.kind is Kind.READ]
    wrote = [event for event in server.events if event.kind is Kind.WROTE]
    assert len(reads) == 2 and len(wrote) == 2
    assert reads[0].text.endswith("GET /hello.txt HTTP/1.1")
    assert wrote[0].text.endswith("HTTP/1.1 200 OK")
    assert all(event.source == "web server" for event in server.events)


def test_records_of_bad_requests_are_readable(server):
    exchange(server, b"\xff\xfe garbage\r\n\r\n")
    exchange(server, b"GET /" + b"x" * 20000)
    assert eventually(lambda: len(results(server)) == 2)
    garbage, long = results(server)
    assert garbage.status == 400 and garbage.method == "" and "\ufffd" in garbage.raw_request
    assert long.status == 414 and long.method == "GET"
    assert len(long.raw_request) <= web.RAW_REQUEST_LIMIT + 1


# -- lifecycle ------------------------------------------------------------------------------
def test_a_missing_folder_is_a_plain_error(tmp_path):
    server = WebServer(port=0, root=str(tmp_path / "nope"))
    with pytest.raises(NetError) as caught:
        server.start()
    assert "does not exist" in caught.value.explanation
    assert not server.running


def test_root_description_names_the_folder(site):
    assert str(site) in WebServer(root=str(site)).root_description
    assert WebServer().root_description == "the built-in sample site"


def test_stop_closes_connections_and_the_port_can_be_reused(site):
    server = start(site)
    port = server.address[1]
    client = socket.create_connection(server.address, timeout=5)
    server.stop()
    assert read_to_end(client) == b""
    client.close()
    again = WebServer(port=port, root=str(site))
    again.start()
    try:
        assert fetch(again, "/hello.txt")[2] == HELLO
    finally:
        again.stop()


@pytest.mark.timeout(60)
def test_a_pipelining_client_cannot_make_a_polite_one_wait(site):
    """120 listings of a 6,000-file folder in one send (the attack was 300): the polite GET
    that comes in the middle is answered while most of the pipeline is still to come."""
    folder = site / "crowd"
    folder.mkdir()
    for number in range(6000):
        (folder / f"file-{number:05d}.txt").touch()
    server = start(site)
    answered = []
    done = threading.Event()

    def count_responses(sock):
        data = b""
        while len(answered) < 120:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            data += chunk
            while True:  # count complete responses by their heads and lengths
                head_end = data.find(b"\r\n\r\n")
                if head_end < 0:
                    break
                length = int(re.search(rb"Content-Length: (\d+)", data[:head_end]).group(1))
                if len(data) < head_end + 4 + length:
                    break
                data = data[head_end + 4 + length:]
                answered.append(time.monotonic())
        done.set()

    try:
        with socket.create_connection(server.address, timeout=30) as greedy:
            reader = threading.Thread(target=count_responses, args=(greedy,), daemon=True)
            reader.start()
            greedy.sendall(b"GET /crowd/ HTTP/1.1\r\nHost: t\r\n\r\n" * 120)
            deadline = time.monotonic() + 10
            while not answered and time.monotonic() < deadline:
                time.sleep(0.005)
            assert answered, "the pipeline never started"
            status, _, body = fetch(server, "/hello.txt")
            polite_done = len(answered)
            assert status == 200 and body == HELLO
            assert polite_done < 60, f"the polite GET waited for {polite_done} listings"
            assert done.wait(30) and len(answered) == 120  # and the greedy one got it all
    finally:
        server.stop()
