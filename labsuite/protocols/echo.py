"""Echo (RFC 862) rules that need no sockets: matching echoes to sends, and UDP safety.

TCP is a stream, so an echo comes back in whatever pieces the network chose: one send may
return in three reads, or three sends in one read. :class:`ReplyMatcher` pairs them by byte
offset. :class:`UdpEchoPolicy` decides whether a UDP datagram may be answered: a UDP echo
server that answers anyone can be abused to reflect traffic at a spoofed victim, or to
start an endless ping-pong with another UDP service, so it refuses the dangerous cases and
rate-limits the rest. :class:`DropLog` turns a flood of refusals into one line per second.

Sans-IO: no sockets, threads or clocks; the caller passes ``now`` (seconds, monotonic).
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Deque, Iterable, List, Optional, Tuple, Union

#: The largest UDP payload that fits an Ethernet frame without fragmentation (1500 - 28).
MAX_DATAGRAM = 1472


# -- TCP: matching echoes to what was sent ------------------------------------------------
@dataclass(frozen=True)
class EchoReply:
    """One send that has fully come back: the echoed bytes, as text, and the round trip."""

    data: bytes
    text: str
    rtt: float  # seconds from the send to the last byte of its echo


class ReplyMatcher:
    """Pair the echoed byte stream with the sends it answers, by byte offset.

    Memory is bounded by the unanswered sends: bytes beyond every outstanding send are not
    an echo of anything, so they are only counted (see :attr:`unexpected`).
    """

    def __init__(self):
        self._pending: Deque[Tuple[int, int, float]] = deque()  # (seq, size, sent_at)
        self._partial = bytearray()  # echoed bytes of the oldest unanswered send
        self._next_seq = 0
        self.unexpected = 0

    @property
    def outstanding(self) -> int:
        """Bytes sent whose echo has not come back yet."""
        return sum(size for _seq, size, _at in self._pending) - len(self._partial)

    def sent(self, size: int, now: float) -> int:
        """Record a send of ``size`` bytes (> 0); returns its sequence number."""
        if size <= 0:
            raise ValueError("an echo send must hold at least one byte")
        self._next_seq += 1
        self._pending.append((self._next_seq, size, now))
        return self._next_seq

    def received(self, data: bytes, now: float) -> List[Tuple[int, EchoReply]]:
        """Feed echoed bytes; return ``(seq, reply)`` for every send they complete."""
        done: List[Tuple[int, EchoReply]] = []
        view = memoryview(data)
        while view and self._pending:
            seq, size, sent_at = self._pending[0]
            need = size - len(self._partial)
            self._partial += view[:need]
            view = view[need:]
            if len(self._partial) == size:
                self._pending.popleft()
                echoed = bytes(self._partial)
                self._partial.clear()
                done.append((seq, EchoReply(echoed, echoed.decode("utf-8", "replace"),
                                            max(0.0, now - sent_at))))
        self.unexpected += len(view)
        return done


# -- UDP: when to answer -----------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """Whether to answer a datagram; ``size`` is how many of its bytes to echo back."""

    allow: bool
    reason: str = ""
    size: int = 0


class TokenBucket:
    """Allow ``rate`` events per second on average, with bursts of up to ``burst``."""

    def __init__(self, rate: float, burst: float, now: float):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = now

    def refill(self, now: float) -> float:
        elapsed = max(0.0, now - self.stamp)  # a clock that steps back adds nothing
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = max(self.stamp, now)
        return self.tokens


NetworkLike = Union[str, ipaddress.IPv4Network, ipaddress.IPv6Network]


class UdpEchoPolicy:
    """Decide, datagram by datagram, whether a UDP echo server may answer.

    Rules, in order: the source must be a real unicast address (not broadcast, multicast
    or unspecified); its port must be 1024 or above (below are services such as DNS and
    NTP, and two services echoing each other loop forever); the sender and the server as
    a whole must be within their rate limits. A reply is never larger than the request,
    and datagrams above ``max_datagram`` are echoed only up to that size.

    ``local_networks`` lets the caller name this computer's networks so that their
    broadcast addresses (such as 192.168.1.255 in 192.168.1.0/24) are refused too. The
    table of senders holds at most ``max_sources`` entries (the least recently seen is
    forgotten), so a flood from spoofed addresses cannot grow memory.
    """

    def __init__(self, max_datagram: int = MAX_DATAGRAM, rate: float = 500.0,
                 burst: float = 1000.0, per_source_rate: float = 50.0,
                 per_source_burst: float = 100.0, max_sources: int = 1024,
                 local_networks: Iterable[NetworkLike] = ()):
        self.max_datagram = max_datagram
        self.per_source_rate = per_source_rate
        self.per_source_burst = per_source_burst
        self.max_sources = max(1, max_sources)
        self._rate, self._burst = rate, burst
        self._overall: Optional[TokenBucket] = None
        self._sources: "OrderedDict[str, TokenBucket]" = OrderedDict()
        self._broadcasts = {net.broadcast_address
                            for net in (ipaddress.ip_network(n, strict=False) for n in local_networks)
                            if net.version == 4 and net.prefixlen < 31}

    @property
    def tracked_sources(self) -> int:
        return len(self._sources)

    def decide(self, source_host: str, source_port: int, size: int, now: float) -> Decision:
        refusal = self._address_problem(source_host, source_port)
        if refusal:
            return Decision(False, refusal)
        return self._within_limits(source_host, size, now)

    def _address_problem(self, host: str, port: int) -> str:
        try:
            ip = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return f"the source {host!r} is not an IP address"
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_unspecified:
            return f"the source {ip} is not a real sender address"
        if ip.is_multicast:
            return (f"the source {ip} is a multicast address; "
                    "an answer would go to a whole group of computers")
        if ip == ipaddress.IPv4Address("255.255.255.255") or ip in self._broadcasts:
            return (f"the source {ip} is a broadcast address; "
                    "an answer would go to every computer on the network")
        if port < 1024:
            return (f"the source port {port} is below 1024, where services such as DNS "
                    "and NTP answer; replying could start an endless loop between servers")
        return ""

    def _within_limits(self, host: str, size: int, now: float) -> Decision:
        if self._overall is None:
            self._overall = TokenBucket(self._rate, self._burst, now)
        sender = self._sender_bucket(host, now)
        if sender.refill(now) < 1:
            return Decision(False, f"more than {self.per_source_rate:g} datagrams a second "
                                   f"from {host} (the limit for one sender)")
        if self._overall.refill(now) < 1:
            return Decision(False, f"more than {self._rate:g} datagrams a second in total "
                                   "(the limit for the whole server)")
        sender.tokens -= 1
        self._overall.tokens -= 1
        if size > self.max_datagram:
            return Decision(True, f"only the first {self.max_datagram} of {size} bytes were "
                                  "echoed (the limit for one datagram)", self.max_datagram)
        return Decision(True, "", max(0, size))

    def _sender_bucket(self, host: str, now: float) -> TokenBucket:
        bucket = self._sources.get(host)
        if bucket is None:
            while len(self._sources) >= self.max_sources:
                self._sources.popitem(last=False)  # forget the least recently seen
            bucket = TokenBucket(self.per_source_rate, self.per_source_burst, now)
            self._sources[host] = bucket
        else:
            self._sources.move_to_end(host)
        return bucket


class DropLog:
    """Report dropped datagrams without flooding the log.

    The first drop is reported at once; later ones are counted and summarised at most once
    per ``interval`` seconds, by the next drop or by :meth:`flush`.
    """

    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self.pending = 0  # drops counted but not reported yet
        self._last_report: Optional[float] = None
        self._latest = ""

    def dropped(self, source: str, reason: str, now: float) -> Optional[str]:
        """Note one drop; return a line to log now, or None while it is being counted."""
        self._latest = f"from {source}: {reason}"
        if self._last_report is not None and now - self._last_report < self.interval:
            self.pending += 1
            return None
        earlier, self.pending = self.pending, 0
        self._last_report = now
        more = f" ({earlier} more dropped since the last report)" if earlier else ""
        return f"Dropped a UDP datagram {self._latest}{more}"

    def due(self, now: float) -> Optional[float]:
        """Seconds until :meth:`flush` has something to say, or None if nothing is counted."""
        if not self.pending or self._last_report is None:
            return None
        return max(0.0, self._last_report + self.interval - now)

    def flush(self, now: float) -> Optional[str]:
        """The summary of drops counted since the last report, once ``interval`` has passed."""
        wait = self.due(now)
        if wait is None or wait > 0:
            return None
        count, self.pending = self.pending, 0
        self._last_report = now
        noun = "datagram" if count == 1 else "datagrams"
        return f"Dropped {count} more UDP {noun}; the latest {self._latest}"
