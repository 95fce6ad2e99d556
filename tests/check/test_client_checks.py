"""The client checks against real clients on loopback: students' programs and labsuite's own.

Every student client in ``programs/clients/`` fails exactly the checks of its one bug; the
correct ones and labsuite's own clients pass everything, twenty times over (no false
alarms). The runs are independent (each check has its own reference server and client
process), so the tests run them side by side.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from labsuite.net.check import scene as scene_module
from labsuite.net.check.runner import CLIENT_RUNNERS, STOPPED, ClientCheckRun
from labsuite.net.check.student import prepare_command
from labsuite.net.events import Kind
from labsuite.protocols.check.chat_client import NOT_JOINED
from labsuite.protocols.check.client import CONNECT_HINT
from labsuite.protocols.check.model import CLIENT_KINDS, Report, specs_for
from tests.check.programs import CLIENTS, client_command, client_names
from tests.check.verdicts import assert_causes, assert_fails_exactly, statuses
from tests.support import Recorder

pytestmark = pytest.mark.timeout(60)

#: Short, so the broken programs fail fast; correct clients answer in milliseconds.
TIMEOUT = 1.5
REPEAT = 20

#: Every student client and the checks its bug must fail (all others must pass).
EXPECTED = {
    "daytime_correct": set(),
    "daytime_paper": {"pieces"},
    "echo_correct": set(),
    "echo_one_recv": {"pieces"},
    "echo_never_ends": {"prints-echo", "pieces"},
    "chat_correct": set(),
    "chat_paper": {"split-line"},
    "chat_one_recv": {"merged-lines", "split-line"},
    "chat_no_private": {"private"},
}
#: Words each failure's explanation or hint must contain: it names the real cause.
CAUSES = {
    ("daytime_paper", "pieces"): "Keep calling recv() and add up what it returns",
    ("echo_one_recv", "pieces"): 'your client printed it in pieces instead: "Hell"',
    ("echo_never_ends", "prints-echo"): "did not end within 1.5 s after its input ended",
    ("echo_never_ends", "pieces"): "did not end within 1.5 s after its input ended",
    ("chat_paper", "split-line"): "in 15 pieces",
    ("chat_one_recv", "merged-lines"): '"Second line of the three" was not shown',
    ("chat_one_recv", "split-line"): "One recv() can hold just a part of a line",
    ("chat_no_private", "private"): "sent it to everyone as a MESSAGE",
}
LABSUITE = [sys.executable, "-m", "labsuite"]
#: labsuite's own command-line clients, as a student would check them.
LABSUITE_CLIENTS = {
    "daytime-client": LABSUITE + ["time", "{host}", "--port", "{port}"],
    "echo-client": LABSUITE + ["echo", "{host}", "--port", "{port}"],
    "chat-client": LABSUITE + ["chat", "{host}", "--port", "{port}", "--name", "{name}"],
}


def kind_of(program: str) -> str:
    return program.split("_", 1)[0] + "-client"


def check(kind: str, words, timeout: float = TIMEOUT, **options) -> Report:
    return ClientCheckRun(kind, prepare_command(words, kind), timeout=timeout, **options).run()


def side_by_side(jobs, workers: int = 6) -> list:
    """Run each ``job()`` at the same time as the others; their results in order."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda job: job(), jobs))


def write_client(folder: Path, name: str, *parts: str) -> Path:
    """A client program made of ``parts`` (each indented as it likes)."""
    path = folder / name
    path.write_text("".join(textwrap.dedent(part) for part in parts), encoding="utf-8")
    return path


#: A client's first lines: start a process of its own, and note its id in "pids".
STARTS_A_CHILD = """\
    import subprocess, sys
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open("pids", "a") as pids:
        print(child.pid, file=pids)
    """
#: The rest of a client: the correct daytime client, run as it stands.
THEN_DAYTIME_CORRECT = f"""\
    import runpy
    runpy.run_path({str(CLIENTS / "daytime_correct.py")!r}, run_name="__main__")
    """


