"""Echo (RFC 862): a server in three teaching modes, an optional guarded UDP echo, a client.

The server's modes are the three designs from class, side by side:

* ``sequential``: one client at a time, with blocking calls. A second client waits in the
  listen backlog, and the log says so.
* ``threaded``: one thread per client, still with blocking calls.
* ``selector`` (default): one thread and non-blocking sockets watched by a selector. Each
  connection has an output buffer; when a client does not read its echoes, the server
  stops reading from it (back-pressure), so a slow reader never grows memory or stalls
  the others.
"""

from __future__ import annotations

import errno
import ipaddress
import selectors
import socket
import threading
import time
from typing import Dict, List, Optional, Union

from ..protocols.echo import DropLog, EchoReply, ReplyMatcher, UdpEchoPolicy
from . import ports
from .errors import CONNECT_ERRORS, NetError, explain, net_error
from .events import PREVIEW_BYTES, Address, EventCallback, Kind, format_address, preview
from .service import Service, TcpServer, open_listener, shutdown_quietly

__all__ = ["EchoServer", "EchoClient", "EchoReply"]

#: The most one recv() asks for.
CHUNK = 65536
#: Selector mode stops reading from a client whose unsent echo reaches this many bytes.
MAX_PENDING_OUTPUT = 256 * 1024
#: Connections accepted per wake-up, so a connection storm cannot starve the clients.
ACCEPT_BATCH = 64

WAITING_NOTE = "Another client is waiting: this mode serves one client at a time"

_LISTENER, _WAKER = object(), object()  # selector keys that are not client connections


def transfer_text(kind: Kind, size: int, where: str, shown: str) -> str:
    """"Read 16 bytes from 127.0.0.1:50252: Hello, COS 333." and its "Wrote" twin;
    ``shown`` is the :func:`preview` of the data."""
    if kind is Kind.READ:
        return f"Read {count_bytes(size)} from {where}: {shown}"
    return f"Wrote {count_bytes(size)} to {where}: {shown}"


def count_bytes(size: int) -> str:
    return "1 byte" if size == 1 else f"{size} bytes"


def close_reason(exc: OSError) -> str:
    """Why a client connection ended, in the words the log uses."""
    if exc.errno in (errno.ECONNRESET, errno.ECONNABORTED):
        return "the client reset the connection"
    if exc.errno == errno.EPIPE:
        return "the client went away"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "the client stopped answering"
    return f"network error: {exc.strerror or exc}"


class _Connection:
    """Selector-mode state of one client."""

    __slots__ = ("conn_id", "sock", "peer", "label", "output", "events", "eof")

    def __init__(self, conn_id: int, sock: socket.socket, peer: Address):
        self.conn_id = conn_id
        self.sock = sock
        self.peer = peer
        self.label = format_address(peer)
        self.output = bytearray()  # echo not yet accepted by the kernel
        self.events = selectors.EVENT_READ
        self.eof = False  # the client shut down its side: finish echoing, then close


