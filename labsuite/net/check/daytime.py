"""The daytime server checks: connect, a line with the time, then the close; 20 clients at once."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from labsuite.protocols.check.daytime import judge_closed, judge_time, reply_complete
from labsuite.protocols.check.model import Verdict, count, fail, ok

from .common import connects
from .probe import CheckContext, wait_for

MANY = 20
#: How long many-clients waits at least, and from when it calls the answers slow.
MANY_PATIENCE = 5.0
SLOW = 0.9
#: At most this many clients wait for their line at once (what listen(5) holds).
WINDOW = 5


def sends_time(ctx: CheckContext) -> Verdict:
    probe = ctx.connect()
    arrived = []
    probe.on_data = lambda _data: arrived.append(datetime.now(timezone.utc))
    probe.read_until(lambda: probe.closed or reply_complete(probe.received))
    received_utc = arrived[-1] if arrived else datetime.now(timezone.utc)
    verdict = judge_time(bytes(probe.received), received_utc, probe.closed, ctx.timeout)
    probe.close()
    return verdict


def closes(ctx: CheckContext) -> Verdict:
    probe = ctx.connect()
    probe.read_until()
    return judge_closed(bytes(probe.received), probe.closed, ctx.timeout)


def many_clients(ctx: CheckContext) -> Verdict:
    """20 clients connected at the same time must each get their line (what it says is
    sends-time's job).

    All 20 stay connected until every one has its line, but no more than :data:`WINDOW`
    wait for theirs at any moment: a burst of 20 would overflow the classic ``listen(5)``
    backlog, and the system then retries at 1, 3 and 7 seconds, failing a correct server.
    """
    patience = max(ctx.timeout, MANY_PATIENCE)
    started = time.monotonic()
    deadline = started + patience

    def answered(probe) -> bool:
        return reply_complete(probe.received) or (probe.closed and bool(probe.received.strip()))

    def waiting() -> int:
        return sum(1 for p in probes if not (answered(p) or p.closed))

    probes = []
    for number in range(1, MANY + 1):
        if not wait_for(probes, lambda: waiting() < WINDOW, deadline - time.monotonic()):
            break
        probes.append(ctx.connect(f"client {number}", record=number == 1, timeout=patience))
    wait_for(probes, lambda: not waiting(), max(0.0, deadline - time.monotonic()))
    took = time.monotonic() - started
    served = [p for p in probes if answered(p)]
    first = next((p for p in probes if not answered(p)), None)
    for probe in probes:
        probe.close()
    if first is None:
        slow = (f" The last answer took {took:.1f} s: when more clients are waiting than "
                "listen() allows, the system makes the others try again a second later "
                "(server.listen(20) lets more wait)." if took >= SLOW else "")
        return ok(f"All {MANY} clients, connected at the same time, got a line from the "
                  f"server.{slow}")
    if first.closed:
        what = "had its connection closed without a line"
    else:
        what = "got nothing"
    return fail(f"Of {MANY} clients connected at the same time, only "
                f"{count(len(served), 'client')} got a line within {patience:g} s; "
                f"{first.label} {what}.",
                "Loop for ever: accept a client, send the time, close, then accept the next. "
                "Never wait for a client to send something first, and give listen() room for "
                "waiting clients (server.listen(20)).")


CHECKS = {
    "connects": connects,
    "sends-time": sends_time,
    "closes": closes,
    "many-clients": many_clients,
}
