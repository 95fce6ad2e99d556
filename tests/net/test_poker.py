"""The poker server and client with real sockets on loopback (and between two hosts).

Players join from raw sockets, as telnet would, and from PokerClient. Decks are stacked
(heads-up, the first to join deals: the other player gets the first two cards, the
dealer the next two, then the board), and hands follow at once (no pause, bots do not
think), so every line can be checked.
"""

from __future__ import annotations

import contextlib
import queue
import re
import socket
import subprocess
import threading
import time
from dataclasses import replace

import pytest

from labsuite.net.errors import NetError
from labsuite.net.events import Kind
from labsuite.net.poker import (HAND_LOG_LIMIT, KEEP_LINES, TABLE_CLOSED, TALK_BURST,
                                PokerClient, PokerServer, table_config)
from labsuite.protocols.chat import Notice
from labsuite.protocols.poker import Call, Check, Deck, parse_cards
from labsuite.protocols.poker.events import Cards, Error, Goodbye, Win
from tests.protocols.poker.support import state
from tests.net.test_two_machines import (CLIENT_ADDRESS, SERVER_ADDRESS, labsuite,
                                         two_hosts)  # noqa: F401 (a fixture)
from tests.support import ChatPeer, Recorder, closed_port, read_lines_until, stop_process

pytestmark = pytest.mark.timeout(30)

# bob (who joins second) is dealt As Ad, ann (the dealer) Kc Kd, then the board
ACES_OVER_KINGS = "As Ad Kc Kd 2h 7c 9s Jd 3c"
WELCOME = re.compile(r"^NOTICE Welcome to the poker table")


