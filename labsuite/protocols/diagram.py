"""A live sequence diagram of the socket steps, sans-IO: events in, lanes and items out.

One lane per endpoint (each server, each client, with their addresses), time running down,
one item per step: a mark for "Opened", "Bound", "Listening", "Stopped"; one arrow for
the handshake (the client's "Connected" and the server's "Accepted" together); an arrow
for each read and each write, from the side that sent to the side that received, with
its byte count and a preview; an arrow for each close, from the side that closed; a red
mark for an error. The window draws it on a Canvas; clicking an item selects the log
line of its event and the other way round (:meth:`Diagram.item_for_event`).

Events are duck-typed: anything with the attributes of ``labsuite.net.events.Event``
(``kind`` compared as a string such as ``"read"``, ``source``, ``text``, ``peer``,
``local``, ``conn``, ``size``, ``time``). Nothing here imports ``labsuite.net``.

Under load the diagram summarises instead of drawing thousands of arrows: once one
connection carries more than ``rate`` reads and writes a second, or the diagram holds
more than three quarters of ``max_items``, that connection's next consecutive reads and
writes fold into one band ("1,000 round trips, 64,000 bytes each way") that is updated
as more arrive. The item list never grows past ``max_items``: the oldest items are then
summarised into one band at the top. Each event costs O(1) amortised; memory is bounded
by ``max_items`` and ``max_lanes`` whatever arrives.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, Iterable, List, Optional, Tuple

Address = Tuple[str, int]

#: Item kinds: what the Canvas draws.
ARROW, MARK, BAND, ERROR = "arrow", "mark", "band", "error"
#: Lane roles; ``others`` is the one lane that takes every endpoint beyond ``max_lanes``.
SERVER, CLIENT, OTHERS = "server", "client", "others"

#: Reads and writes more than this many seconds apart never share a band (unless the
#: diagram is near its item budget).
FOLD_GAP = 1.0
#: A connect and an accept further apart than this are not one handshake.
HANDSHAKE_GAP = 10.0
#: Services remembered by name (a client's current connection, a server's lane).
MAX_SOURCES = 64
LABEL_LIMIT = 80

_MARK_STEPS = {"opened": "opened", "bound": "bound", "listening": "listening",
               "stopped": "stopped", "closed": "close"}
#: The event kinds that are socket steps (INFO and RESULT are not drawn).
_STEPS = frozenset(_MARK_STEPS) | {"accepted", "connected", "read", "wrote", "error"}
_WILDCARDS = ("0.0.0.0", "::", "")


@dataclass
class Lane:
    """One endpoint; ``id`` is also its column, left to right in order of appearance."""

    id: int
    role: str  # SERVER, CLIENT or OTHERS
    title: str  # "server 127.0.0.1:8007", "client 127.0.0.1:50252"
    address: Optional[Address] = None


@dataclass
class Item:
    """One thing drawn at ``row`` (rows run down in time order, 0 at the top).

    ``kind`` is ARROW (``from_lane`` to ``to_lane``), MARK or ERROR (on ``from_lane``,
    which equals ``to_lane``) or BAND (a summary spanning ``from_lane`` to ``to_lane``).
    ``step`` says which step: opened, bound, listening, connect, read, write, close,
    stopped, error, round-trips (a band of one connection) or earlier (the oldest items
    summarised). ``event`` is the index of the event it came from and ``last_event`` the
    last one it stands for (the accept of a handshake, the newest read of a band);
    ``count`` is how many events it stands for, ``size`` the bytes they moved, ``time``
    the event's time (a band's newest step). A band also counts its ``round_trips`` and
    the bytes each way (``bytes_forward``: from ``from_lane`` to ``to_lane``).
    """

    id: int
    row: int
    kind: str
    step: str
    from_lane: int
    to_lane: int
    label: str
    event: int
    last_event: int
    time: float = 0.0
    size: int = 0
    count: int = 1
    round_trips: int = 0
    bytes_forward: int = 0
    bytes_back: int = 0


@dataclass
class Update:
    """What one :meth:`Diagram.add` changed, so the Canvas redraws only that.

    ``redraw``: rows were renumbered (the oldest items were summarised) or the diagram
    was cleared: draw everything again.
    """

    added: List[Item] = field(default_factory=list)
    changed: List[Item] = field(default_factory=list)
    lanes_changed: bool = False
    redraw: bool = False


class _Tally:
    """What a band has folded: messages and bytes each way, as written and as read.

    When both ends are logged each message is seen twice (written, then read); the
    sender's count is used when there is one, so nothing is counted twice.
    """

    __slots__ = ("writes", "reads", "written", "read")

    def __init__(self):
        self.writes, self.reads = [0, 0], [0, 0]
        self.written, self.read = [0, 0], [0, 0]

    def add(self, way: int, step: str, size: int) -> None:
        if step == "write":
            self.writes[way] += 1
            self.written[way] += size
        else:
            self.reads[way] += 1
            self.read[way] += size

    def messages(self, way: int) -> int:
        return self.writes[way] or self.reads[way]

    def bytes(self, way: int) -> int:
        return max(self.written[way], self.read[way])


class _Link:
    """Folding state of the connection between two lanes."""

    __slots__ = ("recent", "band", "tally")

    def __init__(self, rate: int):
        self.recent: Deque[float] = deque(maxlen=rate)  # times of the last arrows drawn
        self.band: Optional[Item] = None  # the open band, while reads and writes continue
        self.tally = _Tally()


class Diagram:
    """The diagram of everything given to :meth:`add` since it was made or cleared."""

    def __init__(self, max_items: int = 1000, max_lanes: int = 12, rate: int = 20):
        if max_items < 8 or max_lanes < 2 or rate < 1:
            raise ValueError("a diagram needs max_items >= 8, max_lanes >= 2 and rate >= 1")
        self.max_items = max_items
        self.max_lanes = max_lanes
        self.rate = rate
        self.clear()

    def clear(self) -> None:
        self.lanes: List[Lane] = []
        self.items: List[Item] = []
        #: Events seen so far; the next event given to add() gets this index.
        self.events_seen = 0
        self._next_id = 0
        self._by_event: Dict[int, Item] = {}  # event index -> item (not bands)
        self._at: Dict[Address, int] = {}  # endpoint address -> lane
        self._servers: Dict[str, int] = {}  # server source -> its lane
        self._named: Dict[str, int] = {}  # client source with no address yet -> lane
        self._others: Optional[int] = None
        self._connection: "OrderedDict[str, Tuple[int, Optional[int]]]" = OrderedDict()
        self._handshakes: Dict[Tuple[int, int], Tuple[str, Item]] = {}  # half-seen ones
        self._links: Dict[Tuple[int, int], _Link] = {}
        self._update = Update(redraw=True)

    # -- input ------------------------------------------------------------------------
    def add(self, events: Iterable[Any]) -> Update:
        """Take more events (in log order); returns what changed since the last call."""
        for event in events:
            index = self.events_seen
            self.events_seen += 1
            self._take(event, index)
            if len(self.items) > self.max_items:
                self._summarise_oldest()
        update, self._update = self._update, Update()
        if update.redraw:  # some may have been summarised away: only those still drawn
            present = {item.id for item in self.items}
            update.added = [item for item in update.added if item.id in present]
            update.changed = [item for item in update.changed if item.id in present]
        added = {item.id for item in update.added}
        update.changed = list({item.id: item for item in update.changed
                               if item.id not in added}.values())  # each once
        return update

    def item_for_event(self, index: int) -> Optional[Item]:
        """The item that shows event ``index``: its own, or the band it was folded into."""
        item = self._by_event.get(index)
        if item is not None:
            return item
        found = None
        for item in self.items:  # bounded by max_items; a click, not every event
            if item.kind == BAND and item.event <= index <= item.last_event:
                if found is None or item.event > found.event:  # the innermost band
                    found = item
        return found

    # -- one event --------------------------------------------------------------------
    def _take(self, event: Any, index: int) -> None:
        kind = getattr(event, "kind", "")
        kind = str(getattr(kind, "value", kind)).lower()  # a str enum, or a plain string
        if kind not in _STEPS:
            return  # not a socket step (INFO, RESULT) or not an event at all
        source = str(getattr(event, "source", "") or "")
        text = str(getattr(event, "text", "") or "")
        peer = _address(getattr(event, "peer", None))
        local = _address(getattr(event, "local", None))
        moment = getattr(event, "time", 0.0)
        moment = float(moment) if isinstance(moment, (int, float)) else 0.0
        size = getattr(event, "size", 0)
        size = size if isinstance(size, int) and size > 0 else 0
        # Every labsuite server's source names it one ("echo server"); a service that
        # listens, accepts or numbers its connections is one too.
        serving = (kind in ("bound", "listening", "accepted") or "server" in source
                   or getattr(event, "conn", None) is not None)
        if serving:
            own = self._server_lane(source)
            if local is not None and kind in ("bound", "listening", "accepted"):
                self._note_server_address(own, local, listening=kind != "accepted")
            other = self._lane_at(peer, CLIENT) if peer else None
        else:
            own, other = self._client_ends(source, kind, peer, local)
        if kind in ("connected", "accepted") and other is not None:
            client, server = (own, other) if kind == "connected" else (other, own)
            self._handshake(kind, client, server, _short(text, peer, local), index, moment)
        elif kind in ("read", "wrote") and other is not None:
            sender, receiver = (other, own) if kind == "read" else (own, other)
            step = "read" if kind == "read" else "write"
            self._transfer(step, sender, receiver, _short(text, peer, local), size, index,
                           moment)
        elif kind == "error":
            self._end_band(own, other)
            self._new(ERROR, "error", own, own, text, index, moment)
        elif kind == "closed" and other is not None:
            self._end_band(own, other)
            self._new(ARROW, "close", own, other, _short(text, peer, local), index, moment)
        else:  # opened, bound, listening, stopped, a close with no connection
            self._new(MARK, _MARK_STEPS.get(kind, kind), own, own, text, index, moment)

    def _client_ends(self, source: str, kind: str, peer: Optional[Address],
                     local: Optional[Address]) -> Tuple[int, Optional[int]]:
        """The lanes of a client's event: its own, and its server's (None if unknown)."""
        own, other = self._connection.get(source, (None, None))
        if local is not None and kind in ("connected", "opened"):
            own = self._lane_at(local, CLIENT)
        elif own is None:
            own = self._named.get(source)
            if own is None:
                own = self._new_lane(CLIENT, source or "client", None)
                if len(self._named) < MAX_SOURCES:
                    self._named[source] = own
        if peer is not None:
            other = self._server_at(peer)
        self._connection[source] = (own, other)
        self._connection.move_to_end(source)
        if len(self._connection) > MAX_SOURCES:
            self._connection.popitem(last=False)
        return own, other

    # -- steps ------------------------------------------------------------------------
    def _handshake(self, half: str, client: int, server: int, label: str, index: int,
                   moment: float) -> None:
        """Connect and accept are one arrow: the second half joins the first."""
        key = (client, server)
        waiting = self._handshakes.pop(key, None)
        self._end_band(client, server)
        if waiting is not None:
            other_half, item = waiting
            if other_half != half and abs(moment - item.time) <= HANDSHAKE_GAP:
                halves = (label, item.label) if half == "connected" else (item.label, label)
                item.label = _limit(" · ".join(halves))  # "Connected · Accepted connection #1"
                item.last_event = index
                item.count += 1
                self._by_event[index] = item
                self._update.changed.append(item)
                return
        item = self._new(ARROW, "connect", client, server, label, index, moment)
        self._handshakes[key] = (half, item)

    def _transfer(self, step: str, sender: int, receiver: int, label: str, size: int,
                  index: int, moment: float) -> None:
        key = _pair(sender, receiver)
        link = self._links.get(key)
        if link is None:
            link = self._links[key] = _Link(self.rate)
        crowded = len(self.items) >= self.max_items * 3 // 4
        band = link.band
        if band is not None and (crowded or moment - band.time <= FOLD_GAP):
            self._fold(link, band, step, sender, size, index, moment)
            return
        link.band = None
        busy = len(link.recent) == self.rate and moment - link.recent[0] < 1.0
        if busy or crowded:
            client, server = self._band_ends(sender, receiver)
            band = self._new(BAND, "round-trips", client, server, "", index, moment)
            band.count = 0
            link.band, link.tally = band, _Tally()
            link.recent.clear()
            self._fold(link, band, step, sender, size, index, moment, new=True)
            return
        link.recent.append(moment)
        item = self._new(ARROW, step, sender, receiver, label, index, moment)
        item.size = size

    def _fold(self, link: _Link, band: Item, step: str, sender: int, size: int, index: int,
              moment: float, new: bool = False) -> None:
        way = 0 if sender == band.from_lane else 1
        tally = link.tally
        tally.add(way, step, size)
        band.count += 1
        band.last_event = index
        band.time = moment  # of the newest step folded in
        band.bytes_forward, band.bytes_back = tally.bytes(0), tally.bytes(1)
        band.size = band.bytes_forward + band.bytes_back
        there, back = tally.messages(0), tally.messages(1)
        band.round_trips = min(there, back)
        band.label = _band_label(there, back, band.bytes_forward, band.bytes_back,
                                 self.lanes[band.to_lane].role == SERVER)
        if not new:
            self._update.changed.append(band)

    def _band_ends(self, one: int, two: int) -> Tuple[int, int]:
        """A band runs from the client's lane to the server's."""
        if self.lanes[one].role == SERVER and self.lanes[two].role != SERVER:
            return two, one
        return one, two

    def _end_band(self, one: int, two: Optional[int]) -> None:
        """Another step on this connection: the next reads and writes start afresh."""
        if two is None:
            return
        link = self._links.get(_pair(one, two))
        if link is not None:
            link.band = None
            link.recent.clear()

    def _new(self, kind: str, step: str, from_lane: int, to_lane: int, label: str,
             index: int, moment: float) -> Item:
        item = Item(self._next_id, len(self.items), kind, step, from_lane, to_lane,
                    _limit(label), index, index, moment)
        self._next_id += 1
        self.items.append(item)
        if kind != BAND:
            self._by_event[index] = item
        self._update.added.append(item)
        return item

    # -- bounded memory -----------------------------------------------------------------
    def _summarise_oldest(self) -> None:
        """Fold the oldest half of the items into one band at the top."""
        cut = len(self.items) - self.max_items // 2
        old, self.items = self.items[:cut], self.items[cut:]
        first = old[0]
        if first.step != "earlier":
            first = Item(self._next_id, 0, BAND, "earlier", 0, 0, "", first.event,
                         first.event, first.time, count=0)
            self._next_id += 1
            old = [first] + old
        for item in old[1:]:
            first.count += item.count
            first.last_event = max(first.last_event, item.last_event)
            for index in (item.event, item.last_event):
                if self._by_event.get(index) is item:
                    del self._by_event[index]
        first.from_lane, first.to_lane = 0, max(0, len(self.lanes) - 1)
        first.label = f"{first.count:,} earlier step{'' if first.count == 1 else 's'}"
        self.items.insert(0, first)
        for row, item in enumerate(self.items):
            item.row = row
        gone = {item.id for item in old[1:]}
        for link in self._links.values():
            if link.band is not None and link.band.id in gone:
                link.band = None  # its next reads and writes start a new band
        self._handshakes = {key: value for key, value in self._handshakes.items()
                            if value[1].id not in gone}
        self._update.redraw = True

    # -- lanes --------------------------------------------------------------------------
    def _server_lane(self, source: str) -> int:
        lane = self._servers.get(source)
        if lane is None:
            lane = self._new_lane(SERVER, source or "server", None)
            if len(self._servers) < MAX_SOURCES:
                self._servers[source] = lane
        return lane

    def _note_server_address(self, lane: int, local: Address, listening: bool) -> None:
        """A server lane learns its address: where it listens (again after a restart), or
        where it accepted a connection when it was not seen listening."""
        entry = self.lanes[lane]
        if entry.role == SERVER and (listening or entry.address is None) \
                and entry.address != local:
            entry.address = local
            entry.title = f"server {_shown(local)}"
            self._update.lanes_changed = True
        if local in self._at or len(self._at) < 4 * self.max_lanes:
            self._at[local] = lane

    def _server_at(self, address: Address) -> int:
        """The lane of the server a client talks to: one of ours, or a new remote one."""
        lane = self._at.get(address)
        if lane is not None:
            return lane
        for entry in self.lanes:  # a server listening on every address (0.0.0.0)
            if entry.role == SERVER and entry.address and entry.address[0] in _WILDCARDS \
                    and entry.address[1] == address[1]:
                return entry.id
        return self._lane_at(address, SERVER)

    def _lane_at(self, address: Address, role: str) -> int:
        lane = self._at.get(address)
        if lane is None:
            lane = self._new_lane(role, f"{role} {_shown(address)}", address)
            if len(self._at) < 4 * self.max_lanes:
                self._at[address] = lane
        return lane

    def _new_lane(self, role: str, title: str, address: Optional[Address]) -> int:
        if len(self.lanes) >= self.max_lanes:
            if self._others is None:
                self._others = len(self.lanes)
                self.lanes.append(Lane(self._others, OTHERS, "others", None))
                self._update.lanes_changed = True
            return self._others
        lane = Lane(len(self.lanes), role, title, address)
        self.lanes.append(lane)
        self._update.lanes_changed = True
        return lane.id


def _pair(one: int, two: int) -> Tuple[int, int]:
    return (one, two) if one <= two else (two, one)


def _address(value: Any) -> Optional[Address]:
    """``(host, port)`` from an event's address, or None for anything else.

    IPv4 addresses seen through an IPv6 socket (``::ffff:127.0.0.1``) are the same endpoint.
    """
    if not isinstance(value, (tuple, list)) or len(value) < 2:
        return None
    host, port = value[0], value[1]
    if not isinstance(host, str) or not isinstance(port, int) or isinstance(port, bool):
        return None
    host = host.lower()
    if host.startswith("::ffff:") and "." in host:
        host = host[len("::ffff:"):]
    return (host, port)


def _shown(address: Address) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _short(text: str, peer: Optional[Address], local: Optional[Address]) -> str:
    """The log line without the addresses the lanes already show."""
    for address in (peer, local):
        if address is not None:
            shown = _shown(address)
            for form in (f" (server {shown})", f" from {shown}", f" to {shown}",
                         f" with {shown}"):
                text = text.replace(form, "")
    return text


def _limit(label: str) -> str:
    label = label.replace("\n", " ")
    return label if len(label) <= LABEL_LIMIT else label[:LABEL_LIMIT - 1] + "…"


def _band_label(there: int, back: int, forward_bytes: int, back_bytes: int,
                to_server: bool) -> str:
    """"1,000 round trips, 64,000 bytes each way" and the like."""
    if there and back:
        trips = min(there, back)
        head = f"{trips:,} round trip" + ("" if trips == 1 else "s")
    else:
        moves = there or back
        head = f"{moves:,} transfer" + ("" if moves == 1 else "s")
    if forward_bytes == back_bytes:
        return f"{head}, {forward_bytes:,} bytes each way"
    target = "the server" if to_server else "one side"
    if not back_bytes:
        return f"{head}, {forward_bytes:,} bytes to {target}"
    if not forward_bytes:
        return f"{head}, {back_bytes:,} bytes back from {target}"
    return f"{head}, {forward_bytes:,} bytes to {target}, {back_bytes:,} bytes back"
