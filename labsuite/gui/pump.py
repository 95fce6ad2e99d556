"""The one bridge from worker threads to the window.

Services report events from their own threads; Tk may only be touched from the thread
that runs the window. So a service's callback does nothing but put the event on a queue,
and one ``after()`` loop on the Tk thread drains it. Each tick takes a bounded batch
(in count and in time), groups the events per handler and calls every handler once with
its list, so a log inserts its text once per tick however many events arrived. A flood
therefore never freezes the window: redraws happen between ticks.

Memory stays bounded too: once too many events are waiting, plain progress lines
(reads, writes, notes) are counted instead of queued and the handler gets one
"… N lines skipped" note, plus silent (text-less) events carrying the skipped byte
counts per connection so tables stay right; results, errors and connection changes are
always delivered.

A handler is a :class:`Subscription` that ends with its service: once the service's
STOPPED (or, for a one-shot query, its answer) has been delivered, the handler is
forgotten and anything later is dropped. So the pump's table holds only the services
that are running, however often a student starts and stops a server.
"""

from __future__ import annotations

import itertools
import queue
import sys
import threading
import time
import traceback
import weakref
from typing import Callable, Collection, Dict, List, Optional, Sequence

from labsuite.net.events import Event, EventCallback, Kind

Handler = Callable[[List[Event]], None]

#: Events that may be skipped under a flood: the log shows a count instead.
SKIPPABLE = frozenset({Kind.READ, Kind.WROTE, Kind.INFO})
#: After these a service says nothing more: it has stopped.
SERVICE_ENDS = frozenset({Kind.STOPPED})
#: A one-shot query (BackgroundQuery, FetchQuery) ends with its answer, or when stopped.
QUERY_ENDS = frozenset({Kind.STOPPED, Kind.RESULT, Kind.ERROR})

SOURCE = "labsuite"

_EVENT, _CALL = 0, 1


def _safely(function, *args) -> None:
    try:
        function(*args)
    except Exception as exc:  # one broken handler must not stop the pump
        print(f"labsuite: window update failed: {exc!r}", file=sys.stderr)
        traceback.print_exc()


class _Skipped:
    """What was left out for one handler: a line count and bytes per (connection, kind)."""

    __slots__ = ("lines", "sizes")

    def __init__(self):
        self.lines = 0
        self.sizes: Dict[tuple, int] = {}

    def add(self, event: Event) -> None:
        self.lines += 1
        if event.conn is not None and event.size and event.kind in (Kind.READ, Kind.WROTE):
            where = (event.conn, event.kind)
            self.sizes[where] = self.sizes.get(where, 0) + event.size

    def events(self) -> List[Event]:
        note = Event(Kind.INFO, SOURCE, f"… {self.lines} lines skipped "
                     "(events arrived faster than the window can show them)")
        return [note] + [Event(kind, SOURCE, "", conn=conn, size=size)
                         for (conn, kind), size in self.sizes.items()]


class _Poster:
    """The ``on_event`` a service gets. It holds only a number, a flag and a weak
    reference, so a worker thread never keeps (and never frees) a Tk object: Tk objects
    must be released on the Tk thread. Once its subscription is closed it drops events
    at once, so a service that goes on talking fills no queue."""

    __slots__ = ("_pump", "_key", "open")

    def __init__(self, pump: "EventPump", key: int):
        self._pump = weakref.ref(pump)
        self._key = key
        self.open = True

    def __call__(self, event: Event) -> None:
        if not self.open:
            return
        pump = self._pump()
        if pump is not None:
            pump.post(self._key, event)


class Subscription:
    """One service's way into the window (Tk thread only; give the service ``on_event``).

    Its events reach ``handler`` in batches until one of a kind in ``until`` has been
    delivered, or :meth:`close` is called: then the handler is forgotten and later
    events are dropped. A service started again after it stopped needs a new one.
    """

    __slots__ = ("_pump", "key", "handler", "until", "on_event")

    def __init__(self, pump: "EventPump", key: int, handler: Handler,
                 until: Collection[Kind]):
        self._pump = pump
        self.key = key
        self.handler = handler
        self.until = until
        self.on_event: EventCallback = _Poster(pump, key)

    @property
    def open(self) -> bool:
        return self.on_event.open

    def close(self) -> None:
        """Deliver nothing more (a tab replacing a client, a start that failed)."""
        self._pump._forget(self.key)

    def _hand_over(self, events: List[Event], skipped: Sequence[Event] = ()) -> bool:
        """Give the handler one tick's events, up to and including the one that ends the
        subscription, with ``skipped`` (the notes on skipped lines, which came before it)
        in front of that one. True if it ended (and ``skipped`` went with it)."""
        end = next((n for n, event in enumerate(events) if event.kind in self.until), None)
        if end is not None:
            events = [*events[:end], *skipped, events[end]]
            self.close()  # first: a handler that fails must still end it
        _safely(self.handler, events)
        return end is not None


