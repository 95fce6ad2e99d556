#!/usr/bin/env python3
"""Poker benchmark: bot-only hands on the real server, next to the bare rules.

* labsuite server: ``labsuite serve poker --bots 4 --bot-delay 0 --hand-pause 0 --rebuy
  --seed 1 --port 0 --quiet`` in its own process (pinned to one core). A watching
  connection (this process, on the other core) reads every line the server sends, counts
  hands (the block of CHIPS lines, one per seat, that ends each one) and checks after every
  hand that chips are conserved: the CHIPS lines add up to the last hand's total plus the
  REBUY chips announced in between. Hands per second from the first hand it saw ending to
  the last; the server's CPU time per hand from ``/proc``; the server's output is searched
  for errors and it must still be running at the end.
* pure Table: the same table (``labsuite.net.poker.make_table``, the same settings and
  seed) driven in a process of its own with no sockets, each event encoded to its wire
  line once, as the server does: what the rules cost. The ratio is what networking,
  routing and the loop cost on top.

Standalone: ``python tests/perf/bench_poker.py [--quick] [--hands N]``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import Dict, List, Optional

# This folder is on sys.path (runner, pytest, script).
from bench_echo import HERE, PYTHON, ROOT, ServerFailed, ServerProcess, add_problem, core_plan

TITLE = "poker server: bot-only hands, 4 bots at one table, watched over 127.0.0.1"
BASELINE = "pure Table"
RATIOS = ("hands/s",)
GOAL = "goal: labsuite server > 500 hands/s, chips conserved after every hand, no error"
GOAL_HANDS_PER_S = 500
FULL_HANDS, QUICK_HANDS = 10_000, 200
SEED, BOTS = 1, 4
#: In a quiet server's output every event line is an error, and a traceback is one too.
ERROR_WORDS = ("[poker server]", "Traceback")


def server_command() -> List[str]:
    return [PYTHON, "-m", "labsuite", "serve", "poker", "--host", "127.0.0.1", "--port", "0",
            "--bots", str(BOTS), "--bot-delay", "0", "--hand-pause", "0", "--rebuy",
            "--seed", str(SEED), "--quiet"]


class Ledger:
    """Hands and chips from the bytes a watcher receives (bytes, not text: it must keep
    up with a server dealing thousands of hands a second)."""

    def __init__(self):
        self.hands = 0  # whole hands seen to their end
        self.mismatches = 0  # hands after which the chips did not add up
        self.samples: List[str] = []
        self.first_at: Optional[float] = None  # when the first hand seen ended
        self.last_at: Optional[float] = None
        self._total: Optional[int] = None
        self._rebuys = 0
        self._block: Optional[int] = None  # chips in the CHIPS lines so far
        self._tail = b""

    def feed(self, data: bytes, now: float) -> None:
        lines = (self._tail + data).split(b"\n")
        self._tail = lines.pop()
        for line in lines:
            if line.startswith(b"CHIPS "):
                self._block = (self._block or 0) + int(line.rsplit(b" ", 1)[1])
                continue
            if self._block is not None:
                self._hand_ended(now)
            if line.startswith(b"REBUY "):  # chips that came to the table for the next hand
                self._rebuys += int(line.rsplit(b" ", 1)[1])

    def _hand_ended(self, now: float) -> None:
        chips, self._block = self._block, None
        if self._total is None:  # the first hand seen (rebuys before it are in it)
            self._total, self.first_at = chips, now
        else:
            self._total += self._rebuys
            self.hands += 1
            self.last_at = now
            if chips != self._total:
                self.mismatches += 1
                if len(self.samples) < 3:
                    self.samples.append(f"hand {self.hands}: {chips} chips, {self._total} "
                                        "expected")
                self._total = chips
        self._rebuys = 0

    @property
    def hands_per_s(self) -> Optional[float]:
        if not self.hands or self.last_at is None or self.last_at <= self.first_at:
            return None
        return self.hands / (self.last_at - self.first_at)


def watch(address, hands: int, seconds: float) -> Dict[str, object]:
    """Watch the table until ``hands`` more hands ended (or the deadline)."""
    ledger = Ledger()
    problem = ""
    deadline = time.monotonic() + seconds
    with socket.create_connection(address, timeout=5) as sock:
        sock.settimeout(1.0)
        while ledger.hands < hands:
            if time.monotonic() > deadline:
                problem = f"only {ledger.hands} hands within {seconds:g} s"
                break
            try:
                data = sock.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError as exc:
                problem = f"the watching connection failed: {exc}"
                break
            if not data:
                problem = f"the server closed the watching connection after {ledger.hands} hands"
                break
            ledger.feed(data, time.perf_counter())
    return {"ledger": ledger, "problem": problem}


def measure_server(hands: int, seconds: float, cores) -> Dict[str, object]:
    server_core, load_core = cores if cores else (None, None)
    row: Dict[str, object] = {"name": "labsuite server"}
    pinned = os.sched_getaffinity(0) if load_core is not None else None
    if load_core is not None:
        os.sched_setaffinity(0, {load_core})  # the watcher (this process) for the run
    try:
        with ServerProcess("labsuite server", server_command(), server_core) as server:
            before = server.cpu_seconds()
            began = time.perf_counter()
            watched = watch(server.address, hands, seconds)
            after = server.cpu_seconds()
            spent = time.perf_counter() - began
            alive = server.process.poll() is None
            output = list(server.lines)
    except ServerFailed as exc:
        return dict(row, errors=1, note=str(exc))
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)
    ledger = watched["ledger"]
    cpu = (after - before) if None not in (before, after) else None
    counted = ledger.hands + 1  # the first hand seen ended the warm-up
    row.update({"hands": ledger.hands, "hands/s": ledger.hands_per_s,
                "cpu us/hand": cpu / counted * 1e6 if cpu is not None and ledger.hands else None,
                "mismatches": ledger.mismatches, "errors": 0, "seconds": spent})
    if ledger.samples:
        add_note(row, "chips not conserved: " + "; ".join(ledger.samples))
    if watched["problem"]:
        add_problem(row, watched["problem"])
    logged = [line for line in output if any(word in line for word in ERROR_WORDS)]
    if logged:
        add_problem(row, f"the server reported: {logged[0]}")
    if not alive:
        add_problem(row, "the server died during the run")
    return row


def add_note(row: Dict[str, object], note: str) -> None:
    row["note"] = f"{row['note']} {note}" if row.get("note") else note


# -- the pure table (runs in its own process) ------------------------------------------------
def play_pure(hands: int) -> Dict[str, object]:
    """The server's table with no server: 4 bots, ``hands`` hands, chips checked."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from labsuite.net.poker import make_table, table_config
    from labsuite.protocols.poker import encode
    from labsuite.protocols.poker.events import Rebuy

    config = table_config(bots=BOTS, bot_delay=0, hand_pause=0, rebuy=True)
    table = make_table(config, seed=SEED)
    for _ in range(BOTS):
        table.add_bot(0.0)
    total = BOTS * config.starting_stack
    mismatches = 0
    began, cpu = time.perf_counter(), time.process_time()
    while table.hand_number < hands:
        for event in table.tick(0.0):
            encode(event)
            if type(event) is Rebuy:
                total += event.chips
        if not table.hand_running and \
                sum(table.chips_of(name) for name in table.players) != total:
            mismatches += 1
    return {"hands": table.hand_number, "seconds": time.perf_counter() - began,
            "cpu": time.process_time() - cpu, "mismatches": mismatches,
            "bot_mistakes": table.bot_mistakes}


