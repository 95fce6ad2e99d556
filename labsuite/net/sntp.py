"""SNTP over UDP (RFC 4330): a client that measures this computer's clock, and a server.

Unlike daytime there is no connection: one datagram goes out, one comes back, and if
either is lost the only sign is silence, so the client must give up after a timeout.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from ..protocols.sntp import (LEAP_MEANINGS, PACKET_BYTES, NotOurReply, SntpError, SntpReply,
                              build_reply, build_request, parse_reply)
from . import ports
from .daytime import TimeQuery, describe_offset, format_utc, lower_first, utc_datetime
from .errors import CONNECT_ERRORS, NetError
from .events import (PREVIEW_BYTES, Address, EventCallback, Kind, count_bytes, format_address,
                     transfer_text)
from .core import SelectorServer

#: Our SNTP server's default port: 123 needs administrator rights, so 8000 + 123.
DEFAULT_PORT = ports.SNTP
#: Big enough for a reply with extension fields; anything beyond is cut off.
RECEIVE_BYTES = 2048
#: Datagrams the server answers in one go before checking whether it should stop.
BATCH = 64


class SntpQuery(TimeQuery):
    """Ask an SNTP server for the time: one request datagram, one reply."""

    def __init__(self, host: str, port: int = ports.SNTP_WELL_KNOWN, timeout: float = 5.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(host, port, timeout, on_event)

    def run(self) -> "SntpResult":
        self._check_target()
        deadline = time.monotonic() + self.timeout
        try:
            family, _type, _proto, _name, address = socket.getaddrinfo(
                self.host, self.port, type=socket.SOCK_DGRAM)[0]
        except CONNECT_ERRORS as exc:
            raise self._failure(exc) from None
        with self._interruptible(), socket.socket(family, socket.SOCK_DGRAM) as sock:
            return self._exchange(sock, address, deadline)

    def _exchange(self, sock: socket.socket, address, deadline: float) -> "SntpResult":
        server = address[:2]
        try:
            # "Connecting" a UDP socket only fixes the other address: the system then drops
            # datagrams from anyone else and reports a closed port instead of staying silent.
            sock.connect(address)
            local = sock.getsockname()[:2]
            self.emit(Kind.OPENED, f"Opened UDP socket on {format_address(local)}", local=local)
            sent_wall, sent = time.time(), time.monotonic()
            request = build_request(sent_wall)
            sock.send(request)
        except OSError as exc:
            raise self._failure(exc, action="send") from None
        self.emit(Kind.WROTE, f"Sent {len(request)}-byte request to {format_address(server)}",
                  peer=server, local=local, size=len(request), data=request)
        sock.setblocking(False)
        while True:  # until the answer to this request arrives, skipping any other datagram
            data, source = self._receive(sock, deadline)
            rtt = time.monotonic() - sent
            if source != server:
                self.emit(Kind.INFO, f"Ignored {len(data)} bytes from {format_address(source)}: "
                                     "not the server that was asked", peer=source)
                continue
            self.emit(Kind.READ, transfer_text(Kind.READ, len(data), format_address(source)),
                      peer=source, size=len(data), data=data[:PREVIEW_BYTES])
            try:
                reply = parse_reply(data, sent_wall, sent_wall + rtt)
            except NotOurReply as exc:
                self.emit(Kind.INFO, f"Ignored it: {exc}", peer=source)
                continue
            except SntpError as exc:
                explanation = f"{self.host} port {self.port} answered, but {lower_first(str(exc))}"
                raise self._failure(NetError(explanation)) from None
            return SntpResult.from_reply(self.host, self.port, reply, rtt)

    def _receive(self, sock: socket.socket, deadline: float):
        """The next datagram and its sender; a plain NetError on silence or a closed port."""
        while self._wait_readable(sock, deadline):
            try:
                data, source = sock.recvfrom(RECEIVE_BYTES)
                return data, source[:2]
            except BlockingIOError:
                continue
            except (ConnectionRefusedError, ConnectionResetError):  # ICMP "port unreachable"
                raise self._failure(NetError(  # (which Windows reports as a reset)
                    f"Nothing is listening at {self.host} port {self.port}: this computer was "
                    "told that UDP port is closed; start the server first, or check the port.")
                ) from None
            except OSError as exc:
                raise self._failure(exc, action="send") from None
        raise self._failure(NetError(
            f"No answer from {self.host} port {self.port} within {self.timeout:g} seconds: "
            "UDP has no connection, so silence is all you get; the server may be down "
            "or a firewall may block UDP."))


@dataclass(frozen=True)
class SntpResult:
    """One SNTP answer. ``server_utc`` is the server's clock when the reply arrived and
    ``local_utc`` this computer's at that moment; ``offset`` is server minus local and
    ``delay`` the network's share of the round trip ``rtt`` (all in seconds)."""

    host: str
    port: int
    server_utc: datetime
    offset: float
    delay: float
    stratum: int
    reference: str
    leap: int
    version: int
    rtt: float
    local_utc: Optional[datetime] = None
    poll: int = 0
    precision: int = 0
    root_delay: float = 0.0
    root_dispersion: float = 0.0

    @classmethod
    def from_reply(cls, host: str, port: int, reply: SntpReply, rtt: float) -> "SntpResult":
        return cls(host=host, port=port, server_utc=utc_datetime(reply.server_time),
                   offset=reply.offset, delay=reply.delay, stratum=reply.stratum,
                   reference=reply.reference, leap=reply.leap, version=reply.version, rtt=rtt,
                   local_utc=utc_datetime(reply.destination_time), poll=reply.poll,
                   precision=reply.precision, root_delay=reply.root_delay,
                   root_dispersion=reply.root_dispersion)

    def headline(self) -> str:
        return (f"{self.host} says it is {format_utc(self.server_utc, 3)[11:]} UTC; "
                f"{describe_offset(self.offset, 3)}")

    def summary_lines(self) -> List[str]:
        lines = [f"Server's time:   {format_utc(self.server_utc, 3)} UTC (when the reply arrived)"]
        if self.local_utc is not None:
            lines.append(f"This computer:   {format_utc(self.local_utc, 3)} UTC")
        return lines + [
            f"Offset:          {describe_offset(self.offset, 3)}",
            f"Network delay:   {self.delay * 1000:.1f} ms there and back "
            f"(round trip {self.rtt * 1000:.1f} ms minus the server's own time)",
            f"Server:          {self._stratum_text()}",
            f"Leap second:     {LEAP_MEANINGS.get(self.leap, 'unknown')}",
            f"Protocol:        SNTP version {self.version} over UDP port {self.port}",
            f"UDP, not TCP:    one {PACKET_BYTES}-byte datagram each way and no connection: no "
            "handshake to wait for and nothing to close, but a lost datagram shows only as "
            "silence. Daytime uses a TCP connection and whole seconds; SNTP also measures "
            "the network delay and gives fractions of a second.",
        ]

    def _stratum_text(self) -> str:
        if self.stratum == 1:
            source = "this computer's own clock" if self.reference == "LOCL" else self.reference
            return f"stratum 1, a primary server set from its reference clock ({source})"
        return (f"stratum {self.stratum}, set from the server {self.reference}, "
                f"{self.stratum - 1} step{'s' if self.stratum > 2 else ''} from a reference clock")