class EventPump:
    """Drain a thread-safe queue into handlers from a Tk ``after()`` loop."""

    def __init__(self, root, interval_ms: int = 40, batch_limit: int = 5000,
                 batch_seconds: float = 0.02, backlog_limit: int = 20000):
        self.root = root
        self.interval_ms = interval_ms
        self.batch_limit = batch_limit
        self.batch_seconds = batch_seconds
        self.backlog_limit = backlog_limit
        self._queue: "queue.SimpleQueue" = queue.SimpleQueue()
        self._keys = itertools.count(1)
        self._subscriptions: Dict[int, Subscription] = {}  # touched on the Tk thread only
        self._calls: Dict[int, Callable] = {}  # likewise
        self._skipped: Dict[int, _Skipped] = {}
        self._skipped_lock = threading.Lock()
        self._after_id: Optional[str] = None
        self._running = False

    # -- registering (Tk thread) ------------------------------------------------------
    def subscribe(self, handler: Handler,
                  until: Collection[Kind] = SERVICE_ENDS) -> Subscription:
        """A new subscription: give its ``on_event`` to one service (a fresh one for
        every start), and its events reach ``handler`` in batches until it ends."""
        key = next(self._keys)
        subscription = Subscription(self, key, handler, frozenset(until))
        self._subscriptions[key] = subscription
        return subscription

    @property
    def subscriptions(self) -> int:
        """How many subscriptions are open (one per service that may still report)."""
        return len(self._subscriptions)

    def _forget(self, key: int) -> None:
        subscription = self._subscriptions.pop(key, None)
        if subscription is not None:
            subscription.on_event.open = False
        with self._skipped_lock:
            self._skipped.pop(key, None)

    def in_background(self, work: Callable[[], object],
                      then: Optional[Callable[[object, Optional[Exception]], None]] = None,
                      name: str = "labsuite helper") -> threading.Thread:
        """Run ``work()`` off the Tk thread (blocking calls: connect, stop), then
        ``then(result, error)`` back on the Tk thread at the next tick."""
        key = next(self._keys)
        if then is not None:
            self._calls[key] = then
        pump = weakref.ref(self)

        def run():
            try:
                result, error = work(), None
            except Exception as exc:
                result, error = None, exc
            alive = pump()
            if alive is not None and alive._running:
                alive._queue.put((_CALL, key, (result, error)))

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread

    # -- posting (any thread) ---------------------------------------------------------
    def post(self, key: int, event: Event) -> None:
        if not self._running:
            return
        if event.kind in SKIPPABLE and self._queue.qsize() >= self.backlog_limit:
            with self._skipped_lock:
                self._skipped.setdefault(key, _Skipped()).add(event)
            return
        self._queue.put((_EVENT, key, event))

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    # -- Tk side ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._after_id = self.root.after(self.interval_ms, self._tick)

    def stop(self) -> None:
        """Stop ticking, drop whatever is still queued and close every subscription."""
        self._running = False
        if self._after_id is not None:
            try:
                self.root.after_cancel(self._after_id)
            except Exception:  # the window may already be gone
                pass
            self._after_id = None
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        for key in list(self._subscriptions):
            self._forget(key)
        self._calls.clear()

    def drain(self) -> int:
        """Deliver one batch now (the tick does this); returns how many items it took."""
        batch = self._take_batch()
        self._deliver(batch)
        return len(batch)

    def _tick(self) -> None:
        self._after_id = None
        if not self._running:
            return
        try:
            self.drain()
        finally:
            if self._running:
                busy = not self._queue.empty()
                delay = max(1, self.interval_ms // 4) if busy else self.interval_ms
                self._after_id = self.root.after(delay, self._tick)

    def _take_batch(self) -> list:
        batch = []
        deadline = time.perf_counter() + self.batch_seconds
        get = self._queue.get_nowait
        while len(batch) < self.batch_limit:
            try:
                batch.append(get())
            except queue.Empty:
                break
            if len(batch) % 64 == 0 and time.perf_counter() > deadline:
                break
        return batch

    def _deliver(self, batch: Sequence) -> None:
        # What was skipped so far came before anything still to be posted, so a
        # subscription's tally goes in front of the event that ends it, else last.
        with self._skipped_lock:
            skipped, self._skipped = self._skipped, {}
        tallies = {key: tally.events() for key, tally in skipped.items()}
        grouped: Dict[int, List[Event]] = {}
        for kind, key, item in batch:
            if kind == _CALL:
                self._flush(grouped, tallies)  # keep the order: events before the call first
                function = self._calls.pop(key, None)
                if function is not None:
                    _safely(function, *item)
            else:
                grouped.setdefault(key, []).append(item)
        self._flush(grouped, tallies)
        self._flush(tallies, {})

    def _flush(self, grouped: Dict[int, List[Event]],
               tallies: Dict[int, List[Event]]) -> None:
        for key, events in grouped.items():
            subscription = self._subscriptions.get(key)
            if subscription is None:
                continue  # closed: its service has stopped, or the tab let it go
            if subscription._hand_over(events, tallies.get(key, ())):
                tallies.pop(key, None)
        grouped.clear()