def measure_pure(hands: int, seconds: float, cores) -> Dict[str, object]:
    row: Dict[str, object] = {"name": "pure Table"}
    command = [PYTHON, str(HERE / "bench_poker.py"), "pure", str(hands)]
    core = cores[0] if cores else None
    pin = (lambda: os.sched_setaffinity(0, {core})) if core is not None else None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 15,
                              preexec_fn=pin, cwd=ROOT)
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, IndexError, ValueError) as exc:
        return dict(row, errors=1, note=f"the pure run failed: {exc!r}")
    played = report["hands"]
    row.update({"hands": played, "hands/s": played / report["seconds"],
                "cpu us/hand": report["cpu"] / played * 1e6, "mismatches": report["mismatches"],
                "errors": report["bot_mistakes"], "seconds": report["seconds"]})
    return row


def run(args) -> List[Dict[str, object]]:
    """The bench entry point the runner calls: the server row and the pure row."""
    quick = getattr(args, "quick", False)
    hands = getattr(args, "hands", None) or (QUICK_HANDS if quick else FULL_HANDS)
    seconds = 20.0 if quick else 120.0
    cores = core_plan() if not getattr(args, "no_pin", False) else None
    rows = [measure_server(hands, seconds, cores), measure_pure(hands, seconds, cores)]
    server = rows[0]
    speed = server.get("hands/s")
    met = isinstance(speed, float) and speed > GOAL_HANDS_PER_S and not server.get("mismatches") \
        and not server.get("errors")
    add_note(server, f"{GOAL}: {'met' if met else 'NOT met'}" + (" (quick run)" if quick else ""))
    setup = ("server (and the pure table) pinned to core %d, the watcher to core %d" % cores
             if cores else "processes not pinned to cores")
    for row in rows:
        row["setup"] = (f"{setup}; {hands:,} hands each; hands/s from the first hand's end to "
                        "the last's; cpu us/hand = the process's CPU time (all threads) per "
                        "hand; mismatches = hands after which the chips did not add up")
    return rows


def add_arguments(parser) -> None:
    parser.add_argument("--hands", type=int, default=None, metavar="N",
                        help=f"poker: hands to play (default {FULL_HANDS:,}, "
                             f"{QUICK_HANDS} with --quick)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")


if __name__ == "__main__":
    if sys.argv[1:2] == ["pure"]:
        print(json.dumps(play_pure(int(sys.argv[2]))))
        sys.exit(0)
    from run import standalone

    sys.exit(standalone(sys.modules[__name__], "poker"))
