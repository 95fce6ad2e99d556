"""The chat bench still runs: both scenarios, tiny counts, every server, no timing asserts.

What is asserted is correctness under load: labsuite and the asyncio peer deliver every
message exactly once, with no errors, and the runner prints a row for every server. The
paper's server is expected to lose messages, so only its row is checked, not its losses.
A fake server that drops and repeats messages shows the generator's counts are real, both
at the probe clients (which check every line) and at the clients that only count lines.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import socket
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_chat  # noqa: E402
import run as runner  # noqa: E402


@pytest.fixture(scope="module")
def quick_chat_run():
    """Run the chat bench once through the runner, as ``run.py chat --quick`` does."""
    out = io.StringIO()
    args = argparse.Namespace(quick=True, json=None, servers=None, no_pin=False)
    _status, results = runner.run_benchmarks(["chat"], args, out=out)
    assert "rows" in results["chat"], out.getvalue()
    return out.getvalue(), results["chat"]["rows"]


def rows_by_scenario(rows):
    found = {}
    for row in rows:
        found.setdefault(row["group"].split(":")[0], {})[row["name"]] = row
    return found


@pytest.mark.timeout(90)
def test_every_server_has_a_row_in_both_scenarios(quick_chat_run):
    text, rows = quick_chat_run
    scenarios = rows_by_scenario(rows)
    assert sorted(scenarios) == ["fan-out", "latency"]
    for name, by_server in scenarios.items():
        assert sorted(by_server) == sorted(bench_chat.servers()), name
    for name in bench_chat.servers():
        assert f"\n{name} " in text
    assert "deliv/s vs asyncio" in text
    assert bench_chat.GOAL in text
    # which clients time deliveries, and that the others only count, is in the output
    assert "at 3 probe clients (c000 c010 c019); the other 17 receive" in text  # fan-out
    assert "at 3 probe clients (c000 c004 c009); the other 7 receive" in text  # latency
    assert text.count("only count lines") == 2


@pytest.mark.timeout(90)
def test_labsuite_and_asyncio_deliver_every_message_once(quick_chat_run):
    _text, rows = quick_chat_run
    for scenario, by_server in rows_by_scenario(rows).items():
        expected = bench_chat.QUICK[scenario].expected
        for name in ("labsuite", "asyncio"):
            row = by_server[name]
            assert row["lost"] == 0, (scenario, name, row)
            assert row["delivered"] == f"{expected:,}/{expected:,}", (scenario, name, row)
            for key in ("dup", "out of order", "garbled", "errors"):
                assert row[key] == 0, (scenario, name, key, row)
            assert row["p99 ms"] is not None and row["p99 ms"] >= row["p50 ms"] > 0


@pytest.mark.timeout(90)
def test_the_paper_server_is_measured_too(quick_chat_run):
    _text, rows = quick_chat_run
    for scenario, by_server in rows_by_scenario(rows).items():
        row = by_server["paper"]
        assert isinstance(row["lost"], int) and row["lost"] >= 0, (scenario, row)
        assert "handler exceptions" in row["note"], row  # its count was read when it stopped


class FlawedChatServer:
    """Relays MESSAGE lines to everyone, but the Nth message relayed goes out
    ``faults[N]`` times (0: dropped, 2: repeated) instead of once."""

    def __init__(self, faults):
        self.faults = faults
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.members = []
        self.relayed = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.accept_all, daemon=True).start()

    def accept_all(self):
        with self.listener:
            while True:
                try:
                    conn, _ = self.listener.accept()
                except OSError:
                    return
                threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def send_all(self, data: bytes, copies: int = 1):
        for member in self.members:
            member.sendall(data * copies)

    def serve(self, conn):
        with conn, conn.makefile("rb") as lines:
            for line in lines:
                word, _, rest = line.rstrip(b"\n").partition(b" ")
                with self.lock:
                    if word == b"ADD":
                        self.members.append(conn)
                        self.send_all(b"NEW %s\n" % rest)
                    elif word == b"MESSAGE":
                        self.relayed += 1
                        copies = self.faults.get(self.relayed, 1)
                        self.send_all(b"MESSAGE %s\n%s\n" % (rest.split()[0], rest), copies)
                    elif word == b"QUIT":
                        conn.sendall(b"GOODBYE\n")
                        self.members.remove(conn)
                        return

    def close(self):
        self.listener.close()


def generate_against(faults, probes):
    """One small scenario (3 clients, c000 sends 6 messages) against a flawed server."""
    server = FlawedChatServer(faults)
    scenario = bench_chat.Scenario(clients=3, senders=1, messages=6, interval_ms=0,
                                   seconds=10.0, settle=0.3, probes=probes)

    async def generate():
        return await bench_chat.Generator("127.0.0.1", server.port, scenario).run()

    try:
        report = asyncio.run(generate())
    finally:
        server.close()
    assert report["joined"] == 3
    assert report["errors"] == 0, report["error_samples"]
    assert report["teardown_problems"] == 0
    return report


@pytest.mark.timeout(30)
def test_every_client_checking_counts_lost_and_repeated_messages():
    report = generate_against({3: 0, 5: 2}, probes=0)
    assert report["probes"] == ["c000", "c001", "c002"] and report["counting"] == 0
    assert report["delivered"] == 3 * 5
    assert report["lost"] == 3  # the dropped message, at each of the three clients
    assert report["duplicates"] == 3
    assert report["garbled"] == 0
    assert report["timed"] == 3 * 5


@pytest.mark.timeout(30)
def test_counting_clients_report_their_shortfall_as_lost():
    report = generate_against({3: 0, 4: 0}, probes=1)
    assert report["probes"] == ["c002"] and report["counting"] == 2
    assert report["delivered"] == 3 * 4
    assert report["lost"] == 3 * 2  # two dropped messages, at the probe and both counters
    assert report["duplicates"] == 0 and report["garbled"] == 0
    assert report["timed"] == 4  # only the probe times deliveries


@pytest.mark.timeout(30)
def test_counting_clients_report_lines_beyond_the_expected_as_garbled():
    report = generate_against({5: 2}, probes=1)
    assert report["delivered"] == 3 * 6 and report["lost"] == 0
    assert report["duplicates"] == 1  # seen as such by the probe
    assert report["garbled"] == 2  # one delivery (two lines) too many at each counter


def test_senders_are_spread_over_the_clients():
    assert bench_chat.sender_indexes(200, 5) == [0, 40, 80, 120, 160]
    assert bench_chat.sender_indexes(50, 50) == list(range(50))
    assert bench_chat.FULL["fan-out"].expected == 200_000


def test_probes_are_spread_from_the_first_to_the_last_to_join():
    assert bench_chat.probe_indexes(50, 5) == [0, 12, 24, 37, 49]
    assert bench_chat.probe_indexes(10, 3) == [0, 4, 9]
    assert bench_chat.probe_indexes(3, 1) == [2]
    assert bench_chat.probe_indexes(4, 0) == [0, 1, 2, 3]
    assert bench_chat.probe_indexes(4, 9) == [0, 1, 2, 3]
    assert bench_chat.FULL["latency"].probes == 5