def children(folder: Path) -> list:
    return [int(pid) for pid in (folder / "pids").read_text().split()]


def ended(pid: int) -> bool:
    """The process has ended (a zombie waiting for its parent to read its status counts)."""
    try:
        with open(f"/proc/{pid}/stat") as status:
            return status.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def gone(pid: int, timeout: float = 5.0) -> bool:
    """Wait until the process ``pid`` has ended (a signal takes a moment to land)."""
    deadline = time.monotonic() + timeout
    while not ended(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# -- students' clients -------------------------------------------------------------------------
def test_every_client_program_is_listed():
    found = {name for kind in ("daytime", "echo", "chat") for name in client_names(kind)}
    assert found == set(EXPECTED)


def test_every_client_check_in_the_catalogue_has_a_runner():
    assert tuple(CLIENT_RUNNERS) == CLIENT_KINDS
    for kind, checks in CLIENT_RUNNERS.items():
        assert list(checks) == [spec.id for spec in specs_for(kind)], kind


@pytest.fixture(scope="module")
def student_reports():
    programs = sorted(EXPECTED)
    reports = side_by_side([lambda p=p: check(kind_of(p), client_command(p)) for p in programs])
    return dict(zip(programs, reports))


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_each_student_client_fails_exactly_the_checks_of_its_bug(program, student_reports):
    report = student_reports[program]
    assert_fails_exactly(report, EXPECTED[program])
    assert_causes(report, program, CAUSES)
    assert report.passed is (not EXPECTED[program])


def test_the_papers_time_client_crashes_on_the_first_piece(student_reports):
    pieces = {o.spec.id: o for o in student_reports["daytime_paper"].outcomes}["pieces"]
    assert "It crashed; the last lines it wrote to stderr:" in pieces.explanation
    assert pieces.explanation.endswith("IndexError: list index out of range")
    sides = [entry.side for entry in pieces.transcript]
    assert {"server", "stderr", "note"} <= set(sides)


def test_the_transcript_shows_both_sides_and_the_pieces(student_reports):
    outcome = {o.spec.id: o for o in student_reports["echo_one_recv"].outcomes}["pieces"]
    entries = [(entry.side, entry.text) for entry in outcome.transcript]
    assert ("typed", "Hello in small pieces\\n") in entries
    assert ("client", "Hello in small pieces\\n") in entries
    assert ("printed", "Hell\\n") in entries
    served = [text for side, text in entries if side == "server"]
    assert served[:3] == ["Hell", "o in", " sma"]  # the echo as sent, piece by piece
    times = [entry.at for entry in outcome.transcript]
    assert times == sorted(times)


def test_the_chat_transcript_names_the_checkers_member(student_reports):
    outcome = student_reports["chat_correct"].outcomes[1]
    entries = [(e.side, e.connection, e.text) for e in outcome.transcript]
    assert ("checker", "hot dog", "ADD hot dog\\n") in entries
    assert ("client", None, "ADD cool cat\\n") in entries
    assert ("typed", None, "cool cat\\n") in entries
    assert all(who is None for side, who, _ in entries if side == "server")


# -- no false alarms -------------------------------------------------------------------------
def test_labsuites_own_clients_pass_every_check():
    kinds = list(LABSUITE_CLIENTS)
    for report in side_by_side([lambda k=k: check(k, LABSUITE_CLIENTS[k], 5.0) for k in kinds]):
        assert_fails_exactly(report, set())


@pytest.mark.timeout(90)
def test_no_false_alarms_against_the_correct_clients():
    jobs = [lambda p=program: check(kind_of(p), client_command(p), timeout=5.0)
            for program in ("daytime_correct", "echo_correct", "chat_correct")
            for _ in range(REPEAT)]
    reports = side_by_side(jobs, workers=10)
    alarms = [(r.kind, o.spec.id, o.explanation)
              for r in reports for o in r.outcomes if o.passed is not True]
    assert not alarms, alarms


# -- clients that never connect, hang, flood or cannot start -------------------------------------
def test_a_client_that_never_connects_is_told_how_to_give_it_the_port():
    words = [sys.executable, "-c", "import sys; print('usage: client HOST PORT')", "{port}"]
    report = check("chat-client", words)
    assert statuses(report) == {"sends-add": False, **{s.id: None
                                                       for s in specs_for("chat-client")[1:]}}
    first = report.outcomes[0]
    assert first.explanation.startswith("Your client never connected to the reference server at "
                                        "127.0.0.1:")
    assert '"usage: client HOST PORT"' in first.explanation and first.hint == CONNECT_HINT
    assert {o.explanation for o in report.outcomes[1:]} == {NOT_JOINED}


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="looks for the processes in /proc")
def test_a_client_that_hangs_is_stopped_with_every_process_it_started(tmp_path):
    write_client(tmp_path, "hangs.py", STARTS_A_CHILD, """\
    import socket, time
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    time.sleep(600)  # never reads, never prints, never ends
    """)
    report = check("echo-client", [sys.executable, str(tmp_path / "hangs.py"), "{host}",
                                   "{port}"], timeout=0.5)
    assert statuses(report) == {"prints-echo": False, "pieces": False}
    assert "never sent it to the server (within 0.5 s it printed nothing)" in \
        report.outcomes[0].explanation
    pids = children(tmp_path)
    assert len(pids) == 2 and all(gone(pid) for pid in pids)  # the children died with it
    assert "the client was stopped" in [e.text for e in report.outcomes[0].transcript]


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="looks for the processes in /proc")
def test_what_a_client_leaves_running_when_it_ends_is_stopped_too(tmp_path):
    write_client(tmp_path, "leaves.py", STARTS_A_CHILD, THEN_DAYTIME_CORRECT)
    report = check("daytime-client", [sys.executable, str(tmp_path / "leaves.py"), "{host}",
                                      "{port}"])
    assert report.passed, [o.explanation for o in report.outcomes]
    pids = children(tmp_path)
    assert len(pids) == 2 and all(gone(pid) for pid in pids)


