"""``labsuite serve web`` and ``labsuite get`` as a student runs them."""

from __future__ import annotations

import http.client
import http.server
import threading
import signal
import socket
import sys

import pytest

from tests.net.test_fetch import CHUNKED_HEAD, DRIP_HEAD, RawServer
from tests.support import UNRESOLVABLE_HOST, ServerProcess, closed_port, run_cli

pytestmark = pytest.mark.timeout(60)

HELLO = b"Hello from the command line.\n"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "hello.txt").write_bytes(HELLO)
    (root / "docs").mkdir()
    (root / "docs" / "index.html").write_text("<p>docs</p>")
    return root


@pytest.fixture
def served(site):
    with ServerProcess("web", "--port", "0", "--root", str(site)) as server:
        server.url = f"http://127.0.0.1:{server.port}"
        yield server


def plain_failure(result, code=1):
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labsuite: "), result.stderr
    return lines[0]


# -- serve web ------------------------------------------------------------------------------
def test_serve_web_logs_each_request_and_stops_cleanly(site):
    with ServerProcess("web", "--port", "0", "--root", str(site)) as server:
        assert f"(serving the folder {site})" in server.lines[-1]
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", "/hello.txt")
        response = conn.getresponse()
        assert response.status == 200 and response.read() == HELLO
        conn.close()
        code, out, err = server.stop(signal.SIGINT if sys.platform != "win32" else signal.SIGTERM)
    assert code == 0 and "Traceback" not in err
    assert "Read request from 127.0.0.1:" in out
    assert f"GET /hello.txt -> 200 ({len(HELLO)} bytes," in out


def test_serve_web_without_a_folder_serves_the_sample_site():
    with ServerProcess("web", "--port", "0", "--quiet") as server:
        assert "(serving the built-in sample site)" in server.lines[-1]
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", "/")
        body = conn.getresponse().read()
        conn.close()
        assert b"It works!" in body
        code, out, err = server.stop()
    assert code == 0 and "GET /" not in out  # --quiet


def test_serve_web_with_a_missing_folder_is_a_plain_error(tmp_path):
    line = plain_failure(run_cli("serve", "web", "--port", "0", "--root", str(tmp_path / "nope")))
    assert "does not exist" in line


def test_serve_web_on_a_busy_port_is_a_plain_error():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        line = plain_failure(run_cli("serve", "web", "--port", str(port)))
    assert "already in use" in line


