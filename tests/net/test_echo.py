"""Echo server (three modes, optional UDP) and echo client, over real loopback sockets."""

from __future__ import annotations

import errno
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from labsuite.net.echo import (MAX_PENDING_OUTPUT, CHUNK, WAITING_NOTE, EchoClient, EchoReply,
                               EchoServer)
from labsuite.net.errors import NetError, net_error
from labsuite.net.events import PREVIEW_BYTES, Kind
from labsuite.protocols.echo import UdpEchoPolicy
from tests import support

pytestmark = pytest.mark.timeout(15)

HOST = "127.0.0.1"
MODES = EchoServer.MODES
WAIT = 5.0  # upper bound for anything that should happen "soon"


class Recorder(support.Recorder):
    """The shared recorder, plus waiting for an event that passes any test."""

    def first(self, test, timeout: float = WAIT):
        with self._changed:
            found = []
            self._changed.wait_for(lambda: found.extend(e for e in self.events if test(e)) or found,
                                   timeout)
        assert found, f"no matching event; the last ones: {[str(e) for e in self.events[-12:]]}"
        return found[0]


def serve(started, mode="selector", **options):
    events = Recorder()
    server = started(EchoServer(HOST, 0, mode=mode, on_event=events, **options))
    return server, events


def connect(address, timeout: float = WAIT) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


def receive_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = sock.recv(min(CHUNK, size - got))
        assert chunk, f"connection closed after {got} of {size} bytes"
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def round_trip(sock: socket.socket, data: bytes) -> bytes:
    sock.sendall(data)
    return receive_exactly(sock, len(data))