class EchoServer(TcpServer):
    """An echo server; see the module docstring for the three modes."""

    source = "echo server"
    MODES = ("selector", "threaded", "sequential")

    def __init__(self, host: str = ports.LOCAL_ONLY, port: int = ports.ECHO,
                 mode: str = "selector", udp: bool = False,
                 on_event: Optional[EventCallback] = None):
        if mode not in self.MODES:
            raise ValueError(f"Unknown echo server mode {mode!r}; choose one of "
                             + ", ".join(self.MODES))
        super().__init__(host, port, on_event)
        self.mode = mode
        self.udp = udp
        #: Decides which UDP datagrams are answered; replace it before start() to tune.
        self.udp_policy: Optional[UdpEchoPolicy] = None
        self._udp_sock: Optional[socket.socket] = None
        self._pending_output = 0
        self._peak_output = 0

    # -- lifecycle --------------------------------------------------------------------
    @property
    def udp_address(self) -> Optional[Address]:
        sock = self._udp_sock
        return sock.getsockname()[:2] if sock is not None else None

    @property
    def pending_output(self) -> int:
        """Echo bytes buffered in selector mode, waiting for slow clients to read."""
        return self._pending_output

    @property
    def peak_pending_output(self) -> int:
        """The most echo bytes selector mode ever buffered at once since start()."""
        return self._peak_output

    def _setup(self) -> None:
        self._pending_output = self._peak_output = 0
        super()._setup()
        if not self.udp:
            return
        try:
            self._udp_sock = open_listener(self, self.host, self.address[1], socket.SOCK_DGRAM)
        except NetError:
            self._abort_start()
            raise
        self._udp_sock.setblocking(False)
        if self.udp_policy is None:
            self.udp_policy = UdpEchoPolicy(local_networks=_local_networks())
        self.spawn(self._serve_udp, name=f"{self.source} UDP on {self.address[1]}")

    def _abort_start(self) -> None:
        """Undo a half-done start (TCP listening, UDP port taken)."""
        self._stopping.set()
        self._teardown()
        self._join_threads()
        self._cleanup()

    def _cleanup(self) -> None:
        super()._cleanup()
        if self._udp_sock is not None:
            self._udp_sock.close()
            self._udp_sock = None
            self.emit(Kind.CLOSED, "Closed UDP socket")

    def serve(self) -> None:
        if self.mode == "selector":
            self._serve_selector()
        elif self.mode == "threaded":
            self._serve_threaded()
        else:
            self._serve_sequential()

    # -- logging ----------------------------------------------------------------------
    def _report(self, kind: Kind, conn_id: Optional[int], peer: Address, where: str,
                data: bytes, size: int, shown: Optional[str] = None) -> str:
        """Log a read or a write of ``data[:size]``; returns the preview to reuse it."""
        head = data[:size] if size < PREVIEW_BYTES else data[:PREVIEW_BYTES]
        if shown is None:
            shown = preview(head)
        self.emit(kind, transfer_text(kind, size, where, shown), peer=peer, conn=conn_id,
                  size=size, data=bytes(head))
        return shown

    # -- sequential and threaded: blocking calls --------------------------------------
    def _serve_sequential(self) -> None:
        while self.wait_readable():
            accepted = self.accept()
            if accepted:
                self._echo_blocking(*accepted, note_waiting=True)

    def _serve_threaded(self) -> None:
        while self.wait_readable():
            for _ in range(ACCEPT_BATCH):
                accepted = self.accept()
                if not accepted:
                    break
                self._spawn_echo(*accepted)

    def _spawn_echo(self, conn_id: int, sock: socket.socket, peer: Address) -> None:
        """Serve one client on its own thread; if none can be had, drop that client only."""
        try:
            self.spawn(self._echo_blocking, conn_id, sock, peer,
                       name=f"{self.source} connection #{conn_id}")
        except RuntimeError:  # "can't start new thread": keep accepting the others
            self.emit(Kind.ERROR, f"Could not start a thread for client #{conn_id} (this "
                                  "computer is out of threads or memory); it was disconnected.",
                      peer=peer, conn=conn_id)
            self.release(conn_id, "no thread to serve it")

    def _echo_blocking(self, conn_id: int, sock: socket.socket, peer: Address,
                       note_waiting: bool = False) -> None:
        """Echo one client with blocking recv/sendall until it leaves or stop() shuts it."""
        label = format_address(peer)
        watch = self._watch_listener(sock) if note_waiting else None
        reason = "the client closed the connection"
        try:
            sock.setblocking(True)
            while True:
                if watch is not None and self._someone_waiting(watch):
                    watch.close()
                    watch = None
                    self.emit(Kind.INFO, WAITING_NOTE)
                data = sock.recv(CHUNK)
                if not data:
                    break
                shown = self._report(Kind.READ, conn_id, peer, label, data, len(data))
                sock.sendall(data)
                self._report(Kind.WROTE, conn_id, peer, label, data, len(data), shown)
        except OSError as exc:
            reason = close_reason(exc)
        finally:
            if watch is not None:
                watch.close()
            self.release(conn_id, "server stopped" if self.stopping else reason)

    def _watch_listener(self, sock: socket.socket) -> Optional[selectors.BaseSelector]:
        """A selector on the client and the listener; None (no note) if one cannot be had."""
        try:
            watch = selectors.DefaultSelector()
        except OSError:  # out of file handles: serve the client without the note
            return None
        watch.register(sock, selectors.EVENT_READ)
        watch.register(self.listener, selectors.EVENT_READ)
        return watch

    def _someone_waiting(self, watch: selectors.BaseSelector) -> bool:
        """Block until the client sends (False) or another client knocks (True)."""
        return any(key.fileobj is self.listener for key, _ in watch.select())

    # -- selector: one thread, non-blocking sockets -----------------------------------
    def _serve_selector(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ, _LISTENER)
        selector.register(self.waker, selectors.EVENT_READ, _WAKER)
        stopping = self._stopping.is_set
        read, write = selectors.EVENT_READ, selectors.EVENT_WRITE
        accepting, timeout = True, None
        try:
            while not stopping():
                if not accepting:  # paused after running out of file handles
                    timeout = self.accept_paused_until - time.monotonic()
                    if timeout <= 0:
                        selector.register(self.listener, read, _LISTENER)
                        accepting, timeout = True, None
                for key, mask in selector.select(timeout):
                    conn = key.data
                    if conn is _LISTENER:
                        self._accept_batch(selector)
                        if self.accept_paused_until > time.monotonic():
                            selector.unregister(self.listener)
                            accepting = False
                    elif conn is _WAKER:
                        continue  # only stop() wakes us; the loop condition sees it
                    else:
                        if mask & read:
                            self._on_readable(selector, conn)
                        if mask & write and conn.sock.fileno() >= 0:
                            self._on_writable(selector, conn)
        finally:
            selector.close()

    def _accept_batch(self, selector: selectors.BaseSelector) -> None:
        for _ in range(ACCEPT_BATCH):
            accepted = self.accept()
            if not accepted:
                return
            conn_id, sock, peer = accepted
            try:
                sock.setblocking(False)
                selector.register(sock, selectors.EVENT_READ, _Connection(conn_id, sock, peer))
            except (OSError, ValueError):  # already shut down by a racing stop()
                self.release(conn_id, "server stopped")

    def _on_readable(self, selector: selectors.BaseSelector, conn: _Connection) -> None:
        sock = conn.sock
        try:
            data = sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            return self._drop(selector, conn, close_reason(exc))
        if not data:
            conn.eof = True
            if not conn.output:
                return self._drop(selector, conn, "the client closed the connection")
            return self._watch(selector, conn)
        size = len(data)
        shown = self._report(Kind.READ, conn.conn_id, conn.peer, conn.label, data, size)
        if conn.output:  # older echo still queued: keep the order
            sent = 0
        else:
            try:
                sent = sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                return self._drop(selector, conn, close_reason(exc))
            if sent == size:
                self._report(Kind.WROTE, conn.conn_id, conn.peer, conn.label, data, sent, shown)
                return
            if sent:
                self._report(Kind.WROTE, conn.conn_id, conn.peer, conn.label, data, sent)
        conn.output += data[sent:] if sent else data
        self._pending_output += size - sent
        if self._pending_output > self._peak_output:
            self._peak_output = self._pending_output
        self._watch(selector, conn)

    def _on_writable(self, selector: selectors.BaseSelector, conn: _Connection) -> None:
        try:
            sent = conn.sock.send(conn.output)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            return self._drop(selector, conn, close_reason(exc))
        self._report(Kind.WROTE, conn.conn_id, conn.peer, conn.label,
                     conn.output[:PREVIEW_BYTES], sent)
        del conn.output[:sent]
        self._pending_output -= sent
        if not conn.output and conn.eof:
            return self._drop(selector, conn, "the client closed the connection")
        self._watch(selector, conn)

    def _watch(self, selector: selectors.BaseSelector, conn: _Connection) -> None:
        """Read unless the client is done or behind on its echo; write while output waits."""
        wanted = 0
        if not conn.eof and len(conn.output) < MAX_PENDING_OUTPUT:
            wanted |= selectors.EVENT_READ
        if conn.output:
            wanted |= selectors.EVENT_WRITE
        if wanted != conn.events:
            selector.modify(conn.sock, wanted, conn)
            conn.events = wanted

    def _drop(self, selector: selectors.BaseSelector, conn: _Connection, reason: str) -> None:
        try:
            selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        self._pending_output -= len(conn.output)
        conn.output.clear()
        self.release(conn.conn_id, "server stopped" if self.stopping else reason)

    # -- UDP --------------------------------------------------------------------------
    def _serve_udp(self) -> None:
        sock, policy, drops = self._udp_sock, self.udp_policy, DropLog()
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            selector.register(self.waker, selectors.EVENT_READ)
            while not self.stopping:
                ready = selector.select(drops.due(time.monotonic()))
                if self.stopping:
                    return
                if ready:
                    self._answer_datagrams(sock, policy, drops)
                summary = drops.flush(time.monotonic())
                if summary:
                    self.emit(Kind.INFO, summary)

    def _answer_datagrams(self, sock: socket.socket, policy: UdpEchoPolicy,
                          drops: DropLog) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                data, peer = sock.recvfrom(CHUNK)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. an ICMP "port unreachable" for an earlier reply
                continue
            peer = peer[:2]
            where = f"{format_address(peer)} over UDP"
            now = time.monotonic()
            decision = policy.decide(peer[0], peer[1], len(data), now)
            if not decision.allow:
                self._note_drop(drops, where, decision.reason, now)
                continue
            shown = self._report(Kind.READ, None, peer, where, data, len(data))
            reply = data[:decision.size]
            try:
                sock.sendto(reply, peer)
            except OSError as exc:
                self._note_drop(drops, where, f"the reply could not be sent ({exc.strerror or exc})", now)
                continue
            self._report(Kind.WROTE, None, peer, where, reply, len(reply),
                         None if decision.reason else shown)
            if decision.reason:
                self.emit(Kind.INFO, f"Echoed a UDP datagram to {where} partly: {decision.reason}",
                          peer=peer)

    def _note_drop(self, drops: DropLog, where: str, reason: str, now: float) -> None:
        line = drops.dropped(where, reason, now)
        if line:
            self.emit(Kind.INFO, line)


