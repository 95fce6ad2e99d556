"""The connection doctor: why can't my client connect? One step at a time, in plain words.

It does what a client does, step by step: look the name up, then open a TCP connection to
each address found, timing each step. The first failure that explains the problem gives
the verdict, and the advice says what to try next. Two classic lab mistakes get their own
hint: a server bound only to 127.0.0.1 (found by trying 127.0.0.1 when this computer's own
network address is refused), and giving a partner "localhost", which always means the
partner's own computer.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

from .addresses import interface_addresses, partner_address
from .errors import CONNECT_ERRORS, NetError, explain
from .events import EventCallback, Kind
from .lookup import ip_version, resolve
from .service import BackgroundQuery

WORKS = "works"
REFUSED = "refused"
NO_ANSWER = "no-answer"
UNREACHABLE = "unreachable"
NO_SUCH_NAME = "no-such-name"
BAD_INPUT = "bad-input"
VERDICTS = (WORKS, REFUSED, NO_ANSWER, UNREACHABLE, NO_SUCH_NAME, BAD_INPUT)

#: The verdict in a few words, for a heading.
TITLES = {
    WORKS: "It works",
    REFUSED: "Nothing is listening (connection refused)",
    NO_ANSWER: "No answer",
    UNREACHABLE: "Host unreachable",
    NO_SUCH_NAME: "The name does not exist",
    BAD_INPUT: "Check what you typed",
}

#: Among several addresses that all failed, the failure that says most: an answer
#: ("refused") beats silence, and silence beats "no route".
_FAILURE_RANK = (REFUSED, NO_ANSWER, UNREACHABLE)
#: How long the extra checks (is a server on 127.0.0.1?) may wait.
CHECK_SECONDS = 1.0

NAME_STEP = "Look up the name"


@dataclass(frozen=True)
class Step:
    name: str  # what was tried, e.g. "Connect to 127.0.0.1 port 8007"
    ok: bool
    detail: str  # what happened, in a sentence
    elapsed: float  # seconds

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAILED':<6} {self.name}: {self.detail}"


@dataclass(frozen=True)
class Diagnosis:
    host: str
    port: object  # as given (bad input may not be a number)
    steps: Tuple[Step, ...]
    verdict: str  # one of VERDICTS
    advice: Tuple[str, ...]  # plain sentences: what it means and what to try next
    address: Optional[str]  # the address connected to, or whose failure decided
    connect_time: Optional[float] = None  # seconds, when it works

    @property
    def works(self) -> bool:
        return self.verdict == WORKS

    def headline(self) -> str:
        if self.works and self.connect_time is not None:
            return f"{TITLES[WORKS]}: connected in {milliseconds(self.connect_time)}"
        return TITLES[self.verdict]

    def verdict_lines(self) -> List[str]:
        """The verdict and its advice."""
        return [f"Verdict: {self.headline()}"] + [f"  {sentence}" for sentence in self.advice]

    def summary_lines(self) -> List[str]:
        """The steps, then the verdict and its advice."""
        return [step.line() for step in self.steps] + self.verdict_lines()


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def diagnose(host: str, port, timeout: float = 3.0,
             emit: Optional[Callable[[Step], None]] = None) -> Diagnosis:
    """Try to reach ``host``:``port`` as a client would and say what happened.

    ``emit`` is called with each :class:`Step` as soon as it is done (they take up to
    ``timeout`` seconds each). Never raises for network trouble: that is the verdict.
    """
    steps: List[Step] = []

    def record(step: Step) -> Step:
        steps.append(step)
        if emit is not None:
            emit(step)
        return step

    def finish(verdict: str, advice: Sequence[str], address: Optional[str] = None,
               connect_time: Optional[float] = None) -> Diagnosis:
        return Diagnosis(host, port, tuple(steps), verdict, tuple(advice), address, connect_time)

    host = str(host or "").strip()
    problem = input_problem(host, port, timeout)
    if problem:
        return finish(BAD_INPUT, [problem])
    target = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    port = int(port)

    candidates = _addresses(target, record)
    if isinstance(candidates, str):
        return finish(NO_SUCH_NAME, [candidates, "Check the spelling, or use the IP address "
                                     "instead: 'labsuite lookup' on the server's computer "
                                     "shows its addresses."])
    outcomes: List[Tuple[str, str, float]] = []  # (verdict, address, elapsed)
    for _version, address in candidates:
        verdict, step = try_connect(address, port, timeout)
        record(step)
        outcomes.append((verdict, address, step.elapsed))
        if verdict == WORKS:
            break
    verdict, address, elapsed = _deciding(outcomes)
    where = f"{address} port {port}"
    advice = list(_ADVICE[verdict](where, address, port, timeout, elapsed))
    if verdict == REFUSED and _is_own_network_address(address):
        loopback = "127.0.0.1" if ip_version(address) == 4 else "::1"
        local_verdict, step = try_connect(loopback, port, min(timeout, CHECK_SECONDS))
        record(Step(f"Check {loopback} port {port}", local_verdict == WORKS,
                    "a server is listening there" if local_verdict == WORKS
                    else "nothing there either", step.elapsed))
        if local_verdict == WORKS:
            advice.append(f"A server on this computer is bound only to this computer "
                          f"({loopback}): choose 'other computers too' so your partner can "
                          "connect.")
    advice += _address_hints(target, [address for _, address in candidates])
    return finish(verdict, advice, address, elapsed if verdict == WORKS else None)


def input_problem(host: str, port, timeout) -> Optional[str]:
    """A sentence saying what is wrong with the input, or None when it can be tried."""
    if not host:
        return "Type the host name or IP address of the server."
    if "://" in host or "/" in host:
        return "Type only the host name or IP address, without 'http://' or a path."
    name, colon, after = host.rpartition(":")
    if colon and name and ":" not in name and after.isdigit():
        return f"Give the port separately: host {name}, port {after}."
    try:
        number = int(str(port).strip())
    except ValueError:
        return f"{port!r} is not a port number: use a whole number from 1 to 65535."
    if not 1 <= number <= 65535:
        return f"{number} is not a port a server can listen on: use a number from 1 to 65535."
    try:
        if not float(timeout) > 0:
            return "The timeout must be more than 0 seconds."
    except (TypeError, ValueError):
        return f"{timeout!r} is not a number of seconds."
    return None


def _addresses(target: str, record: Callable[[Step], Step]):
    """The addresses to try, after recording the name step; a sentence if there are none."""
    version = ip_version(target)
    if version is not None:
        record(Step(NAME_STEP, True, f"not needed: {target} is already an IP address", 0.0))
        return ((version, target),)
    started = time.monotonic()
    try:
        found, _canonical = resolve(target)
    except NetError as exc:
        record(Step(NAME_STEP, False, exc.explanation, time.monotonic() - started))
        return exc.explanation
    elapsed = time.monotonic() - started
    shown = ", ".join(address for _, address in found)
    record(Step(NAME_STEP, True, f"{target} is {shown} (in {milliseconds(elapsed)})", elapsed))
    return found


def try_connect(address: str, port: int, timeout: float) -> Tuple[str, Step]:
    """Open (and close) one TCP connection to an IP address: its verdict and its step."""
    name = f"Connect to {address} port {port}"
    started = time.monotonic()
    try:
        family, _kind, _proto, _canon, sockaddr = socket.getaddrinfo(
            address, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)[0]
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
    except CONNECT_ERRORS as exc:
        elapsed = time.monotonic() - started
        verdict = classify(exc)
        if verdict == REFUSED:
            detail = f"refused after {milliseconds(elapsed)}: nothing is listening on that port"
        elif isinstance(exc, (socket.timeout, TimeoutError)):
            detail = f"no answer within {timeout:g} seconds"
        else:
            detail = explain(exc, host=address, port=port, timeout=timeout)
        return verdict, Step(name, False, detail, elapsed)
    elapsed = time.monotonic() - started
    return WORKS, Step(name, True, f"connected in {milliseconds(elapsed)}", elapsed)


def classify(exc: BaseException) -> str:
    """The verdict a failed connection attempt points to."""
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return NO_ANSWER
    code = getattr(exc, "errno", None)
    if code in (errno.ECONNREFUSED, errno.ECONNRESET):
        return REFUSED
    if code in (errno.ETIMEDOUT, errno.EACCES, errno.EPERM):  # silence, or a firewall here
        return NO_ANSWER
    return UNREACHABLE


def _deciding(outcomes: List[Tuple[str, str, float]]) -> Tuple[str, str, float]:
    for verdict in (WORKS, *_FAILURE_RANK):
        for outcome in outcomes:
            if outcome[0] == verdict:
                return outcome
    return outcomes[0]


def _is_own_network_address(address: str) -> bool:
    """True for an address of this computer's own interfaces, other than loopback."""
    try:
        wanted = ipaddress.ip_address(address)
    except ValueError:
        return False
    if wanted.is_loopback:
        return False
    for entry in interface_addresses():
        try:
            if ipaddress.ip_address(entry.address.split("%", 1)[0]) == wanted:
                return True
        except ValueError:
            continue
    return False


