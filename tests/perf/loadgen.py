#!/usr/bin/env python3
"""Echo load generator: one selector loop driving many ping-pong connections.

It runs in its own process, separate from the server under test, and the same code
drives every server, so the comparison is fair. Every message is unique (connection and
sequence number in the bytes), and each reply is compared byte for byte, so a server that
mixes up, drops or duplicates data shows up as a mismatch rather than as speed.

Two scenarios, both bounded by a count *and* a deadline (on the deadline it stops and
reports what it measured):

* ``pingpong``: C connections, each sends R messages of S bytes, waiting for the whole
  echo before sending the next; reports round trips per second and latency percentiles.
* ``hold``: open C connections and keep them all open while each does R round trips,
  then close them; reports how many were held to the end.

Run ``python tests/perf/loadgen.py pingpong --port P`` to get one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import selectors
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

#: Connections whose handshake may be in progress at once (a burst larger than the
#: server's listen backlog would just be dropped and retried a second later).
MAX_PENDING_CONNECTS = 64
#: What a non-blocking connect_ex() returns while the handshake goes on (Windows differs).
CONNECTING = (0, errno.EINPROGRESS, errno.EWOULDBLOCK, getattr(errno, "WSAEWOULDBLOCK", -1))


def raise_open_file_limit() -> Tuple[int, int]:
    """Raise the soft limit on open files to the hard limit; return (soft, hard)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return (-1, -1)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return (soft, hard)


