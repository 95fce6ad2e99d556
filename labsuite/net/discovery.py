"""Find each other on the lab network: announce what this computer hosts, list what others do.

Multicast DNS service discovery (DNS-SD over mDNS, what printers, Apple devices and Linux
desktops use; Bonjour and Avahi compatible), through the ``zeroconf`` package. A server
started for other computers announces itself as ``_labsuite-<kind>._tcp.local.`` with a
readable name ("cool cat's room on lab-pc-12"), its real port and addresses, and TXT
records a client needs; it withdraws the announcement when it stops. A server for this
computer only is never announced. A :class:`Browser` lists what is announced, live.

Three rules shape the code. Nothing here may delay a server's start or the program's:
``zeroconf`` is imported, and its sockets opened, on a worker thread, never on the
caller's. Network trouble never raises out of :func:`announce_server`: it becomes a plain
INFO line, and the server serves on. And one process shares one ``zeroconf`` instance
(:class:`Discovery`), however many servers and browsers it runs; it is opened on first
use and closed once nothing uses it, and at exit the goodbyes still go out.

Set ``LABSUITE_NO_ANNOUNCE=1`` in the environment (tests do) or call
``default_discovery().set_announcing(False)`` (``serve --no-announce``, the window's
setting) and nothing is announced.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import socket
import sys
import threading
import time
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from labsuite.protocols.discovery import (  # noqa: F401 (re-exported: one place to import)
    _ALSO_AS, _KIND_OF_TYPE, _MAX_RENAMES, _RENAME_ROOM, DEFAULT_LABELS, HTTP_TYPE, NOUNS,
    KINDS, MAX_NAME_BYTES, MAX_PROPERTIES, MAX_SERVICES, MAX_TXT_BYTES, SERVICE_TYPES,
    WILDCARD_HOSTS, Announcement, Found, Gone, check_kind, dns_label, fit_bytes,
    instance_name, is_local_only, label_for, printable_text, renamed, sighting_from, txt_key,
    usable_addresses)

from .errors import NetError
from .events import Event, EventCallback, Kind
from .service import Service

__all__ = [
    "KINDS", "SERVICE_TYPES", "HTTP_TYPE", "Announcement", "Announcer", "announce_server",
    "Browser", "Found", "Gone", "Discovery", "default_discovery", "is_local_only",
    "NO_NETWORK",
]

#: Time to live of the address and SRV records, seconds (RFC 6762's two minutes): a
#: server that died without saying goodbye drops out of every list within about this.
HOST_TTL = 120
#: How long to wait for zeroconf's own work (probing takes about 1.7 s) before giving up.
_ZEROCONF_WAIT = 15.0
#: How long the program waits at exit for goodbyes still going out.
EXIT_FLUSH_SECONDS = 2.0

NO_NETWORK = ("This computer is not on a network (it has only its loopback address), "
              "so there is no one to announce to or find: type the address instead.")
NO_ANNOUNCE_VARIABLE = "LABSUITE_NO_ANNOUNCE"


def addresses_for(host: str, machine: Iterable) -> List[str]:
    """The addresses to announce for a server bound to ``host``, best first.

    ``machine`` is this computer's :class:`~labsuite.net.addresses.InterfaceAddress` list.
    A wildcard host gets every address other computers can use (IPv4 first; on a
    virtual network only when there is no real one); a loopback host none; any other
    address itself. A host name is resolved by the caller first.
    """
    from .addresses import is_virtual

    bare = host.strip().strip("[]")
    if is_local_only(bare):
        return []
    if bare not in WILDCARD_HOSTS:
        return [bare]
    wanted = {4} if bare != "::" else ({6} if sys.platform == "win32" else {4, 6})
    usable = [a for a in machine if a.shareable and a.version in wanted]
    real = [a for a in usable if not is_virtual(a.interface)]
    chosen = real or usable
    chosen.sort(key=lambda a: a.version)  # stable: the interfaces' own order within one
    return list(dict.fromkeys(a.address for a in chosen))


def computer_name(hostname: Optional[str] = None) -> str:
    """This computer's name as people say it: "lab-pc-12" of "lab-pc-12.cs.example.edu"."""
    name = (hostname if hostname is not None else socket.gethostname()).strip()
    name = printable_text(name.split(".", 1)[0])
    return name or "this computer"


