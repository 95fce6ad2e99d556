"""``labsuite --self-test``: is everything this copy needs here, and does it work?

Made for a lab machine and for a freshly built executable: every server starts on a free
loopback port and its own client talks to it, then the window opens and closes. Each
check prints one line ("ok   echo server and client (0.6 ms)" or "FAIL ...: the reason"),
and the exit status is 0 only if all passed. Nothing leaves this computer, nothing is
written outside a temporary folder, and every check has a time limit, so a broken part
is reported instead of hanging the test.
"""

from __future__ import annotations

import queue
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, TextIO, Tuple

from labsuite import __version__
from labsuite.net.errors import NetError

LOOPBACK = "127.0.0.1"
#: Longest any one network check may take, in seconds (its clients give up sooner), and
#: the whole self-test: a check that would start after the budget is spent fails at once.
CHECK_SECONDS = 2.5
CLIENT_SECONDS = 2.0
BUDGET_SECONDS = 14.0
#: How far the time servers' clocks may be from this computer's (they are the same clock).
CLOCK_TOLERANCE = 2.0


class CheckFailed(Exception):
    """A check found something wrong; the message is the plain reason."""


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    seconds: float
    reason: str = ""

    def line(self) -> str:
        if self.ok:
            return f"ok   {self.name} ({duration(self.seconds)})"
        return f"FAIL {self.name}: {self.reason}"


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


# -- the checks -----------------------------------------------------------------------------
def check_daytime() -> None:
    from labsuite.net.daytime import DaytimeQuery, DaytimeServer

    with running(DaytimeServer(LOOPBACK, 0)) as (host, port):
        result = DaytimeQuery(host, port, timeout=CLIENT_SECONDS).run()
    if result.problem:
        raise CheckFailed(f"the client could not read the server's answer: {result.problem}")
    expect_same_clock(result.offset)


def check_sntp() -> None:
    from labsuite.net.sntp import SntpQuery, SntpServer

    with running(SntpServer(LOOPBACK, 0)) as (host, port):
        result = SntpQuery(host, port, timeout=CLIENT_SECONDS).run()
    expect_same_clock(result.offset)


def check_echo() -> None:
    from labsuite.net.echo import EchoClient, EchoServer

    message = "labsuite self-test: Hello, echo \N{GREEK SMALL LETTER ALPHA}\n"
    with running(EchoServer(LOOPBACK, 0)) as (host, port):  # the default mode
        client = EchoClient(host, port, timeout=CLIENT_SECONDS)
        client.start()
        try:
            reply = client.request(message, timeout=CLIENT_SECONDS)
        finally:
            client.stop()
    if reply.text != message:
        raise CheckFailed(f"sent {message!r} but {reply.text!r} came back")


def check_web() -> None:
    from labsuite.net.fetch import FetchQuery
    from labsuite.net.web import WebServer

    with running(WebServer(LOOPBACK, 0)) as (host, port):  # the built-in sample site
        result = FetchQuery(f"http://{host}:{port}/", timeout=CLIENT_SECONDS).run()
    if result.status != 200:
        raise CheckFailed(f"GET / answered {result.status_line} instead of 200 OK "
                          "(is the sample site missing?)")
    if "labsuite" not in result.body_preview.lower():
        raise CheckFailed("GET / did not return the sample site's page")


def check_chat() -> None:
    from labsuite.net.chat import ChatServer
    from labsuite.protocols import chat

    with running(ChatServer(LOOPBACK, 0)) as (host, port):
        ann, bob = ChatPeer(host, port, "ann"), ChatPeer(host, port, "bob")
        try:
            ann.start()
            ann.expect(chat.Joined("ann"))
            bob.start()
            ann.expect(chat.Joined("bob"))
            ann.client.say("hello, room")
            bob.expect(chat.Message("ann", "hello, room"))
            ann.client.whisper("bob", "just for you")
            bob.expect(chat.Private("ann", "just for you"))
        finally:
            for peer in (bob, ann):
                peer.client.leave(wait=1.0)


def check_poker() -> None:
    """A table with two computer players deals a hand to a player who joins; the hole
    cards reach that player (the evaluator, the rules and the wire protocol all work)."""
    import threading

    from labsuite.net.events import Kind
    from labsuite.net.poker import PokerClient, PokerServer
    from labsuite.protocols.poker.events import Cards

    dealt = threading.Event()

    def on_event(event) -> None:
        if event.kind is Kind.RESULT and isinstance(event.result, Cards):
            dealt.set()

    with running(PokerServer(LOOPBACK, 0, bots=2, bot_delay=0, hand_pause=0)) as (host, port):
        client = PokerClient(host, port, name="selftest", timeout=CLIENT_SECONDS,
                             on_event=on_event)
        client.start()
        try:
            if not client.wait_joined(CLIENT_SECONDS):
                raise CheckFailed("the table did not seat a player")
            if not dealt.wait(CLIENT_SECONDS):
                raise CheckFailed("no hand was dealt to the player")
        finally:
            client.leave(wait=1.0)


def check_addresses_and_settings() -> None:
    """The two helper packages: ifaddr (this computer's addresses), platformdirs (where the
    settings live). Both have quiet fallbacks in the window, so check them here."""
    try:
        import ifaddr  # noqa: F401  (the window would quietly fall back without it)
        from platformdirs import user_config_dir
    except ImportError as exc:
        raise CheckFailed(f"a part of labsuite is missing: {exc}") from None
    from labsuite.net.addresses import interface_addresses

    if not interface_addresses():
        raise CheckFailed("no network interface was found, not even loopback")
    if not user_config_dir("labsuite", appauthor=False):
        raise CheckFailed("no folder for the settings was found")


