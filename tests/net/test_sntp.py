"""The SNTP server and client on loopback UDP: round trips, silence and strange datagrams."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest

from labsuite.net.errors import NetError
from labsuite.net.events import Kind
from labsuite.net.sntp import SntpQuery, SntpResult, SntpServer
from labsuite.protocols.sntp import PACKET_BYTES, build_reply, build_request

pytestmark = pytest.mark.timeout(20)
HOST = "127.0.0.1"
WAIT = 10.0  # generous: a thread-based fake server on a loaded machine may be slow to answer
CLOCK_SLACK = 0.01  # seconds: NTP timestamp rounding and wall vs monotonic clock


@pytest.fixture
def serve(recorder, started):
    """Start SNTP servers on free ports; stopped whatever the test does."""
    return lambda port=0: started(SntpServer(HOST, port, on_event=recorder))


@contextmanager
def udp_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((HOST, 0))
    try:
        yield sock
    finally:
        sock.close()


@contextmanager
def fake_server(answer):
    """A UDP socket that calls ``answer(sock, request, client)`` for each datagram."""
    with udp_socket() as sock:
        sock.settimeout(0.1)
        done = threading.Event()

        def loop():
            while not done.is_set():
                try:
                    request, client = sock.recvfrom(2048)
                except OSError:
                    continue
                answer(sock, request, client)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield sock.getsockname()[1]
        finally:
            done.set()
            thread.join(2)


def reply_to(request, offset=0.0):
    now = time.time() + offset
    return build_reply(request, now, now)


# -- server and client together ---------------------------------------------------------------

def test_round_trip_with_our_server(serve):
    server = serve()
    before = time.time()
    result = SntpQuery(HOST, server.address[1], timeout=WAIT).run()
    waited = time.time() - before
    assert isinstance(result, SntpResult)
    # One clock on both sides: the offset is at most half the round trip, however slow
    # a loaded machine makes it (CLOCK_SLACK covers NTP rounding).
    assert 0 <= result.rtt <= waited + CLOCK_SLACK
    assert abs(result.offset) <= result.rtt / 2 + CLOCK_SLACK
    assert -CLOCK_SLACK <= result.delay <= result.rtt + CLOCK_SLACK
    assert before - CLOCK_SLACK <= result.server_utc.timestamp() <= before + waited + CLOCK_SLACK
    assert (result.stratum, result.reference, result.leap, result.version) == (1, "LOCL", 0, 4)
    assert result.server_utc.tzinfo is not None
    lines = result.summary_lines()
    assert any("UDP" in line and "TCP" in line for line in lines)
    assert any(line.startswith("Offset:") for line in lines)
    assert any("stratum 1" in line and "own clock" in line for line in lines)


def test_query_steps_and_result_event(serve, recorder):
    server = serve()
    query = SntpQuery(HOST, server.address[1], timeout=WAIT, on_event=recorder)
    query.start()
    result = recorder.wait_for(Kind.RESULT)[0].result
    assert result.stratum == 1
    client = recorder.kinds("time client")
    assert client == [Kind.OPENED, Kind.WROTE, Kind.READ, Kind.RESULT]
    texts = [e.text for e in recorder.events if e.source == "time client"]
    assert texts[0].startswith("Opened UDP socket")
    assert texts[1] == f"Sent {PACKET_BYTES}-byte request to {HOST}:{server.address[1]}"
    query.stop()


def test_server_steps(serve, recorder):
    server = serve()
    port = server.address[1]
    SntpQuery(HOST, port, timeout=WAIT).run()
    recorder.wait_for(Kind.WROTE)
    server.stop()
    assert recorder.kinds("sntp server") == [Kind.OPENED, Kind.BOUND, Kind.LISTENING, Kind.READ,
                                             Kind.WROTE, Kind.CLOSED, Kind.STOPPED]
    assert recorder.events[0].text == "Opened UDP socket"
    assert recorder.events[1].text == f"Bound UDP socket to {HOST}:{port}"
    wrote = recorder.of(Kind.WROTE)[0]
    assert wrote.size == PACKET_BYTES
    assert wrote.text.startswith(f"Sent {PACKET_BYTES}-byte reply to ")


def test_malformed_datagrams_are_ignored_and_logged(serve, recorder):
    server = serve()
    mode4 = build_reply(build_request(time.time()), time.time(), time.time())
    with udp_socket() as sock:
        sock.settimeout(0.3)
        for junk in (b"hello", b"\x23" * 47, mode4, b""):
            sock.sendto(junk, server.address)
        with pytest.raises(socket.timeout):
            sock.recvfrom(2048)  # none of them gets an answer
    assert len(recorder.wait_for(Kind.INFO, count=4, text="Ignored")) == 4
    assert SntpQuery(HOST, server.address[1], timeout=WAIT).run().stratum == 1


def test_many_requests(serve):
    server = serve()
    with udp_socket() as sock:
        sock.settimeout(WAIT)
        for _ in range(50):
            sock.sendto(build_request(time.time()), server.address)
        replies = [sock.recvfrom(2048)[0] for _ in range(50)]
    assert all(len(r) == PACKET_BYTES and r[0] & 7 == 4 for r in replies)


def test_stop_releases_the_port_at_once_and_restarts(serve):
    server = serve()
    port = server.address[1]
    server.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((HOST, port))  # free again
    again = serve(port)
    assert SntpQuery(HOST, port, timeout=WAIT).run().stratum == 1
    again.stop()
    again.stop()


def test_port_in_use_is_a_plain_error(serve, recorder):
    first = serve()
    with pytest.raises(NetError, match="already in use"):
        SntpServer(HOST, first.address[1], on_event=recorder).start()


# -- the client against silence and strange replies -------------------------------------------

def test_no_answer_is_a_plain_timeout(recorder):
    with udp_socket() as silent:
        port = silent.getsockname()[1]
        query = SntpQuery(HOST, port, timeout=0.5, on_event=recorder)
        with pytest.raises(NetError) as caught:
            query.run()
    assert str(caught.value) == (
        f"No answer from {HOST} port {port} within 0.5 seconds: UDP has no connection, so "
        "silence is all you get; the server may be down or a firewall may block UDP.")
    assert recorder.of(Kind.ERROR) == []  # raised, not also reported


def test_closed_port_is_reported(recorder):
    with udp_socket() as probe:
        port = probe.getsockname()[1]
    with pytest.raises(NetError, match="Nothing is listening|No answer"):
        SntpQuery(HOST, port, timeout=1, on_event=recorder).run()


def test_stale_and_stray_datagrams_are_ignored(recorder):
    def answer(sock, request, client):
        stale = build_request(time.time() - 100)
        sock.sendto(reply_to(stale), client)  # an answer to some older request
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
            stranger.sendto(reply_to(request, offset=500), client)  # right shape, wrong sender
        sock.sendto(reply_to(request, offset=3), client)

    with fake_server(answer) as port:
        result = SntpQuery(HOST, port, timeout=WAIT, on_event=recorder).run()
    # The server is exactly 3 s ahead; measuring can blur that by at most half the round trip.
    assert abs(result.offset - 3) <= result.rtt / 2 + CLOCK_SLACK
    assert recorder.wait_for(Kind.INFO, text="does not answer this request")


def test_kiss_of_death_is_a_plain_error():
    def answer(sock, request, client):
        reply = bytearray(reply_to(request))
        reply[1] = 0  # stratum 0
        reply[12:16] = b"RATE"
        sock.sendto(bytes(reply), client)

    with fake_server(answer) as port:
        with pytest.raises(NetError, match="kiss-o'-death with code RATE"):
            SntpQuery(HOST, port, timeout=WAIT).run()


@pytest.mark.parametrize("mangle, words", [
    (lambda reply: reply[:20], "too short"),
    (lambda reply: bytes([0x23]) + reply[1:], "mode 3"),
    (lambda reply: bytes([0xE4]) + reply[1:], "not synchronised"),
])
def test_bad_replies_are_plain_errors(mangle, words, recorder):
    def answer(sock, request, client):
        sock.sendto(mangle(reply_to(request)), client)

    with fake_server(answer) as port:
        with pytest.raises(NetError) as caught:
            SntpQuery(HOST, port, timeout=WAIT, on_event=recorder).run()
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{HOST} port {port} answered, but ")


def test_stop_abandons_a_waiting_query_quietly(recorder):
    with udp_socket() as silent:
        query = SntpQuery(HOST, silent.getsockname()[1], timeout=10, on_event=recorder)
        query.start()
        recorder.wait_for(Kind.WROTE)
        query.stop()
    assert recorder.of(Kind.STOPPED)
    assert not recorder.of(Kind.RESULT) and not recorder.of(Kind.ERROR)


def test_unknown_host_is_a_plain_error(recorder):
    from tests.support import UNRESOLVABLE_HOST
    with pytest.raises(NetError, match="Unknown host"):
        SntpQuery(UNRESOLVABLE_HOST, 123, timeout=1, on_event=recorder).run()


def test_impossible_port_is_a_plain_error():
    with pytest.raises(NetError, match="not a port number"):
        SntpQuery(HOST, 123456, timeout=1).run()
