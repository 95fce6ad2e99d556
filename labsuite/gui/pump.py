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
"""

from __future__ import annotations

import itertools
import queue
import sys
import threading
import time
import traceback
import weakref
from collections import deque
from typing import Callable, Deque, Dict, List, Optional, Sequence

from labsuite.net.events import Event, EventCallback, Kind

Handler = Callable[[List[Event]], None]

#: Events that may be skipped under a flood: the log shows a count instead.
SKIPPABLE = frozenset({Kind.READ, Kind.WROTE, Kind.INFO})

SOURCE = "labsuite"

_EVENT, _CALL = 0, 1


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
    """The ``on_event`` a service gets. It holds only a number and a weak reference, so
    a worker thread never keeps (and never frees) a Tk object: Tk objects must be
    released on the Tk thread."""

    __slots__ = ("_pump", "_key")

    def __init__(self, pump: "EventPump", key: int):
        self._pump = weakref.ref(pump)
        self._key = key

    def __call__(self, event: Event) -> None:
        pump = self._pump()
        if pump is not None:
            pump.post(self._key, event)


class EventPump:
    """Drain a thread-safe queue into handlers from a Tk ``after()`` loop."""

    def __init__(self, root, interval_ms: int = 40, batch_limit: int = 5000,
                 batch_seconds: float = 0.02, backlog_limit: int = 20000,
                 gap_samples: int = 20000):
        self.root = root
        self.interval_ms = interval_ms
        self.batch_limit = batch_limit
        self.batch_seconds = batch_seconds
        self.backlog_limit = backlog_limit
        self._queue: "queue.SimpleQueue" = queue.SimpleQueue()
        self._keys = itertools.count(1)
        self._handlers: Dict[int, Handler] = {}  # touched on the Tk thread only
        self._calls: Dict[int, Callable] = {}  # likewise
        self._skipped: Dict[int, _Skipped] = {}
        self._skipped_lock = threading.Lock()
        self._after_id: Optional[str] = None
        self._running = False
        self._last_tick: Optional[float] = None
        self.longest_gap = 0.0
        self.gaps: Deque[float] = deque(maxlen=gap_samples)
        self.delivered = 0
        self.skipped_total = 0

    # -- registering (Tk thread) ------------------------------------------------------
    def callback(self, handler: Handler) -> EventCallback:
        """The ``on_event`` to give a service: its events reach ``handler`` in batches."""
        key = next(self._keys)
        self._handlers[key] = handler
        return _Poster(self, key)

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
        self._last_tick = None
        self._after_id = self.root.after(self.interval_ms, self._tick)

    def stop(self) -> None:
        """Stop ticking, drop whatever is still queued and forget every handler."""
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
        self._handlers.clear()
        self._calls.clear()

    @property
    def last_tick(self) -> Optional[float]:
        """``time.perf_counter()`` at the start of the latest tick (for measurements)."""
        return self._last_tick

    def reset_stats(self) -> None:
        self.longest_gap = 0.0
        self.gaps.clear()
        self._last_tick = None
        self.delivered = 0
        self.skipped_total = 0

    def drain(self) -> int:
        """Deliver one batch now (the tick does this); returns how many items it took."""
        batch = self._take_batch()
        self._deliver(batch)
        return len(batch)

    def _tick(self) -> None:
        self._after_id = None
        if not self._running:
            return
        now = time.perf_counter()
        if self._last_tick is not None:
            gap = now - self._last_tick
            self.gaps.append(gap)
            self.longest_gap = max(self.longest_gap, gap)
        self._last_tick = now
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
        grouped: Dict[int, List[Event]] = {}
        for kind, key, item in batch:
            if kind == _CALL:
                self._flush(grouped)  # keep the order: events before the call first
                function = self._calls.pop(key, None)
                if function is not None:
                    self._safely(function, *item)
            else:
                grouped.setdefault(key, []).append(item)
        self._flush(grouped)
        with self._skipped_lock:
            skipped, self._skipped = self._skipped, {}
        for key, tally in skipped.items():
            self.skipped_total += tally.lines
            self._flush({key: tally.events()})

    def _flush(self, grouped: Dict[int, List[Event]]) -> None:
        for key, events in grouped.items():
            handler = self._handlers.get(key)
            if handler is not None:
                self.delivered += len(events)
                self._safely(handler, events)
        grouped.clear()

    @staticmethod
    def _safely(function, *args) -> None:
        try:
            function(*args)
        except Exception as exc:  # one broken handler must not stop the pump
            print(f"labsuite: window update failed: {exc!r}", file=sys.stderr)
            traceback.print_exc()
