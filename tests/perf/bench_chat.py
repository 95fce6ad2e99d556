#!/usr/bin/env python3
"""Chat benchmark: labsuite's chat server against two plain-Python peers, in one run.

Servers: labsuite (``labsuite serve chat``), "asyncio" (peers/asyncio_chat.py, the
practical limit in Python) and "paper" (peers/paper_chat.py, the threaded design from
class, which is expected to lose messages). Each runs in its own process, a fresh one per
scenario, and the same load generator (this file, ``generate``; one asyncio loop holding
every connection, in its own process) drives each of them. All traffic is on 127.0.0.1.

* fan-out: 200 clients join, then 5 of them each send 200 messages as fast as they can;
  every client receives every message (200,000 deliveries). Deliveries per second from
  the first send to the last delivery, lost messages, duplicates and reordering per
  sender, latency from the send time carried in each message.
* latency: 50 clients, each sending one message every 10 ms (300 of them), all receiving
  everything; delivery latency at a steady load of 50 x 100 messages a second.

Every message is "MESSAGE <sender> <seq> <send-time-ns>". A *probe* client checks each
delivery (right sender in the header, a sequence number not seen before, in order) and
times it from the send time it carries. Only a few clients are probes (5, spread over the
join order, the last joined included, as servers relay in join order); the others
receive everything but only count lines: their sockets are taken out of the event loop
while measured and drained every ``COUNTER_READ_EVERY`` seconds (``BURST_READ_EVERY`` in
the fan-out) with plain recv() calls, lines counted in C, and each must end with exactly
two lines per message. That is why: one Python process parsing all 250,000 deliveries a
second needs more than one core, so its own backlog, not the server, would set the
latency (and, in the fan-out, the rate). The server's work is the same either way: every
client joins, the senders send and every client is sent everything.

Clients join one at a time and leave with QUIT one at a time (neither is timed), so what
is measured is the relaying itself, not races while joining. Counts and a deadline bound
every scenario; on the deadline it stops and reports what it measured. Standalone:
``python tests/perf/bench_chat.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

# This folder is on sys.path (runner, pytest, script).
from bench_echo import (PYTHON, ROOT, ServerFailed, ServerProcess, add_problem, core_plan,
                        peer_command)
from loadgen import percentile, raise_open_file_limit

TITLE = "chat server: fan-out to 200 clients and latency at 50 x 100 msg/s (127.0.0.1)"
BASELINE = "asyncio"
RATIOS = ("deliv/s",)
GOAL = "goal: labsuite >= 0.5x asyncio deliveries/s, zero lost, p99 < 20 ms at 50 clients x 100 msg/s"
GOAL_RATIO, GOAL_P99_MS = 0.5, 20.0


@dataclass(frozen=True)
class Scenario:
    clients: int
    senders: int
    messages: int  # per sender
    interval_ms: float  # between one sender's messages; 0 = as fast as it can
    seconds: float  # hard deadline for the whole scenario
    settle: float  # how long to wait for more once deliveries stop
    probes: int = 0  # clients that check and time every delivery; 0 = all of them

    @property
    def expected(self) -> int:
        return self.clients * self.senders * self.messages

    @property
    def per_client(self) -> int:
        return self.senders * self.messages


FULL = {"fan-out": Scenario(200, 5, 200, 0, 40.0, 2.0, probes=5),
        "latency": Scenario(50, 50, 300, 10, 20.0, 2.0, probes=5)}
QUICK = {"fan-out": Scenario(20, 2, 20, 0, 10.0, 1.0, probes=3),
         "latency": Scenario(10, 10, 20, 10, 5.0, 1.0, probes=3)}
#: How often the counting (non-probe) clients are drained: each sweep counts everything
#: waiting, so the generator's loop stays idle enough to read a probe the moment its data
#: arrives, and 10 ms of a client's deliveries (about 2 KB here) fit any socket buffer.
COUNTER_READ_EVERY = 0.01
BURST_READ_EVERY = 0.001  # the same when the senders send as fast as they can
RECV_BYTES = 65536
JOIN_SECONDS = 2.0  # for one client's own NEW to come back
QUIT_SECONDS = 0.5  # for one client's GOODBYE and close
JOIN_QUIET = 0.05  # after every client heard the last join, before counting starts
SERVER_BUSY_CHECK = 0.1  # while settling, how often to see whether the server still works
SERVER_IDLE_RUN = 0.002  # CPU seconds per check a server may use and still count as idle
TEARDOWN_SECONDS = 5.0
MAX_LINE = 4096
EXCEPTIONS = re.compile(r"(\d+) handler exceptions?(.*)")


def servers() -> Dict[str, List[str]]:
    """Name -> the command that starts it on a free port, in table order."""
    return {
        "labsuite": [PYTHON, "-m", "labsuite", "serve", "chat", "--host", "127.0.0.1",
                     "--port", "0", "--quiet"],
        "asyncio": peer_command("asyncio_chat.py"),
        "paper": peer_command("paper_chat.py"),
    }


def pick_servers(wanted: Optional[List[str]]) -> Dict[str, List[str]]:
    known = servers()
    unknown = sorted(set(wanted or ()) - set(known))
    if unknown:
        raise ValueError(f"unknown server {', '.join(unknown)}; choose from {', '.join(known)}")
    return {name: command for name, command in known.items() if not wanted or name in wanted}


COUNTS_EXCEPTIONS = {"paper"}  # servers that print "N handler exceptions" when stopped
NOTES = {"paper": "one recv(1024) taken as one message, a shared dict with no lock "
                  "(as written in class): losses are expected"}


# -- the load generator (runs in its own process) ---------------------------------------
def client_name(index: int) -> bytes:
    return b"c%03d" % index


def sender_indexes(clients: int, senders: int) -> List[int]:
    """Senders spread evenly over the clients (all of them when senders == clients)."""
    return [i * clients // senders for i in range(senders)]


def probe_indexes(clients: int, probes: int) -> List[int]:
    """The clients that check and time every delivery: spread from the first to join to
    the last (every client when ``probes`` is 0 or not less than ``clients``)."""
    if not 0 < probes < clients:
        return list(range(clients))
    if probes == 1:
        return [clients - 1]
    return sorted({round(i * (clients - 1) / (probes - 1)) for i in range(probes)})


class Member(asyncio.BufferedProtocol):
    """One client: joins, takes in every delivery, leaves with QUIT.

    While joining and leaving every client parses what it receives. While measured, a
    probe still parses every line (``parse``); any other client only counts lines
    (``count``). The event loop reads into one ``RECV_BYTES`` buffer shared by all
    (a plain Protocol gets a new 256 KiB bytes object for every read, which the
    allocator maps and unmaps: about 12 us a read)."""

    def __init__(self, gen: "Generator", index: int):
        self.gen = gen
        self.name = client_name(index)
        self.probe = index in gen.probes
        self.counting = False  # only counting lines (a non-probe while measured)
        self.sock: Optional[socket.socket] = None
        self.ended = False  # the server closed while the client was counting
        self.transport = None
        self.pending = b""
        self.header: Optional[bytes] = None  # a MESSAGE line waiting for its body line
        self.welcomed = gen.loop.create_future()
        self.closed = gen.loop.create_future()
        self.last_joined: Optional[bytes] = None  # the name in the latest NEW line
        self.seen = [bytearray(gen.scenario.messages) for _ in gen.senders]
        self.highest = [-1] * len(gen.senders)
        self.unique = 0
        self.lines = 0  # non-empty lines counted while counting
        self.counted = 0  # the deliveries those lines make (two lines each), capped

    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.gen.buffer

    def buffer_updated(self, nbytes: int) -> None:
        data = bytes(self.gen.buffer[:nbytes])  # before anyone else reads into it
        if self.counting:
            self.count(data)
        else:
            self.parse(data)

    def drain(self) -> None:
        """Count everything waiting on the socket (the transport is paused meanwhile)."""
        while not self.ended:
            try:
                data = self.sock.recv(RECV_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                data, why = b"", f" ({exc})"
            else:
                why = ""
            if not data:
                self.ended = True
                self.gen.error(f"{self.name.decode()}: the server closed the connection{why}")
                return
            self.count(data)
            if len(data) < RECV_BYTES:
                return

    def count(self, data: bytes) -> None:
        """Count the complete non-empty lines in ``data``, all in C (a delivery is two
        lines; the paper's server adds an empty one)."""
        gen = self.gen
        chunk = self.pending + data if self.pending else data
        end = chunk.rfind(b"\n") + 1
        if end:
            # A line starting this chunk follows a complete one, so a leading "\n" is empty.
            empty = chunk.count(b"\n\n", 0, end) + (chunk[:1] == b"\n")
            self.lines += chunk.count(b"\n", 0, end) - empty
            self.pending = chunk[end:]
            counted = min(self.lines >> 1, gen.scenario.per_client)
            if counted > self.counted:
                gen.delivered += counted - self.counted
                gen.last_delivery = time.perf_counter_ns()
                self.counted = counted
        else:
            self.pending = chunk
        if len(self.pending) > MAX_LINE:
            gen.garbled += 1
            self.pending = b""

    def parse(self, data: bytes) -> None:
        """Check and time every delivery in ``data``; one tight loop, as this is the
        generator's hot path."""
        now = time.perf_counter_ns()
        gen = self.gen
        if self.pending:
            data = self.pending + data
        lines = data.split(b"\n")
        self.pending = lines.pop()
        if len(self.pending) > MAX_LINE:
            gen.garbled += 1
            self.pending = b""
        header = self.header
        sender_index, seen, highest = gen.sender_index, self.seen, self.highest
        messages, latencies = gen.scenario.messages, gen.latencies
        unique = garbled = 0
        for line in lines:
            if header is None:
                if line[:8] == b"MESSAGE ":
                    header = line[8:]
                elif line:
                    self.other_line(line)
                continue
            if not line:  # the paper's server leaves an empty line after each message
                continue
            sender_name, header = header, None
            try:  # the body: "<sender> <seq> <send-time-ns>", under the sender's header
                name, seq, sent = line.split(b" ")
                sender = sender_index[name] if name == sender_name else -1
                seq, sent = int(seq), int(sent)
            except (ValueError, KeyError):
                sender = -1
            if sender < 0 or not 0 <= seq < messages:
                garbled += 1
            elif seen[sender][seq]:
                gen.duplicates += 1
            else:
                seen[sender][seq] = 1
                if seq < highest[sender]:
                    gen.out_of_order += 1
                else:
                    highest[sender] = seq
                latencies.append(now - sent)
                unique += 1
        self.header = header
        gen.garbled += garbled
        if unique:
            self.unique += unique
            gen.delivered += unique
            gen.last_delivery = now

    def other_line(self, line: bytes) -> None:
        word, _, rest = line.partition(b" ")
        if word == b"NEW":
            self.last_joined = rest
            if rest == self.name and not self.welcomed.done():
                self.welcomed.set_result(True)
        elif word == b"ERROR":
            self.gen.error(f"{self.name.decode()}: the server said {line[:80]!r}")
        elif word not in (b"HERE", b"LEFT", b"GOODBYE"):
            self.gen.garbled += 1

    def say(self, seq: int) -> None:
        self.transport.write(b"MESSAGE %s %d %d\n" % (self.name, seq, time.perf_counter_ns()))

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(True)
        if not self.gen.leaving:
            why = f" ({exc})" if exc else ""
            self.gen.error(f"{self.name.decode()}: the server closed the connection{why}")


class Generator:
    """One scenario against one server: join, send, count until settled, leave."""

    def __init__(self, host: str, port: int, scenario: Scenario,
                 server_pid: Optional[int] = None):
        self.host, self.port, self.scenario = host, port, scenario
        self.server_pid = server_pid
        self.loop = asyncio.get_running_loop()
        self.senders = sender_indexes(scenario.clients, scenario.senders)
        self.sender_index = {client_name(i): n for n, i in enumerate(self.senders)}
        self.probes = set(probe_indexes(scenario.clients, scenario.probes))
        self.buffer = memoryview(bytearray(RECV_BYTES))  # see Member
        self.sweeping: Optional[asyncio.Future] = None
        self.members: List[Member] = []
        self.latencies: List[int] = []
        self.send_lag: List[float] = []
        self.delivered = self.garbled = self.duplicates = self.out_of_order = 0
        self.errors = 0
        self.error_samples: List[str] = []
        self.sent = 0
        self.leaving = False
        self.last_delivery = self.first_send = self.last_send = 0
        self.cpu_at_delivery: Optional[float] = None  # process_time() soon after it

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)

    async def run(self) -> Dict[str, object]:
        deadline = self.loop.time() + self.scenario.seconds
        began = time.monotonic()
        await self.join_all(deadline)
        await self.hear_all_joins(deadline)
        joined = time.monotonic() - began
        self.set_counting(True)
        print("phase sending", flush=True)
        cpu, waited = time.process_time(), cpu_wait(os.getpid())
        self.first_send = time.perf_counter_ns()
        sending = asyncio.ensure_future(self.send_all(deadline))
        timed_out = await self.settle(sending, deadline)
        # the generator's CPU up to the last delivery, like the window it is compared with
        cpu = (self.cpu_at_delivery or time.process_time()) - cpu
        waited = since(waited, cpu_wait(os.getpid()))
        print("phase settled", flush=True)
        report = self.report(timed_out, cpu, joined)
        report["load_wait_s"] = waited
        self.set_counting(False)
        report["teardown_problems"] = await self.leave_all()
        return report

    async def join_all(self, deadline: float) -> None:
        """One at a time, each waiting for its own NEW, so no join races another."""
        for index in range(self.scenario.clients):
            if self.loop.time() >= deadline:
                self.error(f"only {len(self.members)} clients joined before the deadline")
                return
            member = Member(self, index)
            try:
                await asyncio.wait_for(self.connect(member),
                                       max(0.1, deadline - self.loop.time()))
            except (OSError, asyncio.TimeoutError) as exc:
                self.error(f"{member.name.decode()} could not connect: {exc or 'timed out'}")
                continue
            self.members.append(member)
            member.transport.write(b"ADD %s\n" % member.name)
            wait = min(JOIN_SECONDS, max(0.0, deadline - self.loop.time()))
            try:
                await asyncio.wait_for(asyncio.shield(member.welcomed), wait)
            except asyncio.TimeoutError:
                self.error(f"{member.name.decode()} saw no NEW for itself within {wait:.1f} s")

    async def connect(self, member: Member) -> None:
        """Connect on a socket of our own, so that a counting client can read it directly."""
        family, kind, proto, _, address = (await self.loop.getaddrinfo(
            self.host, self.port, type=socket.SOCK_STREAM))[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            await self.loop.sock_connect(sock, address)
            await self.loop.create_connection(lambda: member, sock=sock)
        except BaseException:
            sock.close()
            raise
        member.sock = sock

    async def hear_all_joins(self, deadline: float) -> None:
        """Wait until every client has heard the last one join, so that from here on
        the server sends nothing but the messages (which the counting clients count)."""
        if not self.members:
            return
        last = self.members[-1].name
        stop = min(deadline, self.loop.time() + JOIN_SECONDS)
        while self.loop.time() < stop:
            if all(m.last_joined == last for m in self.members):
                await asyncio.sleep(JOIN_QUIET)  # for anything sent with it (HERE lines)
                return
            await asyncio.sleep(0.005)
        deaf = [m.name.decode() for m in self.members if m.last_joined != last]
        self.error(f"{len(deaf)} clients (e.g. {deaf[0]}) did not hear {last.decode()} join")

    def set_counting(self, on: bool) -> None:
        """Switch the non-probe clients to counting lines (on) or back to parsing."""
        counting = [m for m in self.members if not m.probe]
        for member in counting:
            member.counting = on
            if on:
                member.transport.pause_reading()
            else:
                member.transport.resume_reading()
        if on and counting:
            self.sweeping = asyncio.ensure_future(self.sweep(counting))
        elif self.sweeping:
            self.sweeping.cancel()
            self.sweeping = None

    async def sweep(self, counting: List[Member]) -> None:
        """Drain every counting client, again and again (the event loop reads only the
        probes and does the sending meanwhile). As fast as possible, more often while
        deliveries come in, so the last one is seen within a millisecond or two."""
        burst = BURST_READ_EVERY if not self.scenario.interval_ms else COUNTER_READ_EVERY
        while True:
            before = self.delivered
            for member in counting:
                member.drain()
            await asyncio.sleep(burst if self.delivered > before else COUNTER_READ_EVERY)

    async def send_all(self, deadline: float) -> None:
        """Round after round, one message from each sender.

        As fast as possible (yielding once a round so the receivers keep reading), or on
        a schedule: sender i's message k is due at k * interval + i * interval / senders,
        and sends that fall behind go out as soon as possible, timed when they really go.
        """
        scenario = self.scenario
        by_index = {int(m.name[1:]): m for m in self.members}
        senders = [by_index.get(i) for i in self.senders]
        interval = scenario.interval_ms / 1000.0
        step = interval / len(senders)
        start = self.loop.time()
        for seq in range(scenario.messages):
            for position, member in enumerate(senders):
                if interval:
                    due = start + seq * interval + position * step
                    delay = due - self.loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    self.send_lag.append(self.loop.time() - due)
                if member is not None and not member.transport.is_closing():
                    member.say(seq)
                    self.sent += 1
            if not interval:
                await asyncio.sleep(0)
            if self.loop.time() >= deadline:
                return
        self.last_send = time.perf_counter_ns()

    async def settle(self, sending: asyncio.Future, deadline: float) -> bool:
        """Wait for every delivery, or for deliveries to stop; True on the deadline.

        Deliveries have not stopped while the server is still working (when its process
        is known): an overloaded server can be busy for seconds between two sends, and
        what it still delivers is late, not lost."""
        expected = self.scenario.expected
        quiet_ns = int(self.scenario.settle * 1e9)
        busy_at, ran, checked, seen = 0, None, 0.0, 0
        try:
            while self.loop.time() < deadline:
                if self.delivered != seen:
                    seen, self.cpu_at_delivery = self.delivered, time.process_time()
                if self.delivered >= expected:
                    return False
                if sending.done():
                    if self.server_pid and self.loop.time() - checked >= SERVER_BUSY_CHECK:
                        checked = self.loop.time()
                        now_ran = (schedstat(self.server_pid) or (None,))[0]
                        if None not in (ran, now_ran) and now_ran - ran > SERVER_IDLE_RUN:
                            busy_at = time.perf_counter_ns()
                        ran = now_ran
                    latest = max(self.last_delivery, self.last_send, busy_at)
                    if time.perf_counter_ns() - latest >= quiet_ns:
                        return False
                await asyncio.sleep(0.01)
            return True
        finally:
            sending.cancel()
            if sending.done() and not sending.cancelled() and sending.exception():
                self.error(f"sending failed: {sending.exception()!r}")

    def report(self, timed_out: bool, cpu: float, join_s: float) -> Dict[str, object]:
        scenario = self.scenario
        per_client = scenario.per_client
        received = {m.name: m.unique if m.probe else m.counted for m in self.members}
        lost = sum(per_client - received.get(client_name(i), 0) for i in range(scenario.clients))
        # A counting client must end with exactly two lines per message: a shortfall is
        # lost (above), deliveries' worth of lines beyond it, or half a delivery, garbled.
        garbled = self.garbled + sum(extra_deliveries(m.lines, per_client)
                                     for m in self.members if not m.probe)
        window = (self.last_delivery - self.first_send) / 1e9 if self.last_delivery else 0.0
        ordered = sorted(self.latencies)
        lags = sorted(self.send_lag)
        send_window = (self.last_send - self.first_send) / 1e9 if self.last_send else 0.0
        ms = 1e-6
        return {
            "clients": scenario.clients, "joined": sum(m.welcomed.done() for m in self.members),
            "expected": scenario.expected, "delivered": self.delivered, "lost": lost,
            "duplicates": self.duplicates, "out_of_order": self.out_of_order,
            "garbled": garbled, "errors": self.errors, "error_samples": self.error_samples,
            "probes": [m.name.decode() for m in self.members if m.probe],
            "counting": sum(not m.probe for m in self.members),
            "timed": len(ordered),
            "sent": self.sent, "timed_out": timed_out, "seconds": window,
            "deliveries_per_s": self.delivered / window if window > 0 else 0.0,
            "sent_per_s": self.sent / send_window if send_window > 0 else None,
            "p50_ms": percentile(ordered, 50) * ms if ordered else None,
            "p99_ms": percentile(ordered, 99) * ms if ordered else None,
            "max_ms": ordered[-1] * ms if ordered else None,
            "send_lag_p99_ms": percentile(lags, 99) * 1000 if lags else None,
            "load_cpu_s": cpu, "join_s": join_s,
        }

    async def leave_all(self) -> int:
        """QUIT one client at a time (no leave races another); return how many did not
        get GOODBYE and a close within the time allowed."""
        self.leaving = True
        problems = 0
        stop = self.loop.time() + TEARDOWN_SECONDS
        for member in self.members:
            if not member.closed.done() and self.loop.time() < stop:
                member.transport.write(b"QUIT\n")
                try:
                    await asyncio.wait_for(asyncio.shield(member.closed), QUIT_SECONDS)
                except asyncio.TimeoutError:
                    pass
            if not member.closed.done():
                problems += 1
                member.transport.abort()
        return problems


def schedstat(pid: int) -> Optional[Tuple[float, float]]:
    """(seconds run, seconds ready to run but waiting for a CPU) of a process's threads,
    summed; None where Linux's schedstat is not available."""
    ran = waited = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                fields = stat.read().split()
            ran, waited = ran + int(fields[0]), waited + int(fields[1])
    except (OSError, ValueError, IndexError):
        return None
    return ran / 1e9, waited / 1e9


def cpu_wait(pid: int) -> Optional[float]:
    """Seconds a process waited for a CPU taken by others (see ``schedstat``)."""
    stat = schedstat(pid)
    return stat[1] if stat else None


def since(before: Optional[float], after: Optional[float]) -> Optional[float]:
    return after - before if None not in (before, after) else None


def extra_deliveries(lines: int, per_client: int) -> int:
    """What a counting client got beyond two lines per expected delivery (rounded up),
    or 1 for an odd line when it got no more than expected."""
    extra = lines - 2 * per_client
    return (extra + 1) // 2 if extra > 0 else lines % 2


def generate(argv: Optional[List[str]] = None) -> int:
    """``bench_chat.py generate --port P ...``: run one scenario, print its JSON report.

    Before the report it prints "phase sending" and "phase settled", so the bench can
    read the server's CPU time for exactly the measured part.
    """
    parser = argparse.ArgumentParser(prog="bench_chat.py generate")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    for option in ("clients", "senders", "messages"):
        parser.add_argument(f"--{option}", type=int, required=True)
    parser.add_argument("--probes", type=int, default=0)
    for option in ("interval-ms", "seconds", "settle"):
        parser.add_argument(f"--{option}", type=float, required=True)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one core")
    parser.add_argument("--server-pid", type=int, default=None,
                        help="the server's process, to tell a busy server from a quiet one")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    raise_open_file_limit()
    scenario = Scenario(args.clients, args.senders, args.messages, args.interval_ms,
                        args.seconds, args.settle, args.probes)

    async def main():
        return await Generator(args.host, args.port, scenario, args.server_pid).run()

    print(json.dumps(asyncio.run(main())), flush=True)
    return 0


# -- the bench (runs the servers and the generator) --------------------------------------
def generator_command(server: ServerProcess, scenario: Scenario,
                      core: Optional[int]) -> List[str]:
    command = [PYTHON, os.path.abspath(__file__), "generate", "--host", server.address[0],
               "--port", str(server.address[1]), "--server-pid", str(server.process.pid)]
    for option in ("clients", "senders", "messages", "interval_ms", "seconds", "settle",
                   "probes"):
        command += [f"--{option.replace('_', '-')}", str(getattr(scenario, option))]
    return command + (["--cpu", str(core)] if core is not None else [])


def run_generator(server: ServerProcess, scenario: Scenario,
                  core: Optional[int]) -> Dict[str, object]:
    """Run the generator in its own process; its report plus the server's CPU time spent
    between "phase sending" and "phase settled"."""
    limit = scenario.seconds + TEARDOWN_SECONDS + 15
    process = subprocess.Popen(generator_command(server, scenario, core), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace")
    watchdog = threading.Timer(limit, process.kill)
    watchdog.start()
    cpu: Dict[str, Optional[float]] = {}
    wait: Dict[str, Optional[float]] = {}
    report: Optional[Dict[str, object]] = None
    other: deque = deque(maxlen=3)
    try:
        for line in process.stdout:
            if line.startswith("phase "):
                cpu[line.split()[1]] = server.cpu_seconds()
                wait[line.split()[1]] = cpu_wait(server.process.pid)
            elif line.startswith("{"):
                report = json.loads(line)
            elif line.strip():
                other.append(line.strip())
    finally:
        watchdog.cancel()
        process.kill()
        process.wait()
    if report is None:
        return {"errors": 1, "note": "load generator failed: " + (" | ".join(other) or
                                                                 f"no report within {limit:g} s")}
    report["server_cpu_s"] = since(cpu.get("sending"), cpu.get("settled"))
    report["server_wait_s"] = since(wait.get("sending"), wait.get("settled"))
    return report


def measure(name: str, command: List[str], key: str, scenario: Scenario,
            cores: Optional[tuple]) -> Dict[str, object]:
    """One scenario against a fresh server process."""
    server_core, load_core = cores if cores else (None, None)
    try:
        with ServerProcess(name, command, server_core) as server:
            report = run_generator(server, scenario, load_core)
            died = server.process.poll() is not None
    except ServerFailed as exc:
        row = {"group": group_title(key, scenario), "name": name, "errors": 0}
        add_problem(row, str(exc))
        return row
    row = scenario_row(name, key, scenario, report)
    exceptions = server_exceptions(server) if name in COUNTS_EXCEPTIONS else None
    if exceptions:
        row["errors"] += exceptions[0]
        row["note"] = "; ".join(filter(None, [row.get("note"), f"server: {exceptions[1]}"]))
    if died:
        add_problem(row, f"the server died during the run: {server.output()}")
    return row


def server_exceptions(server: ServerProcess, wait: float = 2.0) -> Optional[tuple]:
    """(count, summary) from the line a peer prints when it stops ("N handler exceptions")."""
    stop = time.monotonic() + wait
    while time.monotonic() < stop:
        for line in reversed(server.lines):
            found = EXCEPTIONS.search(line)
            if found:
                return int(found.group(1)), line.split(": ", 1)[-1]
        time.sleep(0.05)
    return 1, "it printed no exception count when stopped"


def group_title(key: str, scenario: Scenario) -> str:
    if key == "fan-out":
        return (f"fan-out: {scenario.clients} clients, {scenario.senders} senders x "
                f"{scenario.messages} messages as fast as they can ({scenario.expected:,} "
                f"deliveries, deadline {scenario.seconds:g} s); {who_checks(scenario)}")
    rate = 1000 / scenario.interval_ms
    return (f"latency: {scenario.clients} clients each sending {rate:g} msg/s "
            f"({scenario.messages} each, {scenario.expected:,} deliveries, "
            f"deadline {scenario.seconds:g} s); {who_checks(scenario)}")


def who_checks(scenario: Scenario) -> str:
    """Which clients time and check deliveries, and what the others do, in words."""
    probes = probe_indexes(scenario.clients, scenario.probes)
    if len(probes) == scenario.clients:
        return "every client checks and times every delivery"
    names = " ".join(client_name(i).decode() for i in probes)
    return (f"latency timed (and every line checked) at {len(probes)} probe clients "
            f"({names}); the other {scenario.clients - len(probes)} receive everything but "
            f"only count lines (lost = shortfall from 2 lines per message, excess = garbled)")


def scenario_row(name: str, key: str, scenario: Scenario, report: Dict) -> Dict[str, object]:
    row: Dict[str, object] = {"group": group_title(key, scenario), "name": name}
    if key == "fan-out":
        row["deliv/s"] = report.get("deliveries_per_s")
    row.update({
        "p50 ms": report.get("p50_ms"), "p99 ms": report.get("p99_ms"),
        "lost": report.get("lost"),
        "delivered": f"{report.get('delivered', 0):,}/{scenario.expected:,}",
        "dup": report.get("duplicates"), "out of order": report.get("out_of_order"),
        "garbled": report.get("garbled"), "errors": report.get("errors", 0),
    })
    if key == "latency":  # the generator keeping its schedule shows it kept up
        row["sent msg/s"] = report.get("sent_per_s")
        row["gen lag ms"] = report.get("send_lag_p99_ms")
    delivered = report.get("delivered")
    server_cpu = report.get("server_cpu_s")
    row["srv us/deliv"] = server_cpu / delivered * 1e6 if server_cpu and delivered else None
    seconds = report.get("seconds")
    row["load cpu %"] = (100 * report["load_cpu_s"] / seconds
                         if seconds and report.get("load_cpu_s") is not None else None)
    for column, key in (("srv wait ms", "server_wait_s"), ("gen wait ms", "load_wait_s")):
        waited = report.get(key)
        row[column] = waited * 1000 if waited is not None else None
    row["_report"] = report
    if name == "paper":
        row["_failures_expected"] = True
    notes = [NOTES.get(name), report.get("note")]
    if report.get("timed_out"):
        notes.append("stopped at the deadline; the numbers cover what arrived")
    if report.get("error_samples"):
        notes.append("errors: " + "; ".join(report["error_samples"]))
    if report.get("teardown_problems"):
        notes.append(f"{report['teardown_problems']} clients got no GOODBYE after QUIT")
    note = "; ".join(filter(None, notes))
    if note:
        row["note"] = note
    return row


def judge(rows: List[Dict[str, object]], quick: bool) -> None:
    """Add the goal, and whether labsuite meets it, to labsuite's rows (no assert)."""
    found = {(row["group"].split(":")[0], row["name"]): row for row in rows}
    fan, base = found.get(("fan-out", "labsuite")), found.get(("fan-out", "asyncio"))
    steady = found.get(("latency", "labsuite"))
    if not (fan and base and steady):
        return
    ratio = (fan["deliv/s"] / base["deliv/s"]
             if isinstance(fan.get("deliv/s"), float) and base.get("deliv/s") else None)
    checks = [(ratio is not None and ratio >= GOAL_RATIO,
               f"{ratio:.2f}x asyncio" if ratio is not None else "no ratio"),
              (fan.get("lost") == 0 and steady.get("lost") == 0,
               f"lost {fan.get('lost')} (fan-out), {steady.get('lost')} (latency)"),
              (steady.get("p99 ms") is not None and steady["p99 ms"] < GOAL_P99_MS,
               f"p99 {steady.get('p99 ms') or 0:.1f} ms")]
    verdict = "met" if all(ok for ok, _ in checks) else "NOT met: " + ", ".join(
        text for ok, text in checks if not ok)
    if quick:
        verdict = "not judged (--quick sizes)"
    text = f"{GOAL}; here: {', '.join(t for _, t in checks)} -> {verdict}"
    fan["note"] = "; ".join(filter(None, [fan.get("note"), text]))


def run(args) -> List[Dict[str, object]]:
    """The bench entry point the runner calls: one row per server and scenario."""
    quick = getattr(args, "quick", False)
    sizes = QUICK if quick else FULL
    cores = core_plan() if not getattr(args, "no_pin", False) else None
    chosen = pick_servers(getattr(args, "servers", None))
    soft, _hard = raise_open_file_limit()  # servers inherit it
    rows = [measure(name, command, key, scenario, cores)
            for key, scenario in sizes.items() for name, command in chosen.items()]
    judge(rows, quick)
    setup = ("server pinned to core %d, load generator to core %d" % cores
             if cores else "processes not pinned to cores")
    setup += (f"; open-file limit {soft}; a fresh server per scenario; srv us/deliv = server "
              "CPU time (all threads) per delivery while sending; load cpu % = the generator's "
              "CPU from the first send to the last delivery; gen lag ms = p99 of how late the "
              "generator sent against its schedule; srv/gen wait ms = how long the server's "
              "threads (summed) and the generator were ready to run but waited for their core "
              "while measured, i.e. other work on the machine (or, for the paper's server, "
              "its own threads) in the way")
    for row in rows:
        row["setup"] = setup
    return rows


def add_arguments(parser) -> None:
    """Options only this bench understands (the same as the echo bench's, where shared)."""
    parser.add_argument("--servers", nargs="+", metavar="NAME",
                        help="only these servers (default: all)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        sys.exit(generate(sys.argv[2:]))
    from run import standalone

    sys.exit(standalone(sys.modules[__name__], "chat"))
