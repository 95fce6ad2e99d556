"""What the window finds on the lab network, offered wherever a student types an address.

The window runs one :class:`~labsuite.net.discovery.Browser` (:class:`WindowBrowser`):
started off the Tk thread once the window is shown, so start-up never waits for the
network, its events through the pump, stopped when the window closes. What it finds is
kept in one :class:`FoundServers` on the Tk thread; fields listen to it, so a room that
opens on a lab partner's machine appears in the Chat tab's Join list while the list is
open, and one that closes goes away.

Every choice shows the address next to the name ("cool cat's room on lab-pc-12 —
10.0.0.5 port 9000"): anyone can announce any name, so a name alone could pass for
someone else's room. Choosing fills in the address, never the name.
"""

from __future__ import annotations

import os
import threading
import tkinter as tk
from tkinter import ttk
from typing import Callable, Dict, List, Optional, Sequence

# (two names discovery keeps to itself: the switch every process obeys, and the words
# for each kind of server, "chat room", that its Found.noun uses too)
from labsuite.net.discovery import NO_ANNOUNCE_VARIABLE as QUIET_VARIABLE
from labsuite.net.discovery import NOUNS
from labsuite.net.discovery import KINDS, Found, Gone
from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.service import Service

from .. import style
from ..look import follow_look, palette_of
from ..pump import EventPump, Subscription
from .fields import HostPortField
from .tooltip import tip, tip_of

LOOKING = "Looking for labsuite servers on this network…"
NOTHING_FOUND = ("Nothing found on this network. Many campus Wi-Fi networks block this kind "
                 "of search: type the address instead.")
QUIET = (f"Not looking for servers on the network: {QUIET_VARIABLE} is set, so this window "
         "sends nothing to the network. Type the address instead.")
#: How long a search finds nothing before the window says so.
NOTHING_AFTER_MS = 6000
#: Names longer than this are cut in lists (the address after them must stay in view).
NAME_CHARS = 40
#: The separator between a name and its address; dashes like it in a name become "-".
SEPARATOR = " — "
_DASHES = dict.fromkeys(map(ord, "\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")

WAITING, SEARCHING, FAILED, OFF = "waiting", "searching", "failed", "off"

BrowserFactory = Callable[[EventCallback], Service]


def network_quiet() -> bool:
    """Is this process to send nothing to the network's multicast group (the tests,
    or a student's choice)? Then the window neither announces nor looks."""
    return os.environ.get(QUIET_VARIABLE, "") not in ("", "0")


def shown_name(name: str) -> str:
    """A name from the network as a list shows it: cut to :data:`NAME_CHARS`, with no
    dash that could pass for the separator before the real address."""
    name = " ".join(name.translate(_DASHES).split())
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1].rstrip() + "…"


def choice_label(found: Found, with_kind: bool = False) -> str:
    """"cool cat's room on lab-pc-12 — 10.0.0.5 port 9000" (and "(chat room)")."""
    kind = f" ({found.noun})" if with_kind else ""
    return f"{shown_name(found.name)}{SEPARATOR}{found.address} port {found.port}{kind}"


def url_of(found: Found) -> str:
    """The page to fetch from a found web server."""
    host = f"[{found.address}]" if ":" in found.address else found.address
    return f"http://{host}:{found.port}/"


def kind_words(kinds: Sequence[str], count: int = 2) -> str:
    """"chat rooms" ("chat room" for a ``count`` of 1), "daytime servers or SNTP servers"."""
    ending = "" if count == 1 else "s"
    nouns = [f"{NOUNS.get(kind, kind)}{ending}" for kind in kinds]
    return " or ".join(nouns) if nouns else f"server{ending}"


class _Offer:
    """One place that takes a found server: lists them, fills one in, and has the widget
    the student goes on from (:attr:`field_widget`: Enter there runs the tab's action)."""

    field_widget: tk.Misc

    def refresh(self) -> None:
        """Show what is found now."""
        raise NotImplementedError

    def fill(self, found: Found) -> None:
        raise NotImplementedError


