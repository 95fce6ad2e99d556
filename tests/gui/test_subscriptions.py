"""Pump subscriptions end with their service: the handler table never outgrows the
services running now, nothing is delivered after STOPPED, and every tab that starts a
service again gets a fresh subscription (so a restart is never silently unheard)."""

from __future__ import annotations

import re
import socket
import tkinter as tk

import pytest

from labsuite.gui.pump import QUERY_ENDS, EventPump
from labsuite.net.echo import EchoServer
from labsuite.net.errors import NetError
from labsuite.net.events import Event, Kind
from labsuite.net.service import Service
from tests.support import UNRESOLVABLE_HOST, closed_port

from .conftest import free_port, start_tab_server, wait_until

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def root():
    window = tk.Tk()
    yield window
    window.destroy()


@pytest.fixture
def pump(root):
    events_pump = EventPump(root)
    events_pump.start()
    yield events_pump
    events_pump.stop()


def note(text: str, kind: Kind = Kind.INFO) -> Event:
    return Event(kind, "test", text)


def drain_all(pump: EventPump) -> None:
    while pump.drain():
        pass


# -- the pump on its own ----------------------------------------------------------------

def test_nothing_is_delivered_after_stopped(pump):
    batches = []
    subscription = pump.subscribe(batches.append)
    post = subscription.on_event
    assert pump.subscriptions == 1 and subscription.open
    for text in ("before", "also before"):
        post(note(text))
    post(note("Stopped", Kind.STOPPED))
    post(note("after, same tick"))
    drain_all(pump)
    post(note("after, next tick"))
    drain_all(pump)
    assert [[event.text for event in batch] for batch in batches] == [
        ["before", "also before", "Stopped"]]
    assert not subscription.open and pump.subscriptions == 0
    assert pump.backlog == 0  # a closed subscription does not even queue


def test_close_drops_what_is_still_queued(pump):
    batches = []
    subscription = pump.subscribe(batches.append)
    subscription.on_event(note("queued before the close"))
    subscription.close()
    subscription.close()  # twice is harmless
    subscription.on_event(note("after the close"))
    drain_all(pump)
    assert batches == [] and pump.subscriptions == 0


def test_a_query_subscription_ends_with_its_answer(pump):
    batches = []
    subscription = pump.subscribe(batches.append, until=QUERY_ENDS)
    subscription.on_event(note("step"))
    subscription.on_event(note("answer", Kind.RESULT))
    subscription.on_event(note("too late"))
    drain_all(pump)
    assert [event.text for event in batches[0]] == ["step", "answer"]
    assert pump.subscriptions == 0
    failed = pump.subscribe(batches.append, until=QUERY_ENDS)
    failed.on_event(note("No answer", Kind.ERROR))
    drain_all(pump)
    assert not failed.open and batches[-1][-1].text == "No answer"


def test_skipped_lines_are_counted_before_the_stop(root):
    pump = EventPump(root, backlog_limit=20)
    pump.start()
    batches = []
    post = pump.subscribe(batches.append).on_event
    for n in range(200):
        post(Event(Kind.READ, "test", f"line {n}", conn=3, size=4))
    post(note("Stopped", Kind.STOPPED))
    drain_all(pump)
    events = [event for batch in batches for event in batch]
    assert events[-1].kind is Kind.STOPPED  # the last thing delivered, the tally before it
    notes = [event.text for event in events if "lines skipped" in event.text]
    skipped = int(re.match(r"… (\d+) lines skipped", notes[0])[1])
    shown = [event for event in events if event.kind is Kind.READ and event.text]
    assert len(notes) == 1 and skipped + len(shown) == 200
    assert sum(event.size for event in events if event.kind is Kind.READ) == 200 * 4
    assert pump.subscriptions == 0
    pump.stop()


def test_a_handler_that_fails_on_stopped_still_ends_it(pump, capsys):
    def broken(events):
        raise RuntimeError("display bug")

    subscription = pump.subscribe(broken)
    subscription.on_event(note("Stopped", Kind.STOPPED))
    drain_all(pump)
    assert "display bug" in capsys.readouterr().err
    assert not subscription.open and pump.subscriptions == 0


def test_stopping_the_pump_closes_every_subscription(root):
    pump = EventPump(root)
    pump.start()
    subscriptions = [pump.subscribe(lambda events: None) for _ in range(3)]
    pump.stop()
    assert pump.subscriptions == 0 and not any(s.open for s in subscriptions)


def test_a_service_restarted_on_a_closed_subscription_is_not_heard(pump, root):
    """Why every start needs a fresh subscription: the old one ended with STOPPED."""
    texts = []
    subscription = pump.subscribe(lambda events: texts.extend(e.text for e in events))
    server = EchoServer(port=0, on_event=subscription.on_event)
    server.start()
    server.stop()
    wait_until(root, lambda: "Stopped" in texts)
    heard = len(texts)
    server.start()  # the same object again, on the same (now closed) subscription
    try:
        with socket.create_connection(server.address, timeout=5):
            pass
    finally:
        server.stop()
    drain_all(pump)
    assert len(texts) == heard and pump.subscriptions == 0


# -- every user of the pump in the window ---------------------------------------------------

def serve_once(app, tab, while_running=lambda: None) -> None:
    """Start the tab's server, call ``while_running()``, stop it; then the pump has as
    many subscriptions as before."""
    baseline = app.pump.subscriptions
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.server.running, message=f"the {tab.title} server to start")
    while_running()
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: not tab.server.running and tab.server.state_text == "Stopped",
               message=f"the {tab.title} server to stop")
    wait_until(app.root, lambda: app.pump.subscriptions == baseline,
               message="every subscription of that run to end")


