"""The sequence diagram model: plain event objects in, lanes and items out."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import pytest

from labsuite.protocols.diagram import ARROW, BAND, ERROR, MARK, OTHERS, SERVER, Diagram

pytestmark = pytest.mark.timeout(30)

SERVER_AT = ("127.0.0.1", 8007)
CLIENT_AT = ("127.0.0.1", 50252)


def ev(kind, source, text, peer=None, local=None, conn=None, size=0, at=0.0):
    """An event shaped like labsuite.net.events.Event (kind as its string value)."""
    return SimpleNamespace(kind=kind, source=source, text=text, peer=peer, local=local,
                           conn=conn, size=size, data=b"", result=None, time=at)


def shown(address):
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listening(source="echo server", at=SERVER_AT, t=0.0):
    return [ev("opened", source, "Opened server socket", at=t),
            ev("bound", source, f"Bound server socket to {shown(at)}", local=at, at=t),
            ev("listening", source, f"Listening on {shown(at)}", local=at, at=t)]


def connect(client=CLIENT_AT, server=SERVER_AT, conn=1, t=0.0, prefix="echo"):
    return [ev("connected", f"{prefix} client",
               f"Connected to {shown(server)} from {shown(client)}",
               peer=server, local=client, at=t),
            ev("accepted", f"{prefix} server", f"Accepted connection #{conn} from {shown(client)} "
                                               f"(server {shown(server)})",
               peer=client, local=server, conn=conn, at=t)]


def round_trip(text="Hello", client=CLIENT_AT, server=SERVER_AT, conn=1, t=0.0, both=True):
    """An echo: the client writes, the server reads and writes back, the client reads."""
    size = len(text.replace("\\n", "\n"))  # the text is shown as the log shows it
    steps = []
    if both:
        steps.append(ev("wrote", "echo client", f"Wrote {size} bytes to {shown(server)}: {text}",
                        peer=server, size=size, at=t))
    steps += [ev("read", "echo server", f"Read {size} bytes from {shown(client)}: {text}",
                 peer=client, conn=conn, size=size, at=t),
              ev("wrote", "echo server", f"Wrote {size} bytes to {shown(client)}: {text}",
                 peer=client, conn=conn, size=size, at=t)]
    if both:
        steps.append(ev("read", "echo client", f"Read {size} bytes from {shown(server)}: {text}",
                        peer=server, size=size, at=t))
    return steps


def closing(client=CLIENT_AT, server=SERVER_AT, conn=1, t=0.0):
    return [ev("closed", "echo server", f"Closed connection #{conn} with {shown(client)} "
                                        "(the client closed the connection)",
               peer=client, conn=conn, at=t),
            ev("closed", "echo client", f"Closed the connection to {shown(server)}",
               peer=server, at=t),
            ev("stopped", "echo client", "Stopped", at=t)]


def drawn(diagram):
    return [(item.kind, item.step, item.from_lane, item.to_lane, item.label)
            for item in diagram.items]


def check_invariants(diagram):
    assert [lane.id for lane in diagram.lanes] == list(range(len(diagram.lanes)))
    assert len(diagram.lanes) <= diagram.max_lanes + 1
    assert len(diagram.items) <= diagram.max_items
    assert len({item.id for item in diagram.items}) == len(diagram.items)
    for row, item in enumerate(diagram.items):
        assert item.row == row
        assert item.kind in (ARROW, MARK, BAND, ERROR)
        assert 0 <= item.from_lane < len(diagram.lanes) and 0 <= item.to_lane < len(diagram.lanes)
        assert 0 <= item.event <= item.last_event < diagram.events_seen
        assert item.count >= 1
        if item.kind in (MARK, ERROR):
            assert item.from_lane == item.to_lane
        assert len(item.label) <= 80 and "\n" not in item.label


# -- the steps ------------------------------------------------------------------------------
def test_an_echo_session_seen_from_both_ends():
    events = (listening() + connect() + round_trip("Hello, COS 333.\\n") + closing()
              + [ev("closed", "echo server", "Closed server socket"),
                 ev("stopped", "echo server", "Stopped")])
    diagram = Diagram()
    update = diagram.add(events)
    assert [(lane.role, lane.title) for lane in diagram.lanes] == [
        ("server", "server 127.0.0.1:8007"), ("client", "client 127.0.0.1:50252")]
    assert drawn(diagram) == [
        (MARK, "opened", 0, 0, "Opened server socket"),
        (MARK, "bound", 0, 0, "Bound server socket to 127.0.0.1:8007"),
        (MARK, "listening", 0, 0, "Listening on 127.0.0.1:8007"),
        (ARROW, "connect", 1, 0, "Connected · Accepted connection #1"),
        (ARROW, "write", 1, 0, "Wrote 16 bytes: Hello, COS 333.\\n"),
        (ARROW, "read", 1, 0, "Read 16 bytes: Hello, COS 333.\\n"),
        (ARROW, "write", 0, 1, "Wrote 16 bytes: Hello, COS 333.\\n"),
        (ARROW, "read", 0, 1, "Read 16 bytes: Hello, COS 333.\\n"),
        (ARROW, "close", 0, 1, "Closed connection #1 (the client closed the connection)"),
        (ARROW, "close", 1, 0, "Closed the connection"),
        (MARK, "stopped", 1, 1, "Stopped"),
        (MARK, "close", 0, 0, "Closed server socket"),
        (MARK, "stopped", 0, 0, "Stopped")]
    assert [item.event for item in diagram.items] == [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert [item.size for item in diagram.items[4:8]] == [16, 16, 16, 16]
    assert update.added == diagram.items and update.lanes_changed and update.redraw
    for item in diagram.items:
        assert diagram.item_for_event(item.event) is item
    handshake = diagram.items[3]
    assert diagram.item_for_event(4) is handshake and handshake.count == 2
    assert (handshake.event, handshake.last_event) == (3, 4)
    check_invariants(diagram)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_connect_and_accept_are_one_arrow_in_either_order_and_across_calls(order):
    halves = connect()
    diagram = Diagram()
    diagram.add(listening())
    first = diagram.add([halves[order[0]]])
    assert len(first.added) == 1 and first.added[0].step == "connect"
    second = diagram.add([halves[order[1]]])
    assert second.added == [] and second.changed == first.added
    arrow = first.added[0]
    assert arrow.label == "Connected · Accepted connection #1"
    assert (arrow.from_lane, arrow.to_lane) == (1, 0) and arrow.count == 2
    assert diagram.item_for_event(3) is diagram.item_for_event(4) is arrow


def test_halves_far_apart_or_of_the_same_kind_stay_apart():
    diagram = Diagram()
    client, accepted = connect()
    again = SimpleNamespace(**{**vars(client), "time": 1.0})
    late = SimpleNamespace(**{**vars(accepted), "time": 60.0})
    diagram.add(listening() + [client, again, late])
    assert [item.step for item in diagram.items[3:]] == ["connect", "connect", "connect"]


def test_a_client_of_a_remote_server_and_a_reply_without_a_close():
    nist = ("132.163.97.1", 13)
    diagram = Diagram()
    diagram.add([
        ev("connected", "time client", f"Connected to {shown(nist)} from 10.0.0.5:40000",
           peer=nist, local=("10.0.0.5", 40000)),
        ev("read", "time client", "Read 51 bytes from 132.163.97.1:13: 61082 26-02-11 ...",
           peer=nist, size=51),
        ev("result", "time client", "time.nist.gov says it is 21:30:43 UTC")])
    assert [lane.title for lane in diagram.lanes] == ["client 10.0.0.5:40000",
                                                      "server 132.163.97.1:13"]
    assert drawn(diagram) == [(ARROW, "connect", 0, 1, "Connected"),
                              (ARROW, "read", 1, 0, "Read 51 bytes: 61082 26-02-11 ...")]
    assert diagram.events_seen == 3 and diagram.item_for_event(2) is None


def test_a_chat_client_whose_reads_and_writes_carry_no_address():
    server, me = ("127.0.0.1", 9000), ("127.0.0.1", 41000)
    diagram = Diagram()
    diagram.add(listening("chat server", server) + [
        ev("connected", "chat client", f"Connected to {shown(server)} from {shown(me)}",
           peer=server, local=me),
        ev("wrote", "chat client", "Wrote 13 bytes: ADD cool cat\\n", size=13),
        ev("read", "chat client", "Read 13 bytes: NEW cool cat\\n", size=13),
        ev("result", "chat client", "==> cool cat has joined the chat room"),
        ev("closed", "chat client", "Connection closed"),
        ev("stopped", "chat client", "Stopped")])
    assert drawn(diagram)[3:] == [
        (ARROW, "connect", 1, 0, "Connected"),
        (ARROW, "write", 1, 0, "Wrote 13 bytes: ADD cool cat\\n"),
        (ARROW, "read", 0, 1, "Read 13 bytes: NEW cool cat\\n"),
        (ARROW, "close", 1, 0, "Connection closed"),
        (MARK, "stopped", 1, 1, "Stopped")]


def test_a_server_with_a_telnet_client_seen_only_from_the_server():
    telnet = ("10.0.0.7", 51000)
    diagram = Diagram()
    diagram.add(listening("chat server", ("0.0.0.0", 9000)) + [
        ev("accepted", "chat server", "Accepted connection #1 from 10.0.0.7:51000 "
                                      "(server 10.0.0.5:9000)",
           peer=telnet, local=("10.0.0.5", 9000), conn=1),
        ev("read", "chat server", "Read 9 bytes from 10.0.0.7:51000: ADD bob\\r\\n",
           peer=telnet, conn=1, size=9),
        ev("info", "chat server", "bob joined the room"),
        ev("wrote", "chat server", "Wrote 8 bytes to 10.0.0.7:51000: NEW bob\\n",
           peer=telnet, conn=1, size=8),
        ev("closed", "chat server", "Closed connection #1 with 10.0.0.7:51000 (connection reset)",
           peer=telnet, conn=1)])
    assert [lane.title for lane in diagram.lanes] == ["server 0.0.0.0:9000",
                                                      "client 10.0.0.7:51000"]
    assert drawn(diagram)[3:] == [
        (ARROW, "connect", 1, 0, "Accepted connection #1"),
        (ARROW, "read", 1, 0, "Read 9 bytes: ADD bob\\r\\n"),
        (ARROW, "write", 0, 1, "Wrote 8 bytes: NEW bob\\n"),
        (ARROW, "close", 0, 1, "Closed connection #1 (connection reset)")]


def test_a_server_on_every_address_is_the_lane_its_own_client_reaches():
    diagram = Diagram()
    diagram.add(listening("echo server", ("0.0.0.0", 8007)))
    diagram.add(connect() + round_trip())
    assert [lane.title for lane in diagram.lanes] == ["server 0.0.0.0:8007",
                                                      "client 127.0.0.1:50252"]
    assert diagram.items[3].label == "Connected · Accepted connection #1"


def test_ipv6_addresses_and_ipv4_seen_through_an_ipv6_socket():
    server, mapped = ("::", 8007), ("::ffff:127.0.0.1", 50252, 0, 0)
    diagram = Diagram()
    diagram.add(listening("echo server", server) + [
        ev("connected", "echo client", "Connected to 127.0.0.1:8007 from 127.0.0.1:50252",
           peer=SERVER_AT, local=CLIENT_AT),
        ev("accepted", "echo server", "Accepted connection #1 from [::ffff:127.0.0.1]:50252",
           peer=mapped, local=("::ffff:127.0.0.1", 8007, 0, 0), conn=1),
        ev("connected", "console", "Connected to [::1]:8007 from [::1]:40000",
           peer=("::1", 8007, 0, 0), local=("::1", 40000, 0, 0))])
    assert [lane.title for lane in diagram.lanes] == [
        "server [::]:8007", "client 127.0.0.1:50252", "client [::1]:40000"]
    assert [item.from_lane for item in diagram.items if item.step == "connect"] == [1, 2]
    assert all(item.to_lane == 0 for item in diagram.items if item.step == "connect")


def test_udp_exchanges_of_sntp():
    server, me = ("127.0.0.1", 8123), ("127.0.0.1", 45000)
    diagram = Diagram()
    diagram.add([
        ev("bound", "sntp server", "Bound UDP socket to 127.0.0.1:8123", local=server),
        ev("listening", "sntp server", "Waiting for SNTP requests on 127.0.0.1:8123",
           local=server),
        ev("opened", "time client", "Opened UDP socket on 127.0.0.1:45000", local=me),
        ev("wrote", "time client", "Sent 48-byte request to 127.0.0.1:8123", peer=server,
           size=48),
        ev("read", "sntp server", "Read 48 bytes from 127.0.0.1:45000", peer=me, size=48),
        ev("wrote", "sntp server", "Sent 48-byte reply to 127.0.0.1:45000", peer=me, size=48),
        ev("read", "time client", "Read 48 bytes from 127.0.0.1:8123", peer=server, size=48)])
    assert [lane.title for lane in diagram.lanes] == ["server 127.0.0.1:8123",
                                                      "client 127.0.0.1:45000"]
    assert drawn(diagram)[2:] == [
        (MARK, "opened", 1, 1, "Opened UDP socket on 127.0.0.1:45000"),
        (ARROW, "write", 1, 0, "Sent 48-byte request"),
        (ARROW, "read", 1, 0, "Read 48 bytes"),
        (ARROW, "write", 0, 1, "Sent 48-byte reply"),
        (ARROW, "read", 0, 1, "Read 48 bytes")]


def test_errors_are_red_marks_on_their_own_lane():
    diagram = Diagram()
    update = diagram.add([
        ev("error", "echo client", "Nothing is listening at 127.0.0.1 port 8007 (connection "
                                   "refused): start the server first, or check the port."),
        ev("error", "echo server", "Port 8007 is already in use by another program; choose "
                                   "another port.")])
    assert [(lane.role, lane.title) for lane in diagram.lanes] == [("client", "echo client"),
                                                                   ("server", "echo server")]
    assert [(item.kind, item.from_lane) for item in diagram.items] == [(ERROR, 0), (ERROR, 1)]
    assert diagram.items[0].label.startswith("Nothing is listening") and len(update.added) == 2
    check_invariants(diagram)


def test_labels_are_one_short_line():
    diagram = Diagram()
    diagram.add(listening() + connect() + [
        ev("read", "echo server", "Read 300 bytes from 127.0.0.1:50252: " + "x" * 300,
           peer=CLIENT_AT, conn=1, size=300),
        ev("error", "echo server", "two\nlines")])
    assert diagram.items[-2].label == "Read 300 bytes: " + "x" * 63 + "…"
    assert diagram.items[-1].label == "two lines"


def test_lanes_that_change_are_reported():
    diagram = Diagram()
    diagram.add([])
    assert diagram.add(listening()[:1]).lanes_changed  # the server lane, no address yet
    assert diagram.lanes[0].title == "echo server"
    assert diagram.add(listening()[1:2]).lanes_changed  # now it has one
    assert diagram.lanes[0].title == "server 127.0.0.1:8007"
    assert not diagram.add(listening()[2:]).lanes_changed
    restarted = diagram.add(listening(at=("127.0.0.1", 8008)))
    assert restarted.lanes_changed and diagram.lanes[0].title == "server 127.0.0.1:8008"
    assert len(diagram.lanes) == 1


# -- summarising --------------------------------------------------------------------------
def busy_echo(count, both=False, start=0.0, step=0.001, size=64, conn=1, client=CLIENT_AT):
    events = []
    for n in range(count):
        events += round_trip("x" * size, client=client, conn=conn, t=start + n * step, both=both)
    return events


def test_a_busy_connection_folds_into_one_band_that_grows():
    diagram = Diagram(rate=4)
    first = diagram.add(listening() + connect() + busy_echo(1000))
    assert [item.kind for item in diagram.items] == [MARK] * 3 + [ARROW] * 5 + [BAND]
    band = diagram.items[-1]
    assert band.label == "998 round trips, 63,872 bytes each way"
    assert (band.round_trips, band.bytes_forward, band.bytes_back) == (998, 63_872, 63_872)
    assert (band.from_lane, band.to_lane, band.step, band.count) == (1, 0, "round-trips", 1996)
    assert band in first.added and first.changed == []
    assert band.last_event == diagram.events_seen - 1
    assert diagram.item_for_event(diagram.events_seen - 10) is band
    more = diagram.add(busy_echo(2, start=1.0005))
    assert more.added == [] and more.changed == [band]
    assert band.label == "1,000 round trips, 64,000 bytes each way"
    check_invariants(diagram)


def test_with_both_ends_logged_each_message_counts_once():
    diagram = Diagram(rate=4)
    diagram.add(listening() + connect() + busy_echo(500, both=True))
    band = diagram.items[-1]
    assert band.kind == BAND and band.label == "499 round trips, 31,936 bytes each way"
    assert band.count == 499 * 4


def test_one_way_traffic_and_uneven_traffic_are_labelled_plainly():
    diagram = Diagram(rate=2)
    download = [ev("wrote", "web server", "Wrote 1,000 bytes to 127.0.0.1:50252: ...",
                   peer=CLIENT_AT, conn=1, size=1000, at=n * 0.001) for n in range(12)]
    diagram.add(listening("web server") + download)
    assert diagram.items[-1].label == "10 transfers, 10,000 bytes back from the server"
    uneven = Diagram(rate=2)
    uneven.add(listening() + [step for n in range(10) for step in (
        ev("read", "echo server", "Read 10 bytes", peer=CLIENT_AT, conn=1, size=10,
           at=n * 0.001),
        ev("wrote", "echo server", "Wrote 1 byte", peer=CLIENT_AT, conn=1, size=1,
           at=n * 0.001))])
    assert uneven.items[-1].label == "9 round trips, 90 bytes to the server, 9 bytes back"


def test_slow_traffic_is_drawn_step_by_step_and_a_pause_ends_a_band():
    diagram = Diagram(rate=4)
    diagram.add(listening() + connect() + busy_echo(50, step=2.0))
    assert [item.kind for item in diagram.items].count(BAND) == 0
    assert len(diagram.items) == 4 + 100
    burst = Diagram(rate=4)
    burst.add(listening() + connect() + busy_echo(20) + busy_echo(1, start=10.0)
              + busy_echo(20, start=20.0))
    kinds = [item.kind for item in burst.items]
    assert kinds == [MARK] * 3 + [ARROW] * 5 + [BAND] + [ARROW] * 6 + [BAND]


def test_another_step_on_the_connection_ends_its_band():
    diagram = Diagram(rate=4)
    diagram.add(listening() + connect() + busy_echo(20) + closing()[:1])
    other = ("127.0.0.1", 50300)
    diagram.add(connect(client=other, conn=2, t=0.1) + busy_echo(2, client=other, conn=2,
                                                                  start=0.1))
    steps = [item.step for item in diagram.items]
    assert steps[-7:] == ["round-trips", "close", "connect"] + ["read", "write"] * 2
    assert diagram.items[-1].to_lane == 2


def test_the_item_budget_summarises_the_oldest():
    diagram = Diagram(max_items=40, max_lanes=6, rate=1000)
    drawn_events, redraws = 0, 0
    for n in range(300):  # slow, separate connections: only the budget summarises
        client = ("127.0.0.1", 40000 + n)
        events = connect(client=client, conn=n, t=n * 3.0) + round_trip(
            "hi", client=client, conn=n, t=n * 3.0 + 1, both=False) + closing(
            client=client, conn=n, t=n * 3.0 + 2)[:1]
        drawn_events += len(events)
        update = diagram.add(events)
        redraws += update.redraw
        check_invariants(diagram)
    assert redraws >= 5
    summary = diagram.items[0]
    assert (summary.kind, summary.step) == (BAND, "earlier")
    assert summary.label == f"{summary.count:,} earlier steps"
    assert sum(item.count for item in diagram.items) == drawn_events
    assert diagram.item_for_event(0) is summary
    assert (summary.from_lane, summary.to_lane) == (0, len(diagram.lanes) - 1)
    assert diagram.lanes[-1].role == OTHERS and len(diagram.lanes) == 7
    assert any(item.kind == BAND and item.step == "round-trips" for item in diagram.items)


def test_a_flood_from_many_clients_stays_within_its_bounds():
    diagram = Diagram(max_items=200, max_lanes=8, rate=5)
    chooser = random.Random(7)
    clients = [("127.0.0.1", 40000 + n) for n in range(100)]
    t, events = 0.0, []
    for n, client in enumerate(clients):
        events += connect(client=client, conn=n, t=t)
    for _ in range(20_000):
        n = chooser.randrange(len(clients))
        t += 0.0001
        kind = chooser.choice(["read", "wrote"])
        events.append(ev(kind, "echo server", f"{kind} 64 bytes", peer=clients[n], conn=n,
                         size=64, at=t))
        if chooser.random() < 0.001:
            events.append(ev("closed", "echo server", "Closed", peer=clients[n], conn=n, at=t))
    for start in range(0, len(events), 1000):
        diagram.add(events[start:start + 1000])
        check_invariants(diagram)
    assert diagram.events_seen == len(events)
    assert len(diagram._by_event) <= 2 * diagram.max_items
    assert len(diagram._links) <= (diagram.max_lanes + 1) ** 2
    assert len(diagram._handshakes) <= len(diagram._links)
    assert sum(item.count for item in diagram.items) == len(events)


def test_adding_in_any_pieces_gives_the_same_diagram():
    chooser = random.Random(3)
    events = listening()
    for n in range(8):
        client = ("127.0.0.1", 50000 + n)
        events += connect(client=client, conn=n, t=n * 0.5)
        events += busy_echo(chooser.randrange(1, 40), both=n % 2 == 0, start=n * 0.5,
                            client=client, conn=n)
        events += closing(client=client, conn=n, t=n * 0.5 + 0.4)
    whole = Diagram(max_items=60, rate=6)
    whole.add(events)
    for pieces in (1, 2, 7, 50):
        split = Diagram(max_items=60, rate=6)
        for start in range(0, len(events), pieces):
            split.add(events[start:start + pieces])
        assert [vars(item) for item in split.items] == [vars(item) for item in whole.items]
        assert [vars(lane) for lane in split.lanes] == [vars(lane) for lane in whole.lanes]


def test_clear_starts_again():
    diagram = Diagram()
    diagram.add(listening() + connect())
    diagram.clear()
    assert diagram.lanes == [] and diagram.items == [] and diagram.events_seen == 0
    assert diagram.add(listening()).redraw
    assert diagram.items[0].event == 0


def test_limits_must_make_sense():
    for options in ({"max_items": 2}, {"max_lanes": 1}, {"rate": 0}):
        with pytest.raises(ValueError):
            Diagram(**options)


# -- hostile input ----------------------------------------------------------------------------
class Weird:
    """An object with no event attributes at all."""


@pytest.mark.parametrize("bad", [
    Weird(), None, 42, "read",
    SimpleNamespace(kind=None),
    SimpleNamespace(kind="READ", source=None, text=None, peer="127.0.0.1:80"),
    SimpleNamespace(kind="wrote", source="echo server", text="x", peer=("h", "port"), size=-5),
    SimpleNamespace(kind="accepted", source="echo server", text="x", peer=("h", True),
                    local=[None, None], conn="one", size="big", time="now"),
    SimpleNamespace(kind="connected", source="echo client", text="x", peer=(1, 2),
                    local=("h",), time=None),
    SimpleNamespace(kind="teleported", source="?", text="beamed", time=float("nan")),
    SimpleNamespace(kind=SimpleNamespace(value="closed"), source="echo client", text="x",
                    peer=("127.0.0.1", 1)),
])
def test_odd_events_never_break_the_diagram(bad):
    diagram = Diagram(max_items=20, max_lanes=3)
    for _ in range(3):
        diagram.add(listening() + connect() + [bad] + round_trip() + [bad] * 30)
        check_invariants(diagram)
    assert diagram.events_seen == 3 * (5 + 4 + 31)


def test_random_event_soup_keeps_every_invariant():
    chooser = random.Random(11)
    kinds = ["opened", "bound", "listening", "accepted", "connected", "read", "wrote",
             "closed", "stopped", "result", "info", "error"]
    sources = ["echo server", "echo client", "chat server", "chat client", "console"]
    addresses = [None, SERVER_AT, CLIENT_AT, ("::1", 9, 0, 0), ("0.0.0.0", 8007),
                 ("10.0.0.1", 1), ("127.0.0.1", 50300)]
    for seed in range(5):
        diagram = Diagram(max_items=30, max_lanes=4, rate=3)
        for batch in range(40):
            events = [ev(chooser.choice(kinds), chooser.choice(sources), "step",
                         peer=chooser.choice(addresses), local=chooser.choice(addresses),
                         conn=chooser.choice([None, 1, 2]), size=chooser.randrange(100),
                         at=batch + chooser.random()) for _ in range(chooser.randrange(20))]
            update = diagram.add(events)
            check_invariants(diagram)
            ids = {item.id for item in diagram.items}
            assert all(item.id in ids for item in itertools.chain(update.added, update.changed))
            assert not {item.id for item in update.added} & {item.id for item in update.changed}


# -- a real session -----------------------------------------------------------------------------
def test_the_events_of_a_real_echo_session():
    from labsuite.net.echo import EchoClient, EchoServer
    from labsuite.net.events import Kind
    from tests.support import Recorder

    recorder = Recorder()
    server = EchoServer("127.0.0.1", 0, on_event=recorder).start()
    try:
        client = EchoClient("127.0.0.1", server.address[1], timeout=5, on_event=recorder)
        client.start()
        client.request("Hello, COS 333.\n")
        client.request("again\n")
        local = client.local
        client.stop()
        recorder.wait_for(Kind.CLOSED, text="Closed connection #1")
        port = server.address[1]
    finally:
        server.stop()
    events = list(recorder.events)
    diagram = Diagram()
    diagram.add(events)
    assert [lane.title for lane in diagram.lanes] == [f"server 127.0.0.1:{port}",
                                                      f"client 127.0.0.1:{local[1]}"]
    connects = [item for item in diagram.items if item.step == "connect"]
    assert len(connects) == 1 and connects[0].count == 2
    assert (connects[0].from_lane, connects[0].to_lane) == (1, 0)
    transfers = [(item.step, item.from_lane, item.to_lane, item.label)
                 for item in diagram.items if item.step in ("read", "write")]
    assert sorted(transfers) == sorted(
        [(step, *ends, f"{'Wrote' if step == 'write' else 'Read'} {text}")
         for text in ("16 bytes: Hello, COS 333.\\n", "6 bytes: again\\n")
         for step, ends in (("write", (1, 0)), ("read", (1, 0)), ("write", (0, 1)),
                            ("read", (0, 1)))])
    closes = [(item.from_lane, item.to_lane) for item in diagram.items if item.kind == ARROW
              and item.step == "close"]
    assert sorted(closes) == [(0, 1), (1, 0)]
    for index, event in enumerate(events):
        item = diagram.item_for_event(index)
        if event.kind in (Kind.RESULT, Kind.INFO):
            assert item is None
        else:
            assert item is not None and index in (item.event, item.last_event), event
    assert diagram.lanes[0].role == SERVER
    check_invariants(diagram)
