"""The shape every server and client shares: start(), stop() and events.

A service does its work on worker threads and reports each step to a callback as an
:class:`~labsuite.net.events.Event`; it never touches the window. ``start()`` does the
part that can fail at once (binding, connecting) on the caller's thread, so the caller
gets a :class:`NetError` with a plain sentence (raised, never also reported as an event),
and then hands the long-running part to threads, which report their failures as ERROR
events. ``stop()`` is idempotent, closes every connection, releases the port at once and
joins the threads within a second.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from typing import List, Optional

from .errors import NetError, net_error
from .events import Event, EventCallback, Kind, format_address

#: How long stop() waits for worker threads, in total.
JOIN_SECONDS = 1.0


class Service:
    """Base class: lifecycle, event emission and supervised worker threads."""

    source = "service"

    def __init__(self, on_event: Optional[EventCallback] = None):
        self._on_event = on_event or (lambda event: None)
        self._lifecycle = threading.RLock()
        self._stopping = threading.Event()
        self._threads: List[threading.Thread] = []
        self._running = False

    # -- events -----------------------------------------------------------------------
    def emit(self, kind: Kind, text: Optional[str], **fields) -> None:
        """Report a step; ``text`` None for a READ or WROTE: written from the fields when shown."""
        try:
            self._on_event(Event(kind, self.source, text, **fields))
        except Exception as exc:  # a broken display must not kill the service
            print(f"labsuite: event display failed: {exc!r}", file=sys.stderr)

    # -- lifecycle --------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> "Service":
        with self._lifecycle:
            if self._running:
                return self
            self._stopping.clear()
            self._threads = []
            self._setup()
            self._running = True
        return self

    def stop(self) -> None:
        with self._lifecycle:
            if not self._running:
                return
            self._stopping.set()
            try:
                self._teardown()
            finally:
                self._join_threads()
                self._cleanup()
                self._running = False
        self.emit(Kind.STOPPED, "Stopped")

    def stop_soon(self) -> None:
        """Stop from one of this service's own threads, where stop() cannot run (it joins
        them): on a helper thread of its own, reporting rather than dying if it fails."""
        def stop() -> None:
            try:
                self.stop()
            except Exception as exc:  # never silently
                print(f"labsuite: stopping {self.source} failed: {exc!r}", file=sys.stderr)

        threading.Thread(target=stop, name=f"{self.source} stop", daemon=True).start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _setup(self) -> None:
        """Open sockets and spawn threads; raise NetError on failure."""

    def _teardown(self) -> None:
        """Wake or unblock the worker threads so they return promptly."""

    def _cleanup(self) -> None:
        """Close what the threads left open, once they have been joined."""

    # -- threads ----------------------------------------------------------------------
    def spawn(self, target, *args, name: str = "") -> threading.Thread:
        thread = threading.Thread(target=self._supervised, args=(target, args),
                                  name=name or f"{self.source} worker", daemon=True)
        thread.start()  # before it is listed: stop() joins only threads that have started
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        return thread

    def _supervised(self, target, args) -> None:
        try:
            target(*args)
        except Exception as exc:  # report, never die silently
            if not self.stopping:
                self.emit(Kind.ERROR, f"Internal error in {self.source}: {exc!r}; "
                                      "this part has stopped.")

    def _join_threads(self) -> None:
        """Join every worker within JOIN_SECONDS in all, including one a worker started
        while the others were being joined (a connection accepted as stop() began)."""
        deadline = time.monotonic() + JOIN_SECONDS
        joined = {threading.current_thread()}
        while time.monotonic() < deadline:
            waiting = [thread for thread in self._threads if thread not in joined]
            if not waiting:
                return
            for thread in waiting:
                thread.join(max(0.0, deadline - time.monotonic()))
                joined.add(thread)


def shutdown_quietly(sock: Optional[socket.socket]) -> None:
    """End both directions of a connection, so a thread blocked on it returns at once
    (the thread that owns the socket closes it). Already closed or reset is fine."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Waker:
    """A socket pair that lets stop() wake a thread blocked in select()."""

    def __init__(self):
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def fileno(self) -> int:
        return self._reader.fileno()

    def wake(self) -> None:
        try:
            self._writer.send(b"\0")
        except OSError:
            pass

    def drain(self) -> None:
        try:
            while self._reader.recv(4096):
                pass
        except OSError:
            pass

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


def family_for(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def open_listener(service: Service, host: str, port: int, kind: int = socket.SOCK_STREAM,
                  backlog: int = 128) -> socket.socket:
    """Open, bind and (for TCP) listen, emitting each step as in the course's server log."""
    noun = "server socket" if kind == socket.SOCK_STREAM else "UDP socket"
    try:
        sock = socket.socket(family_for(host), kind)
    except OSError as exc:
        raise net_error(exc, host=host, port=port, action="bind") from None
    try:
        if sys.platform == "win32":
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", 0), 1)
        elif kind == socket.SOCK_STREAM:  # restart at once, even with connections in TIME_WAIT
            # (not for UDP: there SO_REUSEADDR lets a second server share the port silently)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        service.emit(Kind.OPENED, f"Opened {noun}")
        sock.bind((host, port))
        local = sock.getsockname()[:2]
        service.emit(Kind.BOUND, f"Bound {noun} to {format_address(local)}", local=local)
        if kind == socket.SOCK_STREAM:
            sock.listen(backlog)
            service.emit(Kind.LISTENING, f"Listening on {format_address(local)}", local=local)
        return sock
    except (OSError, OverflowError, ValueError) as exc:  # OverflowError: port > 65535
        sock.close()
        raise net_error(exc, host=host, port=port, action="bind") from None


class BackgroundQuery(Service):
    """A one-shot job: :meth:`run` on the caller's thread, or :meth:`start` in the background.

    In the background the outcome arrives as a RESULT event (``result=`` what run()
    returned, text its ``headline()``) or, when run() raises NetError, as an ERROR event
    with its sentence. A finished query may be started again; :meth:`stop` abandons a run that
    is still busy, and nothing more is reported from it, even if it finishes later.
    """

    def __init__(self, on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self._generation = 0
        self._worker = threading.local()

    def run(self):
        raise NotImplementedError

    def start(self) -> "BackgroundQuery":
        with self._lifecycle:
            if self._running and not any(thread.is_alive() for thread in self._threads):
                self._running = False  # the last run has finished
            return super().start()

    def _setup(self) -> None:
        self._generation += 1
        self.spawn(self._run_and_report, self._generation, name=f"{self.source} query")

    def _run_and_report(self, generation: int) -> None:
        self._worker.generation = generation
        try:
            result = self.run()
        except NetError as exc:
            self.emit(Kind.ERROR, exc.explanation)
            return
        self.emit(Kind.RESULT, result.headline(), result=result)

    def emit(self, kind: Kind, text: Optional[str], **fields) -> None:
        """Report a step; ``text`` None for a READ or WROTE: written from the fields when shown."""
        generation = getattr(self._worker, "generation", None)
        if generation is not None and (generation != self._generation or self.stopping):
            return  # an abandoned background run: its news is no longer wanted
        super().emit(kind, text, **fields)
