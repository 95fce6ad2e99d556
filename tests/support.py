"""Small helpers shared by the test folders."""

from __future__ import annotations

import socket

#: A host name that fails to resolve on this machine without sending any DNS query
#: (a name under .invalid would still be sent to the configured resolver).
UNRESOLVABLE_HOST = "no such host.invalid"


def closed_port(host: str = "127.0.0.1") -> int:
    """A loopback port with nothing listening on it (free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