def reset(sock: socket.socket) -> None:
    """Close abruptly: SO_LINGER 0 sends RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def sees_end(sock: socket.socket) -> bool:
    """True once the other side closed (EOF) or reset the connection."""
    try:
        return receive_all(sock) is not None
    except ConnectionResetError:
        return True


def in_thread(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


# -- every mode ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_several_concurrent_clients_all_get_their_own_bytes_back(started, mode):
    server, _ = serve(started, mode)
    failures = []

    def client(number):
        try:
            with connect(server.address) as sock:
                for line in range(3):
                    message = f"client {number} line {line}\n".encode()
                    if round_trip(sock, message) != message:
                        failures.append((number, line))
        except OSError as exc:
            failures.append((number, exc))

    threads = [in_thread(client, n) for n in range(6)]
    for thread in threads:
        thread.join(WAIT)
    assert not failures and not any(t.is_alive() for t in threads)


@pytest.mark.parametrize("mode", MODES)
def test_one_megabyte_comes_back_byte_for_byte(started, mode):
    server, _ = serve(started, mode)
    data = random.Random(862).randbytes(1 << 20)
    with connect(server.address) as sock:
        in_thread(sock.sendall, data)  # read while writing: neither side's buffers fill up
        assert receive_exactly(sock, len(data)) == data


@pytest.mark.parametrize("mode", MODES)
def test_half_close_gets_every_byte_back_then_eof(started, mode):
    server, events = serve(started, mode)
    data = os.urandom(MAX_PENDING_OUTPUT + 50_000)
    with connect(server.address) as sock:

        def send_then_shut():
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)

        in_thread(send_then_shut)
        assert receive_all(sock) == data  # ends with EOF: the server closed after echoing
    closed = events.first(lambda e: e.kind is Kind.CLOSED and e.conn == 1)
    assert "the client closed the connection" in closed.text


@pytest.mark.parametrize("mode", MODES)
def test_an_abrupt_reset_is_logged_plainly_and_others_are_still_served(started, mode):
    server, events = serve(started, mode)
    victim = connect(server.address)
    assert round_trip(victim, b"first") == b"first"
    victim.sendall(b"x" * 100_000)  # mid-stream: echo still on its way back
    reset(victim)
    closed = events.first(lambda e: e.kind is Kind.CLOSED and e.conn == 1)
    assert closed.text.endswith(("(the client reset the connection)", "(the client went away)"))
    assert "Internal error" not in " ".join(e.text for e in events.of(Kind.ERROR))
    with connect(server.address) as other:
        assert round_trip(other, b"still here\n") == b"still here\n"
    assert server.running


@pytest.mark.parametrize("mode", MODES)
def test_stop_closes_connected_clients_and_frees_the_port_at_once(started, mode):
    server, events = serve(started, mode)
    port = server.address[1]
    served = connect(server.address)
    assert round_trip(served, b"hi") == b"hi"
    second = connect(server.address)  # served too, or waiting in the backlog (sequential)
    server.stop()
    for sock in (served, second):
        sock.settimeout(2.0)
        assert sees_end(sock)
        sock.close()
    assert events.of(Kind.STOPPED) and server.connection_count == 0
    assert not any(thread.is_alive() for thread in server._threads)  # joined within 1 s
    again = started(EchoServer(HOST, port, mode=mode))
    assert again.address[1] == port
    with connect(again.address) as sock:
        assert round_trip(sock, b"again") == b"again"


@pytest.mark.parametrize("mode", MODES)
def test_stop_unblocks_a_server_stuck_writing_to_a_client_that_never_reads(started, mode):
    server, events = serve(started, mode)
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    hog.connect(server.address)
    hog.settimeout(0.2)
    try:
        for _ in range(200):  # until the server's echo backs up into our sends
            hog.sendall(b"w" * 65536)
    except socket.timeout:
        pass
    server.stop()
    assert not any(thread.is_alive() for thread in server._threads)
    assert any("server stopped" in e.text for e in events.of(Kind.CLOSED))
    reset(hog)


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_ipv6_loopback_tcp_and_udp(started):
    try:
        server = started(EchoServer("::1", 0, udp=True))
    except NetError:
        pytest.skip("no IPv6 loopback here")
    with socket.create_connection(server.address, timeout=WAIT) as sock:
        assert round_trip(sock, b"six") == b"six"
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        sock.settimeout(WAIT)
        sock.bind(("::1", 0))
        sock.sendto(b"udp six", server.udp_address)
        assert sock.recvfrom(100)[0] == b"udp six"


@pytest.mark.parametrize("mode", MODES)
def test_a_port_in_use_is_a_plain_error(started, mode):
    server, _ = serve(started, mode)
    errors = Recorder()
    with pytest.raises(NetError, match="already in use"):
        EchoServer(HOST, server.address[1], mode=mode, on_event=errors).start()
    assert errors.of(Kind.ERROR) == []  # raised, not also reported


@pytest.mark.parametrize("mode", MODES)
def test_events_follow_the_course_log_with_ids_sizes_and_previews(started, mode):
    server, events = serve(started, mode)
    with connect(server.address) as sock:
        assert round_trip(sock, b"Hello, COS 333.") == b"Hello, COS 333."
        peer = sock.getsockname()
    events.first(lambda e: e.kind is Kind.CLOSED and e.conn == 1)
    kinds = [e.kind for e in events.events]
    assert kinds == [Kind.OPENED, Kind.BOUND, Kind.LISTENING, Kind.ACCEPTED, Kind.READ,
                     Kind.WROTE, Kind.CLOSED]
    accepted, read, wrote, closed = events.events[3:]
    assert {e.conn for e in (accepted, read, wrote, closed)} == {1}
    assert {e.peer for e in (accepted, read, wrote, closed)} == {peer}
    assert (read.size, wrote.size, read.data, wrote.data) == (15, 15, b"Hello, COS 333.",
                                                               b"Hello, COS 333.")
    where = f"{peer[0]}:{peer[1]}"
    assert read.text == f"Read 15 bytes from {where}: Hello, COS 333."
    assert wrote.text == f"Wrote 15 bytes to {where}: Hello, COS 333."
    assert all(e.source == "echo server" for e in events.events)


def test_event_data_keeps_only_a_preview_of_large_reads(started):
    server, events = serve(started, "threaded")
    data = b"\x00\n" + b"y" * 5000
    with connect(server.address) as sock:
        round_trip(sock, data)
    read = events.first(lambda e: e.kind is Kind.READ)
    assert read.data == data[:PREVIEW_BYTES] and read.size >= PREVIEW_BYTES
    assert read.text.endswith(": \\x00\\n" + "y" * 78 + "…")


RUN_OUT_OF_FILES = """
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))
from labsuite.net.echo import EchoServer
errors = []

def note(event):
    if event.kind.value == "error":
        errors.append(event)
        print("full", flush=True)

