"""One selector server core for every labsuite server.

A server is its protocol plus a few callbacks. :class:`SelectorServer` owns everything
that is the same for all of them and that each used to get slightly wrong on its own:
the selector, the listening socket and the waker; accepting (paused for a moment when the
computer runs out of file handles, instead of spinning); per-connection state; output
buffers, sent once per loop round, with back-pressure and a cap; timers; deadlines for
silent or slow clients; the connection cap, where connections that never said who they
are go first; a fair share of each round for every connection; UDP endpoints on the same
loop; and the course's step log ("Accepted connection", "Read 16 bytes from ...").

Everything happens on one thread, the loop, so protocol state needs no locks. Other
threads talk to the loop only through :meth:`SelectorServer.call_soon_threadsafe`. The
two blocking echo designs the Echo tab teaches (a thread per client, one client at a
time) run here too: the loop accepts, then hands the socket over with
:meth:`Connection.detach`.
"""

from __future__ import annotations

import errno
import heapq
import itertools
import os
import selectors
import socket
import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Dict, List, Optional, Tuple

from .errors import closed_reason, explain
from .events import PREVIEW_BYTES, Address, Event, EventCallback, Kind, format_address
from .service import Service, Waker, open_listener, shutdown_quietly

__all__ = ["SelectorServer", "Connection", "Timer"]

#: How long accepting pauses when the computer runs out of file handles or memory: the
#: listener stays readable, so retrying at once would spin and flood the log.
ACCEPT_PAUSE = 0.1
_EXHAUSTED = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
#: Datagrams handled per endpoint per round, so a UDP flood cannot starve TCP clients.
DATAGRAM_BATCH = 64
#: The smallest output share a connection gets when the output budget is split.
MIN_OUTPUT_SHARE = 16 * 1024
_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE
_LISTENER, _WAKER = object(), object()


class Timer:
    """A call the loop makes later (see :meth:`SelectorServer.call_later`)."""

    __slots__ = ("when", "callback", "args", "cancelled")

    def __init__(self, when: float, callback: Callable, args: tuple):
        self.when, self.callback, self.args, self.cancelled = when, callback, args, False

    def cancel(self) -> None:
        self.cancelled = True


