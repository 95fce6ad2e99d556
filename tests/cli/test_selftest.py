"""``labsuite --self-test``: every check passes on a working install, and failures are
reported one plain line each, within the time limits."""

from __future__ import annotations

import io
import os
import re
import sys
import threading

import pytest

from labsuite import selftest
from tests.support import run_cli

CHECK_NAMES = [name for name, _check, _here in selftest.CHECKS]
OK_LINE = re.compile(r"^ok   (?P<name>.+) \((?P<time>[\d.]+ m?s)\)$")


@pytest.mark.timeout(60)
def test_self_test_passes_with_a_display(display):
    done = run_cli("--self-test", timeout=40)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[0].startswith("labsuite ") and "self-test" in lines[0]
    passed = [OK_LINE.match(line) for line in lines[1:-1]]
    assert all(passed), lines
    assert [match["name"] for match in passed] == CHECK_NAMES
    assert lines[-1].startswith(f"self-test passed: all {len(CHECK_NAMES)} checks")
    assert done.stderr == ""


@pytest.mark.timeout(60)
@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="a display is always there")
def test_without_a_display_the_window_check_fails_plainly():
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = run_cli("--self-test", timeout=40, env=environment)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[-2].startswith("FAIL window opens and closes: no display")
    assert all(OK_LINE.match(line) for line in lines[1:-2]), lines
    assert lines[-1].startswith(f"self-test FAILED: 1 of {len(CHECK_NAMES)} checks failed")


def test_self_test_is_listed_in_help():
    done = run_cli("--help")
    assert "--self-test" in done.stdout


# -- the runner: a failing, crashing or hanging check is one line, never a hang -------------
def _broken():
    raise selftest.CheckFailed("the part is missing")


def _crashing():
    raise KeyError("boom")


@pytest.mark.timeout(10)
def test_failures_are_one_plain_line_each_and_a_hung_check_is_abandoned():
    release = threading.Event()
    out = io.StringIO()
    outcomes = selftest.run((("broken", _broken, False), ("crashing", _crashing, True),
                             ("hung", lambda: release.wait(5), False),
                             ("fine", lambda: None, False)), out=out, seconds=0.3)
    release.set()
    assert [outcome.ok for outcome in outcomes] == [False, False, False, True]
    lines = out.getvalue().splitlines()
    assert lines[0] == "FAIL broken: the part is missing"
    assert lines[1] == "FAIL crashing: KeyError: 'boom'"
    assert lines[2] == "FAIL hung: no answer within 0.3 s"
    assert OK_LINE.match(lines[3])


@pytest.mark.timeout(10)
def test_checks_left_when_the_budget_is_spent_fail_without_running():
    ran = []
    out = io.StringIO()
    outcomes = selftest.run((("slow", lambda: ran.append("slow") or release_after(0.2), True),
                             ("late", lambda: ran.append("late"), False)),
                            out=out, seconds=1.0, budget=0.1)
    assert ran == ["slow"]
    assert [outcome.ok for outcome in outcomes] == [True, False]
    assert out.getvalue().splitlines()[1] == \
        "FAIL late: not run: the self-test took longer than 0.1 s before it"


def release_after(seconds: float) -> None:
    threading.Event().wait(seconds)


def test_a_network_error_is_reported_with_its_explanation():
    from labsuite.net.errors import NetError

    def unreachable():
        raise NetError("Nothing is listening on 127.0.0.1 port 9.")

    out = io.StringIO()
    selftest.run((("daytime server and client", unreachable, False),), out=out)
    assert out.getvalue() == ("FAIL daytime server and client: "
                              "Nothing is listening on 127.0.0.1 port 9.\n")