server = EchoServer("127.0.0.1", 0, mode=sys.argv[1], on_event=note)
server.start()
print(server.address[1], flush=True)
sys.stdin.readline()
print(len(errors), flush=True)
server.stop()
"""


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="needs POSIX resource limits")
@pytest.mark.parametrize("mode", ["selector", "threaded"])
def test_running_out_of_file_handles_pauses_accepting_then_recovers(mode):
    child = subprocess.Popen([sys.executable, "-c", RUN_OUT_OF_FILES, mode], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    clients = []
    try:
        port = int(child.stdout.readline())
        clients = [connect((HOST, port)) for _ in range(60)]  # more than the server can open
        assert round_trip(clients[0], b"first") == b"first"
        assert child.stdout.readline() == "full\n"
        for sock in clients[:40]:
            sock.close()
        with connect((HOST, port)) as late:
            assert round_trip(late, b"room again") == b"room again"
        child.stdin.write("report\n")
        child.stdin.flush()
        assert child.stdout.readline() == "1\n"  # one line for the run, not one per retry
    finally:
        for sock in clients:
            sock.close()
        child.kill()
        child.wait(WAIT)


def test_threaded_mode_drops_only_the_client_it_has_no_thread_for(started, monkeypatch):
    server, events = serve(started, "threaded")
    real_spawn, failures = server.spawn, []

    def spawn_failing_once(target, *args, **options):
        if not failures:
            failures.append(args)
            raise RuntimeError("can't start new thread")
        return real_spawn(target, *args, **options)

    monkeypatch.setattr(server, "spawn", spawn_failing_once)
    with connect(server.address) as unlucky:
        error = events.first(lambda e: e.kind is Kind.ERROR)
        assert error.text == ("Could not start a thread for client #1 (this computer is out of "
                              "threads or memory); it was disconnected.")
        assert error.conn == 1
        assert sees_end(unlucky)
    events.first(lambda e: e.kind is Kind.CLOSED and e.conn == 1)
    with connect(server.address) as next_client:
        assert round_trip(next_client, b"still serving") == b"still serving"
    assert len(failures) == 1
    assert not any("Internal error" in e.text for e in events.events)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="selector"):
        EchoServer(HOST, 0, mode="forking")


# -- sequential mode -----------------------------------------------------------------------
@pytest.mark.timeout(20)
def test_sequential_mode_makes_a_second_client_wait_and_says_so(started):
    server, events = serve(started, "sequential")
    first = connect(server.address)
    assert round_trip(first, b"one") == b"one"
    second = connect(server.address)  # the handshake completes in the backlog
    second.sendall(b"two")
    note = events.first(lambda e: e.kind is Kind.INFO)
    assert note.text == WAITING_NOTE
    second.settimeout(0.3)
    with pytest.raises(socket.timeout):
        second.recv(10)  # no echo while the first client is served
    assert round_trip(first, b"still one") == b"still one"
    first.close()
    second.settimeout(WAIT)
    assert receive_exactly(second, 3) == b"two"
    second.close()
    events.first(lambda e: e.kind is Kind.CLOSED and e.conn == 2)
    assert len(events.of(Kind.INFO)) == 1  # one note per waiting period


# -- selector mode: back-pressure ----------------------------------------------------------
@pytest.mark.timeout(20)
def test_a_client_that_never_reads_neither_stalls_others_nor_grows_server_memory(started):
    server, events = serve(started, "selector")
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)  # fill up quickly
    hog.connect(server.address)
    hog.settimeout(0.1)  # so the flooder notices stop_flood while the server holds it back
    flood = b"z" * (64 * 1024)
    stop_flood = threading.Event()

    def send_forever():
        while not stop_flood.is_set():
            try:
                hog.sendall(flood)
            except socket.timeout:
                pass
            except OSError:
                return

    flooder = in_thread(send_forever)
    deadline = time.monotonic() + WAIT
    while server.peak_pending_output < MAX_PENDING_OUTPUT and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.peak_pending_output >= MAX_PENDING_OUTPUT  # the hog is being held back
    with connect(server.address) as polite:
        for n in range(20):
            message = f"polite {n}\n".encode()
            assert round_trip(polite, message) == message
    time.sleep(0.2)  # the hog keeps pushing; the server must not keep buffering
    assert server.peak_pending_output <= MAX_PENDING_OUTPUT + CHUNK
    assert server.pending_output <= MAX_PENDING_OUTPUT + CHUNK
    stop_flood.set()
    flooder.join(WAIT)
    reset(hog)
    events.first(lambda e: e.kind is Kind.CLOSED and e.conn == 1)
    assert server.pending_output == 0


def test_many_clients_that_never_read_cost_at_most_the_output_budget(started):
    """200 clients that send and never read: each is held to its share of the output
    budget, so together they cannot grow the server's memory beyond it."""
    server, _ = serve(started, "selector")
    hogs = []
    try:
        for _ in range(200):
            hog = socket.socket()
            hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            hog.connect(server.address)
            hog.setblocking(False)
            try:
                while True:  # as much as the kernel takes: far more than a share
                    hog.send(b"q" * 65536)
            except BlockingIOError:
                pass
            hogs.append(hog)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and server.peak_pending_output < \
                server.output_budget // 2:
            time.sleep(0.02)
        assert server.peak_pending_output <= server.output_budget + 200 * 1024
        with connect(server.address) as polite:  # and the server still serves others
            assert round_trip(polite, b"still here\n") == b"still here\n"
    finally:
        for hog in hogs:
            hog.close()


