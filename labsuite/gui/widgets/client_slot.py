"""The one client connection a panel owns (echo client, chat client, raw console).

Connecting and stopping happen off the Tk thread, so an unreachable host never freezes
the window. Each connection gets a token: events of a connection the student has since
replaced or closed still reach the panel (for its log) but are marked as not current, so
they never change what the panel shows about the new one. Each also gets a pump
subscription of its own, which ends with that client's STOPPED (or when it fails to
connect), so a student connecting again and again leaves nothing behind.

Sending happens off the Tk thread too: a send blocks once the peer stops reading and its
socket buffer is full, and that must never freeze the window. Each connection has one
sender thread taking its sends from a queue, so they still go out in the order typed.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from typing import Callable, Deque, List, Optional

from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.service import Service

from ..pump import EventPump, Subscription

Build = Callable[[EventCallback], Service]
Work = Callable[[Service], object]

#: How long disconnecting waits for sends already queued (a polite QUIT goes after them)
#: before it stops the client anyway, which ends a send the peer is not reading.
SEND_GRACE = 1.0


class _Sender:
    """One connection's sends, run in order on a thread of their own.

    The thread exists only while sends are waiting, so an idle or abandoned connection
    leaves none behind. It holds no Tk object: a failure goes back as an ERROR event
    through ``report``, a pump subscription's ``on_event``, and is handled on the Tk thread.
    """

    def __init__(self, client: Service, report: EventCallback, name: str):
        self._client = client
        self._report = report
        self._name = name
        self._jobs: Deque[Work] = deque()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def put(self, work: Work) -> None:
        with self._lock:
            self._jobs.append(work)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name,
                                                daemon=True)
                self._thread.start()

    def wait(self, seconds: float) -> bool:
        """True once every queued send is done (waits up to ``seconds``)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(seconds)
            return not thread.is_alive()
        return True

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._thread = None
                    return
                work = self._jobs.popleft()
            try:
                work(self._client)
            except NetError as exc:
                self._failed(exc.explanation)
            except Exception as exc:  # a bug must not end the sends that follow
                self._failed(f"Could not send: {exc}")

    def _failed(self, text: str) -> None:
        self._report(Event(Kind.ERROR, "labsuite", text))


class ClientSlot:
    def __init__(self, pump: EventPump, on_events: Callable[[List[Event], bool], None],
                 on_connected: Callable[[Service], None], on_failed: Callable[[str], None],
                 name: str = "client"):
        self.pump = pump
        self.on_events = on_events  # (events, current)
        self.on_connected = on_connected
        self.on_failed = on_failed
        self.name = name
        self.client: Optional[Service] = None
        self.connecting = False
        self._token: Optional[object] = None
        self._sender: Optional[_Sender] = None
        self._subscription: Optional[Subscription] = None
        self._sender_subscription: Optional[Subscription] = None
        self._on_send_error: Optional[Callable[[str], None]] = None

    @property
    def connected(self) -> bool:
        return self.client is not None and not self.connecting

    def connect(self, build: Build) -> Service:
        """Build the client with an event callback of its own and start it in the background."""
        token = object()
        subscription = self.pump.subscribe(functools.partial(self._events, token))
        client = build(subscription.on_event)
        self.client, self._token, self._subscription = client, token, subscription
        self.connecting = True
        self.pump.in_background(client.start,
                                functools.partial(self._started, token, subscription),
                                name=f"{self.name} connect")
        return client

    def _started(self, token: object, subscription: Subscription, _result,
                 error: Optional[Exception]) -> None:
        if error is not None:  # a client that never started reports no STOPPED
            subscription.close()  # (this comes after every event it did report)
        if token is not self._token:
            return
        self.connecting = False
        if error is None:
            self.on_connected(self.client)
            return
        self.client = self._token = self._subscription = None
        text = error.explanation if isinstance(error, NetError) else f"Could not connect: {error}"
        self.on_events([Event(Kind.ERROR, self.name, text)], False)  # for the log only
        self.on_failed(text)

    def _events(self, token: object, events: List[Event]) -> None:
        self.on_events(events, token is self._token)

    def send(self, work: Work, on_error: Callable[[str], None]) -> bool:
        """Run ``work(client)`` on the connection's sender thread, after the sends before
        it; a NetError's sentence goes to ``on_error`` on the Tk thread (unless the
        connection is over by then). False (and nothing done) when not connected."""
        if not self.connected:
            return False
        if self._sender is None:
            self._sender_subscription = self.pump.subscribe(
                functools.partial(self._send_failed, self._token))
            self._sender = _Sender(self.client, self._sender_subscription.on_event,
                                   name=f"{self.name} sender")
        self._on_send_error = on_error  # a panel passes the same handler every time
        self._sender.put(work)
        return True

    def _send_failed(self, token: object, events: List[Event]) -> None:
        for event in events:
            if token is self._token and self._on_send_error is not None:
                self._on_send_error(event.text)

    def disconnect(self, then: Callable[[], None],
                   stop: Optional[Callable[[Service], object]] = None) -> None:
        """Stop the client off the Tk thread (``stop(client)``, by default its stop()),
        then call ``then()`` on the Tk thread. Its last events count as not current.
        Sends already queued go first; one the peer never takes is ended by stopping."""
        client, sender, subscription = self.client, self._sender, self._subscription
        if client is None:
            return
        self.forget()

        def work():
            if sender is not None and not sender.wait(SEND_GRACE):
                client.stop()  # the peer is not reading: stopping ends the stuck send
            return stop(client) if stop is not None else client.stop()

        def stopped(_result, _error) -> None:
            subscription.close()  # normally its STOPPED has closed it already
            then()

        self.pump.in_background(work, stopped, name=f"{self.name} stop")

    def forget(self) -> None:
        """The connection is over (the other side ended it, or it is being stopped)."""
        if self._sender_subscription is not None:  # its failures concern no one now
            self._sender_subscription.close()
        # the sender's thread ends once the queued sends finish or fail
        self._sender = self._sender_subscription = None
        self.client = self._token = self._subscription = None
        self.connecting = False
