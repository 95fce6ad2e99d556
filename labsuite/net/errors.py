"""Turn socket exceptions into one plain sentence a student can act on."""

from __future__ import annotations

import errno
import socket
from typing import Optional


#: getaddrinfo's "try again" and "failed": the name server did not answer (an offline
#: lab), which is not the same as a name that does not exist (EAI_NONAME).
_NAME_SERVER_SILENT = frozenset(code for code in (getattr(socket, "EAI_AGAIN", None),
                                                  getattr(socket, "EAI_FAIL", None))
                                if code is not None)

#: What a client may raise while resolving or connecting: socket errors, and the
#: UnicodeError (IDNA) or ValueError a malformed host name gives before any traffic.
CONNECT_ERRORS = (OSError, UnicodeError, ValueError)


class NetError(Exception):
    """A network failure with a plain-language explanation (no traceback needed)."""

    def __init__(self, explanation: str):
        super().__init__(explanation)
        self.explanation = explanation


def net_error(exc: BaseException, **context) -> NetError:
    """The NetError to raise for ``exc`` (``context`` as for :func:`explain`).

    Raising is the whole of a synchronous failure: the caller shows the sentence. Only
    work running in the background turns a failure into an ERROR event.
    """
    return exc if isinstance(exc, NetError) else NetError(explain(exc, **context))


def closed_reason(exc: BaseException, side: str = "the client") -> str:
    """Why a connection ended with an error, in the words the logs use (lower case, to
    follow "Closed connection #3 with 127.0.0.1:50252 (...)" or "... left the room (...)").
    """
    code = getattr(exc, "errno", None)
    if code in (errno.ECONNRESET, errno.ECONNABORTED):
        return f"{side} reset the connection"
    if code == errno.EPIPE:
        return f"{side} went away"
    if isinstance(exc, (socket.timeout, TimeoutError)) or code == errno.ETIMEDOUT:
        return f"{side} stopped answering"
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"network error: {reason}"


def explain(exc: BaseException, host: Optional[str] = None, port: Optional[int] = None,
            action: str = "connect", timeout: Optional[float] = None) -> str:
    """One sentence saying what went wrong and what to try next.

    ``action`` is "bind" for servers and "connect" (or "send") for clients.
    """
    where = _where(host, port)
    if isinstance(exc, NetError):
        return exc.explanation
    if isinstance(exc, socket.gaierror) and exc.errno in _NAME_SERVER_SILENT:
        return (f"The name server did not answer about {host!r}, so it could not be looked "
                "up: check this computer's network connection, or use an IP address.")
    if isinstance(exc, (socket.gaierror, UnicodeError)):  # UnicodeError: IDNA rejects the name
        return (f"Unknown host {host!r}: no computer has that name "
                "(check the spelling, or use an IP address).")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        limit = f" within {timeout:g} seconds" if timeout else ""
        return (f"No answer from {where}{limit}: the address may be wrong, "
                "or a firewall may be dropping the connection.")
    if isinstance(exc, OverflowError):
        return f"{port} is not a port number: ports go from 1 to 65535."
    code = getattr(exc, "errno", None)
    if action == "bind":
        if code == errno.EADDRINUSE:
            return f"Port {port} is already in use by another program; choose another port."
        if code == errno.EACCES and port is not None and 0 < port < 1024:
            return (f"Port {port} is below 1024, which needs administrator rights; "
                    "choose a port above 1024.")
        if code == errno.EACCES:
            return f"This computer refused to open port {port} (permission denied); choose another port."
        if code == errno.EADDRNOTAVAIL:
            return f"{host!r} is not an address of this computer, so a server cannot listen on it."
    if code == errno.ECONNREFUSED:
        return (f"Nothing is listening at {where} (connection refused): "
                "start the server first, or check the port.")
    if code in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
        return f"The connection to {where} was closed by the other side."
    if code in (errno.EHOSTUNREACH, errno.EHOSTDOWN):
        return f"The host {host} cannot be reached from this computer (no route)."
    if code == errno.ENETUNREACH:
        return f"The network of {host} cannot be reached from this computer (no route)."
    if code == errno.ETIMEDOUT:
        return f"No answer from {where}: the address may be wrong, or a firewall may be in the way."
    if code == errno.EADDRNOTAVAIL:
        return f"The address {host!r} cannot be used from this computer."
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"Network error with {where}: {reason.rstrip('.')}."


def _where(host: Optional[str], port: Optional[int]) -> str:
    if host is None:
        return f"port {port}" if port is not None else "the other side"
    if port is None:
        return host
    return f"{host} port {port}"
