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

Every message is "MESSAGE <sender> <seq> <send-time-ns>", so each delivery is checked:
right sender in the header, a sequence number not seen before. Clients join one at a
time and leave with QUIT one at a time (neither is timed), so what is measured is the
relaying itself, not races while joining. Counts and a deadline bound every scenario; on
the deadline it stops and reports what it measured. Standalone:
``python tests/perf/bench_chat.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Dict, List, Optional

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

    @property
    def expected(self) -> int:
        return self.clients * self.senders * self.messages


FULL = {"fan-out": Scenario(200, 5, 200, 0, 40.0, 2.0),
        "latency": Scenario(50, 50, 300, 10, 20.0, 2.0)}
QUICK = {"fan-out": Scenario(20, 2, 20, 0, 10.0, 1.0),
         "latency": Scenario(10, 10, 20, 10, 5.0, 1.0)}
JOIN_SECONDS = 2.0  # for one client's own NEW to come back
QUIT_SECONDS = 0.5  # for one client's GOODBYE and close
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


class Member(asyncio.Protocol):
    """One client: joins, counts every delivery it receives, leaves with QUIT."""

    def __init__(self, gen: "Generator", index: int):
        self.gen = gen
        self.name = client_name(index)
        self.transport = None
        self.pending = b""
        self.header: Optional[bytes] = None  # a MESSAGE line waiting for its body line
        self.welcomed = gen.loop.create_future()
        self.closed = gen.loop.create_future()
        self.seen = [bytearray(gen.scenario.messages) for _ in gen.senders]
        self.highest = [-1] * len(gen.senders)
        self.unique = 0

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        """Count every delivery in ``data``; one tight loop, as this is the generator's
        hot path (a quarter of a million deliveries a second in the latency scenario)."""
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

    def __init__(self, host: str, port: int, scenario: Scenario):
        self.host, self.port, self.scenario = host, port, scenario
        self.loop = asyncio.get_running_loop()
        self.senders = sender_indexes(scenario.clients, scenario.senders)
        self.sender_index = {client_name(i): n for n, i in enumerate(self.senders)}
        self.members: List[Member] = []
        self.latencies: List[int] = []
        self.send_lag: List[float] = []
        self.delivered = self.garbled = self.duplicates = self.out_of_order = 0
        self.errors = 0
        self.error_samples: List[str] = []
        self.sent = 0
        self.leaving = False
        self.last_delivery = self.first_send = self.last_send = 0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)

    async def run(self) -> Dict[str, object]:
        deadline = self.loop.time() + self.scenario.seconds
        began = time.monotonic()
        await self.join_all(deadline)
        joined = time.monotonic() - began
        print("phase sending", flush=True)
        cpu = time.process_time()
        self.first_send = time.perf_counter_ns()
        sending = asyncio.ensure_future(self.send_all(deadline))
        timed_out = await self.settle(sending, deadline)
        cpu = time.process_time() - cpu
        print("phase settled", flush=True)
        report = self.report(timed_out, cpu, joined)
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
                await asyncio.wait_for(
                    self.loop.create_connection(lambda: member, self.host, self.port),
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
        """Wait for every delivery, or for deliveries to stop; True on the deadline."""
        expected = self.scenario.expected
        quiet_ns = int(self.scenario.settle * 1e9)
        try:
            while self.loop.time() < deadline:
                if self.delivered >= expected:
                    return False
                if sending.done():
                    latest = max(self.last_delivery, self.last_send)
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
        per_client = scenario.senders * scenario.messages
        received = {m.name: m.unique for m in self.members}
        lost = sum(per_client - received.get(client_name(i), 0) for i in range(scenario.clients))
        window = (self.last_delivery - self.first_send) / 1e9 if self.last_delivery else 0.0
        ordered = sorted(self.latencies)
        lags = sorted(self.send_lag)
        send_window = (self.last_send - self.first_send) / 1e9 if self.last_send else 0.0
        ms = 1e-6
        return {
            "clients": scenario.clients, "joined": sum(m.welcomed.done() for m in self.members),
            "expected": scenario.expected, "delivered": self.delivered, "lost": lost,
            "duplicates": self.duplicates, "out_of_order": self.out_of_order,
            "garbled": self.garbled, "errors": self.errors, "error_samples": self.error_samples,
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
    for option in ("interval-ms", "seconds", "settle"):
        parser.add_argument(f"--{option}", type=float, required=True)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one core")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    raise_open_file_limit()
    scenario = Scenario(args.clients, args.senders, args.messages, args.interval_ms,
                        args.seconds, args.settle)

    async def main():
        return await Generator(args.host, args.port, scenario).run()

    print(json.dumps(asyncio.run(main())), flush=True)
    return 0


# -- the bench (runs the servers and the generator) --------------------------------------
def generator_command(address, scenario: Scenario, core: Optional[int]) -> List[str]:
    command = [PYTHON, os.path.abspath(__file__), "generate", "--host", address[0],
               "--port", str(address[1])]
    for option in ("clients", "senders", "messages", "interval_ms", "seconds", "settle"):
        command += [f"--{option.replace('_', '-')}", str(getattr(scenario, option))]
    return command + (["--cpu", str(core)] if core is not None else [])


def run_generator(server: ServerProcess, scenario: Scenario,
                  core: Optional[int]) -> Dict[str, object]:
    """Run the generator in its own process; its report plus the server's CPU time spent
    between "phase sending" and "phase settled"."""
    limit = scenario.seconds + TEARDOWN_SECONDS + 15
    process = subprocess.Popen(generator_command(server.address, scenario, core), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace")
    watchdog = threading.Timer(limit, process.kill)
    watchdog.start()
    cpu: Dict[str, Optional[float]] = {}
    report: Optional[Dict[str, object]] = None
    other: deque = deque(maxlen=3)
    try:
        for line in process.stdout:
            if line.startswith("phase "):
                cpu[line.split()[1]] = server.cpu_seconds()
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
    before, after = cpu.get("sending"), cpu.get("settled")
    report["server_cpu_s"] = after - before if None not in (before, after) else None
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
                f"deliveries, deadline {scenario.seconds:g} s)")
    rate = 1000 / scenario.interval_ms
    return (f"latency: {scenario.clients} clients each sending {rate:g} msg/s "
            f"({scenario.messages} each, {scenario.expected:,} deliveries, "
            f"deadline {scenario.seconds:g} s)")


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
              "CPU over the measured window; gen lag ms = p99 of how late the generator "
              "sent against its schedule")
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
