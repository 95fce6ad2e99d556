"""The echo server checks: every byte back, unchanged, however it is sent; two clients; resets."""

from __future__ import annotations

from typing import Optional, Sequence

from labsuite.protocols.check.echo import (ALL_BYTES, LINE, PIECES, SEVERAL, judge_echo,
                                           large_message)
from labsuite.protocols.check.model import Verdict, fail, ok

from .common import connects, crashed, gone_reason, two_clients_at_once
from .probe import CheckContext, Probe, ServerGone

#: The pause after each piece: long enough that each arrives in a recv() of its own.
PIECE_PAUSE = 0.08
#: What a client sends before it resets its connection while the server is echoing.
RESET_WHILE_ECHOING = 64 * 1024

SURVIVE_RESET = ("A client may vanish at any moment: catch ConnectionResetError (and other "
                 "OSError) around recv() and send() for that one client, close its socket, and "
                 "keep serving the others.")


def echo_of(ctx: CheckContext, messages: Sequence[bytes], situation: str,
            probe: Optional[Probe] = None) -> Verdict:
    """Send each message and wait for its echo before the next; judge the whole stream."""
    probe = probe or ctx.connect()
    expected = 0
    for message in messages:
        expected += len(message)
        if not probe.send(message):
            break
        probe.read_until(lambda wanted=expected: len(probe.received) >= wanted or probe.closed)
        if len(probe.received) < expected:
            break
    verdict = judge_echo(messages, bytes(probe.received), probe.closed, ctx.timeout, situation)
    probe.close()
    return verdict


def echoes_line(ctx: CheckContext) -> Verdict:
    return echo_of(ctx, [LINE], "other")


def echoes_until_close(ctx: CheckContext) -> Verdict:
    return echo_of(ctx, SEVERAL, "closed")


def echoes_large(ctx: CheckContext) -> Verdict:
    data = large_message()
    probe = ctx.connect()
    probe.exchange(data, len(data))
    verdict = judge_echo([data], bytes(probe.received), probe.closed, ctx.timeout, "large")
    probe.close()
    return verdict


def pieces(ctx: CheckContext) -> Verdict:
    probe = ctx.connect()
    probe.send_pieces(PIECES, PIECE_PAUSE)
    total = sum(len(piece) for piece in PIECES)
    probe.read_until(lambda: len(probe.received) >= total or probe.closed)
    verdict = judge_echo([b"".join(PIECES)], bytes(probe.received), probe.closed, ctx.timeout,
                         "pieces")
    probe.close()
    return verdict


def binary(ctx: CheckContext) -> Verdict:
    return echo_of(ctx, [ALL_BYTES], "binary")


def two_clients(ctx: CheckContext) -> Verdict:
    return two_clients_at_once(ctx, LINE, lambda probe: len(probe.received) >= len(LINE))


def survives_reset(ctx: CheckContext) -> Verdict:
    """One client resets after its echo, one while the server is still echoing; then a
    third client must still be served."""
    first = ctx.connect("client 1")
    first.send(LINE)
    first.read_until(lambda: len(first.received) >= len(LINE) or first.closed)
    first.reset()
    what = "a client reset its connection after its echo"
    try:
        second = ctx.connect("client 2")
        second.send(b"x" * RESET_WHILE_ECHOING, timeout=min(ctx.timeout, 1.0))
        second.reset()
        what = ("two clients reset their connections (one after its echo, one while its echo "
                "was being sent)")
        third = ctx.connect("client 3")
    except ServerGone as gone:
        raise crashed(what, gone.reason, SURVIVE_RESET) from None
    verdict = echo_of(ctx, [LINE], "other", third)
    if verdict.passed:
        return ok(f"After {what}, the next client was still served.")
    reason = gone_reason(ctx) if third.closed else None
    if reason:
        raise crashed(what, reason, SURVIVE_RESET)
    return fail(f"After {what}, the next client was not served: {verdict.explanation}",
                SURVIVE_RESET)


CHECKS = {
    "connects": connects,
    "echoes-line": echoes_line,
    "echoes-until-close": echoes_until_close,
    "large-message": echoes_large,
    "pieces": pieces,
    "binary": binary,
    "two-clients-at-once": two_clients,
    "survives-reset": survives_reset,
}
