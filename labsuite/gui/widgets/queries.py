"""One request at a time from a panel: a client query whose answer fills a ResultPanel
(:class:`QueryRunner`), or the newest of a page's queries (:class:`LatestQuery`).

A tab gives a builder ``(on_event) -> Service``; the runner starts the service, turns
its RESULT (``summary_lines()``) or ERROR (one plain sentence) into the panel's text and
tells the tab when it is busy, so the tab can disable its buttons. Each query gets a
fresh token: the events of an earlier query (stopped, or given up on) still reach the
log, never the panel. Each also gets a pump subscription that ends with its answer (or
its STOPPED), so a student asking again and again leaves nothing behind.
"""

from __future__ import annotations

import functools
from typing import Callable, List, Optional

from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.service import BackgroundQuery, Service

from ..pump import QUERY_ENDS, EventPump, Subscription
from .logview import LogView
from .panels import ResultPanel

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
        subscription = self.pump.subscribe(functools.partial(self._events, token),
                                           until=QUERY_ENDS)
        query = build(subscription.on_event)
        self.query, self._token = query, token
        self.on_busy(True)
        self.result.show_busy(busy_text)
        try:
            query.start()
        except NetError as exc:
            subscription.close()  # a query that never started reports nothing more
            self._finish(token, error=exc.explanation)
            return None
        except Exception as exc:  # a bug must still leave the panel usable
            subscription.close()
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


class LatestQuery:
    """One background query at a time for a page: a new one abandons the last, whose
    news is then ignored. ``on_events`` gets the current query's events, per tick."""

    def __init__(self, pump: EventPump, on_events: Callable[[List[Event]], None]):
        self.pump = pump
        self.on_events = on_events
        self.query: Optional[BackgroundQuery] = None
        self._token: Optional[object] = None
        self._subscription: Optional[Subscription] = None

    def start(self, make: Callable[[EventCallback], BackgroundQuery]) -> BackgroundQuery:
        self.abandon()
        self._token = token = object()
        subscription = self.pump.subscribe(functools.partial(self._deliver, token),
                                           until=QUERY_ENDS)
        self._subscription = subscription
        self.query = make(subscription.on_event)
        self.query.start()
        return self.query

    def _deliver(self, token: object, events: List[Event]) -> None:
        if token is self._token:
            if any(event.kind in (Kind.RESULT, Kind.ERROR) for event in events):
                self.query = None  # finished: nothing to stop any more
            self.on_events(events)

    def abandon(self) -> None:
        """Stop the current query, if any; nothing more of it is shown."""
        if self._subscription is not None:
            self._subscription.close()
        query, self.query, self._token, self._subscription = self.query, None, None, None
        if query is not None:  # stop() may wait for a slow look-up: not on the Tk thread
            self.pump.in_background(query.stop, name="abandon a query")

    @property
    def busy(self) -> bool:
        return self.query is not None