# -- the shared zeroconf -----------------------------------------------------------------
def _machine_interfaces() -> List[str]:
    """The IPv4 addresses to speak mDNS on: every interface but loopback."""
    from .addresses import interface_addresses

    found = []
    for address in interface_addresses():
        if address.version != 4:
            continue
        try:
            ip = ipaddress.ip_address(address.address)
        except ValueError:
            continue
        if not (ip.is_loopback or ip.is_unspecified):
            found.append(str(ip))
    return list(dict.fromkeys(found))


def _quiet_zeroconf_logging() -> None:
    """zeroconf logs to the root logger's last-resort handler (stderr) by default: a
    student's terminal would fill with warnings about interfaces it skipped."""
    import logging

    logger = logging.getLogger("zeroconf")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


class Discovery:
    """The one zeroconf instance of a process, shared by every announcement and browser.

    :meth:`acquire` opens it on first use (blocking: call it on a worker thread) and
    :meth:`release` closes it, in the background, once nothing uses it. ``interfaces``
    (IPv4 addresses) chooses where to speak; by default every one but loopback, found
    when it opens. ``announcing`` False: servers are not announced (browsing works).
    """

    def __init__(self, interfaces: Optional[Sequence[str]] = None,
                 announcing: Optional[bool] = None, host_ttl: int = HOST_TTL):
        if announcing is None:
            announcing = os.environ.get(NO_ANNOUNCE_VARIABLE, "") in ("", "0")
        self.interfaces = list(interfaces) if interfaces is not None else None
        self.host_ttl = host_ttl
        self._announcing = announcing
        self._lock = threading.RLock()  # the bookkeeping: quick, never held while opening
        self._instance_lock = threading.Lock()  # opening and closing zeroconf
        self._zc = None
        self._users = 0
        self._closing: Optional[threading.Thread] = None
        self._announcers: List["Announcer"] = []
        self._claimed: set = set()  # instance names this process is announcing
        #: The SRV target of this process's services: its own name, so two lab machines
        #: cloned from one image (same host name) never mix up each other's addresses.
        self.server_name = f"{dns_label(computer_name())}-{os.urandom(2).hex()}.local."
        self._exit_hook = False

    # -- the switch ---------------------------------------------------------------------
    @property
    def announcing(self) -> bool:
        return self._announcing

    def set_announcing(self, on: bool) -> None:
        """Turn announcing on or off for every server, running ones included (off
        withdraws their announcements; on announces them again). Returns at once."""
        with self._lock:
            self._announcing = bool(on)
            announcers = list(self._announcers)
        for announcer in announcers:
            announcer._reconsider(retry=True)

    # -- the instance -------------------------------------------------------------------
    def acquire(self):
        """The shared zeroconf instance, opened if need be; raises NetError with a plain
        sentence when there is no network to speak on. Blocking: not on a UI thread."""
        while True:
            with self._instance_lock:
                closing = self._closing
                if closing is None:
                    if self._zc is None:
                        self._zc = self._open()
                    self._users += 1
                    return self._zc
            closing.join(_ZEROCONF_WAIT)  # an idle instance is closing: wait, then reopen
            with self._instance_lock:
                if self._closing is closing:
                    self._closing = None

    def release(self) -> None:
        """One user fewer; the last one's release closes the instance (in the background)."""
        with self._instance_lock:
            self._users = max(0, self._users - 1)
            if self._users or self._zc is None:
                return
            zc, self._zc = self._zc, None
            self._closing = threading.Thread(target=self._close_instance, args=(zc,),
                                             name="labsuite discovery close", daemon=True)
            self._closing.start()

    def _close_instance(self, zc) -> None:
        try:
            zc.close()
        except Exception as exc:  # closing must never take anything down
            print(f"labsuite: closing the network discovery failed: {exc!r}", file=sys.stderr)
        with self._instance_lock:
            if self._closing is threading.current_thread():
                self._closing = None

    def _open(self):
        try:
            import zeroconf
        except ImportError:
            raise NetError("Finding other computers needs the zeroconf package, which is "
                           "not installed here (pip install zeroconf).") from None
        _quiet_zeroconf_logging()
        interfaces = self.interfaces if self.interfaces is not None else _machine_interfaces()
        if not interfaces:
            raise NetError(NO_NETWORK)
        try:
            zc = zeroconf.Zeroconf(interfaces=interfaces, ip_version=zeroconf.IPVersion.V4Only)
        except (OSError, RuntimeError, zeroconf.Error) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise NetError(f"Cannot use multicast on this network ({reason.rstrip('.')}), "
                           "so computers cannot find each other: type the address "
                           "instead.") from None
        if not self._exit_hook:
            self._exit_hook = True
            atexit.register(self.close, EXIT_FLUSH_SECONDS)
        return zc

    @property
    def is_open(self) -> bool:
        return self._zc is not None

    # -- announcers ---------------------------------------------------------------------
    def _add(self, announcer: "Announcer") -> None:
        with self._lock:
            self._announcers.append(announcer)

    def _remove(self, announcer: "Announcer") -> None:
        with self._lock:
            if announcer in self._announcers:
                self._announcers.remove(announcer)

    def _claim(self, name: str, first: int = 1) -> Tuple[int, str]:
        """Reserve the first free name within this process from ``renamed(name, first)``
        on, so two servers here never race for one name; returns its number and it."""
        with self._lock:
            for number in range(first, _MAX_RENAMES + 1):
                candidate = renamed(name, number)
                if candidate.casefold() not in self._claimed:
                    self._claimed.add(candidate.casefold())
                    return number, candidate
        raise NetError(f'every name from "{name}" to "... ({_MAX_RENAMES})" is taken')

    def _unclaim(self, name: str) -> None:
        with self._lock:
            self._claimed.discard(name.casefold())

    def close(self, timeout: float = EXIT_FLUSH_SECONDS) -> bool:
        """Withdraw every announcement and wait (``timeout`` at most) for the goodbyes:
        the program is ending (this runs at exit) or the window is closing."""
        with self._lock:
            announcers = list(self._announcers)
        for announcer in announcers:
            announcer.stop()
        return self.flush(timeout)

    def flush(self, timeout: float = EXIT_FLUSH_SECONDS) -> bool:
        """Wait (``timeout`` at most) until every announcement and withdrawal has gone out
        and an idle instance has closed; True if all did. Runs at exit too."""
        deadline = time.monotonic() + timeout
        with self._lock:
            announcers = list(self._announcers)
        done = all(a.wait(max(0.0, deadline - time.monotonic())) for a in announcers)
        closing = self._closing
        if closing is not None:
            closing.join(max(0.0, deadline - time.monotonic()))
            done = done and not closing.is_alive()
        return done