def _local_networks() -> List[ipaddress.IPv4Network]:
    """This computer's IPv4 networks, so their broadcast addresses can be refused."""
    try:
        import ifaddr
        adapters = ifaddr.get_adapters()
    except Exception:  # optional knowledge: the fixed rules still apply without it
        return []
    networks = []
    for adapter in adapters:
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                try:
                    networks.append(ipaddress.ip_network(f"{ip.ip}/{ip.network_prefix}",
                                                         strict=False))
                except ValueError:
                    pass
    return networks


# -- client ---------------------------------------------------------------------------------
class EchoClient(Service):
    """Connects to an echo server, sends text and times each echo.

    A reader thread matches the echoed stream to the sends by byte offset, because TCP
    may split or merge them. Events from the reader that arrive while a send is still
    being written are held back, so the log always shows "Wrote" before its echo.
    ``on_event`` runs on the client's threads: it should return quickly.
    """

    source = "echo client"

    def __init__(self, host: str, port: int = ports.ECHO, timeout: float = 10.0,
                 on_event: Optional[EventCallback] = None):
        super().__init__(on_event)
        self.host = host
        self.port = port
        self.timeout = timeout
        self.peer: Optional[Address] = None
        self.local: Optional[Address] = None
        self._sock: Optional[socket.socket] = None
        self._send_lock = threading.Lock()
        self._state = threading.Condition(threading.RLock())
        self._reset()

    def _reset(self) -> None:
        self._matcher = ReplyMatcher()
        self._writing = False  # a send is between registration and its "Wrote" event
        self._held: List[tuple] = []
        self._wanted: Dict[int, Optional[EchoReply]] = {}  # seq -> reply, for request()
        self._ended: Optional[str] = None  # why the connection is over, once it is
        self._close_reported = False
        self._warned_unexpected = False

    # -- lifecycle --------------------------------------------------------------------
    def _setup(self) -> None:
        self._reset()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except CONNECT_ERRORS as exc:
            raise net_error(exc, host=self.host, port=self.port, action="connect",
                            timeout=self.timeout) from None
        sock.settimeout(None)  # an idle echo connection is fine; stop() unblocks reads
        self._sock = sock
        self.peer, self.local = sock.getpeername()[:2], sock.getsockname()[:2]
        self._peer_label = format_address(self.peer)
        self.emit(Kind.CONNECTED, f"Connected to {format_address(self.peer)} "
                                  f"from {format_address(self.local)}",
                  peer=self.peer, local=self.local)
        self.spawn(self._read_loop, name=f"{self.source} reader")

    def _teardown(self) -> None:
        self._end("The client was stopped", report=False)
        shutdown_quietly(self._sock)

    def _cleanup(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            if not self._close_reported:
                self.emit(Kind.CLOSED, f"Closed the connection to {format_address(self.peer)}",
                          peer=self.peer)

    def _end(self, why: str, report: bool) -> bool:
        """Mark the connection over (once) and wake every request() waiting on it."""
        with self._state:
            if self._ended is not None:
                return False
            self._ended = why
            self._close_reported = report
            self._state.notify_all()
        if report:
            self.emit(Kind.CLOSED, why, peer=self.peer)
        return True

    # -- sending ----------------------------------------------------------------------
    def send(self, data: Union[str, bytes]) -> None:
        """Send ``data``; a RESULT event with an :class:`EchoReply` follows its echo."""
        self._send(data, wanted=False)

    def request(self, data: Union[str, bytes], timeout: Optional[float] = None) -> EchoReply:
        """Send ``data`` and wait for all of it to come back; NetError if it does not."""
        limit = self.timeout if timeout is None else timeout
        seq = self._send(data, wanted=True)
        if seq is None:
            return EchoReply(b"", "", 0.0)
        with self._state:
            arrived = self._state.wait_for(
                lambda: self._wanted.get(seq) is not None or self._ended is not None, limit)
            reply = self._wanted.pop(seq, None)
            ended = self._ended
        if reply is not None:
            return reply
        problem = NetError(f"{ended} before the echo came back." if arrived and ended else
                           f"The echo did not come back within {limit:g} seconds.")
        raise problem

    def _send(self, data: Union[str, bytes], wanted: bool) -> Optional[int]:
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if not payload:
            return None
        with self._send_lock:
            with self._state:
                sock = self._sock
                if sock is None or self._ended is not None:
                    raise NetError(f"{self._ended}: start the echo client again to send."
                                   if self._ended else
                                   "The echo client is not connected: start it first.")
                seq = self._matcher.sent(len(payload), time.monotonic())
                if wanted:
                    self._wanted[seq] = None
                self._writing = True
            try:
                sock.sendall(payload)
            except OSError as exc:
                self._finish_write(None)
                if self.stopping:
                    raise NetError("The client was stopped while sending.") from None
                raise net_error(exc, host=self.host, port=self.port, action="send") from None
            self._finish_write(payload)
        return seq

    def _finish_write(self, payload: Optional[bytes]) -> None:
        """Log the write, then whatever the reader held back while it was going on."""
        with self._state:
            if payload is not None:
                self._emit_transfer(Kind.WROTE, payload)
            self._writing = False
            held, self._held = self._held, []
            for item in held:
                self._publish(*item)

    # -- receiving --------------------------------------------------------------------
    def _read_loop(self) -> None:
        sock = self._sock
        while True:
            try:
                data = sock.recv(CHUNK)
            except OSError as exc:
                if not self.stopping:
                    self._lost(explain(exc, self.host, self.port))
                return
            if not data:
                if not self.stopping:
                    self._lost("The server closed the connection")
                return
            now = time.monotonic()
            with self._state:
                self._deliver(Kind.READ, data, None)
                for seq, reply in self._matcher.received(data, now):
                    self._deliver(Kind.RESULT, reply, seq)
                if self._matcher.unexpected and not self._warned_unexpected:
                    self._warned_unexpected = True
                    self._deliver(Kind.INFO, "The server sent bytes that echo nothing this "
                                             "client sent: it may not be an echo server.", None)

    def _deliver(self, kind: Kind, payload, seq: Optional[int]) -> None:
        if self._writing:
            self._held.append((kind, payload, seq))
        else:
            self._publish(kind, payload, seq)

    def _publish(self, kind: Kind, payload, seq: Optional[int]) -> None:
        if kind is Kind.READ:
            self._emit_transfer(Kind.READ, payload)
        elif kind is Kind.RESULT:
            reply: EchoReply = payload
            self.emit(Kind.RESULT, f"Echo of {count_bytes(len(reply.data))} came back in "
                                   f"{reply.rtt * 1000:.2f} ms: {preview(reply.data)}",
                      peer=self.peer, size=len(reply.data), result=reply)
            if seq in self._wanted:
                self._wanted[seq] = reply
                self._state.notify_all()
        else:
            self.emit(kind, payload, peer=self.peer)

    def _emit_transfer(self, kind: Kind, data: bytes) -> None:
        head = data[:PREVIEW_BYTES]
        self.emit(kind, transfer_text(kind, len(data), self._peer_label, preview(head)),
                  peer=self.peer, size=len(data), data=head)

    def _lost(self, why: str) -> None:
        """The server ended the connection: say so, then stop this client cleanly."""
        if not self._end(why, report=True):
            return
        while not self.stopping:  # stop() may already be running on another thread
            if self._lifecycle.acquire(timeout=0.05):
                try:
                    self.stop()
                finally:
                    self._lifecycle.release()
                return
