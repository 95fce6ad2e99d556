"""``labsuite code`` as a student runs it: print a program, save it, run it."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from labsuite.net import scripts
from labsuite.net.daytime import DaytimeServer
from tests.net.conftest import started  # noqa: F401  (the fixture that stops services)
from tests.support import run_cli

pytestmark = pytest.mark.timeout(60)


def host_line(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith("HOST = "))
    return ast.literal_eval(line[len("HOST = "):])


def test_list_names_every_program_with_what_it_does():
    result = run_cli("code", "--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(scripts.KINDS)
    assert "echo-server     sends back every byte each client sends" in result.stdout
    for kind, line in zip(scripts.KINDS, lines):
        assert line.endswith(scripts.describe(kind))


def test_prints_the_script_with_the_defaults():
    for kind in ("echo-server", "get"):
        result = run_cli("code", kind)
        assert result.returncode == 0, result.stderr
        assert result.stdout == scripts.script_text(kind)


def test_fills_in_host_and_port():
    result = run_cli("code", "chat-client", "--host", "10.0.0.5", "--port", "9999")
    assert result.returncode == 0, result.stderr
    assert 'HOST = "10.0.0.5"\nPORT = 9999\n' in result.stdout
    assert result.stdout == scripts.script_text("chat-client", "10.0.0.5", 9999)


@pytest.mark.parametrize("typed, host", [("[::1]", "::1"), ("  my-pc.local ", "my-pc.local"),
                                         ('a"b\'c', 'a"b\'c'), ("x\\n", "x\\n"),
                                         ("new\nline", "new\nline")])
def test_a_typed_host_becomes_a_string_literal(typed, host):
    result = run_cli("code", "echo-client", "--host", typed)
    assert result.returncode == 0, result.stderr
    assert host_line(result.stdout) == host
    compile(result.stdout, "echo_client.py", "exec")


@pytest.mark.parametrize("args, message", [
    (("telnet",), "invalid choice: 'telnet'"),
    ((), "name the program to print"),
    (("echo-server", "--port", "70000"), "is not a port number"),
    (("echo-server", "--port", "eighty"), "is not a port number"),
    (("echo-server", "extra"), "unrecognized arguments"),
])
def test_usage_errors_exit_2(args, message):
    result = run_cli("code", *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_the_printed_program_runs(started, tmp_path):
    """Saved from the command's output and run as it stands: it asks labsuite's server."""
    server = started(DaytimeServer("127.0.0.1", 0))
    printed = run_cli("code", "daytime-client", "--port", str(server.address[1]))
    path = tmp_path / "daytime_client.py"
    path.write_text(printed.stdout, encoding="utf-8")
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                            timeout=20)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("-UTC")


def test_help_mentions_the_command():
    result = run_cli("--help")
    assert "code" in result.stdout
    assert "--list" in run_cli("code", "--help").stdout
