"""The daytime server and client on loopback: steps, results, and hostile peers."""

from __future__ import annotations

import socket
import struct
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest

from labsuite.net.daytime import DaytimeQuery, DaytimeResult, DaytimeServer, describe_offset
from labsuite.net.errors import NetError
from labsuite.net.events import Kind, preview
from labsuite.protocols.daytime import MAX_REPLY_BYTES, format_nist, parse_daytime
from tests.support import closed_port

pytestmark = pytest.mark.timeout(20)
HOST = "127.0.0.1"
SLOW_ANSWER = 3.0  # seconds a thread-based fake server may take to answer on a loaded machine


@pytest.fixture
def serve(recorder, started):
    """Start daytime servers on free ports; stopped whatever the test does."""
    return lambda fmt="rfc867", port=0, host=HOST: started(
        DaytimeServer(host=host, port=port, fmt=fmt, on_event=recorder))


@contextmanager
def fake_server(handler):
    """A bare TCP listener whose connections are given to ``handler(sock)`` one at a time."""
    listener = socket.create_server((HOST, 0))
    listener.settimeout(0.2)
    done = threading.Event()

    def loop():
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                try:
                    handler(conn, done)
                except OSError:
                    pass

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(2)
        listener.close()


def read_all(port, host=HOST):
    with socket.create_connection((host, port), timeout=5) as sock:
        chunks = []
        while chunk := sock.recv(1024):
            chunks.append(chunk)
    return b"".join(chunks)


# -- server and client together ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["rfc867", "nist"])
def test_query_run_reads_our_server_in_both_formats(serve, fmt):
    server = serve(fmt)
    result = DaytimeQuery(HOST, server.address[1], timeout=5).run()
    assert isinstance(result, DaytimeResult)
    assert result.problem is None
    assert result.format == fmt
    assert result.server_utc.tzinfo is not None
    assert abs(result.offset) < 2  # same clock, whole seconds
    assert abs((result.server_utc - datetime.now(timezone.utc)).total_seconds()) < 5
    assert result.rtt >= 0
    assert (result.host, result.port) == (HOST, server.address[1])
    lines = result.summary_lines()
    assert any(line.startswith("Offset:") and "whole seconds" in line for line in lines)
    assert any(line.startswith("Round trip time:") for line in lines)
    assert any(result.raw.strip() in line for line in lines)
    assert any(f"{result.server_utc:%Y-%m-%d %H:%M:%S}" in line for line in lines)


def test_query_start_reports_the_steps_then_a_result(serve, recorder):
    server = serve("nist")
    query = DaytimeQuery(HOST, server.address[1], timeout=5, on_event=recorder)
    query.start()
    result = recorder.wait_for(Kind.RESULT)[0].result
    assert result.format == "nist" and result.problem is None
    client = recorder.kinds("time client")
    assert client.index(Kind.CONNECTED) < client.index(Kind.READ) < client.index(Kind.RESULT)
    connected = recorder.of(Kind.CONNECTED)[0]
    assert connected.peer == server.address and connected.local[0] == HOST
    read = recorder.of(Kind.READ)[0]
    assert read.size == len(format_nist(datetime.now(timezone.utc)))
    assert recorder.of(Kind.RESULT)[0].text.startswith(f"{HOST} says it is ")
    query.start()  # a finished query can ask again
    assert len(recorder.wait_for(Kind.RESULT, count=2)) == 2
    query.stop()


def test_server_steps_follow_the_course_log(serve, recorder):
    server = serve()
    port = server.address[1]
    data = read_all(port)
    recorder.wait_for(Kind.CLOSED, text="Closed connection")
    server.stop()
    kinds = recorder.kinds("daytime server")
    assert kinds == [Kind.OPENED, Kind.BOUND, Kind.LISTENING, Kind.ACCEPTED, Kind.WROTE,
                     Kind.CLOSED, Kind.CLOSED, Kind.STOPPED]
    texts = [e.text for e in recorder.events]
    assert texts[0] == "Opened server socket"
    assert texts[1] == f"Bound server socket to {HOST}:{port}"
    wrote = recorder.of(Kind.WROTE)[0]
    assert wrote.text == f"Wrote {len(data)} bytes to {HOST}:{wrote.peer[1]}: {preview(data)}"
    assert wrote.size == len(data) and wrote.data == data
    assert recorder.of(Kind.ACCEPTED)[0].peer == wrote.peer


