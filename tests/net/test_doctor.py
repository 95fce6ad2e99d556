"""The connection doctor: every verdict made real on this machine.

Everything stays on loopback, on this computer's own address (which never leaves the
computer), or inside a network namespace the test creates (root only).
"""

from __future__ import annotations

import functools
import json
import os
import queue
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from labsuite.net import doctor
from labsuite.net.addresses import interface_addresses
from labsuite.net.doctor import (BAD_INPUT, NAME_STEP, NO_ANSWER, NO_SUCH_NAME, REFUSED,
                                 UNREACHABLE, VERDICTS, WORKS, DoctorQuery, diagnose)
from labsuite.net.events import Kind
from tests.support import UNRESOLVABLE_HOST, closed_port, make_namespace

pytestmark = pytest.mark.timeout(30)

ROOT = Path(__file__).resolve().parents[2]
BOUND_ONLY_HINT = ("A server on this computer is bound only to this computer (127.0.0.1): "
                   "choose 'other computers too' so your partner can connect.")


@pytest.fixture
def listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()


@pytest.fixture
def partner(monkeypatch):
    monkeypatch.setattr(doctor, "partner_address", lambda: "192.0.2.99")
    return "192.0.2.99"


# -- network namespaces (root only) -----------------------------------------------------------
DIAGNOSE = ("import json, sys\n"
            "from labsuite.net.doctor import diagnose\n"
            "d = diagnose(sys.argv[1], int(sys.argv[2]), timeout=float(sys.argv[3]))\n"
            "print(json.dumps({'verdict': d.verdict, 'address': d.address,\n"
            "                  'steps': [s.detail for s in d.steps], 'advice': d.advice}))\n")