# -- UDP -----------------------------------------------------------------------------------
def udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((HOST, 0))  # an ordinary ephemeral port, far above 1024
    sock.settimeout(WAIT)
    return sock


def test_udp_is_off_by_default(started):
    server, _ = serve(started)
    assert server.udp_address is None


def test_udp_echo_answers_an_ordinary_client_on_the_same_port(started):
    server, events = serve(started, udp=True)
    assert server.udp_address == server.address
    with udp_socket() as sock:
        mine = sock.getsockname()
        sock.sendto(b"ping \xff", server.udp_address)
        data, source = sock.recvfrom(4096)
        assert (data, source) == (b"ping \xff", server.udp_address)
        sock.sendto(b"q" * 3000, server.udp_address)
        assert sock.recvfrom(4096)[0] == b"q" * 1472  # never more than one safe datagram
    note = events.first(lambda e: e.kind is Kind.INFO and "first 1472 of 3000" in e.text)
    assert note.peer == mine
    read = events.first(lambda e: e.kind is Kind.READ and "over UDP" in e.text)
    assert read.size == 6 and read.conn is None


def test_udp_drops_are_logged_once_not_per_datagram(started):
    server = EchoServer(HOST, 0, udp=True, on_event=(events := Recorder()))
    server.udp_policy = UdpEchoPolicy(per_source_rate=0.0, per_source_burst=2)
    started(server)
    with udp_socket() as sock:
        for n in range(6):
            sock.sendto(b"%d" % n, server.udp_address)
        assert sorted(sock.recvfrom(100)[0] for _ in range(2)) == [b"0", b"1"]
        sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            sock.recvfrom(100)
    drop = events.first(lambda e: e.kind is Kind.INFO and e.text.startswith("Dropped"))
    assert "limit for one sender" in drop.text
    summary = events.first(lambda e: e.kind is Kind.INFO and "3 more" in e.text, timeout=3)
    assert len([e for e in events.of(Kind.INFO) if "Dropped" in e.text]) == 2
    assert summary.text.startswith("Dropped 3 more UDP datagrams")


def test_udp_port_taken_fails_start_and_gives_the_tcp_port_back(started, monkeypatch):
    import labsuite.net.core as core_module

    real_open = core_module.open_listener

    def udp_taken(service, host, port, kind=socket.SOCK_STREAM, **options):
        if kind == socket.SOCK_DGRAM:  # as if another program had the UDP port
            raise net_error(OSError(errno.EADDRINUSE, "in use"), host=host, port=port,
                            action="bind")
        return real_open(service, host, port, kind, **options)

    monkeypatch.setattr(core_module, "open_listener", udp_taken)
    events = Recorder()
    half = EchoServer(HOST, support.closed_port(), udp=True, on_event=events)
    with pytest.raises(NetError, match="already in use"):
        half.start()
    port = half.address[1]
    assert not half.running and half.listener is None
    assert not any(thread.is_alive() for thread in half._threads)
    assert "Closed server socket" in [e.text for e in events.of(Kind.CLOSED)]
    monkeypatch.undo()
    server = started(EchoServer(HOST, port))  # the TCP side was given back
    assert server.address[1] == port