class FoundServers:
    """The servers the window has found, and what the search says, on the Tk thread.

    :meth:`apply` takes the Browser's events (the pump's handler); every change calls
    the listeners. :meth:`offer` makes a host + port field list one kind (or a few),
    :meth:`offer_url` a URL field; :meth:`use` fills a found server into the field
    offered its kind and calls :attr:`reveal` with that field (the window shows it).
    """

    def __init__(self, widget: tk.Misc, nothing_after_ms: int = NOTHING_AFTER_MS):
        self.widget = widget
        self.nothing_after_ms = nothing_after_ms
        self.state = WAITING
        self._why = ""
        self._waited = False
        self._timer: Optional[str] = None
        self._found: Dict[str, Found] = {}
        self._listeners: List[Callable[[], None]] = []
        self._watchers: List[Callable[[List[Event]], None]] = []
        self._offers: Dict[str, _Offer] = {}
        #: Called with the field a server was filled into (the window selects its tab).
        self.reveal: Callable[[tk.Misc], None] = lambda widget: None

    # -- what is known ------------------------------------------------------------------
    def services(self, kinds: Optional[Sequence[str]] = None) -> List[Found]:
        """What is found now (of ``kinds``), sorted by kind and name."""
        chosen = [found for found in self._found.values() if not kinds or found.kind in kinds]
        return sorted(chosen, key=lambda f: (KINDS.index(f.kind) if f.kind in KINDS else 99,
                                             f.name.casefold(), f.address, f.port))

    @property
    def message(self) -> str:
        """What the search has to say now, in a sentence."""
        if self.state in (FAILED, OFF):
            return self._why
        count = len(self._found)
        if count:
            return (f"{count} {'server' if count == 1 else 'servers'} found on this network "
                    "(the list follows them as they come and go).")
        return NOTHING_FOUND if self._waited else LOOKING

    @property
    def trouble(self) -> bool:
        """The search cannot run (no network, multicast refused)."""
        return self.state == FAILED

    def listen(self, callback: Callable[[], None]) -> None:
        """``callback()`` after every change (and once now)."""
        self._listeners.append(callback)
        callback()

    def watch(self, handler: Callable[[List[Event]], None]) -> None:
        """``handler(events)`` with the search's own events (for a log)."""
        self._watchers.append(handler)

    # -- what the search says -----------------------------------------------------------
    def apply(self, events: List[Event]) -> None:
        """The Browser's events (RESULT Found / Gone, INFO, ERROR, STOPPED)."""
        for event in events:
            result = event.result
            if event.kind is Kind.RESULT and isinstance(result, Gone):
                self._found.pop(result.key, None)
            elif event.kind is Kind.RESULT and isinstance(result, Found):
                self._found[result.key] = result
            elif event.kind is Kind.INFO and self.state == WAITING:
                self._begin()
            elif event.kind is Kind.ERROR:
                self._stop_with(FAILED, event.text or "Cannot look for servers on this network.")
            elif event.kind is Kind.STOPPED:
                self._found.clear()
        for handler in list(self._watchers):
            handler(events)
        self._changed()

    def failed(self, why: str) -> None:
        """The search could not start: ``why`` says so where the list would be."""
        self._stop_with(FAILED, why)
        self._changed()

    def switch_off(self, why: str = QUIET) -> None:
        """No search in this window (``why`` says so where the list would be)."""
        self._stop_with(OFF, why)
        self._changed()

    def _begin(self) -> None:
        """The search has begun: after a while with nothing found, say so."""
        self.state, self._waited = SEARCHING, False
        self._cancel_timer()
        self._timer = self.widget.after(self.nothing_after_ms, self._waited_long_enough)

    def _stop_with(self, state: str, why: str) -> None:
        self.state, self._why = state, why
        self._cancel_timer()

    def _waited_long_enough(self) -> None:
        self._timer = None
        self._waited = True
        self._changed()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            try:
                self.widget.after_cancel(self._timer)
            except tk.TclError:
                pass
            self._timer = None

    def close(self) -> None:
        self._cancel_timer()

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback()

    # -- offering it --------------------------------------------------------------------
    def offer(self, field: HostPortField, *kinds: str,
              then: Optional[Callable[[Found], object]] = None) -> None:
        """``field``'s list shows the servers of ``kinds`` found, live; choosing one
        fills in its address and port, then calls ``then(found)`` (e.g. to pick the
        protocol)."""
        self._register(_FieldOffer(self, field, kinds, then), kinds)

    def offer_url(self, entry: ttk.Entry, variable: tk.StringVar, *kinds: str) -> "FoundMenu":
        """A "Found" menu beside the URL ``entry``: choosing a web server sets
        ``variable`` to its address (``http://10.0.0.5:8080/``)."""
        menu = FoundMenu(self, entry, variable, kinds or ("web",))
        self._register(menu, kinds or ("web",))
        return menu

    def _register(self, offer: _Offer, kinds: Sequence[str]) -> None:
        for kind in kinds:
            self._offers.setdefault(kind, offer)
        self.listen(offer.refresh)

    def can_use(self, found: Found) -> bool:
        return found.kind in self._offers

    def use(self, found: Found) -> bool:
        """Fill ``found`` into the field that takes its kind and reveal that field;
        False when no field here takes it."""
        offer = self._offers.get(found.kind)
        if offer is None:
            return False
        offer.fill(found)
        self.reveal(offer.field_widget)
        return True