def diagnose_in(namespace, host, port, timeout):
    """Run the doctor inside ``namespace`` (a subprocess there) and return its verdict."""
    done = subprocess.run(namespace.command(sys.executable, "-c", DIAGNOSE, host, str(port),
                                            str(timeout)),
                          capture_output=True, text=True, timeout=20, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def netns():
    namespace = make_namespace()
    try:
        yield namespace
    finally:
        namespace.delete()


# -- works, refused ---------------------------------------------------------------------------
def test_a_listening_port_works(listener, partner):
    seen = []
    result = diagnose(*listener, timeout=2, emit=seen.append)
    assert result.verdict == WORKS and result.works
    assert result.address == "127.0.0.1" and result.connect_time is not None
    assert [step.name for step in result.steps] == [NAME_STEP,
                                                    f"Connect to 127.0.0.1 port {listener[1]}"]
    assert all(step.ok for step in result.steps)
    assert "already an IP address" in result.steps[0].detail
    assert seen == list(result.steps)  # each step was reported as it happened
    assert result.headline().startswith("It works: connected in ")
    assert any("a server is listening there" in sentence for sentence in result.advice)


def test_localhost_means_this_computer_and_the_partner_needs_another_address(listener, partner):
    result = diagnose("localhost", listener[1], timeout=2)
    assert result.verdict == WORKS
    assert result.steps[0].name == NAME_STEP and result.steps[0].ok
    assert "localhost is 127.0.0.1" in result.steps[0].detail
    assert any(sentence.startswith("localhost always means this computer: your partner must "
                                   f"use {partner}") for sentence in result.advice)


def test_localhost_hint_when_this_computer_has_no_network(listener, monkeypatch):
    monkeypatch.setattr(doctor, "partner_address", lambda: None)
    result = diagnose("127.0.0.1", listener[1], timeout=2)
    assert any("localhost always means this computer" in sentence and "has none" in sentence
               for sentence in result.advice)


def test_a_closed_port_is_refused(partner):
    port = closed_port()
    result = diagnose("127.0.0.1", port, timeout=2)
    assert result.verdict == REFUSED and not result.works
    assert result.address == "127.0.0.1" and result.connect_time is None
    assert not result.steps[-1].ok and "nothing is listening" in result.steps[-1].detail
    assert result.advice[0] == (f"Nothing is listening at 127.0.0.1 port {port}: the computer "
                                f"answered, but no program accepts connections on port {port}.")
    assert "Is the server started?" in result.advice[1]
    assert result.headline() == "Nothing is listening (connection refused)"


# -- no answer --------------------------------------------------------------------------------
def fill_accept_queue(address, fillers, attempts=64):
    """Connect to a listen(0) socket that never accepts until new connections go
    unanswered (the kernel drops SYNs once the accept queue is full). True when it does."""
    for _ in range(attempts):
        probe = socket.socket()
        probe.settimeout(0.2)
        try:
            probe.connect(address)
        except (socket.timeout, TimeoutError):
            probe.close()
            return True
        except OSError:
            probe.close()
            return False
        fillers.append(probe)  # it sits in the queue: keep it there
    return False


def test_no_answer_when_nobody_accepts(netns_fallback):
    host, port, run = netns_fallback
    result = run(host, port, 0.5)
    assert result["verdict"] == NO_ANSWER
    assert result["steps"][-1] == "no answer within 0.5 seconds"
    assert "No answer from" in result["advice"][0] and "firewall" in result["advice"][1]


@pytest.fixture
def netns_fallback(request):
    """(host, port, run) for a connection that gets no answer: a full accept queue on
    loopback, or else a namespace whose only neighbour drops everything."""
    fillers = []
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        try:
            if fill_accept_queue(sock.getsockname(), fillers):
                def run(host, port, timeout):
                    result = diagnose(host, port, timeout=timeout)
                    return {"verdict": result.verdict, "address": result.address,
                            "steps": [step.detail for step in result.steps],
                            "advice": list(result.advice)}

                yield ("127.0.0.1", sock.getsockname()[1], run)
                return
        finally:
            for filler in fillers:
                filler.close()
    namespace = request.getfixturevalue("netns")
    # A veth pair with both ends inside the namespace: the SYN goes to the other end,
    # which does not own the address and drops it, so nothing ever answers.
    namespace.ip("link", "add", "v0", "type", "veth", "peer", "name", "v1")
    namespace.ip("addr", "add", "10.9.9.1/24", "dev", "v0")
    for device in ("v0", "v1"):
        namespace.ip("link", "set", device, "up")
    namespace.ip("neigh", "add", "10.9.9.2", "lladdr", "02:00:00:00:00:02", "dev", "v0",
                 "nud", "permanent")
    yield ("10.9.9.2", 80, functools.partial(diagnose_in, namespace))


# -- unreachable ------------------------------------------------------------------------------
def test_unreachable_inside_a_namespace_with_only_loopback(netns):
    result = diagnose_in(netns, "10.200.0.1", 80, 1.0)
    assert result["verdict"] == UNREACHABLE
    assert result["address"] == "10.200.0.1"
    assert "no route" in result["steps"][-1]
    assert "no route" in result["advice"][0] and "same network" in result["advice"][1]


# -- names and input --------------------------------------------------------------------------
def test_a_name_that_does_not_exist(partner):
    result = diagnose(UNRESOLVABLE_HOST, 80, timeout=1)
    assert result.verdict == NO_SUCH_NAME and result.address is None
    assert len(result.steps) == 1 and not result.steps[0].ok
    assert result.steps[0].name == NAME_STEP
    assert "does not exist" in result.advice[0] and "IP address" in result.advice[1]


@pytest.mark.parametrize("host, port, timeout, phrase", [
    ("", 80, 1, "Type the host name"),
    ("http://127.0.0.1", 80, 1, "without 'http://'"),
    ("127.0.0.1/index.html", 80, 1, "without 'http://'"),
    ("127.0.0.1:8007", 8007, 1, "Give the port separately"),
    ("127.0.0.1", 0, 1, "1 to 65535"),
    ("127.0.0.1", 70000, 1, "1 to 65535"),
    ("127.0.0.1", "eighty", 1, "not a port number"),
    ("127.0.0.1", 80, 0, "more than 0 seconds"),
])
def test_bad_input_is_named_without_any_traffic(host, port, timeout, phrase):
    result = diagnose(host, port, timeout=timeout)
    assert result.verdict == BAD_INPUT and result.steps == ()
    assert phrase in result.advice[0]


def test_blanks_and_a_port_as_text_are_accepted(listener):
    result = diagnose(" 127.0.0.1 ", str(listener[1]), timeout=2)
    assert result.verdict == WORKS


def test_an_ipv6_address_may_be_written_in_brackets():
    with ipv6_loopback_listener() as sock:
        result = diagnose("[::1]", sock.getsockname()[1], timeout=2)
    assert result.verdict == WORKS and result.address == "::1"


def test_every_verdict_has_a_title():
    assert set(doctor.TITLES) == set(VERDICTS)


# -- the two classic lab mistakes ---------------------------------------------------------------
def own_network_address():
    for entry in interface_addresses():
        if entry.version == 4 and entry.shareable:
            return entry.address
    pytest.skip("this computer has no network address besides loopback")


def test_server_bound_only_to_loopback_gets_the_hint(listener):
    own = own_network_address()
    result = diagnose(own, listener[1], timeout=2)
    assert result.verdict == REFUSED and result.address == own
    check = result.steps[-1]
    assert check.name == f"Check 127.0.0.1 port {listener[1]}" and check.ok
    assert BOUND_ONLY_HINT in result.advice


def test_no_hint_when_nothing_listens_on_loopback_either():
    own = own_network_address()
    result = diagnose(own, closed_port(), timeout=2)
    assert result.verdict == REFUSED
    assert not result.steps[-1].ok and "nothing there either" in result.steps[-1].detail
    assert BOUND_ONLY_HINT not in result.advice


def test_listening_on_every_address_needs_no_hint_but_connecting_to_it_does(partner):
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        result = diagnose("0.0.0.0", port, timeout=2)
        own = diagnose(own_network_address(), port, timeout=2)
    assert own.verdict == WORKS
    assert result.verdict == WORKS  # Linux takes 0.0.0.0 as this computer
    assert any("not an address to connect to" in sentence for sentence in result.advice)


# -- several addresses ------------------------------------------------------------------------
def ipv6_loopback_listener():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    sock = socket.socket(socket.AF_INET6)
    try:
        sock.bind(("::1", 0))
    except OSError as exc:
        sock.close()
        pytest.skip(f"no IPv6 loopback here: {exc}")
    sock.listen(8)
    return sock


def test_each_address_is_tried_until_one_works(monkeypatch, partner):
    with ipv6_loopback_listener() as sock:
        port = sock.getsockname()[1]
        monkeypatch.setattr(doctor, "resolve",
                            lambda name: (((4, "127.0.0.1"), (6, "::1")), "both.example"))
        result = diagnose("both.example", port, timeout=2)
    assert result.verdict == WORKS and result.address == "::1"
    connects = result.steps[1:]
    assert [step.ok for step in connects] == [False, True]
    assert "both.example is 127.0.0.1, ::1" in result.steps[0].detail


def test_when_every_address_fails_the_most_telling_failure_decides(monkeypatch):
    outcomes = iter([(UNREACHABLE, "unreachable"), (REFUSED, "refused")])

    def fake_connect(address, port, timeout):
        verdict, detail = next(outcomes)
        return verdict, doctor.Step(f"Connect to {address} port {port}", False, detail, 0.0)

    monkeypatch.setattr(doctor, "resolve",
                        lambda name: (((4, "127.0.0.5"), (4, "127.0.0.6")), None))
    monkeypatch.setattr(doctor, "try_connect", fake_connect)
    result = diagnose("two.example", 8007, timeout=1)
    assert result.verdict == REFUSED and result.address == "127.0.0.6"


# -- in the background ----------------------------------------------------------------------
def test_query_reports_each_step_then_the_diagnosis(listener):
    events = queue.Queue()
    query = DoctorQuery(*listener, timeout=2, on_event=events.put)
    query.start()
    seen = []
    while not seen or seen[-1].kind is not Kind.RESULT:
        seen.append(events.get(timeout=10))
    query.stop()
    assert [event.kind for event in seen] == [Kind.INFO, Kind.INFO, Kind.RESULT]
    diagnosis = seen[-1].result
    assert diagnosis.verdict == WORKS
    assert [event.result for event in seen[:-1]] == list(diagnosis.steps)
    assert seen[1].text.startswith("ok") and seen[-1].text.startswith("It works")
    assert all(event.source == "connection doctor" for event in seen)


def test_query_run_returns_the_diagnosis_on_this_thread():
    events = []
    diagnosis = DoctorQuery("127.0.0.1", closed_port(), timeout=1, on_event=events.append).run()
    assert diagnosis.verdict == REFUSED
    assert [event.kind for event in events] == [Kind.INFO, Kind.INFO]
    assert events[1].text.startswith("FAILED")