_default: Optional[Discovery] = None
_default_lock = threading.Lock()


def default_discovery() -> Discovery:
    """This process's :class:`Discovery` (made on first use; nothing opens until needed)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Discovery()
        return _default


def _run_on_loop(zc, coroutine, timeout: float = _ZEROCONF_WAIT):
    """Run ``coroutine`` on zeroconf's own event loop thread and wait for its result."""
    import asyncio  # here, not at the top: it costs start-up time the CLI does not need

    return asyncio.run_coroutine_threadsafe(coroutine, zc.loop).result(timeout)


# -- announcing --------------------------------------------------------------------------
class Announcer:
    """One server's announcement: :meth:`start` announces it, :meth:`stop` (or
    :meth:`withdraw`) takes it back. Both are idempotent, safe from any thread, and
    return at once: the work runs on a thread of its own.

    Not a :class:`~labsuite.net.service.Service`: it reports INFO lines into its server's
    log, and a STOPPED of its own would end the server's subscription in the window.
    ``host`` is what the server is bound to; a name is resolved on the worker thread.
    """

    def __init__(self, kind: str, name: Optional[str], host: str, port: int, *,
                 on_event: Optional[EventCallback] = None, source: str = "discovery",
                 properties: Optional[Mapping[str, str]] = None,
                 discovery: Optional[Discovery] = None):
        check_kind(kind)
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError(f"{port!r} is not the port of a running server")
        self.kind, self.host, self.port = kind, host, port
        self.label = label_for(kind, name)
        self.properties = dict(properties or {})
        self.source = source
        self._on_event = on_event or (lambda event: None)
        self.discovery = discovery or default_discovery()
        self.announcement: Optional[Announcement] = None
        #: The name as announced (after a rename, if the network had it already).
        self.name: Optional[str] = None
        self._lock = threading.Lock()
        self._wanted = False  # started and not withdrawn
        self._infos: list = []  # registered zeroconf ServiceInfos
        self._zc = None
        self._gave_up = False  # announcing failed: not retried until asked again
        self._reserved: Optional[Tuple[int, str]] = None  # the name claimed at start
        self._worker: Optional[threading.Thread] = None
        self._idle = threading.Event()
        self._idle.set()

    @property
    def announced(self) -> bool:
        return bool(self._infos)

    def start(self) -> "Announcer":
        with self._lock:
            if self._wanted:
                return self
            self._wanted, self._gave_up = True, False
        self.discovery._add(self)
        if self._reserved is None and not is_local_only(self.host):
            # the name is chosen now, so the server started first here gets it
            try:
                self._reserved = self.discovery._claim(instance_name(self.label,
                                                                     computer_name()))
            except NetError:
                pass
        self._reconsider()
        return self

    def stop(self) -> None:
        """Withdraw the announcement; the goodbye goes out in the background (and at
        exit the program waits for it, a moment at most)."""
        with self._lock:
            if not self._wanted:
                return
            self._wanted = False
        if self.announced:
            self._report(f"No longer announced on this network as \"{self.name}\"")
        self._reconsider()

    withdraw = stop

    def wait(self, timeout: float = 5.0) -> bool:
        """Until the announcement (or the withdrawal) has been made, or given up."""
        return self._idle.wait(timeout)

    # -- the worker ---------------------------------------------------------------------
    def _reconsider(self, retry: bool = False) -> None:
        """Make the network match what is wanted, on the worker thread (started if idle)."""
        with self._lock:
            if retry:
                self._gave_up = False
            if self._worker is not None:
                return  # it looks again before it ends
            if self._settled():
                return
            self._idle.clear()
            self._worker = threading.Thread(target=self._work, daemon=True,
                                            name=f"labsuite announce {self.kind}")
            self._worker.start()

    def _settled(self) -> bool:
        want = self._wanted and self.discovery.announcing and not self._gave_up
        return want == bool(self._infos)

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._settled():
                        if self._reserved is not None and not self._infos:
                            self.discovery._unclaim(self._reserved[1])
                            self._reserved = None
                        self._worker = None
                        self._idle.set()
                        if not self._wanted:
                            self.discovery._remove(self)
                        return
                    bring_up = not self._infos
                if bring_up:
                    self._bring_up()
                else:
                    self._take_down()
        except BaseException as exc:  # never a silent dead thread
            with self._lock:
                self._worker, self._gave_up = None, True
                self._idle.set()
            self._report(f"Announcing failed inside labsuite: {exc!r}")

    def _bring_up(self) -> None:
        try:
            announcement = self._plan()
            if announcement is None:  # turned out to be this computer only
                self._give_up()
                return
            self.announcement = announcement
            zc = self.discovery.acquire()
        except NetError as exc:
            self._give_up(f"Not announced on this network: {exc.explanation}")
            return
        try:
            infos, name = self._register(zc, announcement)
        except Exception as exc:  # zeroconf errors of every kind
            self.discovery.release()
            reason = str(exc) or type(exc).__name__
            self._give_up(f"Not announced on this network ({reason}); partners can still "
                          "connect by typing the address.")
            return
        with self._lock:
            self._zc, self._infos, self.name = zc, infos, name
            wanted = self._wanted
        if not wanted:  # withdrawn meanwhile: the worker takes it down next, quietly
            return
        taken = "" if name == announcement.name else \
            f' ("{announcement.name}" was taken by another server)'
        types = " and ".join(info.type.removesuffix(".local.") for info in infos)
        self._report(f'Announced on this network as "{name}"{taken} at '
                     f"{', '.join(announcement.addresses)} port {announcement.port} "
                     f"({types}): other computers see it in labsuite discover")

    def _plan(self) -> Optional[Announcement]:
        """What to announce: the addresses are looked up here, off the caller's thread."""
        from .addresses import interface_addresses

        host = self.host.strip().strip("[]")
        if host not in WILDCARD_HOSTS:
            try:
                ipaddress.ip_address(host.split("%", 1)[0])
            except ValueError:  # a host name: the addresses it stands for
                try:
                    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
                except (OSError, UnicodeError):
                    raise NetError(f"the server's host {host!r} could not be looked up") \
                        from None
                found = [info[4][0] for info in infos if not is_local_only(info[4][0])]
                return Announcement(self.kind, self.label, self.port, tuple(found),
                                    computer_name(), self.properties) if found else None
        addresses = addresses_for(host, interface_addresses())
        if not addresses:
            if is_local_only(host):
                return None
            raise NetError("this computer has no address other computers can use")
        return Announcement(self.kind, self.label, self.port, tuple(addresses),
                            computer_name(), self.properties)

    def _register(self, zc, announcement: Announcement):
        """Register under the first free name: "x", then "x (2)", "x (3)"..."""
        from zeroconf import NonUniqueNameException, ServiceNameAlreadyRegistered

        reserved, self._reserved = self._reserved, None
        if reserved is not None and reserved[1] != renamed(announcement.name, reserved[0]):
            self.discovery._unclaim(reserved[1])  # the computer's name changed meanwhile
            reserved = None
        number, name = reserved or self.discovery._claim(announcement.name)
        while True:
            infos = [self._service_info(service_type, name, announcement)
                     for service_type in announcement.service_types]
            try:
                _run_on_loop(zc, _register_all(zc, infos))
                return infos, name
            except (NonUniqueNameException, ServiceNameAlreadyRegistered):
                self.discovery._unclaim(name)
                number, name = self.discovery._claim(announcement.name, number + 1)
            except BaseException:
                self.discovery._unclaim(name)
                raise

    def _service_info(self, service_type: str, name: str, announcement: Announcement):
        from zeroconf import ServiceInfo

        return ServiceInfo(service_type, f"{name}.{service_type}", port=announcement.port,
                           properties=announcement.txt, server=self.discovery.server_name,
                           parsed_addresses=list(announcement.addresses),
                           host_ttl=self.discovery.host_ttl)

    def _take_down(self) -> None:
        with self._lock:
            zc, infos, self._zc, self._infos = self._zc, self._infos, None, []
        try:
            _run_on_loop(zc, _unregister_all(zc, infos))
        except Exception:  # closing the instance says goodbye for it too
            pass
        finally:
            if self.name:
                self.discovery._unclaim(self.name)
            self.discovery.release()
        if self._wanted and not self.discovery.announcing:
            self._report(f'No longer announced on this network as "{self.name}" '
                         "(announcing is turned off)")

    def _give_up(self, why: str = "") -> None:
        with self._lock:
            self._gave_up = True
        if why:
            self._report(why)

    def _report(self, text: str) -> None:
        try:
            self._on_event(Event(Kind.INFO, self.source, text))
        except Exception as exc:  # a broken display must not stop this
            print(f"labsuite: event display failed: {exc!r}", file=sys.stderr)