def test_a_client_that_floods_its_output_is_judged_within_bounds(tmp_path):
    write_client(tmp_path, "floods.py", """\
        import socket, sys
        sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
        while True:
            sys.stdout.write("\\x1b[2J flood \\xff" * 1000 + "\\n")
        """)
    report = check("echo-client", [sys.executable, str(tmp_path / "floods.py"), "{host}",
                                   "{port}"], timeout=0.5)
    assert not report.passed
    for outcome in report.outcomes:
        assert len(outcome.transcript) <= 81  # a bounded transcript ...
        assert all(len(entry.text) < 1200 for entry in outcome.transcript)  # ... of previews
        assert len(outcome.explanation) < 2000 and "\x1b" not in outcome.explanation


def test_a_client_with_bad_bytes_and_escapes_is_shown_escaped(tmp_path):
    write_client(tmp_path, "garbles.py", """\
        import socket, sys
        socket.create_connection((sys.argv[1], int(sys.argv[2]))).recv(1024)
        sys.stdout.buffer.write(b"\\xff\\xfe\\x1b[31mred\\xe2\\x80\\x8b\\n")
        sys.stderr.write("\\x1b]0;owned\\x07 oops\\n")
        raise SystemExit(4)
        """)
    report = check("daytime-client",
                   [sys.executable, str(tmp_path / "garbles.py"), "{host}", "{port}"])
    outcome = report.outcomes[0]
    assert outcome.passed is False
    assert "\\x1b[31mred" in outcome.explanation and "\x1b" not in outcome.explanation
    assert "It ended with exit status 4; the last lines it wrote to stderr:" in \
        outcome.explanation
    assert "\\x1b]0;owned\\x07 oops" in outcome.explanation
    printed = [entry.text for entry in outcome.transcript if entry.side == "printed"]
    assert printed == ["\\xff\\xfe\\x1b[31mred\\u200b\\n"]


