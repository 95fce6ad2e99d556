"""The tricky reference servers: correct, with their output shaped as a real network may."""

from __future__ import annotations

import socket
import threading
from datetime import datetime, timezone

import pytest

from labsuite.net.check.reference import (CLIENT, CLOSED, MERGED, OPENED, PIECES, SERVER, Pacing,
                                          ReferenceChat, ReferenceDaytime, ReferenceEcho)
from labsuite.protocols.daytime import decode_daytime, parse_daytime
from tests.support import ChatPeer

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def started():
    servers = []

    def start(server):
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def segments(sock, until_closed=True, count=None, timeout=5.0):
    """What arrives, one recv() at a time."""
    sock.settimeout(timeout)
    pieces = []
    while True:
        data = sock.recv(65536)
        if not data:
            return pieces
        pieces.append(data)
        if count is not None and b"".join(pieces).count(b"\n") >= count:
            return pieces


class Heard:
    """A reference server's ``on_record``: every exchange as it is recorded, to wait on."""

    def __init__(self, server):
        self.exchanges = []
        self._changed = threading.Condition()
        server.on_record = self

    def __call__(self, exchange):
        with self._changed:
            self.exchanges.append(exchange)
            self._changed.notify_all()

    def wait_for(self, condition, timeout=5.0):
        with self._changed:
            assert self._changed.wait_for(lambda: condition(self.exchanges), timeout), \
                self.exchanges


def test_daytime_in_pieces_is_a_nist_line_then_the_close(started):
    server = ReferenceDaytime(pacing=PIECES)
    heard = Heard(server)
    started(server)
    with socket.create_connection(server.address) as sock:
        pieces = segments(sock)
    reply = b"".join(pieces)
    assert len(pieces) > 5 and all(len(piece) <= PIECES.piece for piece in pieces)
    reading = parse_daytime(decode_daytime(reply), datetime.now(timezone.utc))
    assert reading.format == "nist" and reading.server_utc is not None
    heard.wait_for(lambda exchanges: exchanges[-1].sender == CLOSED)
    transcript = server.transcript()
    assert [e.sender for e in transcript] == [OPENED] + [SERVER] * len(pieces) + [CLOSED]
    assert [e.data for e in transcript[1:-1]] == pieces  # recorded as sent: piece by piece


def test_each_exchange_is_announced_as_it_is_recorded(started):
    server = ReferenceEcho()
    heard = Heard(server)
    started(server)
    with socket.create_connection(server.address) as sock:
        port = sock.getsockname()[1]
        sock.sendall(b"ping\n")
        assert b"".join(segments(sock, count=1)) == b"ping\n"
    heard.wait_for(lambda exchanges: len(exchanges) >= 4)
    assert [(e.sender, e.data) for e in heard.exchanges] == [
        (OPENED, b""), (CLIENT, b"ping\n"), (SERVER, b"ping\n"), (CLOSED, b"")]
    assert heard.exchanges[0].note == f"127.0.0.1:{port}"
    assert heard.exchanges[-1].note == "the client closed the connection"
    assert heard.exchanges == server.transcript()


@pytest.mark.parametrize("pacing", [MERGED, PIECES], ids=["merged", "pieces"])
def test_what_is_held_back_still_arrives_before_the_close(started, pacing):
    """QUIT: the server queues LEFT and GOODBYE and closes; a paced connection sends
    them all, then closes (it once closed at once and dropped them)."""
    server = started(ReferenceChat(pacing=pacing))
    with socket.create_connection(server.address) as sock:
        sock.sendall(b"ADD cool cat\nQUIT\n")
        data = b"".join(segments(sock))
    assert data == b"NEW cool cat\nLEFT cool cat\nGOODBYE\n"


def test_echo_in_pieces_comes_back_whole_and_in_order(started):
    server = started(ReferenceEcho(pacing=Pacing(piece=3, pause=0.01)))
    with socket.create_connection(server.address) as sock:
        sock.sendall(b"hello, pieces\n")
        data = b"".join(segments(sock, count=1))
    assert data == b"hello, pieces\n"
    assert server.sent_by_clients() == b"hello, pieces\n"


def test_chat_merged_lines_arrive_in_one_segment(started):
    server = started(ReferenceChat(pacing=MERGED))
    other = ChatPeer(server.address, "hot dog")
    with socket.create_connection(server.address) as sock:
        sock.sendall(b"ADD cool cat\n")
        first = segments(sock, count=2)  # HERE hot dog + NEW cool cat, held together
        assert b"".join(first) == b"HERE hot dog\nNEW cool cat\n" or \
            b"".join(first) == b"NEW cool cat\nHERE hot dog\n"
        assert len(first) == 1
        other.send("MESSAGE hi\nPRIVATE cool cat\nsecret\n")
        merged = segments(sock, count=4)
        assert b"".join(merged) == b"MESSAGE hot dog\nhi\nPRIVATE hot dog\nsecret\n"
        assert len(merged) == 1


def test_chat_split_lines_keep_the_protocol(started):
    server = started(ReferenceChat(pacing=Pacing(piece=3, pause=0.005)))
    with socket.create_connection(server.address) as sock:
        sock.sendall(b"ADD cool cat\nMESSAGE split me\n")
        pieces = segments(sock, count=3)
    assert b"".join(pieces) == b"NEW cool cat\nMESSAGE cool cat\nsplit me\n"
    assert len(pieces) >= 10
    sent = [e for e in server.transcript() if e.sender == "client"]
    assert b"".join(e.data for e in sent) == b"ADD cool cat\nMESSAGE split me\n"
