"""The raw console: talk to any server by hand, as the course did with telnet.

A TCP session connects and then shows every piece the server sends as a READ event
(``data`` holds the whole piece, at most 64 KiB) until the server closes or resets the
connection, which ends the session. A UDP session is a connected UDP socket: each send is
one datagram, each reply a READ event, and an ICMP "port unreachable" (nothing listening)
is reported as an error while the session stays open for another try.

It is the shared :class:`~labsuite.net.client.StreamClient`, so sends never block and an
echo is never shown before what caused it.
"""

from __future__ import annotations

from typing import Optional, Union

from labsuite.protocols.console import LineEnding, encode_line

from .client import CHUNK, StreamClient
from .errors import NetError, net_error
from .events import EventCallback, Kind, format_address
from .lookup import check_name

__all__ = ["ConsoleSession", "CHUNK"]


class ConsoleSession(StreamClient):
    """One hand-driven connection. ``start()`` connects (raising NetError), then
    :meth:`send_line` / :meth:`send_bytes` queue sends and a reader thread reports replies."""

    source = "console"

    def __init__(self, host: str, port: int, udp: bool = False, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(host, port, timeout, on_event)
        self.udp = udp

    @property
    def protocol(self) -> str:
        return "UDP" if self.udp else "TCP"

    def _connect(self):
        try:
            check_name(self.host)  # a name that cannot exist is never sent to a name server
        except NetError as exc:
            raise net_error(exc) from None
        return super()._connect()

    def _connected_text(self) -> str:
        if self.udp:
            return (f"Ready to send UDP datagrams to {format_address(self.peer)} "
                    f"from {format_address(self.local)}")
        return super()._connected_text()

    def send_line(self, text: str, ending: Union[LineEnding, str] = LineEnding.LF) -> None:
        """Send ``text`` with a line ending (see
        :func:`~labsuite.protocols.console.encode_line`)."""
        self.send_bytes(encode_line(text, ending))

    def on_received(self, data: bytes) -> None:
        self.log_transfer(Kind.READ, data, whole=True)  # the hex view shows all of it

    def on_refused(self) -> None:
        self.emit(Kind.ERROR, f"Nothing is listening at {self.host} port {self.port} (UDP): "
                              "the datagram was refused; start the server, or check the port.",
                  peer=self.peer)
