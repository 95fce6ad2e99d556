"""The echo client checks: lines typed one by one, echoed at once, then a few bytes at a time."""

from __future__ import annotations

from typing import Sequence

from labsuite.protocols.check.client import shown
from labsuite.protocols.check.echo_client import LINES, PIECE_LINES, judge_echo_client
from labsuite.protocols.check.model import Verdict

from .reference import PIECES, PLAIN, Pacing, ReferenceEcho
from .scene import ClientContext


def prints_echo(ctx: ClientContext) -> Verdict:
    return _echo(ctx, PLAIN, LINES)


def pieces(ctx: ClientContext) -> Verdict:
    return _echo(ctx, PIECES, PIECE_LINES)


def _echo(ctx: ClientContext, pacing: Pacing, lines: Sequence[str]) -> Verdict:
    """Type each line once the one before was printed; then end the input: the client
    must end by itself."""
    scene = ctx.stage(ReferenceEcho(pacing=pacing))
    scene.launch()
    start, typed, waited = 0, 0, ctx.timeout
    for line in lines:
        scene.type(line)
        typed += 1
        if typed == 1 and not scene.wait(lambda: scene.connected or scene.ended, ctx.startup):
            waited = ctx.startup
            break

        def printed(line=line, start=start) -> bool:
            return any(n >= start for n in shown(line, scene.printed_lines())) or scene.ended

        if not scene.wait(printed, waited) or scene.ended:
            break
        start = [n for n in shown(line, scene.printed_lines()) if n >= start][0] + 1
        waited = ctx.timeout
    else:
        scene.end_input()
        scene.wait(lambda: scene.ended, ctx.timeout)
    run = scene.finish(waited)
    return judge_echo_client(lines[:typed], scene.from_client(), run, pacing.piece,
                             untyped=len(lines) - typed)


CHECKS = {
    "prints-echo": prints_echo,
    "pieces": pieces,
}
