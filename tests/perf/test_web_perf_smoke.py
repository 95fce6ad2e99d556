"""The web bench still runs: both scenarios, tiny sizes, no timing asserts.

It runs twice through the runner: once forcing the Python load generator (the path taken
where wrk is missing), once with whatever is installed (wrk when it is there). What is
asserted is correctness under load: labsuite answers every request with the file and no
errors and holds every connection, and every chosen server gets its rows. Nothing is
installed (``no_install``). Small fake servers show the generator's checks are real.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import socketserver
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_web  # noqa: E402
import run as runner  # noqa: E402


def quick_run(servers, loadgen):
    out = io.StringIO()
    args = argparse.Namespace(quick=True, json=None, servers=servers, no_pin=False, repeat=None,
                              web_loadgen=loadgen, web_seconds=1.0,
                              no_install=True)
    _status, results = runner.run_benchmarks(["web"], args, out=out)
    assert "rows" in results["web"], out.getvalue()
    return out.getvalue(), results["web"]["rows"]


@pytest.fixture(scope="module")
def python_run():
    return quick_run(["labsuite", "http.server"], "python")


@pytest.fixture(scope="module")
def auto_run():
    return quick_run(["labsuite", "nginx"], "auto")


def by_scenario(rows):
    found = {}
    for row in rows:
        found.setdefault(row["group"][:2], {})[row["name"]] = row
    return found


def assert_labsuite_served_everything(rows):
    scenarios = by_scenario(rows)
    assert sorted(scenarios) == ["A.", "B."]
    throughput, held = scenarios["A."]["labsuite"], scenarios["B."]["labsuite"]
    assert throughput["errors"] == 0, throughput
    assert throughput["requests"] > 0 and throughput["req/s"] > 0
    assert throughput["p99 ms"] >= throughput["p50 ms"] > 0
    assert held["errors"] == 0, held
    assert held["held"] == f"{bench_web.QUICK.held}/{bench_web.QUICK.held}", held
    assert held["closed by server"] == 0
    assert "stopped at the deadline" not in (throughput.get("note", "") + held.get("note", ""))


@pytest.mark.timeout(120)
def test_the_python_generator_checks_every_labsuite_response(python_run):
    text, rows = python_run
    assert_labsuite_served_everything(rows)
    assert all(row["_loadgen"] == "python" for row in rows)
    assert "asyncio client (checks every body)" in text
    report = by_scenario(rows)["A."]["labsuite"]["_report"]
    assert report["mismatches"] == 0 and report["opened"] == bench_web.QUICK.connections


@pytest.mark.timeout(120)
def test_http_server_is_measured_and_is_the_baseline(python_run):
    text, rows = python_run
    for scenario in by_scenario(rows).values():
        assert sorted(scenario) == ["http.server", "labsuite"]
    baseline = by_scenario(rows)["A."]["http.server"]
    assert baseline["requests"] > 0
    assert baseline["req/s vs http.server"] == 1.0
    assert by_scenario(rows)["B."]["http.server"]["held"].startswith("0/")  # HTTP/1.0 closes
    assert "req/s vs http.server" in text
    assert bench_web.GOAL in text and "not judged (--quick)" in text


@pytest.mark.timeout(120)
def test_whatever_generator_is_installed_serves_labsuite_without_errors(auto_run):
    text, rows = auto_run
    assert_labsuite_served_everything(rows)
    expected = "wrk" if bench_web.find_tool("wrk") else "python"
    assert all(row["_loadgen"] == expected for row in rows)
    nginx = by_scenario(rows)["A."]["nginx"]
    if bench_web.find_tool("nginx"):
        assert nginx["requests"] > 0 and nginx["errors"] == 0, nginx
        assert nginx["req/s vs nginx"] == 1.0
    else:
        assert nginx["note"].startswith("skipped") and "errors" not in nginx
    assert "\nnginx " in text and "\nlabsuite " in text


def test_nginx_is_skipped_with_a_note_when_it_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_web, "find_tool", lambda name: None)
    assert bench_web.ensure_tools(install=False) == []
    nginx = bench_web.targets(tmp_path, tmp_path)[-1]
    assert nginx.name == "nginx" and nginx.start is None
    row = bench_web.measure(nginx, "throughput", bench_web.QUICK, "python", None)
    assert row["note"] == "skipped: nginx is not installed" and "errors" not in row


WRK_OUTPUT = """\
Running 2s test @ http://127.0.0.1:40000/file-1k.bin
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.09ms    1.18ms  16.37ms   86.39%
  Latency Distribution
     50%  850.00us
     75%    5.25ms
     90%    6.03ms
     99%    1.20s
  29449 requests in 3.01s, 35.67MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:   9790.91