def test_raw_client_receives_one_rfc867_line_and_the_close(serve):
    server = serve()
    data = read_all(server.address[1])
    assert data.endswith(b"\r\n") and data.count(b"\n") == 1
    reading = parse_daytime(data.decode("ascii"), datetime.now(timezone.utc))
    assert reading.format == "rfc867"


def test_raw_client_receives_the_nist_line_with_its_newlines(serve):
    data = read_all(serve("nist").address[1])
    assert data.startswith(b"\n") and data.endswith(b" UTC(NIST) *\n")


def test_client_that_sends_first_still_gets_the_line(serve):
    server = serve()
    with socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"hello?\r\n" * 100)  # a telnet user typing before reading
        data = b""
        while chunk := sock.recv(1024):
            data += chunk
    assert data.endswith(b"-UTC\r\n")


def test_many_sequential_and_concurrent_clients(serve, recorder):
    server = serve()
    for _ in range(30):
        assert read_all(server.address[1]).endswith(b"-UTC\r\n")
    replies, errors = [], []

    def client():
        try:
            for _ in range(10):
                replies.append(read_all(server.address[1]))
        except OSError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert len(replies) == 100 and all(r.endswith(b"-UTC\r\n") for r in replies)
    assert DaytimeQuery(HOST, server.address[1], timeout=5).run().problem is None
    assert recorder.of(Kind.ERROR) == []
    recorder.wait_for(Kind.CLOSED, count=131, text="Closed connection")
    assert server.connection_count == 0