def test_a_100_megabyte_file_streams_with_flat_memory(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the server's memory from /proc")
    size = 100 * 1024 * 1024
    with open(tmp_path / "huge.bin", "wb") as out:
        out.truncate(size)  # sparse: instant, and no disk space used
    with ServerProcess("web", "--port", "0", "--root", str(tmp_path), "--quiet") as server:
        before = memory_kib(server.proc.pid, "VmRSS")
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            buffer = bytearray(1 << 16)
            received = 0
            while True:
                got = sock.recv_into(buffer)
                if not got:
                    break
                received += got
        peak = memory_kib(server.proc.pid, "VmHWM")
        server.stop()
    assert received > size
    assert peak - before < 30 * 1024, f"server memory grew by {peak - before:,} KiB"


def memory_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


# -- get ------------------------------------------------------------------------------------
def test_get_prints_status_headers_and_body(served):
    result = run_cli("get", served.url + "/hello.txt")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "HTTP/1.1 200 OK"
    assert f"Content-Length: {len(HELLO)}" in lines
    assert "Hello from the command line." in lines
    assert result.stderr == ""


def test_get_follows_a_redirect_and_saves_to_a_folder(served, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    result = run_cli("get", served.url + "/docs", "-o", str(folder), "-v")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == \
        f"301 Moved Permanently: {served.url}/docs -> {served.url}/docs/"
    assert (folder / "index.html").read_text() == "<p>docs</p>"
    assert f"Saved 11 bytes to {folder / 'index.html'}" in result.stdout
    assert "<p>docs</p>" not in result.stdout  # saved, not printed
    assert "Connected to 127.0.0.1:" in result.stderr  # -v shows the socket steps


def test_get_saves_byte_for_byte(served, site, tmp_path):
    data = bytes(range(256)) * 4096 + b"tail"
    (site / "blob.bin").write_bytes(data)
    target = tmp_path / "blob-copy.bin"
    result = run_cli("get", served.url + "/blob.bin", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == data


def test_get_a_missing_page_shows_the_response_and_exits_1(served):
    result = run_cli("get", served.url + "/missing.html")
    assert plain_failure(result) == "labsuite: the server answered 404 Not Found."
    assert result.stdout.startswith("HTTP/1.1 404 Not Found\n")
    assert "There is no file at this address." in result.stdout


@pytest.mark.parametrize("url, words", [
    (f"http://{UNRESOLVABLE_HOST}/", "Unknown host"),
    ("http://bad..host/", "Unknown host 'bad..host'"),  # IDNA refuses it: no traffic
    ("http://127.0.0.1:{closed}/", "Nothing is listening"),
    ("https://127.0.0.1:{closed}/", "Nothing is listening"),
])
def test_get_network_failures_are_one_plain_line(url, words):
    result = run_cli("get", url.format(closed=closed_port()), "--timeout", "5")
    assert words in plain_failure(result)
    assert result.stdout == ""


@pytest.mark.parametrize("args", [("get", "ftp://example/x"), ("get", "http://h:99999/")])
def test_get_with_an_unusable_address_is_a_usage_error(args):
    assert "labsuite: " in plain_failure(run_cli(*args), code=2)


@pytest.mark.parametrize("args", [("get",), ("get", "http://h/", "--max-redirects", "x"),
                                  ("get", "http://h/", "--timeout", "0"),
                                  ("get", "http://h/", "--max-time", "0"),
                                  ("get", "http://h/", "--max-time", "soon"),
                                  ("get", "http://h/", "--max-time", "nan")])
def test_get_usage_errors_exit_2(args):
    result = run_cli(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


class Hostile(http.server.BaseHTTPRequestHandler):
    """A server that redirects to a hidden file and names codecs that are not text."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b"" if self.path == "/get" else b"rm -rf ~\n"
        if body:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=" + self.path.strip("/"))
        else:
            self.send_response(302)
            self.send_header("Location", "/.bashrc\x1b[2J")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def test_get_into_a_folder_is_named_by_the_url_typed_and_replaces_nothing(hostile, tmp_path):
    (tmp_path / "get").write_text("mine")
    result = run_cli("get", hostile.url + "/get", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["get", "get (1)"]
    assert (tmp_path / "get").read_text() == "mine"
    assert (tmp_path / "get (1)").read_text() == "rm -rf ~\n"
    assert "\x1b" not in result.stdout and "/.bashrc\\x1b[2J" in result.stdout


@pytest.mark.parametrize("charset", ["base64", "rot13"])
def test_get_with_a_charset_that_is_not_text(hostile, charset):
    result = run_cli("get", f"{hostile.url}/{charset}")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "rm -rf ~" in result.stdout.splitlines()
    assert "which is not a text encoding: the body is shown as UTF-8." in result.stdout


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "idna", "undefined"])
def test_get_with_a_charset_that_cannot_decode_the_body(hostile, charset):
    result = run_cli("get", f"{hostile.url}/{charset}")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    assert "rm -rf ~" in lines  # ASCII bytes read the same either way
    assert any(line.startswith(f"The server named the character set {charset!r}, which "
                               "cannot decode this body") for line in lines)


@pytest.mark.timeout(20)
def test_get_max_time_stops_a_dripping_server_with_one_plain_line(tmp_path):
    target = tmp_path / "drip.txt"
    with RawServer(DRIP_HEAD, *[b"x"] * 100, gap=0.1) as server:  # 10 s if nothing stops it
        result = run_cli("get", server.url + "/", "--max-time", "1", "--timeout", "5",
                         "-o", str(target))
        assert server.sent < 101
    line = plain_failure(result)
    assert line.startswith("labsuite: The download took longer than 1 second, the most "
                           "allowed for the whole transfer, and was stopped: ")
    assert line.endswith(" bytes of the body had arrived.")
    assert result.stdout == "" and sorted(tmp_path.iterdir()) == []


def test_get_with_a_negative_chunk_size_is_one_plain_line():
    with RawServer(CHUNKED_HEAD + b"-5\r\nhello\r\n0\r\n\r\n") as server:
        result = run_cli("get", server.url + "/", "--timeout", "5")
    assert plain_failure(result) == ("labsuite: 127.0.0.1 sent a malformed chunk size ('-5') "
                                     "after 0 bytes of the body, so the rest cannot be read.")


def test_get_output_never_writes_through_a_part_link(served, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    target = tmp_path / "out.txt"
    (tmp_path / "out.txt.part").symlink_to(victim)
    result = run_cli("get", served.url + "/hello.txt", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == HELLO and victim.read_text() == "precious"
    assert sorted(path.name for path in tmp_path.iterdir()) == \
        ["out.txt", "out.txt.part", "site", "victim"]  # only the file asked for was added