def test_stop_closes_the_udp_socket(started):
    server, events = serve(started, udp=True)
    address = server.udp_address
    server.stop()
    assert server.udp_address is None
    assert any(e.text == "Closed UDP socket" for e in events.of(Kind.CLOSED))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(address)  # free again


# -- client --------------------------------------------------------------------------------
def client_for(started, address, **options):
    events = Recorder()
    client = started(EchoClient(address[0], address[1], on_event=events, **options))
    return client, events


def test_a_write_is_stamped_before_the_peer_can_read_it(started):
    """Both sides' logs merged by time (the sequence diagram does) show each send before
    the server read it: the client stamps a write when it begins, not after send()."""
    server, server_events = serve(started)
    client, events = client_for(started, server.address)
    for number in range(50):
        client.request(f"message {number}\n")
    sent = [e.time for e in events.of(Kind.WROTE)]
    read = [e.time for e in server_events.of(Kind.READ)]
    assert len(sent) == len(read) == 50
    assert all(wrote <= got for wrote, got in zip(sent, read))


def test_client_request_returns_the_echo_with_its_round_trip(started):
    server, _ = serve(started)
    client, events = client_for(started, server.address)
    connected = events.of(Kind.CONNECTED)[0]
    assert connected.text == (f"Connected to {HOST}:{server.address[1]} "
                              f"from {HOST}:{client.local[1]}")
    reply = client.request("Hello, COS 333.")
    assert reply.data == b"Hello, COS 333." and reply.text == "Hello, COS 333."
    assert reply.rtt >= 0
    result = events.first(lambda e: e.kind is Kind.RESULT)
    assert result.result == reply and result.source == "echo client"
    kinds = [e.kind for e in events.events]
    assert kinds.index(Kind.WROTE) < kinds.index(Kind.READ) < kinds.index(Kind.RESULT)


def test_client_sends_from_many_threads_and_every_send_gets_its_result(started):
    server, _ = serve(started)
    client, events = client_for(started, server.address)
    messages = [f"thread {n}: {'.' * n}\n" for n in range(1, 9)]
    threads = [in_thread(client.send, m) for m in messages]
    for thread in threads:
        thread.join(WAIT)
    events.first(lambda e: len(events.of(Kind.RESULT)) == len(messages))
    assert sorted(e.result.text for e in events.of(Kind.RESULT)) == sorted(messages)


def test_invalid_utf8_comes_back_byte_exact(started):
    server, _ = serve(started)
    client, _ = client_for(started, server.address)
    data = b"caf\xc3\xa9 \xff\xfe\x80 \xe2\x82"
    reply = client.request(data)
    assert reply.data == data and reply.text == data.decode("utf-8", "replace")


def test_client_one_megabyte_request(started):
    server, _ = serve(started)
    client, _ = client_for(started, server.address)
    data = random.Random(7).randbytes(1 << 20)
    assert client.request(data).data == data


class ChunkyEchoServer:
    """A raw echo server that waits for ``expect`` bytes, then echoes them in odd pieces."""

    def __init__(self, expect: int, pieces=(1, 4, 2, 7), close_instead: bool = False):
        self.listener = socket.create_server((HOST, 0))
        self.address = self.listener.getsockname()
        self.expect, self.pieces, self.close_instead = expect, pieces, close_instead
        self.conn = None
        self.thread = in_thread(self._run)

    def _run(self) -> None:
        conn, _ = self.listener.accept()
        self.conn = conn
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                received = receive_exactly(conn, self.expect)
            except AssertionError:  # the client left first (the time-out test)
                return
            if self.close_instead:
                return
            start, index = 0, 0
            while start < len(received):
                size = self.pieces[index % len(self.pieces)]
                conn.sendall(received[start:start + size])
                start, index = start + size, index + 1
                time.sleep(0.001)
            conn.settimeout(WAIT)
            try:
                conn.recv(1)  # hold the connection until the client leaves
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()
        if self.conn is not None:
            try:
                self.conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(WAIT)


