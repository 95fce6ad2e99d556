"""The server checks against real servers on loopback: students' programs and labsuite's own.

Every student program in ``programs/`` fails exactly the checks of its one bug; the
correct ones and labsuite's servers pass everything, twenty times over (no false alarms).
"""

from __future__ import annotations

import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from labsuite.net.chat import ChatServer
from labsuite.net.check import runner as runner_module
from labsuite.net.check.runner import RUNNERS, CheckRun
from labsuite.net.daytime import DaytimeServer
from labsuite.net.echo import EchoServer
from labsuite.net.events import Kind
from labsuite.net.web import WebServer
from labsuite.protocols.check.model import Outcome, Report, specs_for
from tests.check.programs import StudentProgram, names
from tests.net.conftest import started  # noqa: F401  (a fixture)
from tests.check.verdicts import assert_causes, assert_fails_exactly, statuses
from tests.support import UNRESOLVABLE_HOST, Recorder, closed_port

pytestmark = pytest.mark.timeout(60)

HOST = "127.0.0.1"
#: Short, so the broken programs fail fast; correct servers answer in milliseconds.
TIMEOUT = 2.0
REPEAT = 20

#: Every student program and the checks its bug must fail (all others must pass).
EXPECTED = {
    "daytime_correct": set(),
    "daytime_never_closes": {"closes"},
    "daytime_no_date": {"sends-time"},
    "echo_correct": set(),
    "echo_one_recv": {"echoes-until-close", "large-message", "pieces"},
    "echo_one_at_a_time": {"two-clients-at-once"},
    "echo_text_only": {"binary"},
    "echo_dies_on_reset": {"survives-reset"},
    "chat_correct": set(),
    "chat_paper": {"merged-commands", "split-command", "vanish"},
    "chat_no_private": {"private"},
    "web_correct": set(),
    "web_traversal": {"traversal"},
    "web_wrong_length": {"content-length"},
    "web_lf_only": {"status-line"},
    "web_dies_on_garbage": {"survives-garbage"},
}
#: Words each failure's explanation or hint must contain: it names the real cause.
CAUSES = {
    ("daytime_never_closes", "closes"): "conn.close()",
    ("daytime_no_date", "sends-time"): '"',
    ("echo_one_recv", "echoes-until-close"): "Only the first message of 3 came back",
    ("echo_one_recv", "large-message"): "recv() returns b''",
    ("echo_one_recv", "pieces"): "one recv()",
    ("echo_one_at_a_time", "two-clients-at-once"): "came only after client 1 disconnected",
    ("echo_text_only", "binary"): ".decode()",
    ("echo_dies_on_reset", "survives-reset"): "it crashed",
    ("chat_paper", "merged-commands"): "'the second of two' was lost or garbled",
    ("chat_paper", "split-command"): "'MES' + 'SAGE sent in th' + 'ree pieces\\n'",
    ("chat_paper", "vanish"): "closed without a QUIT",
    ("chat_no_private", "private"): "it never arrived",
    ("web_traversal", "traversal"): "the secret file the checker placed",
    ("web_wrong_length", "content-length"): "Count bytes, not characters",
    ("web_lf_only", "status-line"): "ends with '\\n' alone",
    ("web_dies_on_garbage", "survives-garbage"): "After binary junk",
}
#: Programs whose bug ends the whole server.
DIES = {"echo_dies_on_reset", "web_dies_on_garbage"}