def check_window() -> None:
    """Open the whole window (Tk, its Tcl data, the icon), let it draw, and close it."""
    try:
        import tkinter as tk
    except ImportError as exc:
        raise CheckFailed(f"tkinter is missing from this Python ({exc})") from None
    from labsuite.gui.app import create_app
    from labsuite.gui.settings import FILE_NAME, Settings

    with tempfile.TemporaryDirectory(prefix="labsuite-self-test-") as folder:
        try:  # settings in a temporary folder: the student's own are never touched
            app = create_app(Settings(path=f"{folder}/{FILE_NAME}"))
        except tk.TclError as exc:
            raise CheckFailed(f"no display: cannot open a window ({exc})") from None
        try:
            for _ in range(5):
                app.root.update()
            if getattr(app.root, "_labsuite_icon", None) is None:
                raise CheckFailed("the window icon is missing from this installation")
        finally:
            app.close()


CHECKS: Tuple[Tuple[str, Callable[[], None], bool], ...] = (
    # (name, check, runs on this thread): Tk must stay on the main thread.
    ("daytime server and client", check_daytime, False),
    ("sntp server and client", check_sntp, False),
    ("echo server and client", check_echo, False),
    ("web server and client", check_web, False),
    ("chat server and two clients", check_chat, False),
    ("poker table, computer players and a client", check_poker, False),
    ("addresses and settings folder", check_addresses_and_settings, False),
    ("window opens and closes", check_window, True),
)


# -- helpers --------------------------------------------------------------------------------
class running:
    """``with running(server) as (host, port)``: started on a free port, always stopped."""

    def __init__(self, server):
        self.server = server

    def __enter__(self) -> Tuple[str, int]:
        self.server.start()
        host, port = self.server.address[:2]
        return host, port

    def __exit__(self, *exc_info) -> None:
        self.server.stop()


class ChatPeer:
    """A ChatClient whose chat events can be waited for, one by one."""

    def __init__(self, host: str, port: int, name: str):
        from labsuite.net.chat import ChatClient
        from labsuite.net.events import Kind

        self.name = name
        self.events: "queue.Queue" = queue.Queue()

        def on_event(event) -> None:
            if event.kind is Kind.RESULT:
                self.events.put(event.result)
            elif event.kind is Kind.ERROR:
                self.events.put(CheckFailed(f"{name}: {event.text}"))

        self.client = ChatClient(host, port, name=name, timeout=CLIENT_SECONDS,
                                 on_event=on_event)

    def start(self) -> None:
        self.client.start()

    def expect(self, wanted) -> None:
        """Wait for ``wanted`` (other chat events before it are fine)."""
        deadline = time.monotonic() + CLIENT_SECONDS
        while True:
            try:
                got = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise CheckFailed(f"{self.name} never received {wanted}") from None
            if isinstance(got, CheckFailed):
                raise got
            if got == wanted:
                return


def expect_same_clock(offset: Optional[float]) -> None:
    if offset is None:
        raise CheckFailed("the client read no time from the server")
    if abs(offset) > CLOCK_TOLERANCE:
        raise CheckFailed(f"the server's clock is {offset:+.3f} s from this computer's, "
                          "although they are the same clock")


def run_check(check: Callable[[], None], here: bool, seconds: float) -> Optional[str]:
    """Run one check; None if it passed, else the plain reason it did not."""
    if here:
        return _reason(check)
    outcome: "queue.Queue[Optional[str]]" = queue.Queue()
    worker = threading.Thread(target=lambda: outcome.put(_reason(check)), daemon=True,
                              name="self-test check")
    worker.start()
    try:
        return outcome.get(timeout=seconds)
    except queue.Empty:
        return f"no answer within {seconds:g} s"


def _reason(check: Callable[[], None]) -> Optional[str]:
    try:
        check()
    except CheckFailed as exc:
        return str(exc)
    except NetError as exc:
        return exc.explanation
    except Exception as exc:  # anything else is a bug or a missing part: say which
        return f"{type(exc).__name__}: {exc}"
    return None


def run(checks: Sequence = CHECKS, out: Optional[TextIO] = None,
        seconds: float = CHECK_SECONDS, budget: float = BUDGET_SECONDS) -> List[Outcome]:
    """Run every check, printing each line as it finishes; return the outcomes."""
    out = out or sys.stdout
    outcomes = []
    deadline = time.perf_counter() + budget
    for name, check, here in checks:
        began = time.perf_counter()
        left = deadline - began
        if left <= 0:
            reason = f"not run: the self-test took longer than {budget:g} s before it"
        else:
            reason = run_check(check, here, min(seconds, left))
        outcome = Outcome(name, reason is None, time.perf_counter() - began, reason or "")
        outcomes.append(outcome)
        print(outcome.line(), file=out, flush=True)
    return outcomes


def how_running() -> str:
    if getattr(sys, "frozen", False):
        return "standalone executable"
    return f"Python {sys.version.split()[0]}"


def main(out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    began = time.perf_counter()
    print(f"labsuite {__version__} self-test ({how_running()}, {sys.platform})", file=out,
          flush=True)
    outcomes = run(out=out)
    failed = [outcome for outcome in outcomes if not outcome.ok]
    took = duration(time.perf_counter() - began)
    if failed:
        print(f"self-test FAILED: {len(failed)} of {len(outcomes)} checks failed ({took})",
              file=out, flush=True)
        return 1
    print(f"self-test passed: all {len(outcomes)} checks ({took})", file=out, flush=True)
    return 0
