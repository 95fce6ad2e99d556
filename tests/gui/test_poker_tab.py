"""The Poker tab against real sockets on 127.0.0.1: host a table with computer players,
play with the buttons, a second player, refusals, closing, and a hostile server; the
card table's drawing rules on their own."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from labsuite.gui.tabs.poker import PrivateReads
from labsuite.gui.widgets import open_dialog
from labsuite.gui.widgets.card_table import (CardTable, card_text, positions, seconds_text,
                                             suit_font_family)
from labsuite.gui.widgets.keys import letter_of
from labsuite.gui.widgets.table_scene import (ALL_IN, AWAY, FOLDED, SITTING_OUT, HandNotes,
                                              Scene, SeatPicture, scene_of)
from labsuite.net import ports
from labsuite.net.events import Event, Kind
from labsuite.net.poker import TABLE_CLOSED, PokerClient, PokerServer
from labsuite.protocols.poker import TableView, parse_card, parse_cards
from labsuite.protocols.poker.events import (Acted, Away, Blinds, Board, Cards, Chips, Hand,
                                             Players, Pot, Seat, Show, Turn, Win)

from .conftest import free_port, port_is_free, screenshot, wait_until

pytestmark = pytest.mark.timeout(30)


# -- helpers ---------------------------------------------------------------------------------
def host_table(app, name="host", bots=0, **options):
    """Host a table from the tab (the host sits down by itself); returns (tab, port)."""
    tab = app.select("Poker")
    tab.join.name.set(name)
    tab.server.scope.set(ports.LOCAL_ONLY)
    tab.server.port_box.set_port(free_port())
    tab.server_options.update({"bots": bots, "bot_delay": 0.0, "hand_pause": 0.05,
                               "seed": 7, **options})
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.joined_as == name, message="the host to sit down")
    return tab, tab.server.service.address[1]


def join_table(app, port, name="member"):
    tab = app.select("Poker")
    tab.join.target.set(host=ports.LOCAL_ONLY, port=port)
    tab.join.name.set(name)
    tab.join.join_button.invoke()
    return tab


def my_turn(tab):
    return tab.view.choices is not None and not tab.actions.sent


def items(tab, *tags):
    """Canvas items carrying every one of ``tags`` (after the pending redraw)."""
    tab.table.redraw()
    found = set(tab.table.find_withtag(tags[0]))
    for tag in tags[1:]:
        found &= set(tab.table.find_withtag(tag))
    return found


def texts(tab, tag):
    """The words of the text items tagged ``tag``."""
    return [tab.table.itemcget(item, "text") for item in items(tab, tag)
            if tab.table.type(item) == "text"]


def info(tab):
    return tab.actions.text


def buttons(tab):
    bar = tab.actions
    return bar.fold_button, bar.call_button, bar.raise_button, bar.allin_button


def state(tab):
    return tab.join.state_text


def play_until(app, tab, done, timeout=15.0, message="the hand to end"):
    """Check or call with the buttons whenever it is my turn, until ``done()``."""
    def step():
        if done():
            return True
        if my_turn(tab):
            tab.actions.call_button.invoke()
        return False
    wait_until(app.root, step, timeout, message)


# -- hosting and playing -----------------------------------------------------------------------
@pytest.mark.timeout(40)
def test_host_a_table_add_two_computer_players_and_play_a_hand_with_the_buttons(app):
    tab, port = host_table(app, hand_pause=1.5)
    assert str(tab.server.toggle_button.cget("text")) == "Close the table"
    assert tab.server.address_text == f"127.0.0.1 port {port}"
    assert "At the table as host" in state(tab)
    wait_until(app.root, lambda: tab.bot_button.winfo_ismapped(), message="the bot button")
    for _ in range(2):
        tab.bot_button.invoke()
    wait_until(app.root, lambda: my_turn(tab), message="my first turn")

    # the table as drawn: three seats, my two cards face up, two backs each for the bots
    for name in ("host", "bot_ada", "bot_alan"):
        assert items(tab, f"seat:{name}", "plate"), name
    hole = items(tab, "hole", "face", "rank")
    assert len(hole) == 2
    shown = {tab.table.itemcget(item, "text") for item in hole}
    assert shown == {card_text(card)[0] for card in tab.view.hole}
    assert items(tab, "seat:bot_ada", "back") and items(tab, "seat:bot_alan", "back")
    assert not items(tab, "seat:bot_ada", "face")  # the bots' cards are never known
    assert len({tab.table.gettags(item) for item in items(tab, "dealer")}) == 1
    assert any(text.startswith("Pot ") for text in texts(tab, "pot"))
    assert any(re.fullmatch(r"\d[\d,]*", text) for text in texts(tab, "bet"))  # the blinds
    assert items(tab, "seat:host", "turn")
    assert re.fullmatch(r"\d+ s", texts(tab, "timer_text")[0])
    assert tab._tick_id is not None  # the clock counts down from an after() tick

    # the buttons say what the rules allow, with the amounts
    choices = tab.view.choices
    call = str(tab.actions.call_button.cget("text"))
    assert call == ("Check" if choices.can_check else f"Call {choices.call_amount:,}")
    assert str(tab.actions.allin_button.cget("text")) == f"All in ({choices.all_in_total:,})"
    assert tab.actions.amount.get() == str(choices.min_total)
    assert "Your turn" in info(tab) and f"{choices.min_total:,}" in info(tab)
    for button in buttons(tab):
        assert button.instate(["!disabled"])
        assert letter_of(button), button.cget("text")  # Alt+letter works for each

    play_until(app, tab, lambda: tab.notes.wins)
    wait_until(app.root, lambda: not tab.view.hand_running, message="the hand's end")
    history = tab.history.content()
    assert "Hand 1:" in history and " wins " in history
    assert tab.notes.summary() in info(tab)
    assert items(tab, "winner")
    for button in buttons(tab):
        assert button.instate(["disabled"])  # not my turn any more
    screenshot(app.root, "poker-tab")


def test_bet_and_raise_use_the_amount_the_slider_and_enter(app):
    tab, _port = host_table(app, bots=1, hand_pause=0.3)
    wait_until(app.root, lambda: my_turn(tab) and tab.view.choices.can_open,
               message="a turn where I may raise")
    choices = tab.view.choices
    tab.actions.slider_value.set(choices.max_total)
    tab.actions.slid()
    assert tab.actions.amount.get() == str(choices.max_total)
    tab.actions.slider_value.set(choices.min_total)
    tab.actions.slid()
    assert tab.actions.amount.get() == str(choices.min_total)
    wanted = min(choices.max_total, choices.min_total + tab.view.big_blind)
    tab.actions.amount.set(str(wanted))
    assert str(tab.actions.raise_button.cget("text")).endswith(f"{wanted:,}")
    assert abs(tab.actions.slider_value.get() - wanted) < 1
    tab.actions.amount_box.focus_force()
    tab.actions.amount_box.event_generate("<Return>")
    wait_until(app.root, lambda: any(line.endswith(f"{wanted}") for line in tab.view.history
                                     if line.startswith("host ")),
               message="the bet or raise to reach the table")


def test_an_illegal_amount_is_refused_plainly_and_nothing_is_sent(app):
    tab, _port = host_table(app, bots=1, hand_pause=0.3)
    wait_until(app.root, lambda: my_turn(tab) and tab.view.choices.can_open,
               message="a turn where I may raise")
    choices = tab.view.choices
    sent_before = tab.client.view.history[:]
    tab.actions.amount_box.focus_force()
    for typed, said in (("5", "The smallest"), ("lots", "whole number"),
                        ("٣٠", "whole number"), ("", "whole number"),
                        (str(choices.max_total + 1), "You have only"),
                        ("9" * 40, "whole number")):
        tab.actions.amount.set(typed)
        tab.actions.amount_box.event_generate("<Return>")
        app.root.update()
        assert said in info(tab), (typed, info(tab))
        assert str(tab.actions.info.cget("style")) == "Error.TLabel"
        assert my_turn(tab)  # still my turn: nothing went out
    assert tab.client.view.history == sent_before
    # a refusal from the table itself (an action sent behind the buttons' back)
    from labsuite.protocols.poker import Raise
    tab.join.slot.send(lambda client: client.act(Raise(1)), lambda text: None)
    wait_until(app.root, lambda: "raise" in info(tab).lower() and
               str(tab.actions.info.cget("style")) == "Error.TLabel",
               message="the table's refusal")
    assert "Not allowed:" in tab.history.content()
    assert my_turn(tab)
    tab.actions.fold_button.invoke()
    wait_until(app.root, lambda: "host folds" in tab.history.content())


def test_keyboard_alt_letter_presses_the_action_buttons(app):
    tab, _port = host_table(app, bots=1, hand_pause=0.3)
    wait_until(app.root, lambda: my_turn(tab), message="my turn")
    letter = letter_of(tab.actions.call_button)
    before = len(tab.view.history)
    tab.actions.amount_box.focus_force()
    app.root.update()
    tab.actions.amount_box.event_generate(f"<Alt-KeyPress-{letter}>")
    wait_until(app.root, lambda: any(line.startswith("host ") for line in
                                     tab.view.history[before:]), message="Alt+letter to act")


# -- a second player, closing -------------------------------------------------------------------
def test_a_second_player_is_drawn_and_closing_the_table_asks_first(app):
    tab, port = host_table(app, bots=1, hand_pause=0.3)
    visitor = PokerClient("127.0.0.1", port, name="visitor")
    visitor.start()
    try:
        assert visitor.wait_joined(5)
        wait_until(app.root, lambda: items(tab, "seat:visitor", "plate"),
                   message="the visitor on the table")
        visitor.say("hello table")
        wait_until(app.root, lambda: "visitor: hello table" in tab.talk.content())
        assert tab.people_at_table() == ["visitor"]
        assert "visitor" in app.servers_with_people()[0]
        tab.server.toggle_button.invoke()
        dialog = open_dialog(app.root)
        assert dialog is not None and "visitor" in str(dialog.question.cget("text"))
        dialog.no_button.invoke()
        app.root.update()
        assert tab.server.running and open_dialog(app.root) is None
        tab.server.toggle_button.invoke()
        open_dialog(app.root).yes_button.invoke()
        wait_until(app.root, lambda: not tab.server.running, message="the table to close")
        deadline = time.monotonic() + 5
        while visitor.running and time.monotonic() < deadline:
            time.sleep(0.01)
        wait_until(app.root, lambda: port_is_free(port))
        assert tab.client is None and not tab.bot_button.winfo_ismapped()
    finally:
        visitor.stop()


def test_a_table_with_only_computer_players_closes_without_a_question(app):
    tab, _port = host_table(app, bots=2)
    tab.server.toggle_button.invoke()
    assert open_dialog(app.root) is None
    wait_until(app.root, lambda: not tab.server.running, message="the table to close")


def test_a_member_sees_the_host_close_the_table_and_can_reconnect(app):
    server = PokerServer(port=0, bots=1, bot_delay=0.0, hand_pause=60.0).start()
    port = server.address[1]
    try:
        tab = join_table(app, port)
        wait_until(app.root, lambda: tab.joined_as == "member")
        wait_until(app.root, lambda: items(tab, "seat:bot_ada"), message="the bot drawn")
    finally:
        server.stop()
    wait_until(app.root, lambda: TABLE_CLOSED in state(tab))
    assert "Connection lost" not in state(tab)
    assert str(tab.join.join_button.cget("text")) == "Reconnect"
    assert tab.history.content().count(TABLE_CLOSED) == 1
    assert TABLE_CLOSED in texts(tab, "message")[0]
    assert tab.message_entry.instate(["disabled"])
    with PokerServer(port=port, bot_delay=0.0):
        tab.join.join_button.invoke()
        wait_until(app.root, lambda: tab.joined_as == "member", message="sat down again")


def test_a_refused_name_is_said_with_the_suggestion_and_can_be_changed(app):
    with PokerServer(port=0, bot_delay=0.0) as server:
        first = PokerClient("127.0.0.1", server.address[1], name="cool_cat")
        first.start()
        try:
            assert first.wait_joined(5)
            tab = join_table(app, server.address[1], name="Cool_Cat")
            wait_until(app.root, lambda: "refused" in state(tab))
            said = state(tab)
            assert "taken" in said and "try " in said and "Change your name" in said
            assert tab.joined_as is None and tab.client is not None
            wait_until(app.root, lambda: items(tab, "seat:cool_cat"))  # watching meanwhile
            assert not items(tab, "seat:cool_cat", "hole")  # not mistaken for me
            tab.join.name.set("two words")
            tab.join.join_button.invoke()
            wait_until(app.root, lambda: "one word" in state(tab))
            tab.join.name.set("cool_kitten")
            tab.join.join_button.invoke()
            wait_until(app.root, lambda: tab.joined_as == "cool_kitten")
            assert str(tab.join.join_button.cget("text")) == "Leave"
            tab.join.join_button.invoke()
            wait_until(app.root, lambda: state(tab) == "Not at a table")
            wait_until(app.root, lambda: "cool_kitten" not in first.view.seats,
                       message="the others to see us leave")
        finally:
            first.stop()


def test_joining_nothing_listening_is_a_plain_error(app):
    tab = join_table(app, free_port())
    wait_until(app.root, lambda: "Nothing is listening" in state(tab))
    assert tab.client is None and str(tab.join.join_button.cget("text")) == "Reconnect"


def test_joining_during_a_hand_tells_the_hand_once(app):
    with PokerServer(port=0, bots=2, bot_delay=0.2, hand_pause=0.05, seed=3) as server:
        deadline = time.monotonic() + 10
        while not server.snapshot.hand_running and time.monotonic() < deadline:
            time.sleep(0.01)
        tab = join_table(app, server.address[1], name="latecomer")
        wait_until(app.root, lambda: tab.joined_as == "latecomer")
        wait_until(app.root, lambda: tab.view.hand_number >= 1)
        number = tab.view.hand_number
        play_until(app, tab, lambda: tab.view.hand_number > number, timeout=20,
                   message="the next hand")
        history = tab.history.content()
        assert history.count(f"Hand {number}:") == 1, history
        assert "latecomer" in {seat.name for seat in tab.view.seats.values()}


# -- the table's settings -------------------------------------------------------------------
def test_the_tables_settings_go_to_the_server_and_bad_ones_are_said_plainly(app):
    tab = app.select("Poker")
    tab.server.scope.set(ports.LOCAL_ONLY)
    tab.server.port_box.set_port(free_port())
    tab.small_blind.variable.set("50")
    tab.big_blind.variable.set("20")
    tab.server.toggle_button.invoke()
    assert not tab.server.running
    assert "small blind must not be more" in tab.server.state_text
    tab.small_blind.variable.set("")
    tab.server.toggle_button.invoke()
    assert "whole number of chips" in tab.server.state_text
    tab.small_blind.variable.set("5")
    tab.turn_seconds.variable.set("1")
    tab.server.toggle_button.invoke()
    assert "seconds" in tab.server.state_text and not tab.server.running
    tab.small_blind.insert("end", "x!")  # refused as typed: digits only
    assert tab.small_blind.variable.get() == "5"
    tab.turn_seconds.variable.set("12")
    tab.stack.variable.set("500")
    tab.rebuy.set(True)
    tab.join.name.set("teacher")
    tab.server_options.update(bot_delay=0.0)
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.joined_as == "teacher")
    config = tab.server.service.config
    assert (config.small_blind, config.big_blind, config.starting_stack,
            config.turn_seconds, config.rebuy) == (5, 20, 500, 12.0, True)
    assert tab.small_blind.instate(["disabled"])  # the rules are fixed while it runs
    values = tab.settings()
    assert values["poker.blinds.small"] == 5 and values["poker.stack"] == 500
    assert values["poker.rebuy"] is True and values["poker.name"] == "teacher"


# -- privacy ---------------------------------------------------------------------------------
def test_my_cards_never_reach_the_log(app):
    tab, _port = host_table(app, bots=2, hand_pause=0.3)
    wait_until(app.root, lambda: len(tab.view.hole) == 2, message="my cards")
    wait_until(app.root, lambda: "Dealt two cards" in tab.log.content(),
               message="the server's note that cards were dealt")
    log = tab.log.content()
    pair = " ".join(card.text for card in tab.view.hole)
    assert "CARDS" not in log and pair not in log
    assert "(private: not shown)" in log  # the read that carried them, without its bytes


def test_a_cards_line_split_across_reads_is_hidden_in_both():
    screen = PrivateReads()

    def read(data, size=None):
        event = Event(Kind.READ, "poker client", None, ("127.0.0.1", 9100),
                      size=len(data) if size is None else size, data=data)
        return screen.screen(event)

    assert not read(b"SEAT 1 ann 1000\nHAND 1 ann\n").hidden
    assert read(b"BLINDS ann 10 bob 20\nCARDS 6d 5s\nTURN ann 10 40\n").hidden
    assert not read(b"ACTION ann call 20\nCAR").hidden  # nothing secret yet...
    hidden = read(b"DS Ah Kd\n")  # ...the rest of the line is
    assert hidden.hidden and "Ah" not in hidden.text and "private" in hidden.text
    assert not read(b"POT 40\n").hidden
    assert not read(b"BOARD Jh 9s Ac\n", size=500).hidden  # a long read, kept in part
    assert read(b"5s 6d\nPOT 40\n").hidden  # after it, the first line could be cards
    assert not read(b"POT 80\n").hidden
    assert read(b"CARDS 2c 3c\r\n").hidden


# -- a hostile server ---------------------------------------------------------------------------
class ScriptedServer:
    """Accepts one connection, sends ``script`` and keeps it open until closed."""

    def __init__(self, script: bytes):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.script = script
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn:
            conn.sendall(self.script)
            self.done.wait(10)

    def close(self):
        self.done.set()
        self.thread.join(5)
        self.listener.close()


def test_garbage_from_a_server_never_breaks_the_window(app, capsys):
    long_name = "n" * 300
    script = b"".join([
        b"NOTICE Welcome\n", b"SEAT 1 me 1000\n", b"NEW me\n",
        f"SEAT 2 {long_name} 5\n".encode(), "SEAT 3 \u200bz\u00e9ro 7\n".encode(),
        b"SEAT 9 far 1\n", b"SEAT x y z\n", b"HAND 1 me\n", b"PLAYERS me nobody\n",
        b"BLINDS me 10 ghost 20\n", b"CARDS Zz 1q\n", b"CARDS As Kd\n",
        b"BOARD 2c 2c 2c\n", b"\xff\xfe\xfd invalid utf-8\n", b"X" * 20000 + b"\n",
        b"TURN me 999999999999 -5\n", b"CLOCK me 1e308\n", b"CLOCK me nan\n",
        b"ACTION me dance 10\n", b"ACTION ghost raise 50\n", b"POT -3\n",
        b"POTS 1 2 3 4 5 6 7 8 9\n", b"SHOW ghost As As what\n", b"WIN ghost 10 luck\n",
        b"MESSAGE me\n", b"\x1b[31mred alert\x07\n", b"TURN me 20 40\n", b"CLOCK me 30\n",
        b"LEFT nobody\n", b"RETURN me 99999\n",
    ])
    server = ScriptedServer(script)
    try:
        tab = join_table(app, server.port, name="me")
        wait_until(app.root, lambda: tab.joined_as == "me")
        wait_until(app.root, lambda: "red alert" in tab.talk.content(), message="the script")
        app.root.update()
        tab.table.redraw()
        assert items(tab, "seat:me", "plate")
        assert "\x1b" not in tab.talk.content() and "\x07" not in tab.talk.content()
        for widget in (tab.actions.fold_button, tab.actions.call_button, tab.actions.raise_button):
            widget.invoke()  # whatever the server claimed, the buttons are safe to press
        tab.actions.amount.set("-1")
        tab.actions.bet_or_raise()
        for width, height in ((60, 40), (2000, 200), (300, 900)):
            tab.table.configure(width=width, height=height)
            app.root.update()
            tab.table.redraw()
    finally:
        server.close()
    wait_until(app.root, lambda: tab.client is None, message="the connection to end")
    assert "Connection lost" in state(tab) or \
        "closed" in state(tab)
    assert "window update failed" not in capsys.readouterr().err


# -- the drawing's rules ------------------------------------------------------------------------
def test_the_scene_shows_my_cards_backs_for_others_and_the_showdown():
    view, notes = TableView("ann"), HandNotes()
    events = [Seat(1, "ann", 1000), Seat(2, "bob", 1000), Seat(3, "cy", 1000),
              Hand(1, "ann"), Players(("bob", "cy", "ann")), Blinds("bob", 10, "cy", 20),
              Acted("bob", "blind", 10), Acted("cy", "blind", 20),
              Cards(tuple(parse_cards("As Kd"))), Turn("ann", 20, 40)]
    for event in events:
        view.apply(event, 0.0)
        notes.apply(event)
    scene = scene_of(view, notes)
    ann, bob, cy = (scene.seat_of(name) for name in ("ann", "bob", "cy"))
    assert ann.me and ann.turn and ann.dealer and ann.cards == tuple(parse_cards("As Kd"))
    assert bob.cards == (None, None) and cy.cards == (None, None)
    assert (bob.bet, cy.bet, scene.pot) == (10, 20, 30)
    for event in (Acted("ann", "call", 20), Acted("bob", "fold", 10), Pot(50),
                  Board(tuple(parse_cards("2c 7d 9h"))), Acted("cy", "allin", 980)):
        view.apply(event, 0.0)
        notes.apply(event)
    scene = scene_of(view, notes)
    assert scene.seat_of("bob").state == FOLDED and scene.seat_of("bob").cards == ()
    assert scene.seat_of("cy").state == ALL_IN
    for event in (Acted("ann", "call", 980), Pot(2010),
                  Board(tuple(parse_cards("2c 7d 9h Th Js"))),
                  Show("cy", tuple(parse_cards("Qc Qd")), "a pair of queens"),
                  Show("ann", tuple(parse_cards("As Kd")), "ace high"),
                  Win("cy", 2010, "a pair of queens"), Chips("ann", 0), Chips("bob", 990),
                  Chips("cy", 2010)):
        view.apply(event, 0.0)
        notes.apply(event)
    scene = scene_of(view, notes)  # the hand is over: the showdown stays on the table
    assert scene.seat_of("ann").state == SITTING_OUT  # no chips left
    assert scene.seat_of("cy").won == 2010 and scene.seat_of("cy").cards == \
        tuple(parse_cards("Qc Qd"))
    assert scene.seat_of("bob").cards == ()  # folded: nothing to show
    assert scene.seat_of("bob").state == FOLDED  # the last hand stays on the table
    assert scene.message == "cy wins 2,010 with a pair of queens"
    assert scene.short_message == "cy wins 2,010" and len(scene.board) == 5
    view.apply(Away("bob"), 0.0)
    assert scene_of(view, notes).seat_of("bob").state == AWAY
    view.apply(Hand(2, "bob"), 0.0)
    notes.apply(Hand(2, "bob"))
    assert not scene_of(view, notes).message  # a new hand wipes it


def test_cards_seats_and_clock_words():
    assert card_text(parse_card("Th")) == ("10", "\u2665")
    assert card_text(parse_card("As"), symbols=False) == ("A", "S")
    assert suit_font_family(["Foo", "dejavu sans"]) == "dejavu sans"
    assert suit_font_family(["Foo", "Bar"]) is None  # letters then
    assert seconds_text(29.2) == "30 s" and seconds_text(-1) == "0 s"
    points = positions(4, 400, 200, 150, 80)
    assert points[0] == pytest.approx((200, 180))  # me at the bottom
    assert points[1] == pytest.approx((50, 100))  # then clockwise: the left
    assert points[2] == pytest.approx((200, 20))


def eight_seats(long=True):
    names = [f"player_{n}_" + "x" * (6 if long else 0) for n in range(8)]
    seats = tuple(SeatPicture(n + 1, name, 123456, bet=2000 * n, me=n == 3, dealer=n == 5,
                              cards=(None, None) if n != 3 else tuple(parse_cards("Ah Kh")),
                              turn=n == 6) for n, name in enumerate(names))
    return Scene(seats=seats, board=tuple(parse_cards("2c 3d 4h 5s 6c")), pot=99999,
                 side_pots=(500, 400), hand_number=7, blinds=(10, 20), turn=names[6],
                 deadline=time.monotonic() + 20, clock_seconds=30.0,
                 message="player_1 wins 123,456 with a straight, six high")


def test_eight_seats_fit_the_smallest_table_without_overlapping(app):
    import tkinter as tk

    from labsuite.gui.widgets.card_table import MIN_HEIGHT, MIN_WIDTH
    window = tk.Toplevel(app.root)
    try:
        table = CardTable(window)
        table.pack(fill="both", expand=True)
        window.geometry(f"{MIN_WIDTH}x{MIN_HEIGHT}")
        table.show(eight_seats())
        wait_until(app.root, lambda: table.winfo_width() == MIN_WIDTH)
        table.redraw()
        plates = [table.bbox(item) for item in table.find_withtag("plate")]
        assert len(plates) == 8
        for box in plates:
            assert box[0] >= -1 and box[1] >= -1
            assert box[2] <= MIN_WIDTH + 1 and box[3] <= MIN_HEIGHT + 1
        for index, a in enumerate(plates):
            for b in plates[index + 1:]:
                overlap = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
                assert min(overlap) <= 2, (a, b)
        names = [table.itemcget(item, "text") for item in table.find_withtag("name")]
        assert all(name.endswith(("x", "…", "(you)")) for name in names)
        assert len(table.find_withtag("board")) and table.find_withtag("side_pots")
        timer = [table.itemcget(item, "text") for item in table.find_withtag("timer_text")]
        assert timer and re.fullmatch(r"\d+ s", timer[0])
        before = timer[0]
        table.tick(time.monotonic() + 15)
        assert table.itemcget(table.find_withtag("timer_text")[0], "text") != before
        faces = {table.itemcget(item, "text") for item in table.find_withtag("suit")}
        assert faces <= set("\u2660\u2665\u2666\u2663")
        table.suit_family = None  # no font with the suits here: letters
        table.redraw()
        faces = {table.itemcget(item, "text") for item in table.find_withtag("suit")}
        assert faces and faces <= set("SHDC")
    finally:
        window.destroy()


def test_the_table_follows_the_scale_and_the_theme(app):
    """A window of its own with a stand-in look: the table listens for the look's
    change, as in the main window (where it is the look of the whole app)."""
    import tkinter as tk
    from types import SimpleNamespace

    from labsuite.gui import style
    from labsuite.gui.look import LOOK_CHANGED
    from labsuite.gui.widgets.card_table import MIN_HEIGHT
    window = tk.Toplevel(app.root)
    window._labsuite_look = look = SimpleNamespace(scale=1.0, palette=style.LIGHT)
    try:
        table = CardTable(window)
        table.pack(fill="both", expand=True)
        window.geometry("600x260")
        table.show(eight_seats(long=False))
        wait_until(app.root, lambda: table.winfo_width() == 600)
        table.redraw()
        small = abs(int(table.fonts["name"].cget("size")))
        felt = table.itemcget(table.find_withtag("felt")[1], "fill")
        look.scale, look.palette = 1.5, style.DARK
        window.event_generate(LOOK_CHANGED)
        table.redraw()
        assert abs(int(table.fonts["name"].cget("size"))) > small
        assert table.itemcget(table.find_withtag("felt")[1], "fill") != felt
        assert str(table.cget("background")) == style.DARK.background
        assert int(table.cget("height")) == int(MIN_HEIGHT * 1.5)  # it asks for more room
    finally:
        window.destroy()


def test_the_tables_rules_and_my_name_are_remembered(tmp_path):
    from labsuite.gui.app import create_app
    from labsuite.gui.settings import Settings

    settings = Settings(tmp_path / "settings.json")
    settings.update({"poker.blinds.small": 25, "poker.blinds.big": 50, "poker.stack": 5000,
                     "poker.turn_seconds": 45, "poker.rebuy": True, "poker.name": "ann",
                     "poker.client.host": "10.0.0.5", "poker.stack.bogus": "x",
                     "poker.turn_seconds.bad": None})
    app = create_app(settings)
    try:
        tab = app.tabs["Poker"]
        assert (tab.small_blind.variable.get(), tab.big_blind.variable.get(),
                tab.stack.variable.get(), tab.turn_seconds.variable.get()) == \
            ("25", "50", "5000", "45")
        assert tab.rebuy.get() is True and tab.name.get() == "ann"
        assert tab.target.host_text == "10.0.0.5"
        tab.stack.variable.set("")  # an empty field is not remembered, nor does it break
        values = tab.settings()
        assert "poker.stack" not in values and values["poker.blinds.big"] == 50
    finally:
        app.close()
