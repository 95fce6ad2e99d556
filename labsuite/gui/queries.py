"""One request at a time from a panel: a client query whose answer fills a ResultPanel.

A tab gives a builder ``(on_event) -> Service``; the runner starts the service, turns
its RESULT (``summary_lines()``) or ERROR (one plain sentence) into the panel's text and
tells the tab when it is busy, so the tab can disable its buttons. Each query gets a
fresh token: the events of an earlier query (stopped, or given up on) still reach the
log, never the panel.
"""

from __future__ import annotations

import functools
from typing import Callable, List, Optional

from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.service import Service

from .logview import LogView
from .panels import ResultPanel
from .pump import EventPump

Builder = Callable[[EventCallback], Service]


class QueryRunner:
    """Start, follow, stop or give up on the one query a panel is waiting for."""

    def __init__(self, widget, pump: EventPump, result: ResultPanel, log: LogView,
                 on_busy: Callable[[bool], None]):
        self.widget = widget  # for after() timers
        self.pump = pump
        self.result = result
        self.log = log
        self.on_busy = on_busy
        self.query: Optional[Service] = None
        self._token: Optional[object] = None
        self._watchdog: Optional[str] = None

    @property
    def busy(self) -> bool:
        return self.query is not None

    def start(self, build: Builder, busy_text: str, give_up_after: Optional[float] = None,
              give_up_text: str = "") -> Optional[Service]:
        """Build and start a query; after ``give_up_after`` seconds without an answer,
        show ``give_up_text`` and stop it."""
        if self.query is not None:
            return None
        token = object()
        query = build(self.pump.callback(functools.partial(self._events, token)))
        self.query, self._token = query, token
        self.on_busy(True)
        self.result.show_busy(busy_text)
        try:
            query.start()
        except NetError as exc:
            self._finish(token, error=exc.explanation)
            return None
        except Exception as exc:  # a bug must still leave the panel usable
            self._finish(token, error=f"Could not start: {exc}")
            return None
        if give_up_after is not None and self.query is query:
            self._watchdog = self.widget.after(int(give_up_after * 1000),
                                               functools.partial(self._give_up, token, give_up_text))
        return query

    def stop(self, text: str) -> None:
        """Abandon the query: show ``text`` now, close its socket off the Tk thread."""
        query = self.query
        if query is None:
            return
        self._finish(self._token, error=text)
        self.pump.in_background(query.stop, name="stop query")

    def _give_up(self, token: object, text: str) -> None:
        self._watchdog = None
        if token is self._token:
            self.stop(text)

    def _events(self, token: object, events: List[Event]) -> None:
        self.log.append_events(events)
        for event in events:
            if event.kind is Kind.RESULT and event.result is not None:
                self._finish(token, lines=event.result.summary_lines())
            elif event.kind is Kind.ERROR:
                self._finish(token, error=event.text)

    def _finish(self, token: Optional[object], lines: Optional[List[str]] = None,
                error: Optional[str] = None) -> None:
        if token is None or token is not self._token:
            return  # an earlier query: its lines are in the log only
        self.query = self._token = None
        self.close()
        self.on_busy(False)
        if error is not None:
            self.result.show_error(error)
        else:
            self.result.show_lines(lines or [])

    def close(self) -> None:
        """Cancel the give-up timer (the window is closing, or the query ended)."""
        if self._watchdog is not None:
            self.widget.after_cancel(self._watchdog)
            self._watchdog = None
