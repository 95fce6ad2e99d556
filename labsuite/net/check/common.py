"""Checks that several kinds share: connecting, and serving two clients at once."""

from __future__ import annotations

import time
from typing import Callable, Optional

from labsuite.protocols.check.model import Verdict, fail, ok, quoted

from .probe import CheckContext, Probe, ServerGone

ONE_AT_A_TIME = ("Serve each client in its own thread (socketserver.ThreadingTCPServer instead of "
                 "TCPServer, or a threading.Thread for each accepted connection), or watch all "
                 "connections with select(): then one quiet client cannot hold up the others.")


def connects(ctx: CheckContext) -> Verdict:
    started = time.monotonic()
    probe = ctx.connect()
    took = (time.monotonic() - started) * 1000
    probe.close()
    return ok(f"Connected to {ctx.target.text} in {took:.1f} ms.")


def two_clients_at_once(ctx: CheckContext, request: bytes,
                        answered: Callable[[Probe], bool]) -> Verdict:
    """Client 1 connects and stays silent; client 2 sends ``request`` and must be answered."""
    idle = ctx.connect("client 1")
    ctx.note("client 1 stays connected and sends nothing", "client 1")
    busy = ctx.connect("client 2")
    busy.send(request)
    if busy.read_until(lambda: answered(busy)):
        idle.close()
        return ok(f"While client 1 stayed connected without sending anything, client 2 sent "
                  f"{quoted(request, 40)} and was answered at once.")
    if busy.closed:
        idle.close()
        return fail(f"While client 1 stayed connected without sending anything, client 2 sent "
                    f"{quoted(request, 40)} and the server closed client 2's connection without "
                    "answering.", ONE_AT_A_TIME)
    idle.close()
    ctx.note("client 1 disconnected", "client 1")
    if busy.read_until(lambda: answered(busy), timeout=min(ctx.timeout, 2.0)):
        late = "; its answer came only after client 1 disconnected"
    else:
        late = ", not even after client 1 disconnected"
    return fail(f"While client 1 stayed connected without sending anything, client 2 sent "
                f"{quoted(request, 40)} and got no answer within {ctx.timeout:g} s{late}: the "
                "server serves one client at a time.", ONE_AT_A_TIME)


def crashed(what: str, reason: str, hint: str) -> ServerGone:
    """The server died of ``what``: the checks after this one cannot run."""
    return ServerGone(f"After {what}, the server no longer accepts connections ({reason}): "
                      "it crashed.", hint)


def gone_reason(ctx: CheckContext) -> Optional[str]:
    """Why the server no longer accepts connections, or None when it still does.

    A server that crashes may still complete one last connection from its backlog (and
    then reset it), so a failed follow-up is asked once more before it is called a crash.
    """
    try:
        probe = ctx.connect("one more client")
    except ServerGone as gone:
        return gone.reason
    probe.close()
    return None
