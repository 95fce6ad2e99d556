"""Run every check of one kind and collect the report: of a server at HOST PORT, or of a
client command run against labsuite's reference servers.

:class:`CheckRun` (servers) and :class:`ClientCheckRun` (clients) are one-shot services:
:meth:`~Checklist.run` works on the caller's thread and returns the
:class:`~labsuite.protocols.check.model.Report`, reporting each
:class:`~labsuite.protocols.check.model.Outcome` as a RESULT event the moment its check
ends; :meth:`start` does the same on a worker thread and ends with a RESULT event that
carries the Report (the window's Check tab uses this). :meth:`stop` abandons a run within
a fraction of a second. A run never raises NetError: an unreachable server (or a client
that cannot be started) is the failed first check, and every other problem is a check's
verdict.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

from labsuite.net.events import EventCallback, Kind
from labsuite.net.service import BackgroundQuery
from labsuite.protocols.check.model import (CLIENT_KINDS, CheckSpec, Outcome, Report, Verdict,
                                            fail, skip, specs_for)
from labsuite.protocols.check.report import outcome_lines

from . import chat, chat_client, daytime, daytime_client, echo, echo_client, web
from .probe import Abandon, Cancelled, CheckContext, ServerGone, Target
from .scene import ClientContext
from .student import ClientCommand, ClientUnstartable

#: Seconds each step may wait for the server (connecting, an answer, the close).
DEFAULT_TIMEOUT = 3.0

Check = Callable[..., Verdict]  # CheckContext -> Verdict, or ClientContext -> Verdict
RUNNERS: Dict[str, Dict[str, Check]] = {
    "daytime": daytime.CHECKS,
    "echo": echo.CHECKS,
    "chat": chat.CHECKS,
    "web": web.CHECKS,
}
CLIENT_RUNNERS: Dict[str, Dict[str, Check]] = {
    "daytime-client": daytime_client.CHECKS,
    "echo-client": echo_client.CHECKS,
    "chat-client": chat_client.CHECKS,
}

STOPPED = "Not run: the check was stopped."
CRASHED = ("Your server seems to have stopped, or crashed, during the check before: look at its "
           "terminal for an error (a traceback). A server loops for ever: it serves a client, "
           "then accepts the next one, whatever the last one did.")


class Checklist(BackgroundQuery):
    """What every run shares: the checks of a kind in catalogue order, each outcome
    reported as it ends, stopping, and a checker bug that costs one check, not the run.

    A subclass gives :meth:`context` (what each check works with), ``checks`` (the
    functions by id), ``target`` (for the report) and ``blocked``: the exception that
    means nothing after this check can run, turned into a verdict by :meth:`_blocked`.
    """

    source = "check"
    blocked: type = ServerGone
    checks: Dict[str, Callable] = {}

    def __init__(self, kind: str, on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.specs = specs_for(kind)
        self.kind = kind
        self._runs: List[threading.Event] = []
        self._runs_lock = threading.Lock()

    @property
    def target(self) -> str:
        raise NotImplementedError

    def context(self, cancel: threading.Event):
        raise NotImplementedError

    def run(self) -> Report:
        cancel = threading.Event()
        with self._runs_lock:
            self._runs.append(cancel)
        try:
            return self._run(cancel)
        finally:
            with self._runs_lock:
                self._runs.remove(cancel)

    def stop(self) -> None:
        with self._runs_lock:
            for cancel in self._runs:
                cancel.set()
        super().stop()

    def _run(self, cancel: threading.Event) -> Report:
        self.begin()
        outcomes: List[Outcome] = []
        down: Optional[str] = None
        for spec in self.specs:
            if cancel.is_set():
                outcome = Outcome.of(spec, skip(STOPPED))
            elif down:
                outcome = Outcome.of(spec, skip(down))
            else:
                previous = outcomes[-1].spec if outcomes else None
                outcome, down = self._one(spec, self.checks[spec.id], self.context(cancel),
                                          previous)
            outcomes.append(outcome)
            self.emit(Kind.RESULT, outcome_lines(outcome)[0], result=outcome)
        return Report(self.kind, self.target, tuple(outcomes))

    def begin(self) -> None:
        """Called once at the start of each run."""

    def _one(self, spec: CheckSpec, check: Callable, ctx,
             previous: Optional[CheckSpec]) -> Tuple[Outcome, Optional[str]]:
        """Run one check; the second value, when set, is why the checks after it cannot run."""
        started = time.monotonic()
        down = None
        try:
            verdict = check(ctx)
        except Abandon as abandoned:
            verdict = abandoned.verdict
        except self.blocked as gone:
            verdict, down = self._blocked(gone, spec, previous)
        except Cancelled:
            verdict = skip(STOPPED)
        except Exception as exc:  # a bug in the checker must not hide the other results
            verdict = skip(f"The checker itself failed ({exc!r}); this is a bug in labsuite, "
                           "not in your program.")
        finally:
            ctx.close_all()
        self.finished(ctx)
        return Outcome.of(spec, verdict, ctx.entries(), time.monotonic() - started), down

    def finished(self, ctx) -> None:
        """Called after each check with its context."""

    def _blocked(self, gone, spec: CheckSpec,
                 previous: Optional[CheckSpec]) -> Tuple[Verdict, str]:
        raise NotImplementedError


class CheckRun(Checklist):
    """Every check of a server ``kind`` (see :data:`labsuite.protocols.check.model.CATALOGUE`)
    against the student's server at ``host`` ``port``."""

    def __init__(self, kind: str, host: str, port: int, timeout: float = DEFAULT_TIMEOUT,
                 on_event: Optional[EventCallback] = None, local: Optional[bool] = None):
        """``local`` says whether the server runs on this computer (None: find out), which
        decides how traversal is checked."""
        if kind in CLIENT_KINDS:
            raise ValueError(f"{kind} checks a client: use ClientCheckRun.")
        super().__init__(kind, on_event)
        self.checks = RUNNERS[kind]
        self.host = host
        self.port = port
        self.timeout = float(timeout)
        self.local = local
        self._target = Target(host, port)

    @property
    def target(self) -> str:
        return self._target.text

    def begin(self) -> None:
        self._target = Target(self.host, self.port)
        self._token = secrets.token_hex(3)  # chat names no other run uses
        self._numbers = itertools.count(1)  # ... and no other check of this run

    def context(self, cancel: threading.Event) -> CheckContext:
        return CheckContext(self._target, self.timeout, cancel, self._token, self.local,
                            self._numbers)

    def finished(self, ctx: CheckContext) -> None:
        self.local = ctx.local

    def _blocked(self, gone: ServerGone, spec: CheckSpec,
                 previous: Optional[CheckSpec]) -> Tuple[Verdict, str]:
        if previous is None:
            return fail(gone.explanation, gone.hint), "Not run: could not connect to the server."
        down = f"Not run: the server stopped answering during the check '{spec.title}'."
        if gone.specific:
            return fail(gone.explanation, gone.hint), down
        return fail(f"The server stopped accepting connections after the check '{previous.title}' "
                    f"({gone.reason}).", CRASHED), down


class ClientCheckRun(Checklist):
    """Every check of a client ``kind`` ("echo-client"...): each starts its own reference
    server and runs the student's ``command`` against it."""

    blocked = ClientUnstartable

    def __init__(self, kind: str, command: ClientCommand, timeout: float = DEFAULT_TIMEOUT,
                 on_event: Optional[EventCallback] = None):
        if kind not in CLIENT_KINDS:
            raise ValueError(f"{kind!r} is not a client check; choose one of "
                             f"{', '.join(CLIENT_KINDS)}.")
        super().__init__(kind, on_event)
        self.checks = CLIENT_RUNNERS[kind]
        self.command = command
        self.timeout = float(timeout)

    @property
    def target(self) -> str:
        return self.command.text

    def context(self, cancel: threading.Event) -> ClientContext:
        return ClientContext(self.command, self.timeout, cancel)

    def _blocked(self, gone: ClientUnstartable, spec: CheckSpec,
                 previous: Optional[CheckSpec]) -> Tuple[Verdict, str]:
        return fail(gone.explanation, gone.hint), "Not run: the client could not be started."