def payload(conn: int, seq: int, size: int) -> bytes:
    """A line of text unique to (connection, sequence), like what students send.

    A 16-byte stamp repeated, then a newline, as the course's line-based clients send.
    """
    stamp = b"%05d:%09d|" % (conn % 100000, seq % 1000000000)
    return (stamp * (size // len(stamp) + 1))[:size - 1] + b"\n"


@dataclass
class Tally:
    """What a scenario measured; ``as_dict`` is the JSON the bench reads."""

    connections: int = 0
    connected: int = 0
    completed: int = 0  # connections that finished every round trip
    round_trips: int = 0
    mismatches: int = 0
    errors: int = 0
    timed_out: bool = False
    latencies: List[float] = field(default_factory=list)
    error_samples: List[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)

    def absorb(self, other: "Tally") -> None:
        """Count another tally's failures (not its timings) as ours."""
        self.mismatches += other.mismatches
        self.timed_out = self.timed_out or other.timed_out
        for sample in other.error_samples:
            self.error(sample)
        self.errors += other.errors - len(other.error_samples)

    def as_dict(self) -> Dict[str, object]:
        ordered = sorted(self.latencies)
        return {
            "connections": self.connections, "connected": self.connected,
            "completed": self.completed, "round_trips": self.round_trips,
            "mismatches": self.mismatches, "errors": self.errors, "timed_out": self.timed_out,
            "p50_ms": percentile(ordered, 50) * 1000 if ordered else None,
            "p99_ms": percentile(ordered, 99) * 1000 if ordered else None,
            "max_ms": ordered[-1] * 1000 if ordered else None,
            "error_samples": self.error_samples,
        }


def percentile(ordered: List[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats
    return ordered[int(rank) - 1]


class _Conn:
    """One client connection and how far its ping-pong has got."""

    __slots__ = ("sock", "index", "seq", "target", "expected", "received", "sent_at")

    def __init__(self, sock: socket.socket, index: int):
        self.sock, self.index, self.seq, self.target = sock, index, 0, 0
        self.expected, self.received, self.sent_at = b"", b"", 0.0


def open_connections(host: str, port: int, count: int, size: int, deadline: float,
                     tally: Tally) -> List[_Conn]:
    """Open ``count`` connections in waves, each greeted with one round trip.

    A wave is at most MAX_PENDING_CONNECTS: on loopback the kernel completes handshakes
    long before the server accepts them, so opening all at once would overflow the
    listen backlog and stall on SYN retries. The greeting proves the server has accepted
    (and serves) every connection of a wave before the next wave starts. It is checked
    like every other message but left out of the timings.
    """
    tally.connections = count
    opened: List[_Conn] = []
    attempted = 0
    while attempted < count and time.monotonic() < deadline:
        wave = min(MAX_PENDING_CONNECTS, count - attempted)
        conns = [_Conn(sock, attempted + i)
                 for i, sock in enumerate(_connect_wave(host, port, wave, deadline, tally))]
        attempted += wave
        greeting = Tally()
        exchange(conns, 1, size, deadline, greeting)
        tally.absorb(greeting)
        for conn in conns:
            if conn.seq == conn.target:
                opened.append(conn)
            else:
                conn.sock.close()
    if attempted < count:
        tally.timed_out = True
    tally.connected = len(opened)
    return opened


def _connect_wave(host: str, port: int, count: int, deadline: float,
                  tally: Tally) -> List[socket.socket]:
    """Start ``count`` non-blocking connects and return those that succeed."""
    connected: List[socket.socket] = []
    selector = selectors.DefaultSelector()
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            sock.setblocking(False)
            code = sock.connect_ex((host, port))
            if code not in CONNECTING:
                tally.error(f"connect: {os.strerror(code)}")
                sock.close()
                continue
            selector.register(sock, selectors.EVENT_WRITE)
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, min(0.5, deadline - time.monotonic()))):
                sock = key.fileobj
                selector.unregister(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    tally.error(f"connect: {os.strerror(code)}")
                    sock.close()
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connected.append(sock)
        for key in list(selector.get_map().values()):  # deadline hit mid-handshake
            tally.timed_out = True
            tally.error("connect: no answer before the deadline")
            key.fileobj.close()
    except OSError as exc:  # e.g. out of file descriptors: report, keep what we have
        tally.error(f"connect: {exc}")
    finally:
        selector.close()
    return connected


def exchange(conns: List[_Conn], rounds: int, size: int, deadline: float,
             tally: Tally) -> Tuple[float, float]:
    """Ping-pong ``rounds`` more messages on every connection at once.

    Returns (wall seconds, CPU seconds of this process) for the exchange alone.
    """
    clock = time.perf_counter
    selector = selectors.DefaultSelector()
    latencies = tally.latencies
    active = 0

    def send_next(conn: _Conn) -> bool:
        conn.expected = payload(conn.index, conn.seq, size)
        conn.received = b""
        conn.sent_at = clock()
        try:
            sent = conn.sock.send(conn.expected)
            if sent < size:  # never seen with an empty send buffer, but be correct
                conn.sock.setblocking(True)
                conn.sock.sendall(conn.expected[sent:])
                conn.sock.setblocking(False)
        except OSError as exc:
            tally.error(f"send: {exc}")
            return False
        return True

    began, cpu = clock(), time.process_time()
    for conn in conns:
        conn.target = conn.seq + rounds
        if rounds <= 0:
            tally.completed += 1
        elif send_next(conn):
            selector.register(conn.sock, selectors.EVENT_READ, conn)
            active += 1
    try:
        while active and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                conn = key.data
                try:
                    chunk = conn.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as exc:
                    chunk, problem = None, f"receive: {exc}"
                else:
                    problem = "the server closed the connection early"
                if not chunk:
                    tally.error(problem)
                    selector.unregister(conn.sock)
                    active -= 1
                    continue
                conn.received += chunk
                if len(conn.received) < size:
                    continue
                latencies.append(clock() - conn.sent_at)
                tally.round_trips += 1
                if conn.received != conn.expected:
                    tally.mismatches += 1
                conn.seq += 1
                if conn.seq >= conn.target or not send_next(conn):
                    tally.completed += conn.seq >= conn.target
                    selector.unregister(conn.sock)
                    active -= 1
        if active:
            tally.timed_out = True
    finally:
        selector.close()
    return clock() - began, time.process_time() - cpu


def close_all(conns: List[_Conn]) -> None:
    for conn in conns:
        try:
            conn.sock.close()
        except OSError:
            pass


def pingpong(host: str, port: int, connections: int, rounds: int, size: int = 64,
             seconds: float = 30.0) -> Dict[str, object]:
    """Scenario A: request/response throughput and latency."""
    deadline = time.monotonic() + seconds
    tally = Tally()
    conns = open_connections(host, port, connections, size, deadline, tally)
    try:
        elapsed, cpu = exchange(conns, rounds, size, deadline, tally)
    finally:
        close_all(conns)
    report = tally.as_dict()
    report.update(seconds=elapsed, load_cpu_s=cpu,
                  round_trips_per_s=tally.round_trips / elapsed if elapsed > 0 else 0.0)
    return report


def hold(host: str, port: int, connections: int, rounds: int, size: int = 64,
         seconds: float = 30.0) -> Dict[str, object]:
    """Scenario B: many connections open at once, each still answered correctly."""
    limits = raise_open_file_limit()
    began = time.monotonic()
    deadline = began + seconds
    tally = Tally()
    conns = open_connections(host, port, connections, size, deadline, tally)
    connect_s = time.monotonic() - began
    try:
        exchange(conns, rounds, size, deadline, tally)
    finally:
        close_all(conns)
    report = tally.as_dict()
    report.update(held=tally.completed, connect_s=connect_s,
                  seconds=time.monotonic() - began, fd_limit=limits[0])
    if 0 < limits[0] < connections + 16:
        report["note"] = (f"open-file limit {limits[0]} is below {connections} connections; "
                          "raise it (ulimit -n) for a full run")
    return report


SCENARIOS = {"pingpong": pingpong, "hold": hold}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0, help="hard deadline")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one core")
    args = parser.parse_args(argv)
    if args.size < 17:
        parser.error("--size must be at least 17 so every message is unique")
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    raise_open_file_limit()
    report = SCENARIOS[args.scenario](args.host, args.port, args.connections, args.rounds,
                                      args.size, args.seconds)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
