"""The benchmarks still run: every echo scenario, tiny counts, every server, no timing asserts.

What is asserted is correctness under load (every byte echoed back unchanged, no errors,
every connection held) and that the runner prints its table; how fast is for run.py.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_echo  # noqa: E402
import loadgen  # noqa: E402
import run as runner  # noqa: E402


@pytest.fixture(scope="module")
def quick_echo_run():
    """Run the echo bench once through the runner, as ``run.py echo --quick`` does."""
    out = io.StringIO()
    args = argparse.Namespace(quick=True, json=None, servers=None, no_pin=False, profile=None)
    status, results = runner.run_benchmarks(["echo"], args, out=out)
    return status, out.getvalue(), results["echo"]["rows"]


@pytest.fixture(scope="module")
def quick_rows(quick_echo_run):
    return quick_echo_run[2]


@pytest.mark.timeout(60)
def test_every_server_answers_every_scenario_without_mismatches(quick_rows):
    names = list(bench_echo.servers())
    for group in (bench_echo.group_title(key, bench_echo.QUICK) for key in ("pingpong", "hold")):
        rows = {row["name"]: row for row in quick_rows if row["group"] == group}
        assert sorted(rows) == sorted(names), group
        for name, row in rows.items():
            assert row.get("note") is None, (name, row.get("note"))
            assert row["mismatches"] == 0, (name, row)
            assert row["errors"] == 0, (name, row)


@pytest.mark.timeout(60)
def test_every_round_trip_completes_and_every_connection_is_held(quick_rows):
    connections, rounds, _ = bench_echo.QUICK["pingpong"]
    held, _, _ = bench_echo.QUICK["hold"]
    for row in quick_rows:
        if "round trips" in row:
            assert row["round trips"] == f"{connections * rounds}/{connections * rounds}", row
            assert row["rt/s"] > 0
        else:
            assert row["held"] == f"{held}/{held}", row


@pytest.mark.timeout(60)
def test_the_runner_prints_a_table_with_ratios_and_the_machine(quick_echo_run):
    status, text, _rows = quick_echo_run
    assert status == 0, text
    assert text.startswith("machine: ") and "Python 3." in text
    assert "rt/s vs asyncio" in text
    for name in bench_echo.servers():
        assert f"\n{name} " in text
    asyncio_line = next(line for line in text.splitlines() if line.startswith("asyncio "))
    assert "1.00x" in asyncio_line


@pytest.mark.timeout(30)
def test_a_server_that_corrupts_data_is_caught_as_mismatches():
    """The checks are real: an echo server that changes one byte is reported."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def corrupt(conn):
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data[:-1] + b"?")

    def accept_all():
        with listener:
            for _ in range(2):
                threading.Thread(target=corrupt, args=(listener.accept()[0],), daemon=True).start()

    threading.Thread(target=accept_all, daemon=True).start()
    report = loadgen.pingpong("127.0.0.1", port, connections=2, rounds=5, seconds=10)
    assert report["mismatches"] == 2 * 5 + 2  # every timed round trip and both greetings
    assert report["errors"] == 0


def test_payloads_are_unique_per_connection_and_message():
    seen = {loadgen.payload(conn, seq, 64) for conn in range(20) for seq in range(50)}
    assert len(seen) == 20 * 50
    assert all(len(message) == 64 for message in seen)


def test_percentiles_use_the_nearest_rank():
    ordered = [float(n) for n in range(1, 101)]
    assert loadgen.percentile(ordered, 50) == 50.0
    assert loadgen.percentile(ordered, 99) == 99.0
    assert loadgen.percentile([7.0], 99) == 7.0