class Player(ChatPeer):
    """A telnet-style player on a raw socket: whole lines, and every line it heard kept."""

    def __init__(self, address, name=None, **kwargs):
        super().__init__(address, **kwargs)
        self.heard = []
        if name:
            self.send(f"JOIN {name}\n")
            self.expect(f"NEW {name}")

    def line(self, timeout=5):
        line = super().line(timeout)
        self.heard.append(line)
        return line

    def upto(self, wanted, timeout=5):
        """The lines read up to and including ``wanted``."""
        return self.expect(wanted, timeout) + [wanted]

    def matching(self, pattern, timeout=5):
        """Read until a line matches ``pattern``; return that line."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.line(max(0.01, deadline - time.monotonic()))
            if re.search(pattern, line):
                return line

    def silent(self, seconds=0.2):
        """Nothing more arrives for ``seconds`` (a short wait: only for "nothing")."""
        try:
            self.sock.settimeout(seconds)
            data = self.sock.recv(65536)
        except socket.timeout:
            return b"\n" not in self.buffer
        self.buffer += data
        return False


def stacked(decks):
    """A deck source: the given decks in turn, then the full deck in its fixed order."""
    waiting = list(decks)
    return lambda: Deck.stacked(waiting.pop(0) if waiting else "")


@pytest.fixture
def table(started):
    """table(decks, **options) -> a running PokerServer; its events in .recorder."""
    def make(decks=(), on_event=None, **options):
        options.setdefault("hand_pause", 0)
        options.setdefault("bot_delay", 0)
        options.setdefault("deck_source", stacked(decks))
        recorder = Recorder()
        server = PokerServer(port=0, on_event=on_event or recorder, **options)
        server.recorder = recorder
        return started(server)
    return make


def heads_up(table, decks=(ACES_OVER_KINGS,), **options):
    server = table(decks, **options)
    ann = Player(server.address, "ann")
    bob = Player(server.address, "bob")
    return server, ann, bob


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def info(server):
    return [event.text for event in server.recorder.events if event.kind is Kind.INFO]


# -- a hand by hand ------------------------------------------------------------------------
def test_a_hand_played_by_telnet_to_the_showdown(table):
    server, ann, bob = heads_up(table)
    start = ["HAND 1 ann", "SEAT 1 ann 1000", "SEAT 2 bob 1000", "PLAYERS bob ann",
             "BLINDS ann 10 bob 20", "ACTION ann blind 10", "ACTION bob blind 20"]
    assert ann.upto("CLOCK ann 30")[-10:] == start + ["CARDS Kc Kd", "TURN ann 10 40",
                                                      "CLOCK ann 30"]
    assert bob.upto("CLOCK ann 30")[-10:] == start + ["CARDS As Ad", "TURN ann 10 40",
                                                      "CLOCK ann 30"]
    ann.send("CALL\n")
    assert bob.upto("CLOCK bob 30") == ["ACTION ann call 20", "TURN bob 0 40", "CLOCK bob 30"]
    bob.send("check\n")  # commands are case-insensitive
    assert bob.upto("CLOCK bob 30") == ["ACTION bob check 20", "POT 40", "BOARD 2h 7c 9s",
                                        "TURN bob 0 20", "CLOCK bob 30"]
    for board in ("2h 7c 9s Jd", "2h 7c 9s Jd 3c"):
        bob.send("CHECK\n")
        bob.expect("CLOCK ann 30")
        ann.send("CHECK\r\n")  # telnet's line ending
        assert bob.expect(f"BOARD {board}")[-2:] == ["ACTION ann check 0", "POT 40"]
    bob.send("CHECK\n")
    bob.expect("CLOCK ann 30")
    ann.send("CHECK\n")
    end = ["ACTION ann check 0", "POT 40", "SHOW bob As Ad a pair of aces",
           "SHOW ann Kc Kd a pair of kings", "WIN bob 40 a pair of aces", "CHIPS ann 980",
           "CHIPS bob 1020"]
    assert ann.upto("CHIPS bob 1020")[-7:] == end
    assert bob.upto("CHIPS bob 1020")[-7:] == end
    ann.expect("HAND 2 bob")  # the next hand starts by itself; the button moved
    wait_until(lambda: server.snapshot.hand_number == 2)
    chips = {seat.name: seat.chips + seat.bet for seat in server.snapshot.seats}
    assert chips == {"ann": 980, "bob": 1020}
    log = info(server)
    for line in ("ann joined seat 1", "bob joined seat 2", "Hand 1: dealer ann",
                 "Dealt two cards to each of 2 players (not shown)", "ann calls 20",
                 "bob wins 40 with a pair of aces", "Chips: ann 980, bob 1,020"):
        assert line in log


def test_hole_cards_reach_only_their_owner(table):
    server, ann, bob = heads_up(table)
    watcher = Player(server.address)
    ann.expect("CLOCK ann 30")
    ann.send("FOLD\n")
    for peer in (ann, bob, watcher):
        peer.expect("CHIPS bob 1010")
    cards = {"ann": "CARDS Kc Kd", "bob": "CARDS As Ad"}
    assert [line for line in ann.heard if line.startswith("CARDS")] == [cards["ann"]]
    assert [line for line in bob.heard if line.startswith("CARDS")] == [cards["bob"]]
    assert not [line for line in watcher.heard if "CARDS" in line or "SHOW" in line]
    assert not any(card in " ".join(watcher.heard + bob.heard) for card in ("Kc", "Kd"))
    events = server.recorder.events
    for event in events:  # the host's log: that cards were dealt, never which
        shown = f"{event.text} {event.data!r}"
        assert not any(card in shown for card in ("As", "Ad", "Kc", "Kd")), event
    hidden = [event for event in events if event.kind is Kind.WROTE and event.hidden]
    assert len(hidden) >= 2 and all(event.data == b"" for event in hidden)
    assert "(private: not shown)" in hidden[0].text


def test_every_illegal_action_gets_an_error_and_changes_nothing(table):
    server, ann, bob = heads_up(table)
    watcher = Player(server.address)
    ann.expect("CLOCK ann 30")
    bob.expect("CLOCK ann 30")
    watcher.matching(r"^CLOCK ann ")  # the end of a late watcher's picture of the hand
    tries = [
        (bob, "CALL", "It is ann's turn, not yours."),
        (bob, "MESSAGE", "Empty message"),
        (ann, "CHECK", "You cannot check: there is a bet of 20. CALL 10 more"),
        (ann, "BET 40", "There is already a bet of 20: use RAISE"),
        (ann, "RAISE 30", "The smallest raise now is to 40."),
        (ann, "RAISE 5000", "the most you can raise is to 1000"),
        (ann, "RAISE lots", "is not a whole number of chips"),
        (ann, "RAISE 99999999999999999", "more chips than any table holds"),
        (ann, "CALL now", "CALL takes nothing after it."),
        (ann, "JOIN someone", "You are at the table as ann"),
        (ann, "SHUFFLE", "Unknown command 'SHUFFLE'"),
        (watcher, "CALL", "Join the table first"),
        (watcher, "MESSAGE hi", "Join the table first"),
        (watcher, "JOIN ANN", "The name ann is taken at this table; try ANN2."),
        (watcher, "JOIN bot_x", "for computer players"),
        (watcher, "JOIN cool cat", "try cool_cat"),
    ]
    for peer, command, reason in tries:
        before, picture = state(server._table), server.snapshot
        peer.send(command + "\n")
        line = peer.line()
        assert line.startswith("ERROR ") and reason in line, (command, line)
        assert state(server._table) == before, command
        assert server.snapshot == picture, command
    for peer in (ann, bob, watcher):
        assert peer.silent(), "an error reached someone else"
    ann.send("CALL\n")  # the table goes on as if nothing had happened
    for peer in (ann, bob, watcher):
        assert peer.line() == "ACTION ann call 20"


def test_garbage_invalid_utf8_and_a_huge_line_are_refused_and_the_table_goes_on(table):
    server, ann, bob = heads_up(table)
    ann.expect("CLOCK ann 30")
    for data, reason in ((b"\xff\xfe\xfd\n", "not valid UTF-8"),
                         (b"\x00\x01\x1b[2J garbage\n", "Unknown command"),
                         (b"X" * (1024 * 1024) + b"\n", "Line too long"),
                         (b"CALL" + b" " * 5000 + b"\n", "Line too long")):
        ann.send(data)
        line = ann.line(timeout=10)
        assert line.startswith("ERROR ") and reason in line
        assert "\x1b" not in line
    ann.send(b"\n\r\n   \n")  # blank lines: nothing to answer
    ann.send(b"CA")
    ann.send(b"LL\n")  # a line split over two sends
    assert bob.expect("ACTION ann call 20")
    assert server.running and server.connection_count == 2


def test_commands_split_at_every_byte_and_pipelined(table):
    server = table()
    ann = Player(server.address)
    for byte in b"JOIN ann\r\nMESSAGE hello\n":
        ann.send(bytes([byte]))
    ann.expect("NEW ann")
    assert ann.expect("hello")[-1] == "MESSAGE ann"
    ann.send("MESSAGE one\nMESSAGE two\nQUIT\n")
    assert ann.upto("GOODBYE")[-5:] == ["MESSAGE ann", "one", "MESSAGE ann", "two", "GOODBYE"]
    with pytest.raises(EOFError):
        ann.line()


# -- people coming and going -----------------------------------------------------------------
def test_a_vanished_player_is_folded_keeps_the_seat_and_comes_back(table):
    server, ann, bob = heads_up(table)
    ann.expect("CLOCK ann 30")
    ann.reset()  # vanished mid-hand, on her turn
    assert bob.upto("CHIPS bob 1010")[-6:] == [
        "AWAY ann", "ACTION ann fold 10", "RETURN bob 10", "WIN bob 20 uncontested",
        "CHIPS ann 990", "CHIPS bob 1010"]
    wait_until(lambda: server.snapshot.seat_of("ann") is not None
               and server.snapshot.seat_of("ann").away)
    assert server.snapshot.seat_of("ann").chips == 990
    assert bob.line().startswith("WAIT ")
    again = Player(server.address)
    assert any(line == "AWAY ann" for line in again.upto("SEAT 2 bob 1010"))  # watching
    again.send("JOIN ANN\n")  # the same name, whatever the case
    again.expect("BACK ann")
    assert again.expect("HAND 2 bob")[:2] == ["SEAT 1 ann 990", "SEAT 2 bob 1010"]
    assert bob.expect("HAND 2 bob")[0] == "BACK ann"
    assert "ann lost the connection; the seat is kept for a while" in info(server)
    assert "ann is back" in info(server)


def test_a_player_back_during_the_hand_is_shown_it_again_and_only_their_cards(table):
    server = table(["2c 2d 3c 3d Ac Ad"], hand_pause=0.5)  # bob, cat, ann are dealt in turn
    ann, bob, cat = (Player(server.address, name) for name in ("ann", "bob", "cat"))
    bob.expect("CLOCK ann 30")  # three at the table: left of the big blind acts first
    ann.reset()
    bob.expect("ACTION ann fold 0")
    bob.expect("CLOCK bob 30")
    again = Player(server.address)
    again.matching(r"^CLOCK bob ")  # watching first: the hand so far, no cards
    assert not [line for line in again.heard if line.startswith("CARDS")]
    again.send("JOIN ann\n")
    again.expect("BACK ann")
    seen = len(again.heard)
    again.matching(r"^CLOCK bob ")
    told = again.heard[seen:]
    assert "CARDS Ac Ad" in told and "ACTION ann fold 0" in told
    assert bob.line() == "BACK ann" and bob.silent()  # (the hand is told again to ann alone)
    assert not [line for line in bob.heard + cat.heard if "Ac" in line]
    assert "ann was shown their cards again (not shown here)" in info(server)
    assert not [text for text in info(server) if "Ac" in text]


def test_a_stopped_table_starts_afresh(table):
    server = table(bots=2, hand_pause=60)
    wait_until(lambda: len(server.snapshot.seats) == 2)
    server.stop()
    assert server.snapshot.seats == ()
    server.start()
    wait_until(lambda: len(server.snapshot.seats) == 2)
    assert server.snapshot.hand_number == 0  # the pause before the first hand is a minute
    Player(server.address, "ann")


def test_a_seat_not_reclaimed_in_time_is_freed(table):
    server, ann, bob = heads_up(table, reconnect_seconds=0.2)
    ann.expect("CLOCK ann 30")
    bob.expect("CLOCK ann 30")
    ann.close()
    assert bob.expect("LEFT ann", timeout=5)[0] == "AWAY ann"
    wait_until(lambda: [seat.name for seat in server.snapshot.seats] == ["bob"])
    late = Player(server.address, "ann")  # a newcomer now, with a fresh stack
    assert late.expect("SEAT 1 ann 1000") == []


def test_a_player_who_never_acts_is_folded_or_checked_by_the_timer(table):
    server, ann, bob = heads_up(table, decks=[ACES_OVER_KINGS] * 2, turn_seconds=1)
    assert bob.expect("ACTION ann fold 10")[-2:] == ["CLOCK ann 1", "TIMEOUT ann"]
    bob.expect("HAND 2 bob")
    bob.expect("CLOCK bob 1")  # heads-up the dealer, bob, acts first
    bob.send("CALL\n")
    assert ann.expect("ACTION ann check 20")[-3:] == ["TURN ann 0 40", "CLOCK ann 1",
                                                      "TIMEOUT ann"]
    assert "ann ran out of time" in info(server)


def test_quit_says_goodbye_and_the_others_see_the_player_leave(table):
    server, ann, bob = heads_up(table)
    ann.expect("CLOCK ann 30")
    bob.expect("CLOCK ann 30")
    ann.send("QUIT\n")
    assert ann.line() == "GOODBYE"
    with pytest.raises(EOFError):
        ann.line()
    assert bob.upto("LEFT ann")[0] == "ACTION ann fold 10"
    wait_until(lambda: [seat.name for seat in server.snapshot.seats] == ["bob"])
    watcher = Player(server.address)
    watcher.send("QUIT\n")
    assert watcher.expect("GOODBYE")[0] and pytest.raises(EOFError, watcher.line)


def test_names_that_differ_only_by_case_racing_for_one_seat(table):
    server = table(seats=8)
    peers = [Player(server.address) for _ in range(12)]
    for peer, name in zip(peers, ["Ann", "ann", "ANN", "aNN"] * 3):
        peer.send(f"JOIN {name}\n")
    refused = []
    for peer in peers:  # everyone watching sees the winner's NEW; the others are refused
        try:
            refused.append(peer.matching(r"^ERROR", timeout=1))
        except socket.timeout:
            pass
    assert len(refused) == 11 and all("is taken at this table" in line for line in refused)
    assert len(server.snapshot.seats) == 1
    assert all(peer.heard.count(f"NEW {server.snapshot.seats[0].name}") == 1 for peer in peers)


def test_eight_full_seats_plus_watchers(table):
    server = table(hand_pause=1.0)  # everyone is seated before the first hand
    players = [Player(server.address, f"p{number}") for number in range(8)]
    watchers = [Player(server.address) for _ in range(3)]
    ninth = Player(server.address)
    ninth.send("JOIN p8\n")
    assert "The table is full (8 seats)" in ninth.matching("^ERROR")
    for peer in watchers + players:
        peer.expect("TURN p3 20 40")  # the first to act, left of the big blind
    players[3].send("FOLD\n")
    for peer in watchers + players + [ninth]:
        peer.expect("ACTION p3 fold 0")
    assert len(server.snapshot.seats) == 8 and server.watchers == 4
    assert not [line for peer in watchers for line in peer.heard if line.startswith("CARDS")]


def test_table_talk_reaches_everyone_but_a_flood_is_slowed(table):
    server, ann, bob = heads_up(table)
    watcher = Player(server.address)
    flood = int(TALK_BURST + 5)
    ann.send("MESSAGE good luck \x1b[31mbob\n" + "MESSAGE spam\n" * flood)  # in one go
    for peer in (ann, bob, watcher):
        peer.expect("MESSAGE ann")
        assert peer.line() == "good luck \ufffd[31mbob"  # no terminal escapes relayed
    answers = [ann.matching(r"^(spam|ERROR)") for _ in range(flood)]
    assert answers.count("spam") == TALK_BURST - 1  # (one was spent on "good luck")
    assert all("Slow down" in answer for answer in answers if answer != "spam")
    assert "ann: good luck \ufffd[31mbob" in info(server)


def test_a_watcher_arriving_mid_hand_sees_the_table_as_it_is(table, started):
    server, ann, bob = heads_up(table)
    ann.expect("CLOCK ann 30")
    ann.send("RAISE 60\n")
    bob.expect("CLOCK bob 30")
    bob.send("CALL\n")
    bob.expect("CLOCK bob 30")
    bob.send("BET 40\n")
    ann.expect("CLOCK ann 30")
    recorder = Recorder()
    watcher = started(PokerClient(*server.address, on_event=recorder))
    wait_until(lambda: watcher.snapshot().deadline is not None)  # (the clock comes last)
    seen = watcher.snapshot()
    assert seen.board == server.snapshot.board and seen.pot == 160
    assert replace(seen, deadline=None) == replace(server.snapshot, deadline=None)
    assert 25 < seen.deadline - time.monotonic() <= 30
    assert isinstance(recorder.of(Kind.RESULT)[0].result, Notice)


def test_a_late_watcher_is_told_the_hand_not_the_talk(table):
    server, ann, bob = heads_up(table)
    ann.expect("CLOCK ann 30")
    ann.send("MESSAGE hi\n")
    bob.expect("hi")
    late = Player(server.address)
    late.matching(r"^CLOCK ann ")
    told = late.heard
    assert WELCOME.match(told[0]) and "HAND 1 ann" in told and "MESSAGE ann" not in told
    assert 0 < len(server._hand_log) < HAND_LOG_LIMIT


# -- the host ---------------------------------------------------------------------------------
def test_the_host_stopping_says_so_then_closes(table):
    server, ann, bob = heads_up(table)
    watcher = Player(server.address)
    recorder = Recorder()
    client = PokerClient(*server.address, name="cat", on_event=recorder).start()
    try:
        assert client.wait_joined(5)
        server.stop()
        for peer in (ann, bob, watcher):
            peer.expect(f"NOTICE {TABLE_CLOSED}")
            with pytest.raises(EOFError):
                peer.line()
        errors = recorder.wait_for(Kind.ERROR)
        assert errors[0].text == TABLE_CLOSED
        recorder.wait_for(Kind.CLOSED)
    finally:
        client.stop()
    with socket.socket() as probe:  # the port is free again at once
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(server.address)


def test_bots_play_hand_after_hand_with_chips_conserved(table):
    server = table(bots=4, rebuy=True, deck_source=None, seed=7)
    watcher = Player(server.address)
    total, rebuys, hands, block = None, 0, 0, []
    while hands < 60:
        line = watcher.line()
        if line.startswith("CHIPS "):  # one for every seat, after every hand
            block.append(int(line.split()[2]))
            continue
        if block:
            hands += 1
            if total is None:  # (rebuys seen before it are already in it)
                total, rebuys = sum(block), 0
            total += rebuys
            assert sum(block) == total, (hands, block)
            block, rebuys = [], 0
        if line.startswith("REBUY "):  # chips that came to the table for the next hand
            rebuys += int(line.split()[2])
    assert server.snapshot.hand_number >= 60
    assert len(server.snapshot.seats) == 4 and all(s.is_bot for s in server.snapshot.seats)
    assert server._table.bot_mistakes == 0
    assert not server.recorder.of(Kind.ERROR)


def test_add_bot_from_another_thread_until_the_table_is_full(table):
    server = table(seats=2, hand_pause=60)  # (the bots do not start playing)
    with pytest.raises(NetError):
        PokerServer(port=0).add_bot()  # not started
    threads = [threading.Thread(target=server.add_bot) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.recorder.wait_for(Kind.INFO, text="The table is full (2 seats)")
    wait_until(lambda: len(server.snapshot.seats) == 2)
    assert sorted(seat.name for seat in server.snapshot.seats) == ["bot_ada", "bot_alan"]
    snapshot = server.recorder.wait_for(Kind.INFO, text="joined seat")[0].result
    assert snapshot.seats and snapshot.seats[0].is_bot


def test_a_watcher_that_stops_reading_is_dropped_and_the_table_goes_on(table):
    dropped = threading.Event()

    def on_event(event):
        if event.kind is Kind.CLOSED and "stopped reading" in event.text:
            dropped.set()

    server = table(bots=3, rebuy=True, deck_source=None, seed=3, on_event=on_event)
    sleeper = Player(server.address, rcvbuf=4096)  # never reads
    reader = socket.create_connection(server.address)  # reads everything, at once

    def read_all():
        with contextlib.suppress(OSError):
            while reader.recv(1 << 20):
                pass

    reading = threading.Thread(target=read_all, daemon=True)
    reading.start()
    try:
        assert dropped.wait(20)
        later = server.snapshot.hand_number + 20
        wait_until(lambda: server.snapshot.hand_number > later)
        assert server.connection_count == 1 and reading.is_alive()
    finally:
        sleeper.close()
        reader.shutdown(socket.SHUT_RDWR)
        reading.join(5)
        reader.close()


@pytest.mark.parametrize("settings, problem", [
    (dict(bots=9), "computer players must be a whole number from 0 to 8"),
    (dict(seats=4, bots=5), "5 computer players do not fit at 4 seats"),
    (dict(small_blind=0), "the small blind must be a whole number"),
    (dict(stack=True), "the stack must be a whole number"),
    (dict(stack=5), "the starting stack must cover the big blind"),
    (dict(small_blind=30), "blinds must be positive, the small one not above the big one"),
    (dict(turn_seconds=float("nan")), "turn seconds must be a number of seconds"),
    (dict(turn_seconds=0), "turn_seconds must be positive"),
    (dict(bot_delay=-1), "the bot delay must be a number of seconds"),
    (dict(hand_pause="3"), "the hand pause must be a number of seconds"),
    (dict(seats=9), "seats must be a whole number from 2 to 8"),
])
def test_settings_are_checked_with_plain_errors(settings, problem):
    with pytest.raises(ValueError, match="settings") as raised:
        PokerServer(port=0, **settings)
    assert problem in str(raised.value)


def test_settings_become_the_table_config():
    config = table_config(small_blind=5, big_blind=10, stack=500, turn_seconds=12,
                          rebuy=True, hand_pause=0, bot_delay=0.25)
    assert (config.small_blind, config.big_blind, config.starting_stack) == (5, 10, 500)
    assert (config.turn_seconds, config.rebuy, config.hand_pause) == (12.0, True, 0.0)
    assert config.bot_seconds == 0.25


# -- the client ---------------------------------------------------------------------------------
def test_poker_client_plays_a_hand_and_leaves(table, started):
    server = table([ACES_OVER_KINGS])
    bob = Player(server.address, "bob")
    recorder = Recorder()
    ann = started(PokerClient(*server.address, name="ann", on_event=recorder))
    assert ann.wait_joined(5) and ann.joined
    bob.expect("CLOCK bob 30")  # ann joined second: bob deals and acts first
    wait_until(lambda: ann.snapshot().hole)
    assert ann.snapshot().hole == tuple(parse_cards("As Ad"))  # ann is dealt first
    bob.send("CALL\n")
    recorder.wait_for(Kind.RESULT, text="Your turn: you may check.")
    choices = ann.snapshot().choices
    assert choices is not None and choices.can_check and choices.min_total == 40
    ann.act(Check())
    bob.expect("ACTION ann check 20")
    bob.expect("BOARD 2h 7c 9s")  # after the flop ann, not the dealer, acts first
    recorder.wait_for(Kind.RESULT, count=2, text="Your turn: you may check.")
    with pytest.raises(ValueError, match="not a whole number"):
        ann.act("raise lots")
    with pytest.raises(ValueError, match="not a poker action"):
        ann.act(Goodbye())
    ann.act("bet 100")  # words work too
    bob.expect("ACTION ann bet 100")
    ann.act(Call())
    refusal = recorder.wait_for(Kind.RESULT, text="It is bob's turn, not yours.")[0]
    assert isinstance(refusal.result, Error)
    ann.say("nice flop")
    assert bob.expect("nice flop")[-1] == "MESSAGE ann"
    assert "ann checks" in ann.view.history and "ann bets 100" in ann.view.history
    assert ann.leave() is True
    assert bob.expect("LEFT ann")[0] == "ACTION ann fold 100"
    assert recorder.wait_for(Kind.RESULT, text="You left the table.")
    assert not recorder.of(Kind.ERROR)


def test_poker_client_may_try_another_name(table, started):
    server = table()
    ann = Player(server.address, "ann")  # (kept: a closed socket would free the name)
    recorder = Recorder()
    client = started(PokerClient(*server.address, name="Ann", on_event=recorder))
    refusal = recorder.wait_for(Kind.RESULT, text="is taken")[0]
    assert isinstance(refusal.result, Error) and not client.joined
    client.join("ann2")
    assert client.wait_joined(5) and client.view.me == "ann2"
    assert ann.expect("NEW ann2")


def test_poker_client_watches_without_a_name(table, started):
    server = table(bots=2, rebuy=True, deck_source=None, seed=5, hand_pause=0.01)
    recorder = Recorder()
    watcher = started(PokerClient(*server.address, on_event=recorder))
    recorder.wait_for(Kind.RESULT, text="wins", timeout=10)
    assert not watcher.joined and watcher.snapshot().me is None
    assert not [e for e in recorder.of(Kind.RESULT) if isinstance(e.result, Cards)]
    wins = [e.result for e in recorder.of(Kind.RESULT) if isinstance(e.result, Win)]
    assert wins and all(win.name.startswith("bot_") for win in wins)


def test_poker_client_connection_refused_is_a_plain_error():
    client = PokerClient("127.0.0.1", closed_port(), name="ann")
    with pytest.raises(NetError, match="Nothing is listening"):
        client.start()


def test_poker_client_keeps_a_bounded_history(table, started):
    server = table(bots=2, rebuy=True, deck_source=None, seed=9, hand_pause=0.001,
                   on_event=lambda event: None)
    results = []
    watcher = started(PokerClient(*server.address, on_event=results.append))
    wait_until(lambda: len(results) > 2 * KEEP_LINES * 3, timeout=20)
    assert KEEP_LINES <= len(watcher.view.history) <= 2 * KEEP_LINES


# -- two lab machines ---------------------------------------------------------------------------
@pytest.mark.timeout(90)
def test_one_hand_between_two_hosts(two_hosts):  # noqa: F811
    table_host, players_host = two_hosts
    server = labsuite(table_host, "serve", "poker", "--host", "0.0.0.0", "--port", "9100",
                      "--hand-pause", "0", "--seed", "4")
    players = {}
    try:
        read_lines_until(server, lambda line: "listening on 0.0.0.0:9100" in line, 15)
        shown = read_lines_until(
            server, lambda line: re.search(r"other computers connect to (\S+) port 9100", line))
        assert shown[0].group(1) == SERVER_ADDRESS
        for name in ("ann", "bob"):
            players[name] = labsuite(players_host, "poker", SERVER_ADDRESS, "--name", name,
                                     stdin=subprocess.PIPE, bufsize=1)
        heard = play_until_both_saw_a_win(players)
        for name, proc in players.items():
            assert any(line.startswith("==> Your cards: ") for line in heard[name])
            assert any(re.match(r"==>   seat \d: ann, 1,000 chips", line) for line in heard[name])
            proc.stdin.write("quit\n")
            proc.stdin.flush()
            proc.wait(10)
            assert proc.returncode == 0
        read_lines_until(server, lambda line: re.search(
            rf"Accepted connection #\d+ from {re.escape(CLIENT_ADDRESS)}:", line), 15)
    finally:
        for proc in [*players.values(), server]:  # none may outlive the test
            stop_process(proc, 10)
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
    assert server.returncode == 0


def play_until_both_saw_a_win(players, seconds=40):
    """Each terminal player checks when it may, else calls, until both saw a WIN line;
    every line each printed, by name."""
    lines: "queue.Queue" = queue.Queue()
    heard = {name: [] for name in players}

    def read(name, proc):
        for line in proc.stdout:
            lines.put((name, line.rstrip("\n")))

    for name, proc in players.items():
        threading.Thread(target=read, args=(name, proc), daemon=True).start()
    done = set()
    deadline = time.monotonic() + seconds
    while done != set(players):
        name, line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        heard[name].append(line)
        if line.startswith("==> Your turn: "):
            players[name].stdin.write("check\n" if "nothing to call" in line else "call\n")
            players[name].stdin.flush()
        elif re.match(r"==> \S+ wins \d+", line):
            done.add(name)
    return heard
