"""This computer's name and the addresses a lab partner can use to reach it."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import List, Optional


@dataclass(frozen=True)
class InterfaceAddress:
    interface: str
    address: str
    version: int  # 4 or 6
    shareable: bool  # usable by another machine: not loopback, not link-local

    def __str__(self) -> str:
        return self.address


def host_name() -> str:
    return socket.gethostname()


def interface_addresses() -> List[InterfaceAddress]:
    """Every address of every interface, loopback included, IPv4 first."""
    try:
        import ifaddr
    except ImportError:  # fall back to what the resolver knows about this host
        return _resolver_addresses()
    found: List[InterfaceAddress] = []
    for adapter in ifaddr.get_adapters():
        name = adapter.nice_name or adapter.name
        for ip in adapter.ips:
            text = ip.ip[0] if isinstance(ip.ip, tuple) else ip.ip
            found.append(_classify(name, text))
    found.sort(key=lambda a: (a.version, not a.shareable, a.interface, a.address))
    return found


def shareable_addresses() -> List[str]:
    """Addresses to give a lab partner, best first (IPv4 before IPv6)."""
    return [a.address for a in interface_addresses() if a.shareable]


def partner_address() -> Optional[str]:
    """The one address to give a lab partner, or None when this computer has none.

    IPv4 first (the shorter to read out and type), and an interface of a real network
    before a virtual one (containers, virtual machines), which a partner cannot reach.
    """
    shareable = [a for a in interface_addresses() if a.shareable]
    if not shareable:
        return None
    return min(shareable, key=lambda a: (a.version, is_virtual(a.interface))).address


#: Interface names of virtual networks that live inside this computer.
VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "lxc", "lxd",
                    "cni", "flannel", "podman", "vEthernet")


def is_virtual(interface: str) -> bool:
    return interface.lower().startswith(tuple(p.lower() for p in VIRTUAL_PREFIXES))


def _classify(interface: str, text: str) -> InterfaceAddress:
    bare = text.split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return InterfaceAddress(interface, text, 6 if ":" in text else 4, False)
    shareable = not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)
    return InterfaceAddress(interface, bare if shareable else text, ip.version, shareable)


def _resolver_addresses() -> List[InterfaceAddress]:
    found = {}
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        infos = []
    for family, *_rest, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            found[sockaddr[0]] = _classify("?", sockaddr[0])
    return sorted(found.values(), key=lambda a: (a.version, not a.shareable, a.address))


def local_networks() -> List[ipaddress.IPv4Network]:
    """This computer's IPv4 networks, so their broadcast addresses can be refused."""
    try:
        import ifaddr
        adapters = ifaddr.get_adapters()
    except Exception:  # optional knowledge: the fixed rules still apply without it
        return []
    networks = []
    for adapter in adapters:
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                try:
                    networks.append(ipaddress.ip_network(f"{ip.ip}/{ip.network_prefix}",
                                                         strict=False))
                except ValueError:
                    pass
    return networks
