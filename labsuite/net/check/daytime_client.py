"""The daytime client checks: the NIST reply as one piece, then a few bytes at a time."""

from __future__ import annotations

from datetime import datetime, timezone

from labsuite.protocols.check.daytime import reply_complete
from labsuite.protocols.check.daytime_client import judge_daytime_client
from labsuite.protocols.check.model import Verdict

from .reference import PIECES, PLAIN, Pacing, ReferenceDaytime
from .scene import ClientContext


def prints_time(ctx: ClientContext) -> Verdict:
    return _daytime(ctx, PLAIN)


def pieces(ctx: ClientContext) -> Verdict:
    return _daytime(ctx, PIECES)


def _daytime(ctx: ClientContext, pacing: Pacing) -> Verdict:
    """Run the client with nothing to type; it must print the time and end by itself."""
    scene = ctx.stage(ReferenceDaytime(pacing=pacing))
    scene.launch(input_closed=True)
    waited = ctx.startup
    sent = lambda: reply_complete(b"".join(scene.to_client()))  # noqa: E731
    if scene.wait(lambda: scene.ended or sent(), ctx.startup) and not scene.ended:
        waited = ctx.timeout  # the whole reply is out: now it must print it and end
        scene.wait(lambda: scene.ended, ctx.timeout)
    run = scene.finish(waited)
    replies = scene.to_client()
    return judge_daytime_client(b"".join(replies), replies, run, datetime.now(timezone.utc))


CHECKS = {
    "prints-time": prints_time,
    "pieces": pieces,
}