class Connection:
    """One client as the loop sees it. Protocols use :meth:`send`, :meth:`close` and
    friends, and keep their own per-connection state in :attr:`state`."""

    __slots__ = ("server", "id", "sock", "peer", "local", "label", "state", "out", "file",
                 "interest", "identified", "accepted", "last_read", "deadline",
                 "deadline_reason", "refresh", "closing", "close_reason", "lingering",
                 "lingered", "eof", "paused_until", "wants_turn", "detached", "closed",
                 "counted", "bytes_in", "bytes_out")

    def __init__(self, server: "SelectorServer", conn_id: int, sock: socket.socket,
                 peer: Address, local: Address, now: float):
        self.server = server
        self.id = conn_id
        self.sock = sock
        self.peer = peer
        self.local = local
        self.label = format_address(peer)
        self.state = None  # the protocol's own
        self.out = bytearray()  # output not yet taken by the kernel
        #: [fd, offset, remaining, sendfile works] sent after ``out``
        self.file: Optional[list] = None
        self.interest = _READ  # what the selector watches for
        self.identified = False  # said who it is (ADD, a whole request head...)
        self.accepted = now
        self.last_read = now
        self.deadline = 0.0  # 0: none
        self.deadline_reason = ""
        self.refresh = 0.0  # push the deadline this far on each write progress (0: never)
        self.closing = False  # close once the output is sent
        self.close_reason = ""
        self.lingering = False  # our side shut; reading and dropping until the peer closes
        self.lingered = 0
        self.eof = False  # the peer shut down its side
        self.paused_until = 0.0  # reading waits until then (a sender over its budget)
        self.wants_turn = False  # the protocol has more buffered work: call on_turn
        self.detached = False  # a blocking thread owns the socket (threaded echo)
        self.closed = False
        self.counted = 0  # len(out) as last added to the server's pending_output
        self.bytes_in = self.bytes_out = 0

    # -- for protocols (loop thread only) -----------------------------------------------
    def send(self, data: bytes) -> None:
        """Queue ``data``; everything queued in one round goes out in one send()."""
        if self.closed or not data:
            return
        self.out += data
        self.server._dirty.add(self)

    def stream_file(self, fd: int, offset: int, count: int) -> None:
        """Send ``count`` bytes of ``fd`` after the queued output (sendfile where it can);
        the fd is closed once sent or when the connection goes; ``on_drain`` follows."""
        self.file = [fd, offset, count, hasattr(os, "sendfile")]
        self.server._dirty.add(self)

    @property
    def pending(self) -> int:
        """Bytes queued and not yet sent (a file being streamed counts)."""
        return len(self.out) + (self.file[2] if self.file else 0)

    def close(self, reason: str = "", flush: bool = True, linger: bool = False) -> None:
        """Close after the queued output is sent (``flush``), or at once.

        ``linger``: shut our side first, then read and drop what the client still sends
        for a moment, so closing cannot reset the connection before it has read the reply.
        """
        if self.closed:
            return
        if not flush or self.detached:
            self.server._close(self, reason)
            return
        self.closing, self.close_reason, self.lingering = True, reason, linger
        self.wants_turn = False
        self.server._dirty.add(self)

    def identify(self) -> None:
        """This client said who it is: it is no longer the first to go when full."""
        if not self.identified:
            self.identified = True
            self.server._unidentified.pop(self.id, None)
            if self.deadline_reason == self.server.unidentified_reason:
                self.expect(0)

    def expect(self, seconds: float, reason: str = "", refresh: bool = False) -> None:
        """Close with ``reason`` unless the protocol calls this again within ``seconds``
        (0 cancels). ``refresh``: each bit of output the client takes restarts the clock
        (for "did not read the response")."""
        self.deadline = time.monotonic() + seconds if seconds else 0.0
        self.deadline_reason = reason
        self.refresh = seconds if refresh else 0.0
        if seconds:
            self.server._deadlines.add(self)
        else:
            self.server._deadlines.discard(self)

    def pause_reading(self, seconds: float) -> None:
        """Read nothing from this client for ``seconds`` (a sender over its budget)."""
        self.paused_until = time.monotonic() + seconds
        self.server._paused.add(self)
        self.server._watch(self)

    def request_turn(self) -> None:
        """More work is buffered: call ``on_turn`` again after everyone else's share."""
        self.wants_turn = True
        self.server._turns.add(self)
        self.server._watch(self)

    def detach(self) -> socket.socket:
        """Hand the socket to a blocking thread; the loop no longer watches it. That thread
        ends it with :meth:`SelectorServer.release` (from any thread)."""
        self.server._unwatch(self)
        self.server._unidentified.pop(self.id, None)  # its thread serves it, whatever it says
        self.server._deadlines.discard(self)
        self.detached = True
        self.sock.setblocking(True)
        return self.sock


