"""One client check's world: a reference server, the student's client running against it,
and one timeline of everything either side said, typed or printed.

A check stages a :class:`Scene` (its own server, on a free loopback port), launches the
student's command, types into it, and waits for what it expects: every wait is for a
condition, with a deadline, woken by whatever happens (the server's transcript, the
client's output, its exit, the checker's own chat member) and at least every
:data:`SLICE` seconds to notice that the run was stopped. Closing the scene kills the
client's whole process tree and stops the server, whatever state the check left.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from labsuite.net.events import format_address
from labsuite.protocols.check.client import ClientRun
from labsuite.protocols.check.model import (CHECKER, CLIENT, ERRORS, NOTE, PRINTED, SERVER, TYPED,
                                            TranscriptEntry, TranscriptLog)

from . import reference
from .probe import Cancelled
from .student import ClientCommand, ClientProcess, TextBuffer, shown_command

HOST = "127.0.0.1"
SLICE = 0.1
#: More time for the first step: the client's program has to start (Python, imports).
STARTUP = 2.0
#: How long a client may take to end once a check is over with it (then it is killed).
GRACE = 1.0


class ClientContext:
    """What one client check works with: the command, the time limits, its scene."""

    def __init__(self, command: ClientCommand, timeout: float, cancelled: threading.Event):
        self.command = command
        self.timeout = timeout
        self.cancelled = cancelled
        self.scene: Optional[Scene] = None

    @property
    def startup(self) -> float:
        return self.timeout + STARTUP

    @property
    def grace(self) -> float:
        return min(self.timeout, GRACE)

    def stage(self, server) -> "Scene":
        """Start ``server`` (a reference server, not yet started) and a scene around it."""
        self.scene = Scene(self, server)
        return self.scene

    def close_all(self) -> None:
        if self.scene is not None:
            self.scene.close()

    def entries(self) -> Tuple[TranscriptEntry, ...]:
        return self.scene.entries() if self.scene is not None else ()


class Scene:
    """The reference server and the student's client of one check."""

    def __init__(self, ctx: ClientContext, server):
        self.ctx = ctx
        self.began = time.monotonic()
        self._changed = threading.Condition()
        self._said: List[tuple] = []  # (at, side, connection, data, note) on this side
        self._printed, self._errors = TextBuffer(), TextBuffer()
        self._own: Dict[str, str] = {}  # the checker's own connections: address -> label
        self.process: Optional[ClientProcess] = None
        self.server = server
        server.on_record = lambda _exchange: self.publish()
        server.start()
        self.address = server.address

    # -- waiting ----------------------------------------------------------------------------
    def publish(self, change: Optional[Callable[[], None]] = None) -> None:
        """Make ``change`` (under the scene's lock) and wake every wait."""
        with self._changed:
            if change is not None:
                change()
            self._changed.notify_all()

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Until ``done()`` (evaluated under the scene's lock) or ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                if self.ctx.cancelled.is_set():
                    raise Cancelled()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(SLICE, remaining))
        return True

    def note(self, text: str, connection: Optional[str] = None) -> None:
        self.publish(lambda: self._said.append((self._now(), NOTE, connection, b"", text)))

    def _now(self) -> float:
        return time.monotonic() - self.began

    # -- the student's client ----------------------------------------------------------------
    def launch(self, name: str = "", input_closed: bool = False) -> None:
        """Start the command; type ``name`` first when it is a chat client that does not
        take its name on the command line."""
        argv = self.ctx.command.argv(HOST, self.address[1], name)
        self.note(f"started the client: {shown_command(argv)}")
        self.process = ClientProcess(argv, self.ctx.command.cwd, self._output, self._exited)
        if name and not self.ctx.command.takes_name:
            self.type(name)
        if input_closed:
            self.end_input()

    def type(self, line: str) -> None:
        data = line.encode() + b"\n"
        self.publish(lambda: self._said.append((self._now(), TYPED, None, data, "")))
        if not self.process.write(data):
            self.note("the client no longer reads what is typed")

    def end_input(self) -> None:
        self.note("end of input (Ctrl+D)")
        self.process.close_input()

    def _output(self, stream: str, data: bytes) -> None:
        side, buffer = (PRINTED, self._printed) if stream == "stdout" else (ERRORS, self._errors)

        def add() -> None:
            buffer.add(data)
            self._said.append((self._now(), side, None, data, ""))

        self.publish(add)

    def _exited(self, process: ClientProcess) -> None:
        how = "was stopped" if process.killed else f"ended with exit status {process.returncode}"
        self.note(f"the client {how}")

    @property
    def ended(self) -> bool:
        """The client ended by itself (it was not stopped)."""
        return self.process is not None and self.process.ended_by_itself

    @property
    def printed(self) -> str:
        return self._printed.text

    def printed_lines(self) -> List[str]:
        return self._printed.text.splitlines()

    def snapshot(self, waited: float) -> ClientRun:
        """What the client did so far; ``waited``: the limit of the step that failed."""
        with self._changed:
            return ClientRun(self._printed.text, self._errors.text, self.connected, self.ended,
                             self.process.returncode if self.ended else None, waited,
                             format_address(self.address),
                             name_typed=not self.ctx.command.takes_name)

    def stop_client(self, last_words: Sequence[str] = ()) -> None:
        """Type ``last_words``, end the input, give the client a moment to end, then kill
        what is left of it and collect the last of its output."""
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            for line in last_words:
                self.type(line)
            if last_words:
                self.end_input()
                self.wait(lambda: process.finished, self.ctx.grace)
        process.kill()
        process.join(self.ctx.grace)

    def finish(self, waited: float, last_words: Sequence[str] = ()) -> ClientRun:
        """What the client did by now, with everything it printed until it was stopped."""
        run = self.snapshot(waited)
        self.stop_client(last_words)
        return replace(run, printed=self.printed)

    # -- what the server saw -----------------------------------------------------------------
    def own(self, sock_name: tuple, label: str) -> None:
        """Mark a connection from ``sock_name`` as the checker's own (named ``label``)."""
        self.publish(lambda: self._own.__setitem__(format_address(sock_name[:2]), label))

    def mark(self) -> int:
        """A point in the server's transcript, for "what happened after this"."""
        return len(self.server.transcript())

    def _labels(self, exchanges) -> Dict[int, Optional[str]]:
        """Each connection's label: None for the student's client, else the checker's."""
        return {e.conn: self._own.get(e.note) for e in exchanges if e.sender == reference.OPENED}

    def client_exchanges(self, sender: str, since: int = 0) -> List[reference.Exchange]:
        exchanges = self.server.transcript()
        labels = self._labels(exchanges)
        return [e for e in exchanges[since:]
                if e.sender == sender and e.conn in labels and labels[e.conn] is None]

    def from_client(self, since: int = 0) -> bytes:
        """What the student's client sent (all its connections), after ``since``."""
        return b"".join(e.data for e in self.client_exchanges(reference.CLIENT, since))

    def to_client(self, since: int = 0) -> List[bytes]:
        """What the server sent the student's client, piece by piece, after ``since``."""
        return [e.data for e in self.client_exchanges(reference.SERVER, since)]

    @property
    def connected(self) -> bool:
        return bool(self.client_exchanges(reference.OPENED))

    @property
    def closed(self) -> bool:
        """A connection of the student's client has ended."""
        return bool(self.client_exchanges(reference.CLOSED))

    # -- the end ------------------------------------------------------------------------------
    def close(self) -> None:
        self.stop_client()
        self.server.stop()

    def entries(self) -> Tuple[TranscriptEntry, ...]:
        """Both sides on one timeline: what the server and the client sent each other (the
        server's pieces as sent), what was typed, what the client printed, and what the
        checker's own member sent (what it heard is left out: it only doubles the server's
        lines)."""
        log = TranscriptLog()
        for at, side, connection, data, text in self._timeline():
            if side == NOTE:
                log.note(text, at, connection)
            else:
                log.add(side, data, at, connection, merge=side in (PRINTED, ERRORS))
        return log.entries()

    def _timeline(self) -> List[tuple]:
        exchanges = self.server.transcript()
        with self._changed:
            items = list(self._said)
            labels = self._labels(exchanges)
        shift = self.server.began - self.began
        for e in exchanges:
            label = labels.get(e.conn)
            at = e.at + shift
            if e.sender == reference.OPENED:
                who = "your client" if label is None else f"the checker, as {label},"
                items.append((at, NOTE, label, b"", f"{who} connected from {e.note}"))
            elif e.sender == reference.CLOSED:
                items.append((at, NOTE, label, b"", f"the connection closed ({e.note})"
                              if e.note else "the connection closed"))
            elif label is None:
                items.append((at, CLIENT if e.sender == reference.CLIENT else SERVER, None,
                              e.data, ""))
            elif e.sender == reference.CLIENT:  # (what the checker's member was sent is
                items.append((at, CHECKER, label, e.data, ""))  # in the explanations)
        items.sort(key=lambda item: item[0])
        return items
