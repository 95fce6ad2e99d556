"""The downloader (FetchQuery) against labsuite's web server and small loopback servers."""

from __future__ import annotations

import http.server
import os
import random
import socket
import threading

import pytest

from labsuite.net import fetch
from labsuite.net.errors import NetError
from labsuite.net.events import Kind
from labsuite.net.fetch import FetchQuery, FetchResult
from labsuite.net.web import WebServer
from tests.support import UNRESOLVABLE_HOST, closed_port

pytestmark = pytest.mark.timeout(30)

HELLO = b"Hello from the test site.\n"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "hello.txt").write_bytes(HELLO)
    (root / "docs").mkdir()
    (root / "docs" / "index.html").write_text("<p>docs</p>")
    (root / "data.bin").write_bytes(random.Random(7).randbytes(3 * 1024 * 1024 + 17))
    return root


@pytest.fixture
def web(site):
    server = WebServer(port=0, root=str(site))
    server.start()
    server.url = "http://%s:%d" % server.address
    yield server
    server.stop()


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers chosen by path: redirect chains and loops, odd bodies, slow and broken replies."""

    protocol_version = "HTTP/1.1"
    release = threading.Event()

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path
        if path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            if left:
                return self.redirect(302, f"/chain/{left - 1}")
            return self.body(200, b"end of the chain", "text/plain")
        if path.startswith("/slow-chain/"):  # each hop answers after 0.3 s
            left = int(path.rsplit("/", 1)[1])
            self.release.wait(0.3)
            return self.redirect(302, f"/slow-chain/{left - 1}") if left else \
                self.body(200, b"end of the slow chain", "text/plain")
        if path.startswith("/clear-loop"):  # a Location that would clear the terminal
            return self.redirect(302, "/clear-loop\x1b[2J")
        if path.startswith("/charset-"):
            return self.body(200, "café\n".encode(), "text/plain; charset=" + path[9:])
        routes = {
            "/loop-a": lambda: self.redirect(302, "/loop-b"),
            "/loop-b": lambda: self.redirect(301, "http://%s:%d/loop-a" % self.server.server_address),
            "/self": lambda: self.redirect(307, "/self"),
            "/relative": lambda: self.redirect(303, "chain/1"),
            "/elsewhere": lambda: self.redirect(302, self.server.web_url + "/hello.txt"),
            "/ftp": lambda: self.redirect(302, "ftp://127.0.0.1/file"),
            "/to-bashrc": lambda: self.redirect(302, "/.bashrc"),
            "/.bashrc": lambda: self.body(200, b"rm -rf ~\n", "text/plain"),
            "/clear": lambda: self.redirect(302, "/hello\x1b[2J\x07"),
            "/binary": lambda: self.body(200, b"\x89PNG\r\n\x1a\n" + bytes(3000), "image/png"),
            "/lines": lambda: self.body(200, b"".join(b"line %d\n" % n for n in range(100)),
                                        "text/plain"),
            "/escapes": lambda: self.body(200, b"red \x1b[31mtext\x1b[0m\x07", "text/plain",
                                          [("X-Evil", "a\x1bb")]),
            "/500": lambda: self.body(500, b"<h1>broken</h1>", "text/html"),
            "/truncated": self.truncated,
            "/slow": self.slow,
            "/chunked": self.chunked,
        }
        return routes.get(path, lambda: self.body(404, b"nope", "text/plain"))()

    def redirect(self, status, location):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def body(self, status, data, kind, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def truncated(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"only a little")
        self.wfile.flush()
        self.close_connection = True

    def slow(self):
        self.send_response(200)
        self.send_header("Content-Length", "10")
        self.end_headers()
        self.wfile.flush()
        self.release.wait(10)

    def chunked(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        for part in (b"chunk one, ", b"chunk two"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def scripted(web):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    server.daemon_threads = True
    server.web_url = web.url
    Scripted.release.clear()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield server
    Scripted.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def downloads(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


def get(url, **options) -> FetchResult:
    return FetchQuery(url, **options).run()


# -- downloading ----------------------------------------------------------------------------
def test_a_page_with_status_headers_and_preview(web):
    events = []
    result = FetchQuery(web.url + "/hello.txt", on_event=events.append).run()
    assert (result.status, result.reason, result.version) == (200, "OK", "HTTP/1.1")
    assert result.ok and result.body_size == len(HELLO) and result.saved_to is None
    assert result.body_preview == HELLO.decode()
    assert dict(result.headers)["Content-Type"] == "text/plain; charset=utf-8"
    assert result.url == result.final_url == web.url + "/hello.txt"
    assert result.redirects == () and result.elapsed > 0 and result.preview_complete
    lines = result.summary_lines()
    assert lines[0] == "HTTP/1.1 200 OK"
    assert "Content-Length: %d" % len(HELLO) in lines
    assert "Hello from the test site." in lines
    kinds = [event.kind for event in events]
    assert kinds[:3] == [Kind.CONNECTED, Kind.WROTE, Kind.READ]
    assert events[1].data.startswith(b"GET /hello.txt HTTP/1.1\r\n")
    assert all(event.source == "web client" for event in events)


def test_typed_addresses_without_a_scheme_use_http(web):
    assert get(web.url.replace("http://", "") + "/hello.txt").status == 200


def test_saving_is_byte_for_byte_and_leaves_no_partial_file(web, site, tmp_path):
    target = tmp_path / "copy.bin"
    result = get(web.url + "/data.bin", save_to=str(target))
    assert result.saved_to == str(target)
    assert target.read_bytes() == (site / "data.bin").read_bytes()
    assert result.binary and result.body_size == (site / "data.bin").stat().st_size
    assert not (tmp_path / "copy.bin.part").exists()
    assert any(line.startswith("Saved 3,145,745 bytes to") for line in result.summary_lines(False))


def test_saving_into_a_folder_names_the_file_after_the_url(web, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    assert get(web.url + "/hello.txt", save_to=str(folder)).saved_to == str(folder / "hello.txt")
    assert (folder / "hello.txt").read_bytes() == HELLO
    result = get(web.url + "/docs/", save_to=str(folder) + os.sep)
    assert result.saved_to == str(folder / "index.html")
    assert (folder / "index.html").read_text() == "<p>docs</p>"


def test_saving_into_a_folder_never_replaces_a_file(web, downloads):
    (downloads / "hello.txt").write_bytes(b"mine")
    first = get(web.url + "/hello.txt", save_to=str(downloads))
    second = get(web.url + "/hello.txt", save_to=str(downloads) + os.sep)
    assert (first.saved_to, second.saved_to) == \
        (str(downloads / "hello (1).txt"), str(downloads / "hello (2).txt"))
    assert (downloads / "hello.txt").read_bytes() == b"mine"
    assert (downloads / "hello (1).txt").read_bytes() == (downloads / "hello (2).txt").read_bytes() \
        == HELLO


def test_a_file_the_user_named_is_replaced(web, downloads):
    target = downloads / "hello.txt"
    target.write_bytes(b"old")
    assert get(web.url + "/hello.txt", save_to=str(target)).saved_to == str(target)
    assert target.read_bytes() == HELLO and sorted(os.listdir(downloads)) == ["hello.txt"]


def test_a_redirect_cannot_choose_the_saved_file_name(scripted, downloads):
    result = get(scripted.url + "/to-bashrc", save_to=str(downloads))
    assert result.final_url == scripted.url + "/.bashrc"
    assert result.saved_to == str(downloads / "to-bashrc")
    assert os.listdir(downloads) == ["to-bashrc"]
    assert (downloads / "to-bashrc").read_bytes() == b"rm -rf ~\n"


def test_a_saved_file_is_never_hidden(scripted, downloads):
    assert get(scripted.url + "/.bashrc", save_to=str(downloads)).saved_to == \
        str(downloads / "bashrc")
    assert os.listdir(downloads) == ["bashrc"]


def test_a_failed_download_into_a_folder_leaves_no_file(scripted, downloads):
    with pytest.raises(NetError):
        get(scripted.url + "/truncated", save_to=str(downloads))
    assert os.listdir(downloads) == []


def test_saving_into_a_missing_folder_is_a_plain_error(web, tmp_path):
    with pytest.raises(NetError) as caught:
        get(web.url + "/hello.txt", save_to=str(tmp_path / "no" / "such" / "x.txt"))
    assert "folder does not exist" in caught.value.explanation


def test_an_error_status_is_a_result_and_is_not_saved(web, tmp_path):
    target = tmp_path / "missing.html"
    result = get(web.url + "/missing", save_to=str(target))
    assert result.status == 404 and not result.ok and result.saved_to is None
    assert not target.exists()
    assert "Not saved: the server answered with an error." in result.summary_lines()
    assert "404 Not Found" in result.status_line


def test_chunked_bodies(scripted):
    result = get(scripted.url + "/chunked")
    assert result.body_preview == "chunk one, chunk two" and result.body_size == 20


def test_binary_bodies_are_described_not_shown(scripted):
    result = get(scripted.url + "/binary")
    assert result.binary and result.body_preview == ""
    assert "(3,008 bytes of binary data)" in result.summary_lines()


def test_long_text_shows_only_the_start(scripted):
    result = get(scripted.url + "/lines")
    assert result.body_preview.split("\n") == [f"line {n}" for n in range(40)]
    assert not result.preview_complete
    assert any("only the start is shown" in line for line in result.summary_lines())


def test_control_characters_never_reach_the_terminal(scripted):
    lines = get(scripted.url + "/escapes").summary_lines()
    assert not any("\x1b" in line or "\x07" in line for line in lines)
    assert "red \\x1b[31mtext\\x1b[0m\\x07" in lines
    assert "X-Evil: a\\x1bb" in lines


@pytest.mark.parametrize("charset", ["base64", "rot13"])
def test_a_charset_that_is_not_a_text_encoding_falls_back_to_utf8(scripted, charset):
    result = get(scripted.url + "/charset-" + charset)
    assert result.status == 200 and result.body_preview == "café\n"
    assert f"The server named the character set {charset!r}, which is not a text " \
           "encoding: the body is shown as UTF-8." in result.summary_lines()


def test_a_known_charset_adds_no_note(scripted):
    result = get(scripted.url + "/charset-latin-1")
    assert result.body_preview == "cafÃ©\n" and not result.notes


# -- redirects ------------------------------------------------------------------------------
def test_a_folder_redirect_is_followed(web):
    result = get(web.url + "/docs")
    assert result.status == 200 and result.final_url == web.url + "/docs/"
    assert [(hop.status, hop.url, hop.location) for hop in result.redirects] == \
        [(301, web.url + "/docs", web.url + "/docs/")]
    assert result.summary_lines()[0] == \
        f"301 Moved Permanently: {web.url}/docs -> {web.url}/docs/"


def test_relative_and_cross_server_redirects(scripted, web):
    result = get(scripted.url + "/relative")
    assert result.final_url == scripted.url + "/chain/0" and len(result.redirects) == 2
    result = get(scripted.url + "/elsewhere")
    assert result.final_url == web.url + "/hello.txt" and result.body_size == len(HELLO)


def test_the_redirect_limit(scripted):
    assert get(scripted.url + "/chain/5").body_preview == "end of the chain"
    with pytest.raises(NetError) as caught:
        get(scripted.url + "/chain/6")
    assert "Too many redirects" in caught.value.explanation
    assert get(scripted.url + "/chain/3", max_redirects=3).status == 200
    shown = get(scripted.url + "/chain/3", max_redirects=0)
    assert shown.status == 302 and dict(shown.headers)["Location"] == "/chain/2"


@pytest.mark.parametrize("path", ["/loop-a", "/self"])
def test_redirect_loops_are_recognised(scripted, path):
    with pytest.raises(NetError) as caught:
        get(scripted.url + path, max_redirects=50)
    assert "Redirect loop" in caught.value.explanation


def test_a_redirect_location_never_drives_the_terminal(scripted):
    events = []
    result = FetchQuery(scripted.url + "/clear", on_event=events.append).run()
    shown = result.summary_lines() + [result.headline()] + [event.text for event in events]
    assert not any("\x1b" in line or "\x07" in line for line in shown)
    assert f"302 Found: {scripted.url}/clear -> {scripted.url}/hello\\x1b[2J\\x07" in shown
    with pytest.raises(NetError) as caught:
        FetchQuery(scripted.url + "/clear-loop", on_event=events.append, max_redirects=9).run()
    assert "Redirect loop" in caught.value.explanation
    assert "\x1b" not in caught.value.explanation and "\\x1b[2J" in caught.value.explanation
    assert not any("\x1b" in event.text for event in events)


def test_a_redirect_to_another_scheme_is_refused(scripted):
    with pytest.raises(NetError) as caught:
        get(scripted.url + "/ftp")
    assert "not an http:// or https:// address" in caught.value.explanation


# -- failures -------------------------------------------------------------------------------
@pytest.mark.parametrize("host", [UNRESOLVABLE_HOST, "bad..host"])  # bad..host: IDNA refuses it
def test_unknown_host(host):
    with pytest.raises(NetError) as caught:
        get(f"http://{host}/")
    assert caught.value.explanation.startswith(f"Unknown host {host!r}")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_connection_refused(scheme):
    with pytest.raises(NetError) as caught:
        get(f"{scheme}://127.0.0.1:{closed_port()}/")
    assert "Nothing is listening" in caught.value.explanation


def test_https_to_a_plain_http_server_is_explained(web):
    with pytest.raises(NetError) as caught:
        get(web.url.replace("http://", "https://") + "/", timeout=5)
    assert "secure connection" in caught.value.explanation


class RawServer:
    """A one-connection server that reads the request, then sends ``pieces`` with ``gap``
    seconds between them (a dripping server when they are small), then closes. It stops
    early when the client goes away, so it is bounded by len(pieces) * gap in any case."""

    def __init__(self, *pieces: bytes, gap: float = 0.0):
        self.pieces, self.gap = pieces, gap
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve_once, daemon=True)
        self._thread.start()

    def _serve_once(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(1000)
            for number, piece in enumerate(self.pieces):
                if number and self.gap and self._stop.wait(self.gap):
                    return
                try:
                    conn.sendall(piece)
                except OSError:
                    return  # the client gave up
                self.sent += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self.listener.close()
        self._thread.join(5)


def not_a_web_server(answer: bytes):
    """Fetch from a one-connection server that reads the request, sends ``answer``, closes."""
    with RawServer(answer) as server:
        with pytest.raises(NetError) as caught:
            get(server.url + "/")
        return caught.value.explanation


def test_a_server_that_does_not_speak_http():
    assert "did not answer with HTTP" in not_a_web_server(b"this is not http at all\n")


def test_a_server_that_closes_without_answering():
    assert "closed the connection without answering" in not_a_web_server(b"")


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"


@pytest.mark.parametrize("size", [b"-5", b"-0", b"0x5", b"+5", b"5_0", b" 5", b"zz", b"",
                                  b"1" * 17, b"5 5", b"\xff"])
def test_malformed_chunk_sizes_are_a_plain_error(size, tmp_path):
    target = tmp_path / "body.txt"
    with RawServer(CHUNKED_HEAD + b"3\r\nabc\r\n" + size + b"\r\nhello\r\n0\r\n\r\n") as server:
        with pytest.raises(NetError) as caught:
            get(server.url + "/", save_to=str(target))
    shown = repr(size.decode("latin-1"))
    assert caught.value.explanation == (
        f"127.0.0.1 sent a malformed chunk size ({shown}) after 3 bytes of the body, "
        "so the rest cannot be read.")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("size", [b"5", b"5;name=value", b"5 ;ext", b"5\t", b"00005", b"A"])
def test_well_formed_chunk_sizes_and_extensions(size):
    body = b"x" * int(size.split(b";")[0].strip(), 16)
    with RawServer(CHUNKED_HEAD + size + b"\r\n" + body + b"\r\n0\r\n\r\n") as server:
        result = get(server.url + "/")
    assert result.body_size == len(body) and result.body_preview == body.decode()


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "idna", "punycode", "undefined"])
def test_a_body_no_codec_can_decode_is_shown_as_bytes(scripted, charset):
    result = get(scripted.url + "/charset-" + charset)
    assert result.status == 200 and not result.binary
    assert result.body_preview == "caf\\xc3\\xa9\n"
    lines = result.summary_lines()
    assert "caf\\xc3\\xa9" in lines
    assert any(line.startswith(f"The server named the character set {charset!r}, which cannot "
                               "decode this body") and line.endswith("it is shown as bytes.")
               for line in lines)
    assert result.headline().startswith("HTTP/1.1 200 OK")


# -- the whole transfer in bounded time --------------------------------------------------------
DRIP_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\n"


@pytest.mark.timeout(15)
def test_max_time_stops_a_server_that_drips_its_body(tmp_path):
    target = tmp_path / "drip.txt"
    with RawServer(DRIP_HEAD, *[b"x"] * 100, gap=0.05) as server:  # 5 s if nothing stops it
        with pytest.raises(NetError) as caught:
            get(server.url + "/", timeout=5, max_time=1, save_to=str(target))
        sent = server.sent
    explanation = caught.value.explanation
    assert explanation.startswith("The download took longer than 1 second, the most allowed "
                                  "for the whole transfer, and was stopped: ")
    arrived = int(explanation.rsplit(": ", 1)[1].split(" bytes")[0].replace(",", ""))
    assert 0 < arrived < 100 and sent < 101  # stopped long before the server was done
    assert explanation.endswith(f"{arrived:,} bytes of the body had arrived.")
    assert os.listdir(tmp_path) == []  # and nothing left behind


@pytest.mark.timeout(15)
def test_max_time_stops_a_server_that_drips_its_headers():
    pieces = [b"HTTP/1.1 200 OK\r\n"] + [b"X-Slow: yes\r\n"] * 100 + [b"\r\n"]
    with RawServer(*pieces, gap=0.05) as server:
        with pytest.raises(NetError) as caught:
            get(server.url + "/", timeout=5, max_time=0.5)
        assert server.sent < len(pieces)
    assert caught.value.explanation.endswith("and was stopped: the page itself had not "
                                             "begun to arrive.")


@pytest.mark.timeout(15)
def test_max_time_counts_redirects_too(scripted):
    """Each hop answers well within both limits; the chain of them does not."""
    with pytest.raises(NetError) as caught:
        get(scripted.url + "/slow-chain/5", timeout=5, max_time=1)
    assert caught.value.explanation == (
        "The download took longer than 1 second, the most allowed for the whole transfer, "
        "and was stopped: the page itself had not begun to arrive.")


def test_max_time_leaves_a_quick_download_alone(web):
    result = get(web.url + "/data.bin", max_time=30)
    assert result.status == 200 and result.body_size == 3 * 1024 * 1024 + 17


@pytest.mark.timeout(15)
def test_max_time_in_the_background_is_an_error_event():
    done = threading.Event()
    events = []
    with RawServer(DRIP_HEAD, *[b"x"] * 100, gap=0.05) as server:
        query = FetchQuery(server.url + "/", timeout=5, max_time=0.5,
                           on_event=lambda e: (events.append(e),
                                               e.kind in (Kind.ERROR, Kind.RESULT) and done.set()))
        query.start()
        assert done.wait(10)
        query.stop()
    errors = [event.text for event in events if event.kind is Kind.ERROR]
    assert len(errors) == 1 and "took longer than 0.5 seconds" in errors[0]


# -- files are created new, never through a link -------------------------------------------
def test_saving_never_writes_through_a_part_link(web, downloads, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    target = downloads / "hello.txt"
    os.symlink(victim, downloads / "hello.txt.part")
    result = get(web.url + "/hello.txt", save_to=str(target))
    assert result.saved_to == str(target) and target.read_bytes() == HELLO
    assert victim.read_bytes() == b"precious"
    assert os.readlink(downloads / "hello.txt.part") == str(victim)  # not ours: left alone
    assert sorted(os.listdir(downloads)) == ["hello.txt", "hello.txt.part"]


def test_a_taken_part_name_is_never_reused(web, downloads, tmp_path):
    target = downloads / "hello.txt"
    (downloads / "hello.txt.part").write_bytes(b"someone else's download")
    os.symlink(tmp_path / "nowhere", downloads / "hello.txt.1.part")  # dangling
    assert get(web.url + "/hello.txt", save_to=str(target)).saved_to == str(target)
    assert target.read_bytes() == HELLO
    assert (downloads / "hello.txt.part").read_bytes() == b"someone else's download"
    assert not (tmp_path / "nowhere").exists()
    assert sorted(os.listdir(downloads)) == ["hello.txt", "hello.txt.1.part", "hello.txt.part"]


def test_when_every_part_name_is_taken_it_is_a_plain_error(web, downloads, monkeypatch):
    monkeypatch.setattr(fetch, "PART_NAMES", 2)
    for name in ("x.txt.part", "x.txt.1.part"):
        (downloads / name).write_bytes(b"taken")
    with pytest.raises(NetError) as caught:
        get(web.url + "/hello.txt", save_to=str(downloads / "x.txt"))
    assert "x.txt.part and 1 other names for the unfinished download are already taken" \
        in caught.value.explanation
    assert sorted(os.listdir(downloads)) == ["x.txt.1.part", "x.txt.part"]


def test_a_link_named_like_the_file_is_replaced_not_followed(web, downloads, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    target = downloads / "page.txt"
    os.symlink(victim, target)
    get(web.url + "/hello.txt", save_to=str(target))
    assert not target.is_symlink() and target.read_bytes() == HELLO
    assert victim.read_bytes() == b"precious"


def test_saving_into_a_folder_never_follows_a_link_with_the_name(web, downloads, tmp_path):
    os.symlink(tmp_path / "created-elsewhere", downloads / "hello.txt")  # dangling
    result = get(web.url + "/hello.txt", save_to=str(downloads))
    assert result.saved_to == str(downloads / "hello (1).txt")
    assert not (tmp_path / "created-elsewhere").exists()


def test_a_part_file_replaced_meanwhile_is_not_renamed(web, downloads, monkeypatch):
    target = downloads / "hello.txt"
    written = fetch._Download.write

    def write_then_swap(self, data):
        written(self, data)
        os.replace(self.path, str(downloads / "moved"))  # someone takes the file away...
        (downloads / "hello.txt.part").write_bytes(b"theirs")  # ...and puts theirs there

    monkeypatch.setattr(fetch._Download, "write", write_then_swap)
    with pytest.raises(NetError) as caught:
        get(web.url + "/hello.txt", save_to=str(target))
    assert "was replaced by someone else meanwhile" in caught.value.explanation
    assert not target.exists() and (downloads / "hello.txt.part").read_bytes() == b"theirs"


def test_a_truncated_body_is_an_error_and_leaves_no_file(scripted, tmp_path):
    target = tmp_path / "partial.txt"
    with pytest.raises(NetError) as caught:
        get(scripted.url + "/truncated", save_to=str(target))
    assert "before the whole body arrived" in caught.value.explanation
    assert not target.exists() and not (tmp_path / "partial.txt.part").exists()


def test_a_server_that_stops_sending_times_out(scripted):
    with pytest.raises(NetError) as caught:
        get(scripted.url + "/slow", timeout=0.3)
    assert "stopped sending for 0.3 seconds" in caught.value.explanation


@pytest.mark.parametrize("url", ["", "ftp://x/", "http://", "http://h:99999/"])
def test_bad_addresses_are_plain_errors(url):
    with pytest.raises(NetError):
        get(url)


# -- in the background ---------------------------------------------------------------------
def test_start_reports_a_result_event(web):
    done = threading.Event()
    events = []

    def on_event(event):
        events.append(event)
        if event.kind in (Kind.RESULT, Kind.ERROR):
            done.set()

    query = FetchQuery(web.url + "/hello.txt", on_event=on_event)
    for _ in range(2):  # a finished query can be started again
        done.clear()
        query.start()
        assert done.wait(10)
        result = events[-1].result
        assert events[-1].kind is Kind.RESULT and isinstance(result, FetchResult)
        assert result.status == 200 and "200 OK" in events[-1].text
    query.stop()


def test_start_reports_an_error_event():
    done = threading.Event()
    events = []
    query = FetchQuery(f"http://127.0.0.1:{closed_port()}/",
                       on_event=lambda e: (events.append(e), e.kind is Kind.ERROR and done.set()))
    query.start()
    assert done.wait(10)
    assert "Nothing is listening" in [e for e in events if e.kind is Kind.ERROR][0].text
    query.stop()


def test_stop_abandons_a_slow_download(scripted):
    events = []
    query = FetchQuery(scripted.url + "/slow", timeout=20, on_event=events.append)
    query.start()
    for _ in range(500):
        if any(event.kind is Kind.READ for event in events):
            break
        threading.Event().wait(0.01)
    query.stop()  # joins the worker within a second
    assert not any(thread.is_alive() for thread in query._threads)
    assert not any(event.kind in (Kind.RESULT, Kind.ERROR) for event in events)
