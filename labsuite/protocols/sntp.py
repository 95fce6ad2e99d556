"""Simple Network Time Protocol (RFC 4330): one 48-byte UDP datagram each way.

The client stamps its request with its clock (T1); the server notes when the request
arrived (T2) and when it sent the reply (T3); the client notes when the reply arrived
(T4). From these four times the client learns how far its clock is off and how long the
network took, without the two clocks ever agreeing first::

    offset = ((T2 - T1) + (T3 - T4)) / 2      delay = (T4 - T1) - (T3 - T2)

Sans-IO: times are Unix seconds (floats) passed in; nothing here reads a clock.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Optional

PACKET_BYTES = 48

#: Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
NTP_TO_UNIX = 2_208_988_800
_ERA = 2 ** 32

MODE_CLIENT, MODE_SERVER, MODE_BROADCAST = 3, 4, 5
VERSION = 4
LEAP_UNSYNCHRONISED = 3

#: Flags, stratum, poll, precision, root delay, root dispersion, reference id, 4 timestamps.
_LAYOUT = struct.Struct("!BBbbiI4sQQQQ")

#: What a kiss-o'-death code asks of the client (RFC 4330 section 8).
KISS_CODES = {
    "RATE": "this computer asked too often; wait before asking again",
    "DENY": "the server refuses to answer this computer",
    "RSTR": "the server refuses to answer this computer",
    "INIT": "the server has not synchronised its own clock yet",
    "STEP": "the server's clock is being reset",
    "AUTH": "the server requires authentication",
}

LEAP_MEANINGS = {
    0: "no leap second announced",
    1: "the last minute of today has 61 seconds (a leap second is added)",
    2: "the last minute of today has 59 seconds (a second is removed)",
    3: "the server's clock is not synchronised",
}


class SntpError(ValueError):
    """A datagram that is not a usable SNTP packet; the message is one plain sentence."""


class KissOfDeath(SntpError):
    """The server answered with stratum 0: a "kiss-o'-death" telling the client to back off."""

    def __init__(self, code: str):
        meaning = KISS_CODES.get(code, "the server will not give the time")
        super().__init__(f"The server sent a kiss-o'-death with code {code}: {meaning}.")
        self.code = code


class NotOurReply(SntpError):
    """A well-formed reply that answers some other request (a late or stray datagram)."""


@dataclass(frozen=True)
class SntpReply:
    """A checked server reply. Times are Unix seconds; durations are seconds."""

    leap: int
    version: int
    mode: int
    stratum: int
    poll: int
    precision: int  # log2 of the server clock's precision in seconds
    root_delay: float
    root_dispersion: float
    reference: str  # "NIST", "GPS", "LOCL"... for stratum 1; the upstream server's IPv4 otherwise
    reference_time: Optional[float]  # when the server's clock was last set; None if never
    originate_time: float  # T1
    receive_time: float  # T2
    transmit_time: float  # T3
    destination_time: float  # T4
    offset: float  # how far the server's clock is ahead of this computer's
    delay: float  # the round trip through the network, without the server's own time

    @property
    def server_time(self) -> float:
        """The server's clock at the moment the reply arrived (T4 + offset)."""
        return self.destination_time + self.offset


# -- timestamps --------------------------------------------------------------------------