class SntpServer(SelectorServer):
    """Answers SNTP requests on UDP from this computer's clock (stratum 1, reference "LOCL")."""

    source = "sntp server"
    announce_as = "sntp"
    tcp, udp = False, True
    logs_reads = logs_writes = False

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = DEFAULT_PORT,
                 on_event: Optional[EventCallback] = None):
        super().__init__(host, port, on_event)

    def _setup(self) -> None:
        super()._setup()
        self.emit(Kind.LISTENING, f"Waiting for SNTP requests on {format_address(self.address)}",
                  local=self.address)

    def on_datagram(self, data: bytes, peer: Address) -> None:
        received = time.time()
        self.emit(Kind.READ, transfer_text(Kind.READ, len(data), format_address(peer)),
                  peer=peer, size=len(data), data=data[:PREVIEW_BYTES])
        try:
            reply = build_reply(data, received, time.time())
        except SntpError as exc:
            self.emit(Kind.INFO, f"Ignored {count_bytes(len(data))} from "
                                 f"{format_address(peer)}: {exc}", peer=peer)
            return
        problem = self.send_datagram(reply, peer)
        if problem:
            self.emit(Kind.INFO, f"Could not answer {format_address(peer)}: {problem}", peer=peer)
            return
        self.emit(Kind.WROTE, f"Sent {len(reply)}-byte reply to {format_address(peer)}",
                  peer=peer, size=len(reply), data=reply)