@pytest.fixture
def chunky():
    servers = []

    def make(*args, **kwargs):
        servers.append(ChunkyEchoServer(*args, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_split_and_merged_echoes_are_matched_to_their_sends(started, chunky):
    sends = [b"ab", b"cde", b"f", b"ghijklmnop", b"\xff"]
    raw = chunky(sum(map(len, sends)))
    client, events = client_for(started, raw.address)
    for data in sends:
        client.send(data)
    events.first(lambda e: len(events.of(Kind.RESULT)) == len(sends))
    assert [e.result.data for e in events.of(Kind.RESULT)] == sends
    assert all(isinstance(e.result, EchoReply) for e in events.of(Kind.RESULT))


def test_a_request_answered_in_many_small_pieces_is_one_reply(started, chunky):
    data = os.urandom(20_000)
    raw = chunky(len(data), pieces=(999, 1, 3000))
    client, events = client_for(started, raw.address)
    assert client.request(data).data == data
    assert len(events.of(Kind.READ)) > 1 and len(events.of(Kind.RESULT)) == 1


def test_connect_refused_is_a_plain_error():
    events = Recorder()
    client = EchoClient(HOST, support.closed_port(), timeout=2.0, on_event=events)
    with pytest.raises(NetError, match="Nothing is listening"):
        client.start()
    assert not client.running and events.of(Kind.ERROR) == []


def test_server_closing_ends_the_client_cleanly_and_fails_the_request(started, chunky):
    raw = chunky(5, close_instead=True)
    client, events = client_for(started, raw.address)
    with pytest.raises(NetError, match="closed the connection"):
        client.request(b"hello", timeout=WAIT)
    closed = events.first(lambda e: e.kind is Kind.CLOSED)
    assert closed.text == "The server closed the connection"
    events.first(lambda e: e.kind is Kind.STOPPED)
    assert not client.running
    assert len(events.of(Kind.CLOSED)) == 1
    assert not any("Internal error" in e.text for e in events.of(Kind.ERROR))
    with pytest.raises(NetError):
        client.send("after the end")


def test_a_reset_by_the_server_is_explained_and_ends_the_client(started):
    listener = socket.create_server((HOST, 0))
    client, events = client_for(started, listener.getsockname())
    conn, _ = listener.accept()
    client.send("doomed")
    receive_exactly(conn, 6)
    reset(conn)
    listener.close()
    closed = events.first(lambda e: e.kind is Kind.CLOSED)
    assert closed.text == "The server reset the connection"
    events.first(lambda e: e.kind is Kind.STOPPED)
    assert not any("Internal error" in e.text for e in events.of(Kind.ERROR))


def test_sending_before_start_is_a_plain_error():
    with pytest.raises(NetError, match="not connected"):
        EchoClient(HOST, 7).send("too early")


def test_request_times_out_plainly_when_no_echo_comes(started, chunky):
    raw = chunky(10**9)  # swallows everything, echoes nothing
    client, events = client_for(started, raw.address)
    with pytest.raises(NetError, match="did not come back within 0.2 seconds"):
        client.request("anyone?", timeout=0.2)
    assert events.of(Kind.ERROR) == []


def test_client_stop_is_idempotent_and_closes_the_connection(started):
    server, server_events = serve(started)
    client, events = client_for(started, server.address)
    client.request("x")
    client.stop()
    client.stop()
    assert [e.kind for e in events.events].count(Kind.STOPPED) == 1
    assert events.of(Kind.CLOSED)[0].text.startswith("Closed the connection to")
    server_events.first(lambda e: e.kind is Kind.CLOSED and e.conn == 1)
    with pytest.raises(NetError, match="connection was closed: connect again"):
        client.send("late")


def test_client_can_start_again_after_a_stop(started):
    server, _ = serve(started)
    client, _ = client_for(started, server.address)
    assert client.request("one").text == "one"
    client.stop()
    client.start()
    assert client.request("two").text == "two"


def test_empty_request_needs_no_round_trip(started):
    server, _ = serve(started)
    client, events = client_for(started, server.address)
    assert client.request(b"") == EchoReply(b"", "", 0.0)
    assert not events.of(Kind.WROTE)


# -- text --------------------------------------------------------------------------------