class SelectorServer(Service):
    """A TCP listener (and/or UDP endpoint) on one selector thread; subclasses are the
    protocol. Override the ``on_*`` hooks and the class settings below."""

    source = "server"
    #: Listen for TCP connections / also answer UDP datagrams on the same port.
    tcp, udp = True, False
    #: Log every read and write in the course's words (False: the server logs its own).
    logs_reads, logs_writes = True, True
    #: Connections served at once; beyond it the oldest unidentified one goes, or the
    #: newcomer is turned away (:meth:`on_full`).
    max_connections = 1000
    #: A connection whose unsent output grows beyond this has stopped reading: it is
    #: dropped (None: never; reading pauses instead, see read_pause_output).
    max_output: Optional[int] = None
    #: Stop reading from a client while this much output waits for it (back-pressure).
    read_pause_output = 256 * 1024
    #: All connections' waiting output together; each gets a share of it.
    output_budget = 32 * 1024 * 1024
    #: Close a connection that has not identified itself within this many seconds.
    unidentified_timeout: Optional[float] = None
    unidentified_reason = "said nothing for too long"
    #: Bytes read per connection per round: everyone gets a turn, whatever one pipelines.
    recv_size = 65536
    accept_batch = 64
    backlog = 128
    nodelay = True
    linger_seconds, linger_bytes = 2.0, 1024 * 1024
    #: How often deadlines are checked.
    sweep_seconds = 0.1
    #: The class of each connection (a server may shape its output with a subclass).
    connection_class = Connection
    #: What a server started for other computers announces itself as on the network
    #: (a kind of labsuite.net.discovery.KINDS; None: never announced).
    announce_as: Optional[str] = None

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host, self.port = host, port
        #: False: READ/WROTE events are not even built (a quiet server).
        self.log_steps = on_event is not None
        self.listener: Optional[socket.socket] = None
        self.datagram_socket: Optional[socket.socket] = None
        self.waker: Optional[Waker] = None
        self._selector: Optional[selectors.BaseSelector] = None
        self._conns: Dict[int, Connection] = {}
        self._conns_lock = threading.Lock()  # adding/removing (a detached thread releases)
        self._ids = itertools.count(1)
        self._unidentified: "OrderedDict[int, Connection]" = OrderedDict()
        self._dirty: set = set()
        self._turns: set = set()
        self._paused: set = set()
        self._deadlines: set = set()
        self._timers: List[Tuple[float, int, Timer]] = []
        self._timer_seq = itertools.count()
        self._calls: Deque[Tuple[Callable, tuple]] = deque()
        self._accepting = True  # the listener is registered
        self._accept_held = False  # a strategy paused accepting (one client at a time)
        self._accept_resume: Optional[Timer] = None
        self._accept_failed_at = -10.0
        self._waiting_noted = False
        self._pending_output = 0
        self.peak_pending_output = 0
        self._loop: Optional[threading.Thread] = None
        #: Loop rounds so far (a protocol can tell "this round" from the next).
        self.rounds = 0
        #: How the announcement names this server ("cool cat's room"; None: by its kind).
        self.announce_name: Optional[str] = None
        self._announcement = None

    # -- the hooks (loop thread) -----------------------------------------------------
    def on_start(self) -> None:
        """The loop is about to run (reset per-run protocol state here)."""

    def on_connect(self, conn: Connection) -> None:
        """A new connection (already logged as accepted)."""

    def on_data(self, conn: Connection, data: bytes) -> None:
        """Bytes from ``conn`` (one recv(), at most ``recv_size``)."""

    def on_eof(self, conn: Connection) -> None:
        """The client shut down its side; by default, close once the output is sent."""
        conn.close("the client closed the connection")

    def on_drain(self, conn: Connection) -> None:
        """Everything queued for ``conn`` has been sent."""

    def on_turn(self, conn: Connection) -> None:
        """``conn`` asked for another turn (:meth:`Connection.request_turn`)."""

    def on_timeout(self, conn: Connection) -> None:
        """``conn``'s deadline passed; by default it is closed with the deadline's reason."""
        conn.close(conn.deadline_reason, flush=False)

    def on_close(self, conn: Connection, reason: str) -> None:
        """``conn`` is gone (its socket is closed and the closing logged)."""

    def on_full(self, conn: Connection) -> None:
        """``conn`` arrived while the server is full of identified clients; by default
        it is closed at once. Queue a polite refusal and close it after output instead."""
        conn.close("the server is full", flush=False)

    def on_datagram(self, data: bytes, peer: Address) -> None:
        """A UDP datagram (only with ``udp = True``)."""

    def on_waiting(self) -> None:
        """A client knocked while accepting was held (:meth:`hold_accepting`)."""

    def on_stopping(self) -> None:
        """The server is stopping: last words to the clients go out before closing."""

    # -- lifecycle --------------------------------------------------------------------
    @property
    def address(self) -> Address:
        """The address actually bound (the real port when started with port 0)."""
        sock = self.listener or self.datagram_socket
        return sock.getsockname()[:2] if sock is not None else (self.host, self.port)

    @property
    def udp_address(self) -> Optional[Address]:
        sock = self.datagram_socket
        return sock.getsockname()[:2] if sock is not None else None

    @property
    def connection_count(self) -> int:
        return len(self._conns)

    @property
    def pending_output(self) -> int:
        """Output bytes waiting for clients, all connections together."""
        return self._pending_output

    def _setup(self) -> None:
        try:
            if self.tcp:
                self.listener = open_listener(self, self.host, self.port, backlog=self.backlog)
                self.listener.setblocking(False)
            if self.udp:
                port = self.listener.getsockname()[1] if self.listener else self.port
                self.datagram_socket = open_listener(self, self.host, port, socket.SOCK_DGRAM)
                self.datagram_socket.setblocking(False)
            self.waker = Waker()
            self._selector = selectors.DefaultSelector()
        except BaseException:
            self._close_endpoints()
            raise
        self._reset()
        self.on_start()
        self.spawn(self._run, name=f"{self.source} on {self.address[1]}")
        self._announce()

    def _announce(self) -> None:
        """Tell the lab's network (never for this computer only; on its own thread)."""
        if self.announce_as is None:
            return
        from .discovery import announce_server

        self._announcement = announce_server(
            self.announce_as, self.announce_name, self.host, self.address[1],
            on_event=self._on_event, source=self.source)

    def _reset(self) -> None:
        self._conns.clear()
        self._unidentified.clear()
        self._dirty.clear()
        self._turns.clear()
        self._paused.clear()
        self._deadlines.clear()
        self._timers.clear()
        self._calls.clear()
        self._accepting, self._accept_held, self._accept_resume = True, False, None
        self._pending_output = self.peak_pending_output = 0

    def _teardown(self) -> None:
        announcement, self._announcement = self._announcement, None
        if announcement is not None:
            announcement.withdraw()
        if self.waker is not None:
            self.waker.wake()

    def _cleanup(self) -> None:
        # Normally the loop closed everything; this covers a loop that never ran or that
        # did not finish within stop()'s wait.
        for conn in list(self._conns.values()):
            self._close(conn, "server stopped")
        self._close_endpoints()

    def _close_endpoints(self) -> None:
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            self.emit(Kind.CLOSED, "Closed server socket")
        if self.datagram_socket is not None:
            self.datagram_socket.close()
            self.datagram_socket = None
            self.emit(Kind.CLOSED, "Closed UDP socket")
        if self.waker is not None:
            self.waker.close()
            self.waker = None

    # -- for protocols and other threads ----------------------------------------------
    def call_later(self, delay: float, callback: Callable, *args) -> Timer:
        """Run ``callback(*args)`` on the loop after ``delay`` seconds (loop thread only)."""
        timer = Timer(time.monotonic() + max(0.0, delay), callback, args)
        heapq.heappush(self._timers, (timer.when, next(self._timer_seq), timer))
        return timer

    def call_soon_threadsafe(self, callback: Callable, *args) -> None:
        """Run ``callback(*args)`` on the loop soon; safe from any thread."""
        self._calls.append((callback, args))
        waker = self.waker
        if waker is not None:
            waker.wake()

    def release(self, conn: Connection, reason: str = "") -> None:
        """End a detached connection, from the thread that owns its socket."""
        try:
            conn.sock.close()
        except OSError:
            pass
        if self._loop is not None and self._loop.is_alive() and not self.stopping:
            self.call_soon_threadsafe(self._close, conn, reason)
        else:  # the loop is gone (stopping): nothing else touches the bookkeeping now
            self._close(conn, reason)

    def hold_accepting(self) -> None:
        """Leave new clients waiting in the listen backlog (loop thread)."""
        self._accept_held, self._waiting_noted = True, False

    def resume_accepting(self) -> None:
        """Accept again after :meth:`hold_accepting` (loop thread)."""
        self._accept_held = False
        if not self.stopping:
            self._listen(True)

    def connections(self) -> List[Connection]:
        return list(self._conns.values())

    # -- the loop ---------------------------------------------------------------------
    def _run(self) -> None:
        self._loop = threading.current_thread()
        selector = self._selector
        if self.listener is not None:
            selector.register(self.listener, _READ, _LISTENER)
        if self.datagram_socket is not None:
            selector.register(self.datagram_socket, _READ, self.datagram_socket)
        selector.register(self.waker, _READ, _WAKER)
        next_sweep = time.monotonic() + self.sweep_seconds
        try:
            while not self.stopping:
                self.rounds += 1
                for key, mask in selector.select(self._timeout(next_sweep)):
                    tag = key.data
                    if tag is _LISTENER:
                        self._accept_waiting()
                    elif tag is _WAKER:
                        self.waker.drain()
                    elif tag is self.datagram_socket:
                        self._read_datagrams()
                    elif not tag.closed:
                        if mask & _WRITE:
                            self._flush(tag)
                        if mask & _READ and not tag.closed:
                            self._read(tag)
                self._run_calls()
                now = time.monotonic()
                self._run_timers(now)
                self._resume_paused(now)
                self._give_turns()
                self._flush_dirty()
                if now >= next_sweep:
                    next_sweep = now + self.sweep_seconds
                    self._sweep(now)
            self._say_goodbye()
        finally:
            for conn in list(self._conns.values()):
                self._close(conn, "server stopped")

    def _timeout(self, next_sweep: float) -> Optional[float]:
        if self._calls or self._turns or self._dirty:
            return 0.0
        due = []
        if self._timers:
            due.append(self._timers[0][0])
        if self._paused:
            due.append(min(conn.paused_until for conn in self._paused))
        if self._deadlines:
            due.append(next_sweep)
        if not due:
            return None
        return max(0.0, min(due) - time.monotonic())

    def _run_calls(self) -> None:
        for _ in range(len(self._calls)):
            callback, args = self._calls.popleft()
            self._call(None, callback, *args)

    def _run_timers(self, now: float) -> None:
        timers = self._timers
        while timers and timers[0][0] <= now:
            timer = heapq.heappop(timers)[2]
            if not timer.cancelled:
                self._call(None, timer.callback, *timer.args)

    def _say_goodbye(self) -> None:
        """Stopping: let the protocol say its last words, send what the kernel takes now."""
        self._call(None, self.on_stopping)
        for conn in list(self._dirty):
            if not conn.closed and not conn.detached and conn.out:
                try:
                    conn.sock.send(conn.out)
                except OSError:
                    pass

    # -- accepting --------------------------------------------------------------------
    def _accept_waiting(self) -> None:
        if self.stopping:
            return
        if self._accept_held:
            if not self._waiting_noted:
                self._waiting_noted = True
                self._call(None, self.on_waiting)
            self._listen(False)  # the client waits in the backlog; do not spin on it
            return
        for _ in range(self.accept_batch):
            try:
                sock, peer = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._accept_failed(exc)
                return
            self._admit(sock, peer[:2])
            if self._accept_held or self.stopping:
                return

    def _admit(self, sock: socket.socket, peer: Address) -> None:
        now = time.monotonic()
        try:
            sock.setblocking(False)
            if self.nodelay:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            local = sock.getsockname()[:2]
        except OSError:  # reset before we got to it
            sock.close()
            return
        conn = self.connection_class(self, next(self._ids), sock, peer, local, now)
        with self._conns_lock:
            self._conns[conn.id] = conn
        self.emit(Kind.ACCEPTED, f"Accepted connection #{conn.id} from {conn.label} "
                                 f"(server {format_address(local)})",
                  peer=peer, local=local, conn=conn.id)
        try:
            self._selector.register(sock, _READ, conn)
        except (OSError, ValueError):
            self._close(conn, "the connection failed at once")
            return
        full = len(self._conns) > self.max_connections
        if full and self._unidentified:  # make room: the oldest silent one goes first
            _, oldest = self._unidentified.popitem(last=False)
            self._close(oldest, "the server was full and it had not said who it is")
            full = False
        self._unidentified[conn.id] = conn
        if self.unidentified_timeout:
            conn.expect(self.unidentified_timeout, self.unidentified_reason)
        self._call(conn, self.on_full if full else self.on_connect, conn)

    def _accept_failed(self, exc: OSError) -> None:
        """Out of file handles or memory: pause accepting for a moment instead of
        spinning, and log only the first failure of a run of them."""
        now = time.monotonic()
        repeated = now < self._accept_failed_at + ACCEPT_PAUSE + 1.0
        if exc.errno in _EXHAUSTED:
            self._accept_failed_at = now
            self._listen(False)
            self._accept_resume = self.call_later(ACCEPT_PAUSE, self._listen, True)
            if repeated:
                return
        if not self.stopping:
            self.emit(Kind.ERROR, f"Could not accept a connection: {explain(exc)}")

    def _listen(self, on: bool) -> None:
        if self.listener is None or on == self._accepting or (on and self._accept_held):
            return
        if on:
            self._selector.register(self.listener, _READ, _LISTENER)
        else:
            self._selector.unregister(self.listener)
        self._accepting = on

    # -- reading ----------------------------------------------------------------------
    def _read(self, conn: Connection) -> None:
        if conn.lingering:
            return self._read_lingering(conn)
        try:
            data = conn.sock.recv(self._read_size(conn))
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            return self._close(conn, closed_reason(exc))
        if not data:
            conn.eof = True
            self._watch(conn)
            return self._call(conn, self.on_eof, conn)
        conn.last_read = time.monotonic()
        conn.bytes_in += len(data)
        if self.logs_reads and self.log_steps:
            self.log_transfer(Kind.READ, conn, data)
        try:
            self.on_data(conn, data)
        except Exception as exc:  # a bug hit by one client's bytes: only it is dropped
            return self._hook_failed(conn, self.on_data, exc)
        if not conn.closed:
            self._watch(conn)

    def _read_size(self, conn: Connection) -> int:
        room = self._output_share() - len(conn.out)
        return max(1024, min(self.recv_size, room)) if room > 0 else 1024

    def _output_share(self) -> int:
        share = self.output_budget // max(1, len(self._conns))
        return max(MIN_OUTPUT_SHARE, min(self.read_pause_output, share))

    def _read_lingering(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(self.recv_size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.lingered += len(data)
        if not data or conn.lingered > self.linger_bytes:
            self._close(conn, conn.close_reason)

    def _read_datagrams(self) -> None:
        sock = self.datagram_socket
        for _ in range(DATAGRAM_BATCH):
            try:
                data, peer = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. an ICMP "port unreachable" for an earlier reply
                continue
            self._call(None, self.on_datagram, data, peer[:2])

    def send_datagram(self, data: bytes, peer: Address) -> Optional[str]:
        """Send one datagram; returns why it could not be sent, or None."""
        try:
            self.datagram_socket.sendto(data, peer)
        except OSError as exc:
            return explain(exc, host=peer[0], port=peer[1], action="send")
        return None

    # -- writing ----------------------------------------------------------------------
    def _flush_dirty(self) -> None:
        """One send() per connection per round, however many times it was given output:
        with one send() per message, a busy chat room spent its time in system calls."""
        while self._dirty:
            conn = self._dirty.pop()
            if not conn.closed and not conn.detached:
                self._flush(conn)

    def _flush(self, conn: Connection) -> None:
        sent_any = False
        if conn.out:
            try:
                sent = conn.sock.send(conn.out)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                return self._close(conn, closed_reason(exc))
            if sent:
                sent_any = True
                conn.bytes_out += sent
                if self.logs_writes and self.log_steps:
                    self.log_write(conn, conn.out, sent)
                del conn.out[:sent]
        if not conn.out and conn.file is not None:
            try:
                sent_any |= self._send_file_part(conn)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as exc:
                return self._close(conn, closed_reason(exc))
        if sent_any and conn.refresh:
            conn.deadline = time.monotonic() + conn.refresh
        self._account(conn)
        if self.max_output is not None and len(conn.out) > self.max_output:
            return self._close(conn, "stopped reading, so it was disconnected")
        if conn.wants_turn and len(conn.out) < self._output_share():
            self._turns.add(conn)  # it has caught up: its next share
        if conn.pending:
            return self._watch(conn)
        if conn.closing:
            return self._finish_closing(conn)
        self._watch(conn)
        self._call(conn, self.on_drain, conn)

    def _send_file_part(self, conn: Connection) -> bool:
        fd, offset, remaining, use_sendfile = conn.file
        count = min(remaining, 256 * 1024)  # one fast client cannot hog the loop
        sent = 0
        if use_sendfile:
            try:
                sent = os.sendfile(conn.sock.fileno(), fd, offset, count)
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP,
                                     getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)):
                    raise
                conn.file[3] = False  # e.g. a file system without sendfile: read instead
                sent = self._send_read_part(conn, fd, offset, count)
        else:
            sent = self._send_read_part(conn, fd, offset, count)
        if sent == 0:  # the file got shorter than announced
            self._close_file(conn)
            self._close(conn, "the file changed while it was being sent")
            return False
        conn.bytes_out += sent
        conn.file[1] += sent
        conn.file[2] -= sent
        if conn.file[2] <= 0:
            self._close_file(conn)
        return True

    @staticmethod
    def _send_read_part(conn: Connection, fd: int, offset: int, count: int) -> int:
        chunk = os.pread(fd, count, offset) if hasattr(os, "pread") else \
            (os.lseek(fd, offset, os.SEEK_SET), os.read(fd, count))[1]
        if not chunk:
            return 0
        sent = conn.sock.send(chunk)
        return sent

    @staticmethod
    def _close_file(conn: Connection) -> None:
        if conn.file is not None:
            try:
                os.close(conn.file[0])
            except OSError:
                pass
            conn.file = None

    def _account(self, conn: Connection) -> None:
        """Keep the total of waiting output (for pending_output and its peak)."""
        size = len(conn.out)
        if size != conn.counted:
            self._pending_output += size - conn.counted
            conn.counted = size
            if self._pending_output > self.peak_pending_output:
                self.peak_pending_output = self._pending_output

    def _finish_closing(self, conn: Connection) -> None:
        if not conn.lingering:
            return self._close(conn, conn.close_reason)
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return self._close(conn, conn.close_reason)
        conn.expect(min(self.linger_seconds, conn.refresh or self.linger_seconds),
                    conn.close_reason)
        conn.refresh = 0.0
        self._watch(conn)

    # -- what the selector watches ----------------------------------------------------
    def _watch(self, conn: Connection) -> None:
        # One waiting for this round's send is watched after it (_flush): adding write
        # interest now and taking it away after the send cost two epoll_ctl per request.
        if conn.closed or conn.detached or conn in self._dirty:
            return
        wanted = 0
        if conn.pending:
            wanted |= _WRITE
        if conn.lingering or not (conn.eof or conn.closing or conn.wants_turn
                                  or conn in self._paused
                                  or len(conn.out) >= self._output_share()):
            wanted |= _READ
        if wanted == conn.interest:
            return
        try:
            if not conn.interest:
                self._selector.register(conn.sock, wanted, conn)
            elif not wanted:
                self._selector.unregister(conn.sock)
            else:
                self._selector.modify(conn.sock, wanted, conn)
        except (KeyError, ValueError, OSError):
            return
        conn.interest = wanted

    def _unwatch(self, conn: Connection) -> None:
        if conn.interest:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
            conn.interest = 0

    def _resume_paused(self, now: float) -> None:
        if not self._paused:
            return
        for conn in [c for c in self._paused if c.paused_until <= now]:
            self._paused.discard(conn)
            self._watch(conn)

    def _give_turns(self) -> None:
        """Each connection that asked for another turn gets one, after the round's reads."""
        if not self._turns:
            return
        turns, self._turns = self._turns, set()
        for conn in turns:
            if conn.closed:
                continue
            if len(conn.out) >= self._output_share():
                continue  # let the client catch up first: _flush gives the turn back
            conn.wants_turn = False
            self._call(conn, self.on_turn, conn)
            if not conn.closed:
                self._watch(conn)

    def _sweep(self, now: float) -> None:
        for conn in [c for c in self._deadlines if c.deadline <= now]:
            self._deadlines.discard(conn)
            conn.deadline = 0.0
            if conn.closed:
                continue
            if conn.lingering or conn.closing:
                self._close(conn, conn.close_reason)
            else:
                self._call(conn, self.on_timeout, conn)

    # -- closing ----------------------------------------------------------------------
    def _close(self, conn: Connection, reason: str) -> None:
        """Forget a connection exactly once: socket closed, logged, protocol told."""
        with self._conns_lock:
            if conn.closed:
                return
            conn.closed = True
            self._conns.pop(conn.id, None)
        self._unidentified.pop(conn.id, None)
        self._dirty.discard(conn)
        self._turns.discard(conn)
        self._paused.discard(conn)
        self._deadlines.discard(conn)
        self._close_file(conn)
        self._pending_output -= conn.counted
        conn.out, conn.counted = bytearray(), 0
        if conn.detached:  # its thread owns the socket: wake it; it closes the socket
            shutdown_quietly(conn.sock)
        else:
            if self._selector is not None:
                self._unwatch(conn)
            try:
                conn.sock.close()
            except OSError:
                pass
        if self.stopping and reason != "server stopped":
            reason = reason or "server stopped"
        suffix = f" ({reason})" if reason else ""
        self.emit(Kind.CLOSED, f"Closed connection #{conn.id} with {conn.label}{suffix}",
                  peer=conn.peer, conn=conn.id)
        self._call(None, self.on_close, conn, reason)

    # -- a protocol's bugs stay with one connection -----------------------------------
    def _call(self, conn: Optional[Connection], hook: Callable, *args) -> None:
        """Run a protocol hook; if it fails, only ``conn`` is closed (if given) and the
        server goes on serving everyone else."""
        try:
            hook(*args)
        except Exception as exc:
            self._hook_failed(conn, hook, exc)

    def _hook_failed(self, conn: Optional[Connection], hook: Callable, exc: Exception) -> None:
        if self.stopping:
            return
        where = f" while serving connection #{conn.id}" if conn is not None else ""
        after = ("that connection was closed; the others are still served"
                 if conn is not None else "the server goes on")
        self.emit(Kind.ERROR, f"Internal error in the {self.source}{where} "
                              f"({getattr(hook, '__name__', 'a step')}: {exc!r}); {after}.",
                  conn=conn.id if conn is not None else None)
        if conn is not None and not conn.closed:
            self._close(conn, "internal error")

    # -- the step log -----------------------------------------------------------------
    def log_write(self, conn: Connection, data, sent: int) -> None:
        """Log ``sent`` bytes of ``data`` going out (override to hide private bytes)."""
        self.log_transfer(Kind.WROTE, conn, data, sent)

    def log_transfer(self, kind: Kind, conn: Connection, data, size: Optional[int] = None,
                     shown: Optional[bytes] = None) -> None:
        """"Read 16 bytes from 127.0.0.1:50252: Hello" (text built only when shown).

        ``shown``: what to preview instead of ``data`` (b"" hides the bytes).
        """
        if size is None:
            size = len(data)
        head = bytes(data[:min(size, PREVIEW_BYTES)]) if shown is None else shown
        self._on_event(Event(kind, self.source, None, conn.peer, None, conn.id, size, head,
                             hidden=shown == b""))