class _FieldOffer(_Offer):
    """A host + port field listing the servers of some kinds."""

    def __init__(self, servers: FoundServers, field: HostPortField, kinds: Sequence[str],
                 then: Optional[Callable[[Found], object]]):
        self.servers, self.field, self.kinds, self.then = servers, field, tuple(kinds), then
        self.field_widget = field.host_box
        self._by_label: Dict[str, Found] = {}
        told = tip_of(field.host_box) or ""
        tip(field.host_box, lambda: f"{told} {self.summary()}".strip())

    def summary(self) -> str:
        count = len(self._by_label)
        if count:
            return (f"The list also has the {count} {kind_words(self.kinds, count)} other "
                    "computers announce on this network: choosing one fills in its address "
                    "and port.")
        if self.servers.state == SEARCHING:
            return (f"{kind_words(self.kinds).capitalize()} other computers announce on this "
                    "network appear in the list.")
        return ""

    def refresh(self) -> None:
        with_kind = len(self.kinds) > 1
        self._by_label = {choice_label(found, with_kind): found
                          for found in self.servers.services(self.kinds)}
        self.field.set_found({label: (found.address, found.port)
                              for label, found in self._by_label.items()}, self._chosen)

    def _chosen(self, label: str) -> None:
        found = self._by_label.get(label)
        if found is not None and self.then is not None:
            self.then(found)

    def fill(self, found: Found) -> None:
        self.field.set(host=found.address, port=found.port)
        if self.then is not None:
            self.then(found)


class FoundMenu(ttk.Menubutton, _Offer):
    """"Found (2)": a menu of the servers found for a URL field, beside it."""

    def __init__(self, servers: FoundServers, entry: ttk.Entry, variable: tk.StringVar,
                 kinds: Sequence[str]):
        # a width of its own: the theme draws its arrow over the end of the text, and the
        # count must not make the field beside it jump
        super().__init__(entry.master, text="Found", width=9)
        self.servers, self.entry, self.variable, self.kinds = servers, entry, variable, kinds
        self.field_widget = entry
        self.menu = tk.Menu(self, tearoff=False)
        self.configure(menu=self.menu)
        self.labels: List[str] = []  # what the menu lists (for tests and screen readers)
        _place_beside(self, entry)
        follow_look(self, self._restyle)
        tip(self, lambda: f"The {kind_words(kinds)} other computers announce on this "
                          f"network; choosing one fills in its address. {servers.message}")

    def _restyle(self) -> None:
        palette = palette_of(self)
        self.menu.configure(background=palette.background, foreground=palette.text,
                            activebackground=palette.select,
                            activeforeground=palette.select_text,
                            disabledforeground=palette.muted, font="TkMenuFont")

    def refresh(self) -> None:
        found = self.servers.services(self.kinds)
        self.configure(text=f"Found ({len(found)})" if found else "Found")
        self.menu.delete(0, "end")
        self.labels = []
        for item in found:
            label = choice_label(item)
            self.labels.append(label)
            self.menu.add_command(label=label, command=lambda chosen=item: self.choose(chosen))
        if not found:
            self.menu.add_command(label=self.servers.message, state="disabled")

    def choose(self, found: Found) -> None:
        self.fill(found)
        self.entry.focus_set()
        self.entry.icursor("end")

    def fill(self, found: Found) -> None:
        self.variable.set(url_of(found))


