"""The raw console against real servers on loopback: echo, chat, and rude ones."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

import pytest

from labsuite.net.chat import ChatServer
from labsuite.net.console import CHUNK, ConsoleSession
from labsuite.net.errors import NetError
from labsuite.net.events import Kind
from labsuite.protocols.console import HexRenderer, TextRenderer
from tests import support
from tests.support import UNRESOLVABLE_HOST, ChatPeer, closed_port

try:
    from labsuite.net.echo import EchoServer
except ImportError:  # not written yet: a small echo server of our own
    EchoServer = None

pytestmark = pytest.mark.timeout(30)


class Recorder(support.Recorder):
    """The shared recorder, plus waiting for what was read."""

    def until(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.events):
                remaining = deadline - time.monotonic()
                assert remaining > 0, [str(event) for event in self.events]
                self._changed.wait(remaining)

    def read_bytes(self):
        return b"".join(event.data for event in self.of(Kind.READ))

    def wait_for_bytes(self, count, timeout=5.0):
        self.until(lambda events: sum(e.size for e in events if e.kind is Kind.READ) >= count,
                   timeout)
        return self.read_bytes()


class _Echo(threading.Thread):
    """A minimal blocking echo server, if labsuite's own is not there."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.address = self.sock.getsockname()

    def run(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(data)

    def stop(self):
        self.sock.close()


@pytest.fixture
def echo_address():
    if EchoServer is not None:
        server = EchoServer(port=0)
        server.start()
    else:
        server = _Echo()
        server.start()
    try:
        yield server.address
    finally:
        server.stop()


@pytest.fixture
def session_for():
    sessions = []

    def make(address, **kwargs):
        recorder = Recorder()
        session = ConsoleSession(address[0], address[1], on_event=recorder, **kwargs)
        session.recorder = recorder
        sessions.append(session)
        session.start()
        return session

    yield make
    for session in sessions:
        session.stop()


def one_shot_server(handle, rcvbuf=None):
    """A listener whose first connection is handed to ``handle(conn)`` on a thread."""
    listener = socket.socket()
    if rcvbuf:  # set before listening, so the accepted connection has it from the start
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn, _ = listener.accept()
        try:
            handle(conn)
        finally:
            conn.close()
            listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()


# -- TCP against an echo server -----------------------------------------------------------------
def test_a_typed_line_comes_back(echo_address, session_for):
    session = session_for(echo_address)
    session.send_line("Hello, COS 333.", "\r\n")
    assert session.recorder.wait_for_bytes(17) == b"Hello, COS 333.\r\n"
    session.stop()
    kinds = [event.kind for event in session.recorder.events]
    assert kinds[0] is Kind.CONNECTED and kinds[1] is Kind.WROTE
    assert kinds[-2:] == [Kind.CLOSED, Kind.STOPPED]
    wrote = session.recorder.of(Kind.WROTE)[0]
    assert wrote.text == f"Wrote 17 bytes to 127.0.0.1:{echo_address[1]}: Hello, COS 333.\\r\\n"
    assert all(event.source == "console" for event in session.recorder.events)


def test_every_reply_is_shown_after_what_caused_it(echo_address, session_for):
    session = session_for(echo_address)
    total = 0
    for number in range(60):
        line = f"line {number}"
        session.send_line(line)
        total += len(line) + 1
    session.recorder.wait_for_bytes(total)
    written = read = 0
    for event in session.recorder.events:
        if event.kind is Kind.WROTE:
            written += event.size
        elif event.kind is Kind.READ:
            read += event.size
            assert read <= written  # an echo never shows before its send


def test_big_sends_arrive_whole_in_pieces_of_at_most_64k(echo_address, session_for):
    session = session_for(echo_address)
    payload = os.urandom(300_000)
    session.send_bytes(payload)
    assert session.recorder.wait_for_bytes(len(payload), timeout=10) == payload
    for event in session.recorder.of(Kind.READ):
        assert 0 < event.size <= CHUNK and len(event.data) == event.size  # the whole piece
    assert sum(event.size for event in session.recorder.of(Kind.WROTE)) == len(payload)


def test_bytes_that_are_not_utf8_show_in_the_hex_view(echo_address, session_for):
    session = session_for(echo_address)
    session.send_bytes(b"\xff\xfe\x00\x80 hi\r\n")
    session.recorder.wait_for_bytes(9)
    hex_view, text_view = HexRenderer(), TextRenderer()
    shown = "".join(hex_view.feed(event.data) for event in session.recorder.of(Kind.READ))
    shown += hex_view.flush()
    text = "".join(text_view.feed(event.data) for event in session.recorder.of(Kind.READ))
    assert shown == "00000000  ff fe 00 80 20 68 69 0d  0a" + " " * 21 + "  |.... hi..|\n"
    assert text == "\ufffd\ufffd\\x00\ufffd hi\\r\n"


# -- TCP against the chat server --------------------------------------------------------------
def test_a_hand_typed_chat_session(session_for):
    server = ChatServer(port=0)
    server.start()
    try:
        bob = ChatPeer(server.address, "bob")
        session = session_for(server.address)
        log = session.recorder
        session.send_line("ADD alice", "\r\n")
        log.wait_for_bytes(len(b"NEW alice\n"))
        bob.expect("NEW alice")
        session.send_line("MESSAGE hello everyone")
        assert bob.expect("MESSAGE alice") == [] and bob.line() == "hello everyone"
        session.send_line("PRIVATE bob\nonly for you")  # a pasted block: two lines
        assert bob.expect("PRIVATE alice") == [] and bob.line() == "only for you"
        bob.send("PRIVATE alice\nhi alice\n")
        log.until(lambda events: b"hi alice\n" in log.read_bytes())
        session.send_line("QUIT")
        closed = log.wait_for(Kind.CLOSED)[0]
        assert closed.text == "The server closed the connection"
        log.wait_for(Kind.STOPPED)  # the session ended itself
        assert not session.running
        received = log.read_bytes().decode()
        assert received.startswith("HERE bob\nNEW alice\n") or received.startswith("NEW alice\n")
        assert "MESSAGE alice\nhello everyone\n" in received
        assert "PRIVATE bob\nhi alice\n" in received
        assert received.endswith("LEFT alice\nGOODBYE\n")
        assert [event.kind for event in log.events][-2:] == [Kind.CLOSED, Kind.STOPPED]
        bob.expect("LEFT alice")
        bob.close()
    finally:
        server.stop()


# -- servers that end the conversation ----------------------------------------------------------
def test_the_server_closing_ends_the_session(session_for):
    address = one_shot_server(lambda conn: conn.sendall(b"bye\n"))
    session = session_for(address)
    log = session.recorder
    closed = log.wait_for(Kind.CLOSED)[0]
    assert closed.text == "The server closed the connection"
    assert log.read_bytes() == b"bye\n"
    log.wait_for(Kind.STOPPED)
    assert not session.running
    assert len(log.of(Kind.CLOSED)) == 1
    with pytest.raises(NetError, match="The server closed the connection: connect again"):
        session.send_line("anyone?")


def test_a_reset_is_shown(session_for):
    def reset(conn):
        conn.recv(100)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    session = session_for(one_shot_server(reset))
    session.send_line("hello")
    closed = session.recorder.wait_for(Kind.CLOSED)[0]
    assert closed.text == "The server reset the connection"
    session.recorder.wait_for(Kind.STOPPED)


def never_reading_server(stop):
    return one_shot_server(lambda conn: stop.wait(10), rcvbuf=4096)


def test_a_server_that_never_reads_is_reported(session_for):
    """A send never blocks; once what waits is more than the queue holds, the next send
    is refused with a plain sentence, and the connection stays open."""
    stop = threading.Event()
    session = session_for(never_reading_server(stop), timeout=0.3)
    try:
        session.send_bytes(b"x" * 16_000_000)  # taken at once, sent as the server reads
        session.recorder.wait_for(Kind.WROTE)
        with pytest.raises(NetError, match="The server is not reading: .* bytes are still "
                                           "waiting to be sent, so this was not sent"):
            session.send_line("and this?")
        assert session.running and session.queued > 0
        assert session.recorder.of(Kind.ERROR) == []  # raised, not also reported
    finally:
        stop.set()


def test_closing_the_console_interrupts_a_stuck_send(session_for):
    stop = threading.Event()
    session = session_for(never_reading_server(stop), timeout=20)
    try:
        session.send_bytes(b"x" * 16_000_000)
        session.recorder.wait_for(Kind.WROTE)
        session.stop()  # (a writer stuck for good would hold this: the test's timeout)
        assert not session.running and session.queued == 0
        deadline = time.monotonic() + 10
        while any(t.is_alive() for t in session._threads) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not any(t.is_alive() for t in session._threads)
    finally:
        stop.set()


# -- connecting -------------------------------------------------------------------------------
def test_nothing_listening_is_a_plain_error():
    log = Recorder()
    session = ConsoleSession("127.0.0.1", closed_port(), on_event=log)
    with pytest.raises(NetError, match="Nothing is listening"):
        session.start()
    assert not session.running and log.of(Kind.ERROR) == []


def test_an_unknown_name_is_a_plain_error():
    log = Recorder()
    with pytest.raises(NetError, match="does not exist"):
        ConsoleSession(UNRESOLVABLE_HOST, 80, on_event=log).start()
    assert log.of(Kind.ERROR) == []


# -- UDP --------------------------------------------------------------------------------------
@pytest.fixture
def udp_echo():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                data, peer = sock.recvfrom(65536)
                sock.sendto(data, peer)
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    yield sock.getsockname()
    sock.close()


def test_udp_datagrams_and_their_replies(udp_echo, session_for):
    session = session_for(udp_echo, udp=True)
    log = session.recorder
    assert log.of(Kind.CONNECTED)[0].text.startswith("Ready to send UDP datagrams to")
    session.send_line("ping", "")
    session.send_line("", "")  # an empty datagram is still a datagram
    session.send_bytes(b"\x00\xff")
    log.wait_for(Kind.READ, count=3)
    assert [event.data for event in log.of(Kind.READ)] == [b"ping", b"", b"\x00\xff"]
    session.stop()
    assert log.events[-2].text.startswith("Closed the UDP socket")


def test_udp_to_a_port_where_nothing_listens(session_for):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = session_for(("127.0.0.1", port), udp=True)
    log = session.recorder
    session.send_line("anyone there?")
    error = log.wait_for(Kind.ERROR)[0]
    assert error.text.startswith(f"Nothing is listening at 127.0.0.1 port {port} (UDP)")
    assert session.running  # the console stays open: start the server and try again
    session.send_line("still nobody?")
    log.wait_for(Kind.ERROR, count=2)
    assert len(log.of(Kind.WROTE)) == 2