def test_a_command_the_system_cannot_start_fails_once_and_skips_the_rest(tmp_path):
    program = tmp_path / "client"
    program.write_bytes(b"\x00\x01 not a program")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    report = check("chat-client", [str(program), "{host}", "{port}"])
    assert statuses(report)["sends-add"] is False
    assert report.outcomes[0].explanation.startswith("Your client could not be started (")
    assert [o.explanation for o in report.outcomes[1:]] == \
        ["Not run: the client could not be started."] * 5


def test_the_client_runs_in_the_folder_of_its_script(tmp_path):
    folder = tmp_path / "my lab"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello from my lab folder\n")
    write_client(folder, "client.py", """\
    print(open("greeting.txt").read().strip())  # next to the script, not where I was
    """, THEN_DAYTIME_CORRECT)
    relative = os.path.relpath(folder / "client.py")
    report = check("daytime-client", ["python3", relative, "{host}", "{port}"])
    assert report.passed, report.outcomes[0].explanation
    printed = [e.text for e in report.outcomes[0].transcript if e.side == "printed"]
    assert printed[0].startswith("hello from my lab folder\\n")


def test_a_program_named_by_a_relative_path_runs_from_the_scripts_folder(tmp_path, monkeypatch):
    """``-- venv/bin/python client.py``: the interpreter is found from where the student
    typed the command, though the client then runs in the script's folder."""
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(sys.executable)
    scripts = tmp_path / "lab"
    scripts.mkdir()
    write_client(scripts, "client.py", "", THEN_DAYTIME_CORRECT)
    monkeypatch.chdir(tmp_path)
    report = check("daytime-client", [os.path.join("venv", "bin", "python"),
                                      os.path.join("lab", "client.py"), "{host}", "{port}"])
    assert report.passed, report.outcomes[0].explanation


def test_stop_abandons_a_run_and_its_client_promptly(tmp_path):
    write_client(tmp_path, "waits.py", """\
        import os, sys, time
        with open("started", "w") as mark:
            print(os.getpid(), file=mark)
        time.sleep(600)
        """)
    run = ClientCheckRun("daytime-client", prepare_command(
        [sys.executable, str(tmp_path / "waits.py"), "{host}", "{port}"], "daytime-client"),
        timeout=30)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("report", run.run()))
    worker.start()
    started = tmp_path / "started"
    deadline = time.monotonic() + 20
    while not (started.exists() and started.read_text().strip()):
        assert time.monotonic() < deadline, "the client never started"
        time.sleep(0.02)
    run.stop()
    worker.join(5)
    assert not worker.is_alive(), "stop() did not end the run"
    report = outcome["report"]
    assert [o.explanation for o in report.outcomes] == [STOPPED, STOPPED]
    if os.path.isdir("/proc"):
        assert gone(int(started.read_text()))


def test_start_runs_in_the_background_and_ends_with_the_report():
    recorder = Recorder()
    run = ClientCheckRun("echo-client", prepare_command(client_command("echo_correct"),
                                                        "echo-client"), on_event=recorder)
    run.start()
    try:
        recorder.wait_for(Kind.RESULT, count=3, timeout=30)
    finally:
        run.stop()
    results = [e.result for e in recorder.of(Kind.RESULT)]
    assert isinstance(results[-1], Report) and results[-1].passed
    assert recorder.of(Kind.RESULT)[0].text == \
        "\u2713 Prints the echo of each line typed  [prints-echo]"


def test_the_reference_servers_listen_on_loopback_only(monkeypatch):
    bound = []
    original = socket.socket.bind

    def recording(sock, address):
        bound.append(address)
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "bind", recording)
    assert check("echo-client", client_command("echo_correct"), 5.0).passed
    assert bound and {address[0] for address in bound} == {scene_module.HOST}


def test_a_client_kind_needs_a_client_run():
    with pytest.raises(ValueError, match="is not a client check"):
        ClientCheckRun("echo", prepare_command(client_command("echo_correct"), "echo"))
