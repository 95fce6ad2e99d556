"""``labsuite check`` as a student (or a CI pipeline) runs it."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from labsuite.protocols.check.model import specs_for
from tests.check.programs import StudentProgram, client_command
from tests.support import ServerProcess, closed_port, run_cli

pytestmark = pytest.mark.timeout(60)

UTF8 = {**os.environ, "PYTHONIOENCODING": "utf-8"}
ASCII = {**os.environ, "PYTHONIOENCODING": "ascii"}


def check_cli(*args, env=UTF8):
    return run_cli("check", *args, env=env, timeout=60)


@pytest.fixture(scope="module")
def echo_server():
    with ServerProcess("echo", "--port", "0", "--quiet") as server:
        yield server


@pytest.fixture
def broken_echo(tmp_path):
    with StudentProgram("echo_one_recv", tmp_path) as program:
        yield program


def test_a_passing_server_prints_a_line_per_check_and_exits_0(echo_server):
    result = check_cli("echo", "127.0.0.1", str(echo_server.port))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Checking the echo server at 127.0.0.1:{echo_server.port} (8 checks)"
    checks = specs_for("echo")
    assert lines[1:-1] == [f"\u2713 {spec.title}  [{spec.id}]" for spec in checks]
    assert lines[-1] == (f"Passed: the echo server at 127.0.0.1:{echo_server.port}: "
                         "all 8 checks passed.")
    assert result.stderr == ""


def test_a_terminal_that_cannot_show_check_marks_gets_words(echo_server):
    result = check_cli("echo", "127.0.0.1", str(echo_server.port), env=ASCII)
    assert result.returncode == 0
    assert "\u2713" not in result.stdout
    assert "ok Accepts a connection  [connects]" in result.stdout.splitlines()


def test_a_failing_server_explains_each_failure_and_exits_1(broken_echo):
    result = check_cli("echo", "127.0.0.1", str(broken_echo.port), "--timeout", "2")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    failed = lines.index("\u2717 Echoes several messages on one connection  [echoes-until-close]")
    assert lines[failed + 1].startswith("    Only the first message of 3 came back")
    assert lines[failed + 2].startswith("    Hint: Your server seems to answer one recv()")
    assert "\u2713 Echoes a line of text  [echoes-line]" in lines
    assert lines[-1].startswith("Not passed yet: ") and "3 failed" in lines[-1]
    assert "What was sent:" not in result.stdout


def test_verbose_shows_what_was_sent_for_each_failure(broken_echo):
    result = check_cli("echo", "127.0.0.1", str(broken_echo.port), "-v", "--timeout", "2")
    assert result.returncode == 1
    assert result.stdout.count("What was sent:") == 3
    assert "checker: first message\\n" in result.stdout
    assert "note: the server closed the connection" in result.stdout


def test_json_prints_only_one_object(broken_echo):
    result = check_cli("echo", "127.0.0.1", str(broken_echo.port), "--json", "--timeout", "2")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert (data["kind"], data["target"], data["passed"]) == (
        "echo", f"127.0.0.1:{broken_echo.port}", False)
    assert [c["id"] for c in data["checks"]] == [s.id for s in specs_for("echo")]
    failed = {c["id"] for c in data["checks"] if c["passed"] is False}
    assert failed == {"echoes-until-close", "large-message", "pieces"}
    entry = data["checks"][1]["transcript"][1]
    assert entry == {"from": "checker", "text": "Hello, echo server!\\n", "at": entry["at"],
                     "bytes": 20}
    assert {c["transcript"][0]["from"] for c in data["checks"]} == {"note"}


def test_junit_and_html_files_are_written_next_to_the_normal_output(broken_echo, tmp_path):
    junit, page = tmp_path / "results.xml", tmp_path / "report.html"
    result = check_cli("echo", "127.0.0.1", str(broken_echo.port), "--junit", str(junit),
                       "--html", str(page), "--timeout", "2")
    assert result.returncode == 1 and "Not passed yet" in result.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("8", "3")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "echoes-until-close" in text


def test_nothing_listening_is_the_failed_first_check_not_a_crash():
    result = check_cli("web", "127.0.0.1", str(closed_port()))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "\u2717 Accepts a connection  [connects]"
    assert "Nothing is listening at 127.0.0.1 port" in lines[2] and lines[3].startswith("    Hint:")
    assert lines[4].startswith("\u2013 Answers GET / with a page")
    assert result.stdout.count("Not run: could not connect to the server.") == 9


@pytest.mark.parametrize("args, words", [
    (("poker", "127.0.0.1", "1"), "invalid choice: 'poker'"),
    (("echo", "127.0.0.1"), "the following arguments are required: port"),
    (("echo", "127.0.0.1", "0"), "0 is not a port a server can listen on"),
    (("echo", "127.0.0.1", "70000"), "is not a port number"),
    (("echo", "127.0.0.1", "8007", "extra"), "unrecognized arguments: extra"),
    (("echo", "127.0.0.1", "8007", "--timeout", "0"), "the timeout must be more than 0"),
    (("echo", "127.0.0.1", "8007", "--", "python", "x.py"), "takes HOST PORT, not a command"),
    (("echo-client",), "give the client to check after --"),
])
def test_usage_errors_exit_2(args, words):
    result = check_cli(*args)
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_passing_client_prints_a_line_per_check_and_exits_0():
    command = client_command("echo_correct")
    result = check_cli("echo-client", "--", *command)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    shown = " ".join(command)
    assert lines[0] == f'Checking the echo client "{shown}" (2 checks)'
    assert lines[1:-1] == [f"\u2713 {spec.title}  [{spec.id}]" for spec in specs_for("echo-client")]
    assert lines[-1] == f'Passed: the echo client "{shown}": all 2 checks passed.'
    assert result.stderr == ""


def test_a_failing_client_explains_with_its_traceback_and_exits_1():
    result = check_cli("daytime-client", "-v", "--timeout", "2", "--",
                       *client_command("daytime_paper"))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    failed = lines.index("\u2717 Prints them when the reply arrives in pieces  [pieces]")
    assert lines[failed + 1].startswith("    The server sent its reply a few bytes at a time")
    assert "        IndexError: list index out of range" in lines
    assert "What was sent:" in result.stdout and " stderr: Traceback" in result.stdout
    assert " server: \\n" in result.stdout  # the first piece, escaped
    assert lines[-1].startswith("Not passed yet: ")


def test_json_for_a_client_and_its_own_options_pass_through(tmp_path):
    junit = tmp_path / "results.xml"
    result = check_cli("--json", "chat-client", "--junit", str(junit), "--timeout", "1", "--",
                       *client_command("chat_no_private"), "--json", "-v")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "chat-client" and data["target"].endswith(
        "chat_no_private.py {host} {port} --json -v")
    assert [c["id"] for c in data["checks"]] == [s.id for s in specs_for("chat-client")]
    assert {c["id"] for c in data["checks"] if c["passed"] is False} == {"private"}
    sides = {entry["from"] for check in data["checks"] for entry in check["transcript"]}
    assert {"typed", "client", "server", "printed", "checker", "note"} <= sides
    started = data["checks"][0]["transcript"][0]["text"]
    assert started.startswith("started the client: ") and started.endswith(" --json -v")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("6", "1")
    assert suite.get("name").startswith("labsuite check chat-client ")


@pytest.mark.parametrize("args, words", [
    (("echo-client", "--", "python3", "my_client.py", "{host}"), "your command has no {port}"),
    (("chat-client", "--", "python3", "my_client.py"), "put {port} (and {host}) where they go"),
    (("web-client", "--", "python3", "get.py", "{port}"), "invalid choice: 'web-client'"),
    (("echo-client", "--", "no-such-program-here", "{port}"),
     "cannot run 'no-such-program-here': there is no such program"),
    (("echo-client", "--", "python3", "no_such_file.py", "{host}", "{port}"),
     "there is no file 'no_such_file.py'"),
    (("echo-client", "--bogus", "--", "python3", "x.py", "{port}"), "unrecognized arguments"),
    (("echo-client", "--"), "give the client to check after --"),
    ((), "the following arguments are required: KIND"),
])
def test_client_usage_errors_exit_2(args, words):
    result = check_cli(*args)
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_options_may_come_before_the_kind(echo_server):
    result = check_cli("--json", "echo", "127.0.0.1", str(echo_server.port))
    assert result.returncode == 0 and json.loads(result.stdout)["passed"] is True


def test_a_report_file_that_cannot_be_written_is_a_plain_error(echo_server, tmp_path):
    result = check_cli("echo", "127.0.0.1", str(echo_server.port),
                       "--junit", str(tmp_path / "no such folder" / "results.xml"))
    assert result.returncode == 2
    assert result.stderr.startswith("labsuite: could not write ")
    assert "Traceback" not in result.stderr