def _place_beside(button: tk.Misc, entry: tk.Misc) -> None:
    """Put ``button`` right of ``entry`` in its layout: in a grid, in the entry's last
    column when it spans several (the column of the buttons under it), else the next."""
    info = entry.grid_info()
    if info:
        column, span = int(info["column"]), int(info["columnspan"])
        if span > 1:
            entry.grid_configure(columnspan=span - 1)
            column += span - 1
        else:
            column += 1
        button.grid(row=int(info["row"]), column=column, sticky="ew",
                    padx=(style.SMALL_PAD, 0))
    else:
        button.pack(side="left", after=entry, padx=(style.SMALL_PAD, 0))


def default_browser(on_event: EventCallback) -> Service:
    from labsuite.net.discovery import Browser

    return Browser(on_event=on_event)


class WindowBrowser:
    """The window's one search: ``make(on_event)`` builds it (None: no search, and the
    lists say why), started off the Tk thread after the window is first shown, its
    events into ``servers`` through the pump; :meth:`stop` at closing (from any
    thread, also while it is still starting)."""

    def __init__(self, root: tk.Misc, pump: EventPump, servers: FoundServers,
                 make: Optional[BrowserFactory] = default_browser):
        self.root, self.pump, self.servers, self.make = root, pump, servers, make
        self.service: Optional[Service] = None
        self._asked = False
        self._closed = False
        self._lock = threading.Lock()
        self._subscription: Optional[Subscription] = None
        if make is None:
            servers.switch_off()

    def start_when_shown(self) -> None:
        """Start once the window is on the screen and drawn (never delaying it)."""
        if self.make is None:
            return
        if self.root.winfo_ismapped():
            self.root.after_idle(self.start)
            return
        self.root.bind("<Map>", self._mapped, add="+")

    def _mapped(self, event) -> None:
        if event.widget is self.root and not self._asked:
            self._asked = True
            self.root.after_idle(self.start)

    def start(self) -> None:
        if self.make is None or self._closed or self._subscription is not None:
            return
        self._subscription = self.pump.subscribe(self.servers.apply)
        on_event = self._subscription.on_event
        self.pump.in_background(lambda: self._start(on_event), self._started,
                                name="start looking on the network")

    def _start(self, on_event: EventCallback) -> Optional[Service]:
        with self._lock:
            if self._closed:
                return None
            self.service = service = self.make(on_event)
        service.start()  # a stop() now waits for this start, then stops it
        return service

    def _started(self, _service, error: Optional[Exception]) -> None:
        if error is None:
            return
        if self._subscription is not None:
            self._subscription.close()
        why = error.explanation if isinstance(error, NetError) else \
            f"Cannot look for servers on this network: {error}"
        self.servers.failed(why)

    @property
    def running(self) -> bool:
        return self.service is not None and bool(getattr(self.service, "running", False))

    def stop(self) -> None:
        with self._lock:
            self._closed = True
            service = self.service
        if service is not None:
            service.stop()


__all__ = ["FoundServers", "FoundMenu", "WindowBrowser", "BrowserFactory", "QUIET_VARIABLE",
           "choice_label", "default_browser", "network_quiet", "shown_name", "url_of",
           "LOOKING", "NOTHING_FOUND", "QUIET"]
