"""Run every check of one kind against HOST PORT and collect the report.

:class:`CheckRun` is a one-shot service: :meth:`run` works on the caller's thread and
returns the :class:`~labsuite.protocols.check.model.Report`, reporting each
:class:`~labsuite.protocols.check.model.Outcome` as a RESULT event the moment its check
ends; :meth:`start` does the same on a worker thread and ends with a RESULT event that
carries the Report (the window's Check tab uses this). :meth:`stop` abandons a run within
a fraction of a second. A run never raises NetError: an unreachable server is the failed
first check, and every other problem is a check's verdict.
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

from . import chat, daytime, echo, web
from .probe import Abandon, Cancelled, CheckContext, ServerGone, Target

#: Seconds each step may wait for the server (connecting, an answer, the close).
DEFAULT_TIMEOUT = 3.0

Check = Callable[[CheckContext], Verdict]
RUNNERS: Dict[str, Dict[str, Check]] = {
    "daytime": daytime.CHECKS,
    "echo": echo.CHECKS,
    "chat": chat.CHECKS,
    "web": web.CHECKS,
}

STOPPED = "Not run: the check was stopped."
CRASHED = ("Your server seems to have stopped, or crashed, during the check before: look at its "
           "terminal for an error (a traceback). A server loops for ever: it serves a client, "
           "then accepts the next one, whatever the last one did.")


class CheckRun(BackgroundQuery):
    """Every check of ``kind`` (see :data:`labsuite.protocols.check.model.CATALOGUE`)."""

    source = "check"

    def __init__(self, kind: str, host: str, port: int, timeout: float = DEFAULT_TIMEOUT,
                 on_event: Optional[EventCallback] = None, local: Optional[bool] = None):
        """``local`` says whether the server runs on this computer (None: find out), which
        decides how traversal is checked."""
        super().__init__(on_event)
        if kind in CLIENT_KINDS:
            raise ValueError(f"Checking {kind} is not available yet.")
        self.specs = specs_for(kind)
        self.kind = kind
        self.host = host
        self.port = port
        self.timeout = float(timeout)
        self.local = local
        self._runs: List[threading.Event] = []
        self._runs_lock = threading.Lock()

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
        target = Target(self.host, self.port)
        token = secrets.token_hex(3)  # chat names no other run uses
        numbers = itertools.count(1)  # ... and no other check of this run
        checks = RUNNERS[self.kind]
        outcomes: List[Outcome] = []
        down: Optional[str] = None
        for spec in self.specs:
            if cancel.is_set():
                outcome = Outcome.of(spec, skip(STOPPED))
            elif down:
                outcome = Outcome.of(spec, skip(down))
            else:
                previous = outcomes[-1].spec if outcomes else None
                ctx = CheckContext(target, self.timeout, cancel, token, self.local, numbers)
                outcome, down = self._one(spec, checks[spec.id], ctx, previous)
            outcomes.append(outcome)
            self.emit(Kind.RESULT, outcome_lines(outcome)[0], result=outcome)
        return Report(self.kind, target.text, tuple(outcomes))

    def _one(self, spec: CheckSpec, check: Check, ctx: CheckContext,
             previous: Optional[CheckSpec]) -> Tuple[Outcome, Optional[str]]:
        """Run one check; the second value, when set, is why the checks after it cannot run."""
        started = time.monotonic()
        down = None
        try:
            verdict = check(ctx)
        except Abandon as abandoned:
            verdict = abandoned.verdict
        except ServerGone as gone:
            verdict, down = self._gone(gone, spec, previous)
        except Cancelled:
            verdict = skip(STOPPED)
        except Exception as exc:  # a bug in the checker must not hide the other results
            verdict = skip(f"The checker itself failed ({exc!r}); this is a bug in labsuite, "
                           "not in your program.")
        finally:
            ctx.close_all()
        self.local = ctx.local
        return Outcome.of(spec, verdict, ctx.transcript.entries(), time.monotonic() - started), down

    @staticmethod
    def _gone(gone: ServerGone, spec: CheckSpec,
              previous: Optional[CheckSpec]) -> Tuple[Verdict, str]:
        if previous is None:
            return fail(gone.explanation, gone.hint), "Not run: could not connect to the server."
        down = f"Not run: the server stopped answering during the check '{spec.title}'."
        if gone.specific:
            return fail(gone.explanation, gone.hint), down
        return fail(f"The server stopped accepting connections after the check '{previous.title}' "
                    f"({gone.reason}).", CRASHED), down
