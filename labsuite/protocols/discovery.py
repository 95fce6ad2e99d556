"""Service discovery's pure part: what labsuite announces on the network and what a
student is shown of what others announce (multicast DNS service discovery, DNS-SD).

Names, TXT records and addresses come from the network, so everything shown is cleaned
here: no control or invisible characters, bounded lengths, only addresses another
computer can connect to. No sockets, no zeroconf: :mod:`labsuite.net.discovery` does the
talking and turns what zeroconf resolves into :class:`Found` and :class:`Gone`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Dict, Iterable, Mapping, Optional, Sequence, Tuple

from labsuite import __version__

from .text import is_control, is_invisible

#: What can be announced, and the DNS-SD service type of each. A service name has at
#: most 15 letters (RFC 6335, which Bonjour enforces), so daytime is "labsuite-time".
SERVICE_TYPES: Dict[str, str] = {
    "chat": "_labsuite-chat._tcp.local.",
    "poker": "_labsuite-poker._tcp.local.",
    "web": "_labsuite-web._tcp.local.",
    "echo": "_labsuite-echo._tcp.local.",
    "daytime": "_labsuite-time._tcp.local.",
    "sntp": "_labsuite-sntp._udp.local.",
}
KINDS: Tuple[str, ...] = tuple(SERVICE_TYPES)
#: The web server is also an ordinary web server, so a phone's or desktop's browser
#: list shows it.
HTTP_TYPE = "_http._tcp.local."
_ALSO_AS = {"web": (HTTP_TYPE,)}
_KIND_OF_TYPE = {service_type: kind for kind, service_type in SERVICE_TYPES.items()}

#: What a server is called when its owner gave it no name.
DEFAULT_LABELS = {
    "chat": "labsuite chat room",
    "poker": "labsuite poker table",
    "web": "labsuite web server",
    "echo": "labsuite echo server",
    "daytime": "labsuite daytime server",
    "sntp": "labsuite SNTP time server",
}
#: What the kind is called in sentences ("Found chat room ...").
NOUNS = {"chat": "chat room", "poker": "poker table", "web": "web server",
          "echo": "echo server", "daytime": "daytime server", "sntp": "SNTP server"}

#: DNS-SD limits: an instance name is one DNS label (63 bytes); each TXT entry 255.
MAX_NAME_BYTES = 63
MAX_TXT_BYTES = 255
MAX_PROPERTIES = 24
#: The most services one Browser lists (a hostile flood of announcements stays bounded).
MAX_SERVICES = 500
#: Bytes kept free in a name for a " (12)" a conflict adds.
_RENAME_ROOM = 5
_MAX_RENAMES = 20


# -- what is announced ------------------------------------------------------------
def is_local_only(host: str) -> bool:
    """A server bound to ``host`` lets only this computer in (loopback): never announced."""
    bare = host.strip().strip("[]").split("%", 1)[0].lower()
    if bare in ("localhost", "localhost.localdomain") or bare.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def dns_label(text: str) -> str:
    """``text`` as a host-name label: letters, digits and hyphens (for the SRV target)."""
    label = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-"
                    for ch in text).strip("-")
    while "--" in label:
        label = label.replace("--", "-")
    return label[:40].rstrip("-") or "labsuite"


def printable_text(text: str, limit: Optional[int] = None) -> str:
    """``text`` safe to show anywhere: no control or invisible characters, one line,
    at most ``limit`` bytes of UTF-8 (cut between characters)."""
    kept = "".join(" " if is_control(ch) else ch for ch in text if not is_invisible(ch))
    kept = " ".join(kept.split())
    return fit_bytes(kept, limit) if limit is not None else kept


def fit_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore").rstrip()


def txt_key(text: str) -> str:
    """A TXT key as RFC 6763 wants it: printable ASCII without "=", 9 letters at most."""
    return "".join(ch for ch in text if " " <= ch <= "~" and ch != "=")[:9].strip()


def instance_name(label: str, computer: str) -> str:
    """"cool cat's room on lab-pc-12": one DNS label, with room left for a " (2)".

    Dots would split the label on the wire (zeroconf writes names as they are), so
    they become middle dots; a label too long is cut, never the computer's name.
    """
    label = printable_text(label).replace(".", "\u00b7")
    computer = printable_text(computer).replace(".", "\u00b7")
    room = MAX_NAME_BYTES - _RENAME_ROOM
    suffix = fit_bytes(f" on {computer}", room // 2) if computer else ""
    return fit_bytes(label, room - len(suffix.encode("utf-8"))) + suffix


def renamed(name: str, number: int) -> str:
    """The name to try when ``name`` is taken on the network: "... (2)", "... (3)"."""
    return f"{name} ({number})" if number > 1 else name


def label_for(kind: str, name: Optional[str]) -> str:
    """What the owner called the server, or the kind's own name if nothing usable."""
    label = printable_text(name or "")
    return label or DEFAULT_LABELS[kind]


