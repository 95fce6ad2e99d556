"""``labsuite lookup`` and ``labsuite probe`` as a student runs them (real subprocesses)."""

from __future__ import annotations

import socket

import pytest

from tests.support import UNRESOLVABLE_HOST, closed_port, run_cli

pytestmark = pytest.mark.timeout(60)


def assert_no_traceback(result):
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


# -- lookup -----------------------------------------------------------------------------------
def test_lookup_with_no_name_describes_this_computer():
    result = run_cli("lookup")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Host name: {socket.gethostname()}"
    assert any("127.0.0.1" in line and "this computer only" in line for line in lines)
    assert sum("give this one to your lab partner" in line for line in lines) <= 1


def test_lookup_of_localhost():
    result = run_cli("lookup", "localhost")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Host name: localhost"
    assert "IP address: 127.0.0.1" in lines or "IP address: ::1" in lines
    assert result.stderr == ""


def test_lookup_goes_on_after_a_failure_and_exits_1():
    result = run_cli("lookup", "localhost", UNRESOLVABLE_HOST, "127.0.0.1")
    assert result.returncode == 1
    assert_no_traceback(result)
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("labsuite: The name 'no such host.invalid' does not exist")
    assert "Host name: localhost" in result.stdout  # the others still print
    assert "IP address: 127.0.0.1\nHost name: " in result.stdout


# -- probe ------------------------------------------------------------------------------------
def test_probe_of_a_listening_port_exits_0():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        result = run_cli("probe", "127.0.0.1", str(server.getsockname()[1]))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok") and "already an IP address" in lines[0]
    assert lines[1].startswith("ok") and "connected in" in lines[1]
    assert any(line.startswith("Verdict: It works: connected in") for line in lines)


def test_probe_of_a_closed_port_exits_1():
    port = closed_port()
    result = run_cli("probe", "localhost", str(port), "--timeout", "1")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert "FAILED" in result.stdout
    assert "Verdict: Nothing is listening (connection refused)" in result.stdout
    assert "Is the server started?" in result.stdout
    assert "localhost always means this computer" in result.stdout


def test_probe_of_a_name_that_does_not_exist_exits_1():
    result = run_cli("probe", UNRESOLVABLE_HOST, "80")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert "Verdict: The name does not exist" in result.stdout


@pytest.mark.parametrize("args", [["probe"], ["probe", "127.0.0.1"], ["probe", "127.0.0.1", "0"],
                                  ["probe", "127.0.0.1", "http"],
                                  ["probe", "127.0.0.1", "70000"],
                                  ["probe", "127.0.0.1", "80", "--timeout", "0"],
                                  ["probe", "http://127.0.0.1", "80"],
                                  ["probe", "127.0.0.1:80", "80"]])
def test_probe_usage_errors_exit_2(args):
    result = run_cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_no_traceback(result)
    assert result.stderr.strip()