@pytest.fixture
def site(tmp_path):
    """A folder for the web servers: an index with letters that take several bytes."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(
        "<!DOCTYPE html>\n<html><body><h1>Caf\u00e9 \u2014 the lab page</h1></body></html>\n",
        encoding="utf-8")
    (root / "hello.txt").write_text("hello\n")
    return root


def kind_of(program: str) -> str:
    return program.split("_", 1)[0]


def check(kind: str, port: int, timeout: float = TIMEOUT, **options) -> Report:
    return CheckRun(kind, HOST, port, timeout=timeout, **options).run()


def test_every_program_is_listed():
    found = {name for kind in ("daytime", "echo", "chat", "web") for name in names(kind)}
    assert found == set(EXPECTED)


def test_every_check_in_the_catalogue_has_a_runner():
    for kind, checks in RUNNERS.items():
        assert list(checks) == [spec.id for spec in specs_for(kind)], kind


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_each_student_program_fails_exactly_the_checks_of_its_bug(program, site):
    with StudentProgram(program, site) as server:
        report = check(kind_of(program), server.port)
        assert_fails_exactly(report, EXPECTED[program])
        assert_causes(report, program, CAUSES)
        if program in DIES:
            server.proc.wait(10)  # the bug ended the whole program, as it would in class
            assert "Traceback" in server.stderr
        else:
            assert server.alive(), server.stderr
    assert report.passed is (not EXPECTED[program])


# -- labsuite's own servers pass everything ----------------------------------------------------
def labsuite_servers(site):
    yield "daytime", DaytimeServer(HOST, 0)
    yield "daytime", DaytimeServer(HOST, 0, fmt="nist")
    yield "echo", EchoServer(HOST, 0)
    yield "echo", EchoServer(HOST, 0, mode="threaded")
    yield "chat", ChatServer(HOST, 0)
    yield "web", WebServer(HOST, 0, root=str(site))
    yield "web", WebServer(HOST, 0)


def test_labsuite_servers_pass_every_check(site, started):
    for kind, server in labsuite_servers(site):
        started(server)
        report = check(kind, server.address[1])
        assert_fails_exactly(report, set())
        assert report.passed


def test_labsuites_one_client_at_a_time_echo_server_is_told_so(started):
    server = started(EchoServer(HOST, 0, mode="sequential"))
    assert_fails_exactly(check("echo", server.address[1]), {"two-clients-at-once"})


def test_nothing_is_sent_anywhere_but_the_target(site, started, monkeypatch):
    targets = []
    original = socket.socket.connect_ex

    def recording(sock, address):
        targets.append(address[:2])
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect_ex", recording)
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: pytest.fail(address))
    for kind, server in labsuite_servers(site):
        started(server)
        targets.clear()
        assert check(kind, server.address[1]).passed
        assert set(targets) == {(HOST, server.address[1])}, kind


# -- no false alarms ---------------------------------------------------------------------------
def repeat(kind: str, port: int, workers: int) -> None:
    """Every check of ``kind`` REPEAT times, ``workers`` runs at a time: all must pass."""
    with ThreadPoolExecutor(workers) as pool:
        reports = list(pool.map(lambda _: check(kind, port, timeout=3.0), range(REPEAT)))
    alarms = [(o.spec.id, o.explanation)
              for r in reports for o in r.outcomes if o.passed is not True]
    assert not alarms, alarms


@pytest.mark.timeout(90)
def test_no_false_alarms_against_the_correct_programs_and_labsuites_servers(site, started):
    for program in ("daytime_correct", "echo_correct", "chat_correct", "web_correct"):
        with StudentProgram(program, site) as server:
            # daytime_correct keeps the classic listen(5): parallel runs would only overflow
            # it on purpose, so its runs go one after another (they take milliseconds)
            repeat(kind_of(program), server.port, 1 if program == "daytime_correct" else 8)
    for kind, server in labsuite_servers(site):
        started(server)
        repeat(kind, server.address[1], 8)


# -- servers that are not there, die, hang or flood --------------------------------------------
def test_nothing_listening_fails_connects_and_skips_the_rest_at_once():
    report = check("echo", closed_port())
    assert statuses(report) == {"connects": False, **{s.id: None for s in specs_for("echo")[1:]}}
    first = report.outcomes[0]
    assert "Nothing is listening at 127.0.0.1 port" in first.explanation and first.hint
    assert all(o.explanation == "Not run: could not connect to the server."
               for o in report.outcomes[1:])
    assert not report.passed


def test_an_unknown_host_is_the_failed_first_check():
    report = CheckRun("chat", UNRESOLVABLE_HOST, 9000, timeout=TIMEOUT).run()
    assert report.outcomes[0].spec.id == "join" and report.outcomes[0].passed is False
    assert "Unknown host" in report.outcomes[0].explanation
    assert [o.passed for o in report.outcomes[1:]] == [None] * 7


def test_a_server_that_dies_after_a_check_is_a_clear_failure():
    server = DaytimeServer(HOST, 0).start()

    def crash_after_the_first_check(event):
        if event.kind is Kind.RESULT:
            server.stop()  # on the run's thread, before the next check connects

    try:
        report = CheckRun("daytime", HOST, server.address[1], timeout=TIMEOUT,
                          on_event=crash_after_the_first_check).run()
    finally:
        server.stop()
    assert statuses(report) == {"connects": True, "sends-time": False, "closes": None,
                                "many-clients": None}
    gone = report.outcomes[1]
    assert gone.explanation == ("The server stopped accepting connections after the check "
                                "'Accepts a connection' (connections are refused).")
    assert "traceback" in gone.hint and "loops for ever" in gone.hint
    assert report.outcomes[2].explanation == (
        "Not run: the server stopped answering during the check 'Sends the date and time'.")


def test_a_server_that_accepts_but_never_answers_fails_within_the_timeout():
    listener = socket.create_server((HOST, 0), backlog=64)  # listens, never accepts
    try:
        report = check("web", listener.getsockname()[1], timeout=0.2)
    finally:
        listener.close()
    results = statuses(report)
    assert results["connects"] is True and results["get-root"] is False
    assert "No answer to GET / within 0.2 seconds" in report.outcomes[1].explanation
    assert results["status-line"] is None  # nothing to judge
    assert "Not judged: there was no answer to GET /" in report.outcomes[2].explanation


class HostileServer:
    """Accepts every connection and sends ``data`` to it in a loop until the client goes."""

    def __init__(self, data: bytes):
        self.listener = socket.create_server((HOST, 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.data = data
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._flood, args=(conn,), daemon=True).start()

    def _flood(self, conn):
        with conn:
            try:
                while True:
                    conn.sendall(self.data)
            except OSError:
                pass

    def close(self):
        self.listener.close()


@pytest.mark.parametrize("kind", ["daytime", "echo", "chat", "web"])
def test_a_server_that_floods_every_client_is_judged_within_bounds(kind):
    server = HostileServer(b"\xff\x00\x1b[2J NEW x\nMESSAGE y\n" * 2048)
    try:
        report = check(kind, server.port, timeout=0.5)
    finally:
        server.close()
    assert not report.passed
    for outcome in report.outcomes:
        assert len(outcome.transcript) <= 81  # a bounded transcript ...
        assert all(len(entry.text) < 1200 for entry in outcome.transcript)  # ... of previews
        assert len(outcome.explanation) < 2000 and "\x1b" not in outcome.explanation
    if kind == "daytime":
        assert "more than 4096 bytes arrived" in report.outcomes[1].explanation


# -- the traversal check for a server elsewhere ----------------------------------------------------
@pytest.mark.skipif(not os.path.exists("/etc/passwd"), reason="needs a system file to look for")
def test_a_server_elsewhere_is_asked_for_well_known_system_files(site):
    with StudentProgram("web_traversal", site) as leaky, \
            StudentProgram("web_correct", site) as safe:
        leaked = check("web", leaky.port, local=False)
        refused = check("web", safe.port, local=False)
    outcome = {o.spec.id: o for o in leaked.outcomes}["traversal"]
    assert outcome.passed is False
    assert "a system file from outside the folder" in outcome.explanation
    assert "etc/passwd" in outcome.explanation
    assert statuses(refused)["traversal"] is True


# -- the service: events, background runs, stopping -------------------------------------------
def test_run_reports_each_outcome_as_it_completes(started):
    server = started(EchoServer(HOST, 0))
    recorder = Recorder()
    report = CheckRun("echo", HOST, server.address[1], timeout=TIMEOUT, on_event=recorder).run()
    results = recorder.of(Kind.RESULT)
    assert [e.result for e in results] == list(report.outcomes)
    assert results[0].text == "\u2713 Accepts a connection  [connects]"
    assert not recorder.of(Kind.ERROR)


def test_start_runs_in_the_background_and_ends_with_the_report(started):
    server = started(ChatServer(HOST, 0))
    recorder = Recorder()
    run = CheckRun("chat", HOST, server.address[1], timeout=TIMEOUT, on_event=recorder)
    run.start()
    try:
        recorder.wait_for(Kind.RESULT, count=len(specs_for("chat")) + 1, timeout=30)
    finally:
        run.stop()
    results = [e.result for e in recorder.of(Kind.RESULT)]
    assert all(isinstance(r, Outcome) for r in results[:-1])
    assert isinstance(results[-1], Report) and results[-1].passed
    assert recorder.of(Kind.RESULT)[-1].text == results[-1].headline()


def test_stop_abandons_a_run_promptly():
    listener = socket.create_server((HOST, 0), backlog=64)  # a server that never answers
    recorder = Recorder()
    run = CheckRun("daytime", HOST, listener.getsockname()[1], timeout=30, on_event=recorder)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("report", run.run()))
    try:
        worker.start()
        recorder.wait_for(Kind.RESULT, count=1)  # connects passed; now sends-time waits
        run.stop()
        worker.join(5)
        assert not worker.is_alive(), "stop() did not end the run"
    finally:
        listener.close()
    report = outcome["report"]
    assert statuses(report) == {"connects": True, "sends-time": None, "closes": None,
                                "many-clients": None}
    assert report.outcomes[1].explanation == runner_module.STOPPED


def test_a_kind_without_checks_is_a_programming_error():
    with pytest.raises(ValueError):
        CheckRun("poker", HOST, 1)
    with pytest.raises(ValueError, match="checks a client: use ClientCheckRun"):
        CheckRun("echo-client", HOST, 1)
