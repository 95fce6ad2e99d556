"""The student's command line: what runs, where, with what filled in (no process started)."""

from __future__ import annotations

import os
import sys

import pytest

from labsuite.net.check import student
from labsuite.net.check.student import CommandProblem, prepare_command, shown_command

pytestmark = pytest.mark.timeout(30)


def test_the_placeholders_are_filled_in_every_word(tmp_path):
    script = tmp_path / "client.py"
    script.write_text("")
    command = prepare_command([sys.executable, str(script), "--to={host}:{port}", "{name}"],
                              "chat-client")
    assert command.argv("127.0.0.1", 4000, "cool cat") == [
        sys.executable, str(script.resolve()), "--to=127.0.0.1:4000", "cool cat"]
    assert command.takes_name and command.cwd == str(tmp_path.resolve())
    assert not prepare_command([sys.executable, "-c", "", "{port}"], "echo-client").takes_name


def test_a_relative_script_is_found_and_run_in_its_own_folder(tmp_path, monkeypatch):
    (tmp_path / "lab 1").mkdir()
    (tmp_path / "lab 1" / "echo.py").write_text("")
    monkeypatch.chdir(tmp_path)
    command = prepare_command(["python3", "-u", "lab 1/echo.py", "{host}", "{port}"],
                              "echo-client")
    assert command.cwd == str((tmp_path / "lab 1").resolve())
    assert command.template[2] == str((tmp_path / "lab 1" / "echo.py").resolve())
    assert command.template[1] == "-u" and os.path.isabs(command.template[0])
    assert command.text == "python3 -u 'lab 1/echo.py' {host} {port}"  # as typed, for reports


def test_a_bare_script_is_run_with_python(tmp_path, monkeypatch):
    (tmp_path / "echo.py").write_text("")
    monkeypatch.chdir(tmp_path)
    command = prepare_command(["echo.py", "{host}", "{port}"], "echo-client")
    assert command.template[0] == sys.executable  # (labsuite's own Python, when not frozen)
    assert command.template[1] == str((tmp_path / "echo.py").resolve())
    assert command.words == ("echo.py", "{host}", "{port}")


def test_without_the_port_the_client_could_not_be_told_where_to_connect():
    with pytest.raises(CommandProblem) as problem:
        prepare_command(["python3", "my_client.py", "localhost", "8007"], "echo-client")
    assert "your command has no {port}" in str(problem.value)
    assert "labsuite check echo-client -- python3 my_client.py {host} {port}" in \
        str(problem.value)


@pytest.mark.parametrize("words, message", [
    ([], "give the client to check after --"),
    (["no-such-program-here", "{port}"], "cannot run 'no-such-program-here'"),
    ([sys.executable, "missing.py", "{port}"], "there is no file 'missing.py'"),
])
def test_what_cannot_run_is_said_plainly(words, message):
    with pytest.raises(CommandProblem, match=message):
        prepare_command(words, "daytime-client")


def test_a_command_is_shown_quoted_only_where_needed():
    assert shown_command(["python3", "c.py", "{host}", "{port}", "--name={name}"]) == \
        "python3 c.py {host} {port} --name={name}"
    assert shown_command(["a b", "it's", ""]) == "'a b' 'it'\"'\"'s' ''"


def test_the_environment_makes_python_output_arrive_as_it_is_printed(monkeypatch):
    monkeypatch.setenv("LABSUITE_TEST_VARIABLE", "kept")
    env = student.client_environment()
    assert env["PYTHONUNBUFFERED"] == "1" and env["PYTHONIOENCODING"] == "utf-8"
    assert env["LABSUITE_TEST_VARIABLE"] == "kept"
    assert env is not os.environ


def test_a_frozen_labsuite_gives_back_the_library_path_it_changed(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/tmp/_MEI123", raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/tmp/_MEI123")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/opt/lib")
    monkeypatch.setenv("TCL_LIBRARY", "/tmp/_MEI123/tcl")
    monkeypatch.delenv("DYLD_LIBRARY_PATH", raising=False)
    env = student.client_environment()
    assert env["LD_LIBRARY_PATH"] == "/opt/lib" and "LD_LIBRARY_PATH_ORIG" not in env
    assert "TCL_LIBRARY" not in env