def test_a_hundred_server_starts_and_stops_leave_no_handler_behind(app):
    tab = app.select("Echo")
    baseline = app.pump.subscriptions
    tab.server.port_box.set_port(free_port())

    def one_more():
        assert app.pump.subscriptions == baseline + 1

    for _ in range(100):
        serve_once(app, tab, one_more)
        assert app.pump.subscriptions == baseline
    wait_until(app.root, lambda: tab.log.content().count("Listening on") == 100,
               message="every run's events in the log")  # each restart was heard


def test_a_failed_server_start_leaves_no_handler_behind(app):
    tab = app.select("Echo")
    baseline = app.pump.subscriptions
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        tab.server.port_box.set_port(squatter.getsockname()[1])
        for _ in range(5):
            tab.server.toggle_button.invoke()
            assert not tab.server.running
    assert app.pump.subscriptions == baseline


def test_the_time_servers_stop_as_one(app):
    """Two servers, one subscription: the SNTP server's STOPPED must not end it early."""
    tab = app.select("Time")
    tab.server.port_box.set_port(free_port())
    for _ in range(3):
        tab.log.clear_button.invoke()
        serve_once(app, tab)
        log = wait_until(app.root, lambda: (lambda text: text.count("Stopped") == 2 and text)(
            tab.log.content()), message="both servers' Stopped lines")
        assert "[sntp server] Stopped" in log and "[daytime server] Stopped" in log
        # the daytime server's STOPPED, last, was heard: the subscription lasted to it
        assert log.index("[sntp server] Stopped") < log.index("[daytime server] Stopped")


def connect_echo_client(app, tab, port):
    tab.target.set(host="127.0.0.1", port=port)
    tab.connect_button.invoke()
    wait_until(app.root, lambda: not tab.slot.connecting, message="the attempt to end")


def test_clients_connecting_again_and_again_leave_no_handler_behind(app):
    tab = start_tab_server(app, "Echo")
    baseline = app.pump.subscriptions  # the server's own
    port = tab.server.service.address[1]
    for cycle in range(10):
        connect_echo_client(app, tab, port)
        assert tab.connected
        tab.message.set(f"hello {cycle}")
        tab.send_button.invoke()  # a sender (and its subscription) for this connection
        wait_until(app.root, lambda: len(tab.reply_rows()) == cycle + 1,
                   message=f"echo {cycle}")  # each new connection was heard
        tab.connect_button.invoke()
        wait_until(app.root, lambda: tab.client is None and tab.connect_button.instate(
            ["!disabled"]), message=f"disconnect {cycle}")
        wait_until(app.root, lambda: app.pump.subscriptions == baseline,
                   message=f"the client's subscription to end, cycle {cycle}")

    connect_echo_client(app, tab, closed_port())  # refused: no client ever started
    assert tab.client is None and app.pump.subscriptions == baseline

    connect_echo_client(app, tab, port)  # the server ends it: the client stops itself
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: not tab.server.running and tab.client is None)
    wait_until(app.root, lambda: app.pump.subscriptions == baseline - 1,
               message="no subscription left at all")


def test_queries_leave_no_handler_behind(app):
    tab = start_tab_server(app, "Time")
    baseline = app.pump.subscriptions
    tab.protocol_buttons["daytime"].invoke()
    for target in [("127.0.0.1", tab.server.service.address[1])] * 5 + [
            (UNRESOLVABLE_HOST, 13), ("127.0.0.1", closed_port())]:
        tab.target.set(host=target[0], port=target[1])
        tab.query_button.invoke()
        wait_until(app.root, lambda: tab.query is None, timeout=10)
        assert app.pump.subscriptions == baseline, target
    assert tab.log.content().count("Accepted connection") == 5  # every query was heard

    class Refusing(Service):  # a query whose start() itself fails
        def _setup(self):
            raise NetError("The query could not start.")

    tab.queries.start(lambda on_event: Refusing(on_event), busy_text="…")
    assert tab.result.content == "The query could not start."
    assert app.pump.subscriptions == baseline


def test_look_ups_and_abandoned_ones_leave_no_handler_behind(app):
    tab = app.select("Network")
    lookup = tab.show_page(tab.lookup)
    baseline = app.pump.subscriptions
    for name in ("localhost", "127.0.0.1", UNRESOLVABLE_HOST):
        lookup.name.set(name)
        lookup.lookup_button.invoke()
        wait_until(app.root, lambda: not lookup.runner.busy, message=f"look-up of {name}")
        assert app.pump.subscriptions == baseline
    lookup.name.set("localhost")
    for _ in range(5):  # each abandons the one before
        lookup.lookup_button.invoke()
    assert app.pump.subscriptions <= baseline + 1
    wait_until(app.root, lambda: not lookup.runner.busy)
    assert app.pump.subscriptions == baseline
    assert "127.0.0.1" in lookup.result.content


def test_hosting_and_closing_a_room_leaves_no_handler_behind(app):
    tab = app.select("Chat")
    tab.server.port_box.set_port(free_port())

    def talk():  # the host joins its own room: a client subscription, and a sender's
        wait_until(app.root, lambda: tab.joined_as is not None, message="joined own room")
        tab.message.set("hello")
        tab.send_button.invoke()
        wait_until(app.root, lambda: "hello" in tab.conversation.content())
        tab.conversation.clear_button.invoke()

    for _ in range(3):
        serve_once(app, tab, talk)
        assert tab.client is None
