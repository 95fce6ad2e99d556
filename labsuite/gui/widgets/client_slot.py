"""The one client connection a panel owns (echo client, chat client, raw console).

Connecting and stopping happen off the Tk thread, so an unreachable host never freezes
the window. Each connection gets a token: events of a connection the student has since
replaced or closed still reach the panel (for its log) but are marked as not current, so
they never change what the panel shows about the new one. Each also gets a pump
subscription of its own, which ends with that client's STOPPED (or when it fails to
connect), so a student connecting again and again leaves nothing behind.

Sending is quick: a client queues the bytes and its own writer thread sends them (a
full queue refuses with a plain sentence), so :meth:`ClientSlot.send` runs on the Tk
thread and shows that sentence at once.
"""

from __future__ import annotations

import functools
from typing import Callable, List, Optional

from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.service import Service

from ..pump import EventPump, Subscription

Build = Callable[[EventCallback], Service]
Work = Callable[[Service], object]

#: How long disconnecting lets sends already queued go out (a polite QUIT goes after
#: them) before it stops the client anyway, which ends a send the peer is not reading.
SEND_GRACE = 1.0


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
        self._subscription: Optional[Subscription] = None

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
        """Run ``work(client)`` now (it queues bytes and returns at once); a NetError's
        sentence goes to ``on_error``. False (and nothing done) when not connected."""
        if not self.connected:
            return False
        try:
            work(self.client)
        except NetError as exc:
            on_error(exc.explanation)
            return False
        return True

    def disconnect(self, then: Callable[[], None],
                   stop: Optional[Callable[[Service], object]] = None) -> None:
        """Stop the client off the Tk thread (``stop(client)``, by default its stop()),
        then call ``then()`` on the Tk thread. Its last events count as not current.
        Sends already queued go first, for a moment at most."""
        client, subscription = self.client, self._subscription
        if client is None:
            return
        self.forget()

        def work():
            drain = getattr(client, "drain", None)
            if drain is not None:
                drain(SEND_GRACE)
            return stop(client) if stop is not None else client.stop()

        def stopped(_result, _error) -> None:
            if subscription is not None:
                subscription.close()  # normally its STOPPED has closed it already
            then()

        self.pump.in_background(work, stopped, name=f"{self.name} stop")

    def forget(self) -> None:
        """The connection is over (the other side ended it, or it is being stopped)."""
        self.client = self._token = self._subscription = None
        self.connecting = False
