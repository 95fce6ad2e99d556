"""The server core on its own: a tiny line protocol on top of SelectorServer, and the
attacks every server inherits the defences against (fair rounds, silent connections,
slow readers, the output budget, timers, detached blocking threads)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from labsuite.net.core import SelectorServer
from labsuite.net.events import Kind
from tests.support import Recorder

HOST = "127.0.0.1"


class Shouter(SelectorServer):
    """Answers each line with the line in capitals; ``WORK n`` asks for n turns of output."""

    source = "shouter"

    def on_connect(self, conn):
        conn.state = bytearray()

    def on_data(self, conn, data):
        conn.identify()
        conn.state += data
        self.on_turn(conn)

    def on_turn(self, conn):
        # one line per turn: a pipelined flood is answered a line a round
        line, newline, rest = bytes(conn.state).partition(b"\n")
        if not newline:
            return
        conn.state[:] = rest
        conn.send(line.upper() + b"\n")
        if b"\n" in rest:
            conn.request_turn()


def start(server_class=Shouter, **settings):
    recorder = Recorder()
    server = server_class(HOST, 0, on_event=recorder)
    for name, value in settings.items():
        setattr(server, name, value)
    server.start()
    return server, recorder


@pytest.fixture
def shouter():
    server, recorder = start()
    yield server
    server.stop()


def read_lines(sock, count, timeout=5.0):
    sock.settimeout(timeout)
    data = b""
    while data.count(b"\n") < count:
        chunk = sock.recv(65536)
        assert chunk, f"closed after {data!r}"
        data += chunk
    return data.split(b"\n")[:count]


def test_lines_are_answered_and_logged_in_the_course_words(shouter):
    with socket.create_connection(shouter.address) as sock:
        sock.sendall(b"hello\n")
        assert read_lines(sock, 1) == [b"HELLO"]
    recorder = shouter._on_event
    read = recorder.wait_for(Kind.READ)[0]
    wrote = recorder.wait_for(Kind.WROTE)[0]
    assert read.text == f"Read 6 bytes from {read.where or f'{HOST}:{read.peer[1]}'}: hello\\n"
    assert wrote.text.startswith("Wrote 6 bytes to ") and wrote.text.endswith(": HELLO\\n")
    assert read.conn == wrote.conn and read.size == 6


def test_a_pipelining_client_gets_a_share_per_round_and_others_go_between(shouter):
    """100,000 pipelined lines are answered a line a round; a polite client that comes
    in the middle is answered long before the flood is done."""
    with socket.create_connection(shouter.address) as flooder, \
            socket.create_connection(shouter.address) as polite:
        flooder.sendall(b"x\n" * 100_000)
        flooder.recv(1)  # the flood has begun
        polite.sendall(b"me\n")
        assert read_lines(polite, 1) == [b"ME"]
        answered = 0  # how much of the flood was answered when the polite client was
        flooder.setblocking(False)
        try:
            while True:
                answered += len(flooder.recv(1 << 20))
        except BlockingIOError:
            pass
        assert answered < 100_000 * 2 // 2  # (each answer is 2 bytes): well before the end


def test_silent_connections_make_room_and_their_timeout_closes_them():
    server, recorder = start(max_connections=20, unidentified_timeout=0.5)
    silent = [socket.create_connection(server.address) for _ in range(20)]
    try:
        deadline = time.monotonic() + 5
        while server.connection_count < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        with socket.create_connection(server.address) as newcomer:
            newcomer.sendall(b"in\n")
            assert read_lines(newcomer, 1) == [b"IN"]
        assert recorder.wait_for(Kind.CLOSED, text="the server was full and it had not said")
        recorder.wait_for(Kind.CLOSED, count=15, text="said nothing for too long", timeout=5)
    finally:
        for sock in silent:
            sock.close()
        server.stop()


def test_a_full_server_of_identified_clients_turns_a_newcomer_away():
    server, recorder = start(max_connections=2)
    clients = [socket.create_connection(server.address) for _ in range(2)]
    try:
        for sock in clients:
            sock.sendall(b"hi\n")
            assert read_lines(sock, 1) == [b"HI"]
        with socket.create_connection(server.address) as late:
            late.settimeout(5)
            assert late.recv(100) == b""  # closed at once
        assert recorder.wait_for(Kind.CLOSED, text="the server is full")
        clients[0].sendall(b"still\n")
        assert read_lines(clients[0], 1) == [b"STILL"]
    finally:
        for sock in clients:
            sock.close()
        server.stop()


class Flood(SelectorServer):
    """Sends 64 KiB for each line a client sends, one answer per turn (as the web server
    answers pipelined requests)."""

    def on_connect(self, conn):
        conn.state = 0

    def on_data(self, conn, data):
        conn.identify()
        conn.state += data.count(b"\n")
        self.on_turn(conn)

    def on_turn(self, conn):
        if conn.state:
            conn.state -= 1
            conn.send(b"z" * 65536)
        if conn.state:
            conn.request_turn()


def test_readers_that_stop_cannot_grow_the_server_beyond_its_output_budget():
    budget = 2 * 1024 * 1024
    server, _ = start(Flood, output_budget=budget)
    hogs = []
    try:
        for _ in range(50):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(server.address)
            sock.sendall(b"more\n" * 200)  # asks for 12.8 MB and never reads
            hogs.append(sock)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and server.peak_pending_output < budget // 2:
            time.sleep(0.05)
        time.sleep(0.2)  # (let it try to overshoot)
        # each connection reads at most its share before it is paused
        assert server.peak_pending_output <= budget + 50 * 65536 * 2
    finally:
        for sock in hogs:
            sock.close()
        server.stop()


def test_a_connection_over_max_output_is_dropped_and_others_carry_on():
    server, recorder = start(Flood, max_output=256 * 1024, read_pause_output=10 ** 9)
    try:
        sleeper = socket.socket()
        sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sleeper.connect(server.address)
        sleeper.sendall(b"more\n" * 50)
        recorder.wait_for(Kind.CLOSED, text="stopped reading, so it was disconnected")
        with socket.create_connection(server.address) as reader:
            reader.sendall(b"one\n")
            got = 0
            reader.settimeout(5)
            while got < 65536:
                got += len(reader.recv(65536))
        sleeper.close()
    finally:
        server.stop()


class Ticker(SelectorServer):
    """Timers and calls from other threads run on the loop thread."""

    def on_start(self):
        self.ran = []

    def on_connect(self, conn):
        conn.identify()
        self.call_later(0.05, self.tick, conn, "later")
        self.call_later(0.01, self.tick, conn, "sooner")
        self.call_later(0.02, self.tick, conn, "never").cancel()

    def tick(self, conn, word):
        self.ran.append((word, threading.current_thread() is self._loop))
        conn.send(word.encode() + b"\n")


def test_timers_run_in_order_on_the_loop_and_cancelled_ones_never():
    server, _ = start(Ticker)
    try:
        with socket.create_connection(server.address) as sock:
            assert read_lines(sock, 2) == [b"sooner", b"later"]
        done = threading.Event()
        server.call_soon_threadsafe(lambda: (server.ran.append(("call", True)), done.set()))
        assert done.wait(5)
        assert server.ran == [("sooner", True), ("later", True), ("call", True)]
    finally:
        server.stop()


class Blocking(SelectorServer):
    """Detached connections served by blocking threads (as the threaded echo does)."""

    def on_connect(self, conn):
        sock = conn.detach()
        self.spawn(self.serve, conn, sock)

    def serve(self, conn, sock):
        try:
            while True:
                data = sock.recv(100)
                if not data:
                    break
                sock.sendall(data)
        except OSError:
            pass
        finally:
            self.release(conn, "done")


def test_a_detached_connection_is_closed_by_stop_and_its_thread_ends():
    server, recorder = start(Blocking)
    sock = socket.create_connection(server.address)
    try:
        sock.sendall(b"ping")
        sock.settimeout(5)
        assert sock.recv(10) == b"ping"
        server.stop()
        assert sock.recv(10) == b""
        deadline = time.monotonic() + 10  # (stop() waits a second at most; a loaded machine
        while any(t.is_alive() for t in server._threads) and time.monotonic() < deadline:
            time.sleep(0.01)  # may need a moment more for the thread to be scheduled)
        assert not [t.name for t in server._threads if t.is_alive()]
        assert recorder.of(Kind.CLOSED)[0].text.endswith("(server stopped)")
    finally:
        sock.close()


class Closer(SelectorServer):
    """Sends one line and closes politely, like the daytime server."""

    def on_connect(self, conn):
        conn.identify()
        conn.send(b"bye\n")
        conn.close("sent", linger=True)


def test_a_lingering_close_never_resets_a_client_that_sent_unread_input():
    server, recorder = start(Closer, linger_seconds=5.0)
    try:
        for _ in range(20):
            with socket.create_connection(server.address) as sock:
                sock.sendall(b"x" * 10_000 + b"\r\n")  # unread input would cause a reset
                sock.settimeout(5)
                data = b""
                while True:
                    chunk = sock.recv(100)
                    if not chunk:
                        break
                    data += chunk
                assert data == b"bye\n"
        recorder.wait_for(Kind.CLOSED, count=20, text="(sent)")
    finally:
        server.stop()


def test_stop_is_quick_with_many_connections_and_the_port_is_free_at_once():
    server, _ = start()
    port = server.address[1]
    socks = [socket.create_connection(server.address) for _ in range(200)]
    try:
        server.stop()  # (the test's timeout catches a stop that hangs)
        again = Shouter(HOST, port)
        again.start()
        again.stop()
    finally:
        for sock in socks:
            sock.close()


def test_a_quiet_server_builds_no_step_events():
    server = Shouter(HOST, 0)  # no listener at all
    assert server.log_steps is False
    built = []
    server.log_transfer = lambda *args, **kwargs: built.append(args)
    server.start()
    try:
        with socket.create_connection(server.address) as sock:
            sock.sendall(b"quiet\n")
            assert read_lines(sock, 1) == [b"QUIET"]
    finally:
        server.stop()
    assert built == []


class Buggy(SelectorServer):
    """A protocol with a bug that one client's bytes trigger."""

    def on_data(self, conn, data):
        conn.identify()
        if b"boom" in data:
            raise ValueError("a bug")
        conn.send(data)


def test_a_bug_in_a_protocol_drops_only_the_client_that_hit_it():
    server, recorder = start(Buggy)
    try:
        with socket.create_connection(server.address) as calm, \
                socket.create_connection(server.address) as bomber:
            calm.sendall(b"one\n")
            assert read_lines(calm, 1) == [b"one"]
            bomber.sendall(b"boom\n")
            bomber.settimeout(5)
            assert bomber.recv(10) == b""  # closed
            calm.sendall(b"two\n")
            assert read_lines(calm, 1) == [b"two"]
        error = recorder.wait_for(Kind.ERROR, text="Internal error")[0]
        assert "ValueError('a bug')" in error.text and "others are still served" in error.text
    finally:
        server.stop()