Transfer/sec:     11.86MB
"""


def test_wrk_output_is_read_with_its_units_and_every_kind_of_error():
    report = bench_web.parse_wrk(WRK_OUTPUT)
    assert report["requests_per_s"] == pytest.approx(9790.91)
    assert report["round_trips"] == 29449
    assert report["p50_ms"] == pytest.approx(0.85)
    assert report["p99_ms"] == pytest.approx(1200.0)
    assert report["errors"] == 2 + 3 + 4
    assert report["error_samples"] == ["read 2", "timeout 3", "non-2xx/3xx 4"]
    clean = WRK_OUTPUT.replace("  Socket errors: connect 0, read 2, write 0, timeout 3\n", "")
    assert bench_web.parse_wrk(clean.replace("  Non-2xx or 3xx responses: 4\n", ""))["errors"] == 0
    assert bench_web.parse_wrk("unable to connect to 127.0.0.1:1")["errors"] == 1


RESPONSE_11 = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello"
RESPONSE_10 = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"


def test_responses_are_parsed_whatever_the_split():
    stream = RESPONSE_11 + RESPONSE_10
    for split in range(len(stream) + 1):
        buffer, found = bytearray(), []
        for part in (stream[:split], stream[split:]):
            buffer += part
            while (parsed := bench_web.parse_response(buffer)) is not None:
                found.append(parsed[0])
                del buffer[:parsed[1]]
        assert found == [(200, b"hello", True), (200, b"hi", False)], split
        assert not buffer


def test_keep_alive_follows_the_version_and_the_connection_header():
    def keep(head):
        return bench_web.parse_response(bytearray(head + b"Content-Length: 0\r\n\r\n"))[0][2]

    assert keep(b"HTTP/1.1 200 OK\r\n") is True
    assert keep(b"HTTP/1.1 200 OK\r\nConnection: close\r\n") is False
    assert keep(b"HTTP/1.0 200 OK\r\n") is False
    assert keep(b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n") is True
    for bad in (b"HTTP/1.1 200 OK\r\n\r\n", b"garbage\r\n\r\n"):
        with pytest.raises(ValueError):
            bench_web.parse_response(bytearray(bad))


class FaultyWebServer(socketserver.ThreadingTCPServer):
    """Answers each request with ``answer(n)`` (n counts from 0), or closes the connection
    when it returns None."""

    daemon_threads = True

    def __init__(self, answer):
        self.answer = answer
        self.count = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), AnswerEachRequest)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.shutdown()
        self.server_close()


class AnswerEachRequest(socketserver.BaseRequestHandler):
    def handle(self):
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = self.request.recv(4096)
                if not data:
                    return
                buffer += data
            buffer = buffer.split(b"\r\n\r\n", 1)[1]
            with self.server.lock:
                number, self.server.count = self.server.count, self.server.count + 1
            reply = self.server.answer(number)
            if reply is None:
                return
            self.request.sendall(reply)


def answer_with(status: int, body: bytes) -> bytes:
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)


@pytest.mark.timeout(30)
def test_wrong_bodies_error_statuses_and_dropped_connections_are_counted():
    good = bench_web.file_content()
    wrong = good[:-1] + b"?"

    def answer(number):
        return {3: answer_with(200, wrong), 5: answer_with(404, b"no"), 7: None}.get(
            number, answer_with(200, good))

    server = FaultyWebServer(answer)
    try:
        report = asyncio.run(bench_web.throughput("127.0.0.1", server.port, connections=1,
                                                  seconds=0.3))
    finally:
        server.close()
    assert report["mismatches"] == 1
    assert report["errors"] == 3  # the wrong body, the 404, the dropped connection
    assert report["opened"] == 2  # it reconnected after the drop
    assert report["round_trips"] > 8 and not report["timed_out"]


@pytest.mark.timeout(30)
def test_hold_counts_held_connections_and_those_the_server_dropped():
    good = answer_with(200, bench_web.file_content())
    server = FaultyWebServer(lambda number: good if number < 5 else None)
    try:  # 5 connections: every first request is answered, no second one is
        report = asyncio.run(bench_web.hold("127.0.0.1", server.port, connections=5, rounds=2,
                                            pause=0.05, seconds=10))
    finally:
        server.close()
    assert report["connected"] == 5 and report["round_trips"] == 5
    assert report["held"] == 0 and report["errors"] == 5
    assert report["closed_by_server"] == 0