def to_ntp(unix: float) -> int:
    """A Unix time as a 64-bit NTP timestamp: 32 bits of seconds, 32 bits of fraction.

    Seconds wrap after 2036-02-07 (NTP era 1), as RFC 4330 section 3 describes, so
    times from 1968 to 2104 are representable.
    """
    whole = math.floor(unix)  # split first: the sum would lose the fraction's low bits
    ticks = (whole + NTP_TO_UNIX) * _ERA + round((unix - whole) * _ERA)
    if not (_ERA // 2) * _ERA <= ticks < (_ERA + _ERA // 2) * _ERA:
        raise ValueError(f"{unix!r} is outside 1968-2104, which NTP timestamps cover")
    return ticks % (_ERA * _ERA)


def from_ntp(timestamp: int) -> float:
    """A 64-bit NTP timestamp as Unix seconds, fraction included.

    RFC 4330's rule: with the top bit of the seconds set, the time is in 1968-2036 (era 0);
    clear, in 2036-2104 (era 1).
    """
    seconds, fraction = timestamp >> 32, timestamp & (_ERA - 1)
    if not seconds & 0x8000_0000:
        seconds += _ERA
    return seconds - NTP_TO_UNIX + fraction / _ERA


def _short_to_seconds(value: int) -> float:
    """NTP's 16.16 fixed-point durations (root delay and dispersion)."""
    return value / 65536


# -- client side ---------------------------------------------------------------------------

def build_request(transmit_unix: float) -> bytes:
    """A client request: LI 0, version 4, mode 3, our clock in the transmit timestamp.

    The server copies that timestamp into its reply, which is how :func:`parse_reply`
    knows the reply answers this request.
    """
    return _LAYOUT.pack(_flags(0, VERSION, MODE_CLIENT), 0, 0, 0, 0, 0, b"\0" * 4,
                        0, 0, 0, to_ntp(transmit_unix))


def parse_reply(data: bytes, originate_unix: float, destination_unix: float) -> SntpReply:
    """Check a server's reply to the request sent at ``originate_unix`` and compute the offset.

    ``destination_unix`` is this computer's clock when the reply arrived.
    Raises :class:`SntpError` (or its kinds) with a plain sentence when the reply is unusable.
    """
    if len(data) < PACKET_BYTES:
        raise SntpError(f"The reply is too short for SNTP: {len(data)} bytes, "
                        f"at least {PACKET_BYTES} needed.")
    (flags, stratum, poll, precision, root_delay, root_dispersion, reference_id,
     reference, originate, receive, transmit) = _LAYOUT.unpack_from(data)
    leap, version, mode = flags >> 6, (flags >> 3) & 7, flags & 7
    if mode not in (MODE_SERVER, MODE_BROADCAST):
        raise SntpError(f"The answer did not come from a time server: it is marked as "
                        f"{_MODE_WORDS.get(mode, 'something else')} (mode {mode}), not as a "
                        "server's answer.")
    if version == 0:
        raise SntpError("The reply has version 0, which no NTP version uses.")
    if originate != to_ntp(originate_unix):  # checked first, so strangers cannot kiss us off
        raise NotOurReply("The reply does not answer this request: its originate time is "
                          "not the time this computer sent (a late or stray datagram).")
    if stratum == 0:
        raise KissOfDeath(_ascii(reference_id) or "(none)")
    if transmit == 0:
        raise SntpError("The reply has no transmit time, so it does not say what time it is.")
    if leap == LEAP_UNSYNCHRONISED or stratum > 15:
        raise SntpError("The server says its own clock is not synchronised, "
                        "so its time cannot be trusted.")
    t1, t2, t3, t4 = originate_unix, from_ntp(receive), from_ntp(transmit), destination_unix
    return SntpReply(
        leap=leap, version=version, mode=mode, stratum=stratum, poll=poll, precision=precision,
        root_delay=_short_to_seconds(root_delay),
        root_dispersion=_short_to_seconds(root_dispersion),
        reference=reference_text(stratum, reference_id),
        reference_time=from_ntp(reference) if reference else None,
        originate_time=t1, receive_time=t2, transmit_time=t3, destination_time=t4,
        offset=((t2 - t1) + (t3 - t4)) / 2, delay=(t4 - t1) - (t3 - t2))


#: What each NTP mode means, in words (the mode is a number in the first byte).
_MODE_WORDS = {0: "an unused kind of message", 1: "a message between two peer time servers",
               2: "a message between two peer time servers", 3: "another client's question",
               6: "a control message", 7: "a private message of one server program"}


def reference_text(stratum: int, reference_id: bytes) -> str:
    """Stratum 0-1: a four-letter code ("NIST", "GPS"); above: the upstream server's IPv4."""
    if stratum <= 1:
        return _ascii(reference_id)
    return ".".join(str(byte) for byte in reference_id)


def _ascii(raw: bytes) -> str:
    text = raw.rstrip(b"\0").decode("ascii", errors="replace")
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _flags(leap: int, version: int, mode: int) -> int:
    return (leap << 6) | (version << 3) | mode


# -- server side ---------------------------------------------------------------------------

def build_reply(request: bytes, receive_unix: float, transmit_unix: float, stratum: int = 1,
                reference_id: bytes = b"LOCL", reference_unix: Optional[float] = None,
                precision: int = -20) -> bytes:
    """The server's answer to ``request``: mode 4, the request's transmit time as originate.

    ``receive_unix`` is when the request arrived (T2), ``transmit_unix`` when the reply
    leaves (T3). Only client requests (mode 3, version 1-4) are answered, so two servers
    can never keep answering each other. ``reference_unix`` (when our clock was last set)
    defaults to ``receive_unix``. "LOCL" at stratum 1 says the time is this computer's own clock.
    """
    if len(request) < PACKET_BYTES:
        raise SntpError(f"The request is too short for SNTP: {len(request)} bytes, "
                        f"at least {PACKET_BYTES} needed.")
    flags, _stratum, poll = request[0], request[1], struct.unpack_from("!b", request, 2)[0]
    version, mode = (flags >> 3) & 7, flags & 7
    if mode != MODE_CLIENT:
        raise SntpError(f"The datagram has mode {mode}, not 3: it is not a client's request.")
    if not 1 <= version <= 4:
        raise SntpError(f"The request has version {version}; only versions 1 to 4 exist.")
    if not 1 <= stratum <= 15 or len(reference_id) > 4:
        raise ValueError("stratum must be 1-15 and the reference id at most 4 bytes")
    client_transmit = _LAYOUT.unpack_from(request)[-1]
    reference = receive_unix if reference_unix is None else reference_unix
    return _LAYOUT.pack(_flags(0, version, MODE_SERVER), stratum, poll, precision, 0, 0,
                        reference_id.ljust(4, b"\0"), to_ntp(reference), client_transmit,
                        to_ntp(receive_unix), to_ntp(transmit_unix))
