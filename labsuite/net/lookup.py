"""Host-name look-up: a name to its IP addresses and back, as the course's ipaddress.py does.

A name is looked up the way every program on this computer does it (the hosts file, then
the name servers, through ``getaddrinfo``), so what students see here is what their own
clients will get. "This computer" needs no look-up at all: its name and addresses come
from the computer itself (see :mod:`labsuite.net.addresses`).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import List, Optional, Tuple

from .addresses import InterfaceAddress, host_name, interface_addresses, partner_address
from .errors import NetError, explain
from .events import EventCallback, Kind
from .service import BackgroundQuery

#: (4 or 6, address), IPv4 first.
FoundAddress = Tuple[int, str]

_NO_DATA = getattr(socket, "EAI_NODATA", None)
_DOES_NOT_EXIST = {code for code in (getattr(socket, "EAI_NONAME", None),
                                     getattr(socket, "EAI_ADDRFAMILY", None)) if code is not None}


@dataclass(frozen=True)
class LookupResult:
    """What a name (or a typed IP address) turned out to be."""

    name: str
    addresses: Tuple[FoundAddress, ...]  # (4 or 6, address), IPv4 first, no repeats
    canonical_name: Optional[str]  # the official name when the name was an alias
    elapsed: float  # seconds the look-up took
    is_address: bool = False  # the name typed was already an IP address
    reverse_name: Optional[str] = None  # for an IP address: the name registered for it

    def headline(self) -> str:
        if self.is_address:
            if self.reverse_name:
                return f"{self.name} is {self.reverse_name}"
            return f"{self.name} has no registered name"
        return f"{self.name} is {', '.join(address for _, address in self.addresses)}"

    def summary_lines(self) -> List[str]:
        if self.is_address:
            named = (f"{self.reverse_name} (found by reverse look-up)" if self.reverse_name
                     else "none is registered for this address")
            return [f"IP address: {self.name}", f"Host name: {named}"]
        lines = [f"Host name: {self.name}"]
        if self.canonical_name and self.canonical_name.lower() != self.name.lower():
            lines.append(f"Official name: {self.canonical_name}")
        lines += [f"IP address: {address}" for _, address in self.addresses]
        lines.append(f"(looked up in {self.elapsed * 1000:.1f} ms)")
        return lines


def ip_version(text: str) -> Optional[int]:
    """4 or 6 when ``text`` is an IP address (an IPv6 zone such as ``%eth0`` allowed)."""
    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return None


def check_name(name: str) -> str:
    """``name`` without surrounding blanks; NetError when it cannot be a host name at all.

    Checked here, before any look-up: a name with a space can never exist, and one with
    a NUL character would be cut short and a different name looked up.
    """
    name = (name or "").strip()
    if not name:
        raise NetError("Type a host name or an IP address.")
    if any(ch.isspace() for ch in name):
        raise NetError(f"The name {name!r} does not exist: a host name cannot contain spaces.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise NetError(f"The name {name!r} does not exist: it contains control characters.")
    return name


def resolve(name: str) -> Tuple[Tuple[FoundAddress, ...], Optional[str]]:
    """Every address of ``name`` (IPv4 first, no repeats) and its official name.

    Raises NetError with a plain sentence when the name cannot be looked up.
    """
    name = check_name(name)
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                   socket.AI_CANONNAME)
    except socket.gaierror as exc:
        raise NetError(_lookup_failure(name, exc)) from None
    except (UnicodeError, ValueError):  # the IDNA codec rejected the name: it cannot exist
        raise NetError(f"The name {name!r} does not exist: it is not a valid host name "
                       "(check the spelling, or use an IP address).") from None
    except OSError as exc:
        raise NetError(explain(exc, host=name)) from None
    found: List[FoundAddress] = []
    canonical = None
    for family, _kind, _proto, canonname, sockaddr in infos:
        canonical = canonical or canonname or None
        version = {socket.AF_INET: 4, socket.AF_INET6: 6}.get(family)
        if version and (version, sockaddr[0]) not in found:
            found.append((version, sockaddr[0]))
    if not found:
        raise NetError(f"The name {name!r} exists but has no IP address.")
    found.sort(key=lambda entry: entry[0])  # stable: the resolver's order within a family
    return tuple(found), canonical


def _lookup_failure(name: str, exc: socket.gaierror) -> str:
    if exc.errno in _DOES_NOT_EXIST:
        return (f"The name {name!r} does not exist: no computer with that name was found "
                "(check the spelling, or use an IP address).")
    if exc.errno == _NO_DATA:
        return f"The name {name!r} exists but has no IP address."
    if exc.errno == socket.EAI_AGAIN:
        return (f"The name server did not answer about {name!r}: check this computer's "
                "network connection and try again, or use an IP address.")
    if exc.errno == socket.EAI_FAIL:
        return (f"The name server could not look up {name!r}; try again later, "
                "or use an IP address.")
    return f"The name {name!r} could not be looked up: {exc.strerror or exc}."


def lookup_name(name: str) -> LookupResult:
    """Look ``name`` up; an IP address is returned as it is, with its registered name."""
    name = check_name(name)
    version = ip_version(name)
    started = time.monotonic()
    if version is not None:
        address = str(ipaddress.ip_address(name))
        reverse = reverse_lookup(address)
        return LookupResult(address, ((version, address),), None, time.monotonic() - started,
                            is_address=True, reverse_name=reverse)
    addresses, canonical = resolve(name)
    return LookupResult(name, addresses, canonical, time.monotonic() - started)


def reverse_lookup(address: str) -> Optional[str]:
    """The name registered for an IP address, or None when there is none."""
    if ip_version(address.strip()) is None:
        raise NetError(f"{address!r} is not an IP address, so it cannot be looked up backwards.")
    try:
        return socket.gethostbyaddr(address.strip())[0]
    except (OSError, UnicodeError, ValueError):
        return None


# -- this computer ------------------------------------------------------------------------
@dataclass(frozen=True)
class ThisComputer:
    """This computer's name and addresses, from the computer itself (no look-up)."""

    host_name: str
    interfaces: Tuple[InterfaceAddress, ...]
    partner: Optional[str]  # the one address to give a lab partner

    def note(self, entry: InterfaceAddress) -> str:
        """What ``entry`` is good for, in a few words."""
        if entry.address == self.partner:
            return "give this one to your lab partner"
        if entry.shareable:
            return "a partner can use this one too"
        bare = entry.address.split("%", 1)[0]
        if ip_version(bare) and ipaddress.ip_address(bare).is_loopback:
            return "this computer only"
        return "not for a partner (link-local: this network cable or Wi-Fi only)"

    def summary_lines(self) -> List[str]:
        lines = [f"Host name: {self.host_name}"]
        width = max((len(entry.address) for entry in self.interfaces), default=0)
        named = max((len(entry.interface) for entry in self.interfaces), default=0) + 2
        for entry in self.interfaces:
            lines.append(f"IP address: {entry.address:<{width}}  "
                         f"{'(' + entry.interface + ')':<{named}}  {self.note(entry)}")
        if self.partner is None:
            lines.append("This computer has no address another computer can use: "
                         "is it connected to a network?")
        return lines


def this_computer() -> ThisComputer:
    return ThisComputer(host_name(), tuple(interface_addresses()), partner_address())


# -- in the background --------------------------------------------------------------------
class LookupQuery(BackgroundQuery):
    """Looks a name up on a worker thread (start()) or the caller's (run()).

    Background outcome: a RESULT event with ``result=`` the :class:`LookupResult`, or an
    ERROR event with the plain reason.
    """

    source = "look-up"

    def __init__(self, name: str, on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.name = name

    def run(self) -> LookupResult:
        self.emit(Kind.INFO, f"Looking up {self.name.strip()!r}")
        return lookup_name(self.name)
