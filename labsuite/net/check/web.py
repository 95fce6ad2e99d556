"""The web server checks: GET /, the head's form, framing, 404, HEAD, traversal, two clients,
garbage.

Each request is HTTP/1.0 with ``Connection: close`` and gets a connection of its own, so a
server written to the course (one request, then close) and a keep-alive server are judged
alike. For traversal, a server on this computer is asked for a secret file the checker
places in a temporary folder; a server elsewhere, for well-known system files.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Tuple

from labsuite.net.events import format_address
from labsuite.protocols.check import web as judge
from labsuite.protocols.check.model import Verdict, fail, ok, skip

from .common import connects, crashed, gone_reason, two_clients_at_once
from .probe import CheckContext, Probe, ServerGone

#: How much of an answer to a traversal request is read: the files looked for are small.
LEAK_READ = 256 * 1024
#: How long a garbage connection is watched for the server's reaction.
GARBAGE_WATCH = 1.0
SURVIVE_GARBAGE = ("Never trust a request: a client may send anything. Decode it with "
                   "errors='replace' (or as latin-1), check that the request line has three parts "
                   "before using them, limit how much you read, and catch exceptions for that one "
                   "connection so the server keeps serving the others.")


@dataclass
class Fetched:
    probe: Probe
    response: Optional[judge.Response]
    data: bytes

    @property
    def closed(self) -> bool:
        return self.probe.closed


def fetch(ctx: CheckContext, method: str, target: str, label: Optional[str] = None,
          until_close: bool = True, stop_early=None) -> Fetched:
    """One request on a connection of its own; read until the server closes (or, without
    ``until_close``, until the response is complete), or ``stop_early(data)``."""
    probe = ctx.connect(label)
    probe.send(judge.request(method, target, host_header(ctx)))

    def done() -> bool:
        data = probe.received
        if probe.closed or len(data) >= judge.MAX_RESPONSE:
            return True
        if stop_early is not None and stop_early(data):
            return True
        return not until_close and judge.response_complete(data, method)

    probe.read_until(done)
    data = bytes(probe.received)
    probe.close()
    return Fetched(probe, judge.parse_response(data), data)


def host_header(ctx: CheckContext) -> str:
    return format_address((ctx.target.host, ctx.target.port))


def missing(fetched: Fetched, ctx: CheckContext, what: str = "GET /") -> Optional[Verdict]:
    """A failure when the request got no response head at all, else None."""
    return judge.no_answer(fetched.data, fetched.closed, ctx.timeout, what)


def get_root(ctx: CheckContext) -> Verdict:
    fetched = fetch(ctx, "GET", "/", until_close=False)
    return missing(fetched, ctx) or judge.judge_root(fetched.response)


def on_root(ctx: CheckContext, judging: Callable[[Fetched], Verdict],
            until_close: bool = False) -> Verdict:
    """Judge the answer to GET /; skipped when there was no answer at all (get-root says so)."""
    fetched = fetch(ctx, "GET", "/", until_close=until_close)
    if fetched.response is None:
        return skip("Not judged: there was no answer to GET / (see the check 'get-root').")
    return judging(fetched)


def status_line(ctx: CheckContext) -> Verdict:
    return on_root(ctx, lambda fetched: judge.judge_status_line(fetched.response))


def content_length(ctx: CheckContext) -> Verdict:
    """Read until the close: a body longer than its Content-Length shows only then."""
    return on_root(ctx, lambda fetched: judge.judge_content_length(
        fetched.response, fetched.closed, ctx.timeout), until_close=True)


def content_type(ctx: CheckContext) -> Verdict:
    return on_root(ctx, lambda fetched: judge.judge_content_type(fetched.response))


def not_found(ctx: CheckContext) -> Verdict:
    target = f"/no-such-page-{secrets.token_hex(4)}.html"
    fetched = fetch(ctx, "GET", target, until_close=False)
    return missing(fetched, ctx, f"GET {target}") or judge.judge_not_found(fetched.response, target)


def head(ctx: CheckContext) -> Verdict:
    """Read until the close: a body sent after the head shows only then."""
    get = fetch(ctx, "GET", "/", until_close=False).response
    fetched = fetch(ctx, "HEAD", "/")
    problem = missing(fetched, ctx, "HEAD /")
    if problem:
        return problem
    return judge.judge_head(get, fetched.response, len(fetched.response.body))


@contextmanager
def canary() -> Iterator[Tuple[Tuple[str, ...], str, bytes]]:
    """A file with random content in a new temporary folder: (path parts from the root of
    its drive, the drive, the content). Removed afterwards."""
    folder = tempfile.mkdtemp(prefix="labsuite-canary-")
    try:
        path = os.path.realpath(os.path.join(folder, f"secret-{secrets.token_hex(6)}.txt"))
        content = f"labsuite traversal canary {secrets.token_hex(16)}\n".encode()
        with open(path, "wb") as file:
            file.write(content)
        # readable by everyone: a server running as another user must be able to leak it
        os.chmod(path, 0o644)
        os.chmod(folder, 0o755)
        drive, rest = os.path.splitdrive(path)
        parts = tuple(part for part in rest.replace("\\", "/").split("/") if part)
        yield parts, drive, content
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def traversal(ctx: CheckContext) -> Verdict:
    if ctx.on_this_computer():
        with canary() as (parts, drive, content):
            ctx.note(f"the checker placed a secret file at {drive}/{'/'.join(parts)}")
            return climb(ctx, [(parts, drive, lambda body: content in body)],
                         "the secret file the checker placed outside the folder")
    files = [(parts, drive, signature.search) for parts, drive, signature in judge.SYSTEM_FILES]
    return climb(ctx, files, "a system file from outside the folder")


def climb(ctx: CheckContext, files, what: str) -> Verdict:
    leaks: List[Tuple[str, str]] = []
    tried = 0
    for parts, drive, leaked in files:
        for spelling, target in judge.traversal_targets(parts, drive):
            tried += 1
            fetched = fetch(ctx, "GET", target, until_close=False,
                            stop_early=lambda data, leaked=leaked: (len(data) > LEAK_READ
                                                                    or bool(leaked(data))))
            if leaked(fetched.data):
                leaks.append((spelling, target))
            elif fetched.response is None and not fetched.closed:
                return fail(f"The server did not answer GET {target[:100]} within "
                            f"{ctx.timeout:g} s.",
                            "Answer every request, also one you refuse: 400 Bad Request, "
                            "403 Forbidden or 404 Not Found.")
    return judge.leak_verdict(leaks, tried, what)


def two_clients(ctx: CheckContext) -> Verdict:
    return two_clients_at_once(ctx, judge.request("GET", "/", host_header(ctx)),
                               lambda probe: judge.parse_response(probe.received) is not None)


def survives_garbage(ctx: CheckContext) -> Verdict:
    reactions = []
    for name, data in (("binary junk", judge.JUNK),
                       ("a request line of 100,000 bytes", judge.HUGE_LINE)):
        probe = ctx.connect(name)
        probe.send(data, merge=True, timeout=min(ctx.timeout, GARBAGE_WATCH))
        probe.read_until(timeout=min(ctx.timeout, GARBAGE_WATCH))
        reaction = judge.judge_junk_reply(bytes(probe.received), probe.closed)
        probe.close()
        what = f"{name} ({reaction})"
        try:
            after = fetch(ctx, "GET", "/", label=f"after {name}")
        except ServerGone as gone:
            raise crashed(what, gone.reason, SURVIVE_GARBAGE) from None
        if after.response is None:
            reason = gone_reason(ctx) if after.closed else None
            if reason:
                raise crashed(what, reason, SURVIVE_GARBAGE)
            return fail(f"After {what}, GET / got no answer: {missing(after, ctx).explanation}",
                        SURVIVE_GARBAGE)
        reactions.append(f"{name} ({reaction})")
    return ok(f"The server went on answering GET / after {' and after '.join(reactions)}.")


CHECKS = {
    "connects": connects,
    "get-root": get_root,
    "status-line": status_line,
    "content-length": content_length,
    "content-type": content_type,
    "not-found": not_found,
    "head": head,
    "traversal": traversal,
    "two-clients-at-once": two_clients,
    "survives-garbage": survives_garbage,
}