async def _register_all(zc, infos) -> None:
    """Probe and register every type of one server at once (a conflict in one names
    them all anew), then let the announcements go out in the background."""
    import asyncio

    results = await asyncio.gather(
        *(zc.async_register_service(info, allow_name_change=False) for info in infos),
        return_exceptions=True)
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure is not None:
        registered = [info for info, r in zip(infos, results) if not isinstance(r, BaseException)]
        await _unregister_all(zc, registered)
        raise failure


async def _unregister_all(zc, infos) -> None:
    """Withdraw and wait for the goodbyes (three, 125 ms apart) to have gone out."""
    import asyncio

    goodbyes = [await zc.async_unregister_service(info) for info in infos
                if zc.registry.async_get_info_name(info.key) is not None]
    if goodbyes:
        await asyncio.gather(*goodbyes, return_exceptions=True)


class _Inert:
    """The handle of a server that is not announced (this computer only, or no kind)."""

    announced = False
    name = None
    announcement = None

    def start(self) -> "_Inert":
        return self

    def stop(self) -> None:
        pass

    withdraw = stop

    def wait(self, timeout: float = 0.0) -> bool:
        return True


def announce_server(kind: Optional[str], name: Optional[str], host: str, port: int, *,
                    on_event: Optional[EventCallback] = None, source: str = "discovery",
                    properties: Optional[Mapping[str, str]] = None,
                    discovery: Optional[Discovery] = None):
    """The servers' hook: announce a server that just started; ``handle.withdraw()``
    when it stops. Returns at once and never raises for network trouble (an INFO line
    goes to ``on_event`` instead).

    ``kind`` one of :data:`KINDS` (None: nothing to announce); ``name`` what its owner
    calls it ("cool cat's room"; None: "labsuite chat room"); ``host`` and ``port``
    what it is bound to (the real port, after binding port 0). A server for this
    computer only is never announced; with announcing off (``LABSUITE_NO_ANNOUNCE``,
    :meth:`Discovery.set_announcing`) it is announced once announcing is turned on.
    """
    if kind is None or is_local_only(host):
        return _Inert()
    return Announcer(kind, name, host, port, on_event=on_event, source=source,
                     properties=properties, discovery=discovery).start()


