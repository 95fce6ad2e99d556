"""The one client connection a panel owns (echo client, chat client, raw console).

Connecting and stopping happen off the Tk thread, so an unreachable host never freezes
the window. Each connection gets a token: events of a connection the student has since
replaced or closed still reach the panel (for its log) but are marked as not current, so
they never change what the panel shows about the new one.
"""

from __future__ import annotations

import functools
from typing import Callable, List, Optional

from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback
from labsuite.net.service import Service

from .pump import EventPump

Build = Callable[[EventCallback], Service]


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

    @property
    def connected(self) -> bool:
        return self.client is not None and not self.connecting

    def connect(self, build: Build) -> Service:
        """Build the client with an event callback of its own and start it in the background."""
        token = object()
        client = build(self.pump.callback(functools.partial(self._events, token)))
        self.client, self._token, self.connecting = client, token, True
        self.pump.in_background(client.start, functools.partial(self._started, token),
                                name=f"{self.name} connect")
        return client

    def _started(self, token: object, _result, error: Optional[Exception]) -> None:
        if token is not self._token:
            return
        self.connecting = False
        if error is None:
            self.on_connected(self.client)
            return
        self.client = self._token = None
        self.on_failed(error.explanation if isinstance(error, NetError)
                       else f"Could not connect: {error}")

    def _events(self, token: object, events: List[Event]) -> None:
        self.on_events(events, token is self._token)

    def disconnect(self, then: Callable[[], None],
                   stop: Optional[Callable[[Service], object]] = None) -> None:
        """Stop the client off the Tk thread (``stop(client)``, by default its stop()),
        then call ``then()`` on the Tk thread. Its last events count as not current."""
        client = self.client
        if client is None:
            return
        self.forget()
        work = (lambda: stop(client)) if stop is not None else client.stop
        self.pump.in_background(work, lambda _result, _error: then(), name=f"{self.name} stop")

    def forget(self) -> None:
        """The connection is over (the other side ended it, or it is being stopped)."""
        self.client = self._token = None
        self.connecting = False