def check_kind(kind: str) -> None:
    if kind not in SERVICE_TYPES:
        raise ValueError(f"unknown kind of server {kind!r}; one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Announcement:
    """What one server tells the network: kind, readable name, port and addresses.

    ``label`` is the owner's name for it ("cool cat's room"); :attr:`name` adds the
    computer ("... on lab-pc-12"). ``properties`` are extra TXT entries (strings).
    """

    kind: str
    label: str
    port: int
    addresses: Tuple[str, ...]
    computer: str = "this computer"  # its name as people say it ("lab-pc-12")
    properties: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        check_kind(self.kind)
        if not 0 < self.port < 65536:
            raise ValueError(f"{self.port} is not a port a server listens on")

    @property
    def name(self) -> str:
        return instance_name(self.label, self.computer)

    @property
    def service_types(self) -> Tuple[str, ...]:
        return (SERVICE_TYPES[self.kind], *_ALSO_AS.get(self.kind, ()))

    @property
    def txt(self) -> Dict[str, str]:
        """The TXT record: what a client needs to know before it connects."""
        record = {"txtvers": "1", "kind": self.kind, "version": __version__,
                  "name": self.label, "computer": self.computer}
        if self.kind == "web":
            record["path"] = "/"  # the _http._tcp convention (RFC 6763, section 7)
        for key, value in list(self.properties.items())[:MAX_PROPERTIES]:
            key = txt_key(str(key))
            if key:
                record.setdefault(key, str(value))
        return {key: fit_bytes(printable_text(value), MAX_TXT_BYTES - len(key) - 1)
                for key, value in record.items()}


# -- what is found -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Sighting:
    """A service seen on the network; ``key`` (its full DNS-SD name) tells them apart."""

    kind: str
    name: str  # "cool cat's room on lab-pc-12"
    host: str  # the computer's name, as it announced itself: "lab-pc-12"
    addresses: Tuple[str, ...]  # best first: on a network this computer is on
    port: int
    properties: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    key: str = ""

    @property
    def address(self) -> str:
        """The address to connect to."""
        return self.addresses[0]

    @property
    def noun(self) -> str:
        return NOUNS.get(self.kind, self.kind)

    def line(self) -> str:
        """One line for a terminal: kind, address and port, name."""
        others = f" (also {', '.join(self.addresses[1:])})" if len(self.addresses) > 1 else ""
        return f"{self.kind:<8}{self.address} port {self.port}  {self.name}{others}"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "host": self.host,
                "address": self.address, "addresses": list(self.addresses),
                "port": self.port, "properties": dict(self.properties), "service": self.key}


class Found(_Sighting):
    """A service appeared, or changed (the same ``key`` again: replace the old one)."""

    def headline(self) -> str:
        return f'Found {self.noun} "{self.name}" at {self.address} port {self.port}'


class Gone(_Sighting):
    """A service that was found has said goodbye (or stopped answering)."""

    def headline(self) -> str:
        return f'Gone: {self.noun} "{self.name}" at {self.address} port {self.port}'


def usable_addresses(addresses: Iterable[str], networks: Sequence = ()) -> Tuple[str, ...]:
    """Addresses another computer can connect to, best first: those on one of this
    computer's ``networks``, then IPv4 before IPv6. Loopback, link-local IPv6 (no zone),
    unspecified and multicast addresses are dropped: a hostile or broken announcement
    cannot point a student at this computer itself or at nothing."""
    kept = []
    for text in addresses:
        try:
            ip = ipaddress.ip_address(str(text).split("%", 1)[0])
        except ValueError:
            continue
        if ip.is_loopback or ip.is_unspecified or ip.is_multicast or (
                ip.version == 6 and ip.is_link_local):
            continue
        kept.append(ip)
    unique = list(dict.fromkeys(kept))
    unique.sort(key=lambda ip: (not any(ip in net for net in networks
                                        if net.version == ip.version), ip.version))
    return tuple(str(ip) for ip in unique)


def _decode(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)


def sighting_from(info, networks: Sequence = ()) -> Optional[Found]:
    """What a resolved zeroconf ServiceInfo tells a student, cleaned up; None when it is
    not something one can connect to (no usable address, no port, an unknown type)."""
    kind = _KIND_OF_TYPE.get(info.type)
    port = info.port
    if kind is None or not isinstance(port, int) or not 0 < port < 65536:
        return None
    addresses = usable_addresses(info.parsed_addresses(), networks)
    if not addresses:
        return None
    properties = {}
    for key, value in list(info.properties.items())[:MAX_PROPERTIES]:
        key_text = printable_text(_decode(key), MAX_TXT_BYTES)
        if key_text:
            properties[key_text] = printable_text(_decode(value), MAX_TXT_BYTES)
    full = info.name
    bare = full[:-len(info.type) - 1] if full.endswith("." + info.type) else full
    server = _decode(info.server or "")
    host = properties.get("computer") or printable_text(server.split(".", 1)[0])
    return Found(kind, printable_text(bare, MAX_NAME_BYTES * 2) or "(no name)",
                 printable_text(host, MAX_NAME_BYTES) or "?", addresses, port, properties,
                 full)