def test_abrupt_resets_do_not_stop_the_server(serve, recorder):
    server = serve()
    for _ in range(20):
        sock = socket.create_connection(server.address, timeout=5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # with linger 0: a reset instead of a goodbye
    assert DaytimeQuery(HOST, server.address[1], timeout=5).run().problem is None
    assert server.running
    assert not [e for e in recorder.of(Kind.ERROR) if "Internal error" in e.text]


def test_stop_with_a_client_connected_then_restart_on_the_same_port(serve, recorder):
    server = serve()
    port = server.address[1]
    waiting = socket.create_connection(server.address, timeout=5)  # may still be unanswered
    server.stop()
    assert not server.running
    assert recorder.of(Kind.STOPPED)
    try:
        assert waiting.recv(1024) is not None  # a line or the end: never a hang
    except OSError:
        pass  # reset by the stopped server is fine too
    waiting.close()
    again = serve(port=port)
    assert again.address[1] == port
    assert DaytimeQuery(HOST, port, timeout=5).run().problem is None


def test_stop_is_idempotent(serve):
    server = serve()
    server.stop()
    server.stop()
    assert not server.running


def test_port_in_use_is_a_plain_error(serve, recorder):
    first = serve()
    second = DaytimeServer(HOST, first.address[1], on_event=recorder)
    with pytest.raises(NetError, match="already in use"):
        second.start()
    assert not second.running
    assert recorder.of(Kind.ERROR) == []  # start() raises; it does not also report


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown daytime format"):
        DaytimeServer(fmt="iso")


def test_ipv6_loopback(serve):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = serve(host="::1")
    except NetError:
        pytest.skip("IPv6 loopback not available")
    assert DaytimeQuery("::1", server.address[1], timeout=5).run().problem is None


# -- the client against awkward servers ---------------------------------------------------------

def test_query_to_a_closed_port_says_nothing_is_listening(recorder):
    query = DaytimeQuery(HOST, closed_port(), timeout=5, on_event=recorder)
    with pytest.raises(NetError, match="Nothing is listening"):
        query.run()
    assert recorder.of(Kind.ERROR) == []


def test_server_that_never_sends_times_out_plainly(recorder):
    with fake_server(lambda conn, done: done.wait()) as port:
        query = DaytimeQuery(HOST, port, timeout=0.5, on_event=recorder)
        with pytest.raises(NetError, match="no time arrived within 0.5 seconds"):
            query.run()
        assert recorder.of(Kind.CONNECTED)
        assert recorder.of(Kind.ERROR) == []


def test_start_against_a_silent_server_reports_an_error_not_a_result(recorder):
    with fake_server(lambda conn, done: done.wait()) as port:
        DaytimeQuery(HOST, port, timeout=0.3, on_event=recorder).start()
        recorder.wait_for(Kind.ERROR)
    assert not recorder.of(Kind.RESULT)


def test_stop_abandons_a_waiting_query_quietly(recorder):
    with fake_server(lambda conn, done: done.wait()) as port:
        query = DaytimeQuery(HOST, port, timeout=10, on_event=recorder)
        query.start()
        recorder.wait_for(Kind.CONNECTED)
        query.stop()
        assert not query.running
    assert recorder.of(Kind.STOPPED)
    assert not recorder.of(Kind.RESULT) and not recorder.of(Kind.ERROR)


@pytest.mark.parametrize("reply, problem", [
    (b"\xff\xfeHELLO\x00 there\r\n", "not a date and time"),
    (b"", "empty"),
    (b"x" * (3 * MAX_REPLY_BYTES), "not a daytime reply"),
    (b"61083 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST) *\n", "day number"),
])
def test_unreadable_replies_are_a_result_with_a_problem(recorder, reply, problem):
    with fake_server(lambda conn, done: conn.sendall(reply)) as port:
        result = DaytimeQuery(HOST, port, timeout=5, on_event=recorder).run()
    assert problem in result.problem
    assert result.format is None and result.server_utc is None and result.offset is None
    assert result.raw == reply[:MAX_REPLY_BYTES].decode("utf-8", errors="replace")
    lines = result.summary_lines()
    assert problem in lines[0] and lines[0].startswith(f"{HOST} port {port} answered, but ")
    assert all(line.isprintable() for line in lines)
    assert sum(e.size for e in recorder.of(Kind.READ)) <= MAX_REPLY_BYTES + 4096


def test_course_ctime_server_gives_local_time_and_no_offset():
    local = time.ctime()
    with fake_server(lambda conn, done: conn.sendall(local.encode())) as port:
        result = DaytimeQuery(HOST, port, timeout=5).run()
    assert result.problem is None and result.format == "ctime"
    assert result.server_utc is None and result.offset is None
    assert result.server_local == datetime.strptime(local, "%a %b %d %H:%M:%S %Y")
    assert any("unknown" in line for line in result.summary_lines())
    assert "own time zone" in result.headline()


def test_server_that_sends_but_never_closes_still_gives_the_time():
    def handler(conn, done):
        conn.sendall(format_nist(datetime.now(timezone.utc)).encode())
        done.wait()

    with fake_server(handler) as port:  # waits SLOW_ANSWER: the reply must come before then
        result = DaytimeQuery(HOST, port, timeout=SLOW_ANSWER).run()
    assert result.problem is None and result.format == "nist"
    assert any(f"did not close the connection within {SLOW_ANSWER:g} seconds" in note
               for note in result.notes)


def test_reply_split_over_many_segments(recorder):
    def handler(conn, done):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in format_nist(datetime.now(timezone.utc)).encode():
            conn.sendall(bytes([byte]))
            time.sleep(0.002)

    with fake_server(handler) as port:
        result = DaytimeQuery(HOST, port, timeout=5, on_event=recorder).run()
    assert result.problem is None and result.format == "nist"
    assert len(recorder.of(Kind.READ)) >= 2


@pytest.mark.parametrize("offset, words", [
    (0.3, "this computer is 0.3 s behind the server"),
    (-1.25, "this computer is 1.2 s ahead of the server"),
    (0.04, "this computer's clock agrees with the server's"),
])
def test_describe_offset(offset, words):
    assert describe_offset(offset, 1) == words


@pytest.mark.parametrize("timespec, words", [
    ("microseconds", "as good as the round trip time allows"),
    ("minutes", "only good to about ±30 s"),
])
def test_iso_replies_report_their_precision(timespec, words):
    def handler(conn, done):
        conn.sendall(datetime.now(timezone.utc).isoformat(timespec=timespec).encode())

    with fake_server(handler) as port:
        result = DaytimeQuery(HOST, port, timeout=5).run()
    assert result.format == "iso8601" and result.problem is None
    assert abs(result.offset) < 60
    assert any(words in line for line in result.summary_lines())


@pytest.mark.parametrize("host, port, words", [
    ("", 13, "No host given"),
    ("   ", 13, "No host given"),
    (HOST, 0, "not a port number"),
    (HOST, 70000, "not a port number"),
])
def test_impossible_targets_are_plain_errors(recorder, host, port, words):
    with pytest.raises(NetError, match=words):
        DaytimeQuery(host, port, timeout=1, on_event=recorder).run()
    assert recorder.of(Kind.ERROR) == []


def test_run_directly_after_a_stopped_start(serve):
    server = serve()
    with fake_server(lambda conn, done: done.wait()) as silent:
        query = DaytimeQuery(HOST, silent, timeout=10)
        query.start()
        query.stop()
    query.port = server.address[1]
    assert query.run().problem is None