# -- browsing ----------------------------------------------------------------------------
class Browser(Service):
    """Lists the labsuite servers announced on this network, live.

    Each appearance is a RESULT event whose ``result`` is a :class:`Found` (again for
    the same ``key`` when it changes), each departure one with a :class:`Gone`.
    ``kind`` limits it to one kind of server. :meth:`services` is what is there now.
    ``start()`` returns at once; when there is no network to look on, an ERROR event
    says so in a plain sentence.
    """

    source = "discovery"

    def __init__(self, kind: Optional[str] = None, on_event: Optional[EventCallback] = None,
                 discovery: Optional[Discovery] = None, resolve_seconds: float = 3.0,
                 check_seconds: float = 30.0):
        super().__init__(on_event)
        if kind is not None:
            check_kind(kind)
        self.kind = kind
        self.discovery = discovery or default_discovery()
        self.resolve_seconds = resolve_seconds
        #: How often the services found are checked for having vanished without a goodbye.
        self.check_seconds = check_seconds
        self._state_lock = threading.Lock()
        self._found: Dict[str, Found] = {}
        self._zc = None
        self._browser = None
        self._tasks: dict = {}  # service name -> its resolving task (zeroconf's loop only)
        self._checker = None  # the task of _check_regularly
        self._networks: list = []
        self._overflowed = False

    @property
    def service_types(self) -> List[str]:
        return [SERVICE_TYPES[self.kind]] if self.kind else list(SERVICE_TYPES.values())

    def services(self) -> List[Found]:
        """What is announced now, sorted by kind and name."""
        with self._state_lock:
            found = list(self._found.values())
        return sorted(found, key=lambda f: (KINDS.index(f.kind), f.name.casefold(), f.key))

    # -- lifecycle ------------------------------------------------------------------------
    def _setup(self) -> None:
        with self._state_lock:
            self._found.clear()
        self._overflowed = False
        self.spawn(self._open, name="discovery browser")

    def _open(self) -> None:
        try:
            # this computer's IPv4 networks (the echo server's list of them)
            from .addresses import local_networks

            self._networks = local_networks()
            zc = self.discovery.acquire()
        except NetError as exc:
            if not self.stopping:
                self.emit(Kind.ERROR, exc.explanation)
            return
        with self._state_lock:
            if self.stopping:
                self.discovery.release()
                return
            self._zc = zc
        try:
            _run_on_loop(zc, self._async_open(zc))
        except Exception as exc:
            if not self.stopping:
                self.emit(Kind.ERROR, f"Cannot look for servers on this network: {exc!r}")
            return
        what = f"{NOUNS[self.kind]}s" if self.kind else "labsuite servers"
        self.emit(Kind.INFO, f"Looking for {what} on this network")

    async def _async_open(self, zc) -> None:
        import asyncio

        from zeroconf.asyncio import AsyncServiceBrowser

        if self.stopping:  # stop() came first: it found nothing to cancel
            return
        self._browser = AsyncServiceBrowser(zc, self.service_types, handlers=[self._changed])
        self._checker = asyncio.ensure_future(self._check_regularly(zc))

    def _teardown(self) -> None:
        with self._state_lock:
            zc, self._zc = self._zc, None
        if zc is None:
            return
        try:
            _run_on_loop(zc, self._async_close(), timeout=2.0)
        except Exception:  # the instance may be closing already
            pass
        self.discovery.release()

    async def _async_close(self) -> None:
        for task in [*self._tasks.values(), self._checker]:
            if task is not None:
                task.cancel()
        self._tasks.clear()
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None

    # -- on zeroconf's loop ---------------------------------------------------------------
    def _changed(self, zeroconf, service_type: str, name: str, state_change) -> None:
        import asyncio

        if self.stopping:
            return
        if (name not in self._found and name not in self._tasks
                and len(self._found) + len(self._tasks) >= MAX_SERVICES):
            if not self._overflowed:  # a flood of announcements: the list stays bounded
                self._overflowed = True
                self.emit(Kind.INFO, f"More than {MAX_SERVICES} servers announced: "
                                     "the others are not listed")
            return
        running = self._tasks.pop(name, None)
        if running is not None:
            running.cancel()
        if state_change.name == "Removed":
            self._forget(name)
        else:
            self._tasks[name] = asyncio.ensure_future(self._resolve(zeroconf, service_type, name))

    async def _resolve(self, zc, service_type: str, name: str) -> None:
        import asyncio

        from zeroconf.asyncio import AsyncServiceInfo

        info = AsyncServiceInfo(service_type, name)
        try:
            complete = await info.async_request(zc, self.resolve_seconds * 1000)
        except Exception:  # a broken announcement: as if never seen
            complete = False
        finally:
            if self._tasks.get(name) is asyncio.current_task():
                del self._tasks[name]
        found = sighting_from(info, self._networks) if complete else None
        if found is None or self.stopping:
            return
        with self._state_lock:
            if self._found.get(name) == found:
                return
            self._found[name] = found
        self.emit(Kind.RESULT, found.headline(), result=found)

    def _forget(self, name: str) -> None:
        with self._state_lock:
            found = self._found.pop(name, None)
        if found is not None and not self.stopping:
            gone = Gone(found.kind, found.name, found.host, found.addresses, found.port,
                        found.properties, found.key)
            self.emit(Kind.RESULT, gone.headline(), result=gone)

    async def _check_regularly(self, zc) -> None:
        """A server that died without a goodbye stays in zeroconf's list of names for
        20 minutes or more; once its address records expire (two minutes) and it does
        not answer when asked again, it is gone."""
        import asyncio

        from zeroconf.asyncio import AsyncServiceInfo

        while not self.stopping:
            await asyncio.sleep(self.check_seconds)
            with self._state_lock:
                listed = list(self._found.values())
            for found in listed:
                service_type = next((t for t in self.service_types
                                     if found.key.endswith("." + t)), None)
                if service_type is None or found.key in self._tasks:
                    continue
                info = AsyncServiceInfo(service_type, found.key)
                if info.load_from_cache(zc):
                    continue
                if not await info.async_request(zc, self.resolve_seconds * 1000):
                    self._forget(found.key)