def _address_hints(target: str, addresses: List[str]) -> List[str]:
    """Sentences about addresses that only make sense on this computer."""
    hints = []
    if target.lower() == "localhost" or any(_is_loopback(address) for address in addresses):
        partner = partner_address()
        if partner:
            hints.append(f"localhost always means this computer: your partner must use "
                         f"{partner} (with the server set to 'other computers too').")
        else:
            hints.append("localhost always means this computer: for a partner to connect, "
                         "this computer needs a network address, and it has none now "
                         "(is it connected to a network?).")
    if any(_is_unspecified(address) for address in addresses):
        hints.append(f"{target} is what a server listens on to accept other computers; it is "
                     "not an address to connect to: use 127.0.0.1 on this computer, or "
                     "this computer's network address from another one.")
    return hints


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_unspecified(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_unspecified
    except ValueError:
        return False


# -- advice per verdict ---------------------------------------------------------------------
def _works(where, address, port, timeout, elapsed):
    return (f"Connected to {where} in {milliseconds(elapsed)}: a server is listening there "
            "and accepting connections.",
            "If your own program still cannot connect, check that it uses this same host "
            "and port.")


def _refused(where, address, port, timeout, elapsed):
    return (f"Nothing is listening at {where}: the computer answered, but no program "
            f"accepts connections on port {port}.",
            "Is the server started? Is it using this port? (A server shows its port when "
            "it starts listening.)")


def _no_answer(where, address, port, timeout, elapsed):
    return (f"No answer from {where} within {timeout:g} seconds.",
            "A firewall may be dropping the connection (on the server's computer or on "
            "the network), or the address may be wrong or that computer switched off. "
            "A server too busy to take new connections does not answer either.")


def _unreachable(where, address, port, timeout, elapsed):
    return (f"{address} cannot be reached from this computer: there is no route to it.",
            "Check that both computers are on the same network (the same Wi-Fi or lab "
            "network) and that the address is right.")


_ADVICE = {WORKS: _works, REFUSED: _refused, NO_ANSWER: _no_answer, UNREACHABLE: _unreachable}


# -- in the background ----------------------------------------------------------------------
class DoctorQuery(BackgroundQuery):
    """Runs :func:`diagnose` on a worker thread (start()) or the caller's (run()).

    Each step arrives as an INFO event (``result=`` the :class:`Step`) as soon as it is
    done; the end as a RESULT event (``result=`` the :class:`Diagnosis`).
    """

    source = "connection doctor"

    def __init__(self, host: str, port, timeout: float = 3.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host, self.port, self.timeout = host, port, timeout

    def run(self) -> Diagnosis:
        return diagnose(self.host, self.port, self.timeout, emit=self._step)

    def _step(self, step: Step) -> None:
        self.emit(Kind.INFO, step.line(), result=step)
