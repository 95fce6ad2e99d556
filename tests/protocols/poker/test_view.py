"""The client-side TableView: folded from what a player receives, it matches the table."""

import random
from dataclasses import replace

import pytest

from labsuite.protocols.poker.bots import decide
from labsuite.protocols.poker.cards import parse_cards
from labsuite.protocols.poker.events import (Acted, AllIn, Bet, Call, Check, Clock, Fold, Raise,
                                             Turn)
from labsuite.protocols.poker.view import TableView
from labsuite.protocols.poker.wire import ClientParser, Unknown, encode

from .support import Game

pytestmark = pytest.mark.timeout(20)


class Client:
    """One player's side: the bytes the server would send them, parsed and folded in."""

    def __init__(self, name):
        self.name = name
        self.parser = ClientParser()
        self.view = TableView(name)

    def receive(self, events, now):
        for event in events:
            if event.to is None or event.to == self.name:
                for parsed in self.parser.receive(encode(event)):
                    self.view.apply(parsed, now)


def play(game, clients, rng, hands, chaos=False):
    """Play ``hands`` hands with every player choosing like a bot; after each call every
    client's view must match what the table says that player sees."""
    def deliver(events):
        for client in clients:
            client.receive(events, game.now)
        for client in clients:
            if game.table.hand_number and client.name in game.table.players:
                assert client.view.snapshot() == game.table.view_for(client.name), client.name
    deliver(game.events)
    while game.table.hand_number < hands or game.table.hand_running:
        deliver(game.tick())
        for _ in range(200):
            turn = game.turn
            if turn is None:
                break
            if chaos and rng.random() < 0.02:
                game.now += 1
                deliver(game.message(turn, "thinking..."))
            deliver(game.act(turn, decide(game.table.view_for(turn), rng)))
        game.now += 1


def test_each_players_view_matches_the_table_through_many_hands():
    game = Game(["ann", "bob", "cat", "dan", "eve"], seed=11, hand_pause=0.5, rebuy=True)
    clients = [Client(name) for name in ("ann", "bob", "cat", "dan", "eve")]
    play(game, clients, random.Random(5), hands=150, chaos=True)
    ann = clients[0].view
    assert ann.hand_number >= 150 and len(ann.history) > 1000
    assert any(line.startswith("Pot: ") for line in ann.history)


def test_views_match_heads_up_with_short_stacks_and_side_pots():
    game = Game(["ann", "bob", "cat"], seed=3, hand_pause=0.5, chips={"ann": 120, "bob": 400})
    clients = [Client(name) for name in ("ann", "bob", "cat")]
    play(game, clients, random.Random(8), hands=60)


def told(client, table_view):
    """What the table shows, less what a client who came after the last hand has not been
    told yet: that hand's number and the blinds (the next HAND and BLINDS lines tell)."""
    if client.view.hand_number == 0:
        return replace(table_view, hand_number=0, small_blind=0, big_blind=0)
    return table_view


def test_views_stay_exact_through_newcomers_vanishing_returning_and_leaving():
    game = Game(["ann", "bob", "cat"], seed=21, hand_pause=0.5, rebuy=True,
                reconnect_seconds=5)
    clients = {name: Client(name) for name in ("ann", "bob", "cat")}
    for client in clients.values():
        client.receive(game.events, game.now)
    rng = random.Random(4)
    everyone = ["ann", "bob", "cat", "dan", "eve", "fay", "gus"]

    def deliver(events):
        for client in clients.values():
            client.receive(events, game.now)
        for name in game.table.audience:
            view = clients[name].view
            assert view.snapshot() == told(clients[name], game.table.view_for(name)), name

    for _ in range(20000):
        if game.table.hand_number >= 100:
            break
        roll = rng.random()
        seated = game.table.players
        waiting = [name for name in everyone if name not in seated]
        if roll < 0.03 and waiting and not game.table.is_full:
            name = waiting[0]
            clients[name] = Client(name)  # a newcomer, maybe in the middle of a hand
            deliver(game.join(name))
        elif roll < 0.06 and seated:
            deliver(game.disconnect(rng.choice(seated)))
        elif roll < 0.10:
            away = [s.name for s in game.table.view_for().seats if s.away]
            if away:
                name = rng.choice(away)
                clients[name] = Client(name)  # the same player on a new connection
                deliver(game.join(name))
        elif roll < 0.11 and len(seated) > 2:
            deliver(game.quit(rng.choice(seated)))
        elif game.turn is not None:
            deliver(game.act(game.turn, decide(game.table.view_for(game.turn), rng)))
        else:
            game.now += 1
            deliver(game.tick())
    assert game.table.hand_number >= 100
    assert any(type(event).__name__ == "Stake" for event in game.events)
    assert any(type(event).__name__ == "Back" for event in game.events)


def hand_history(decks, script, names=("cool_cat", "hot_dog"), **chips):
    game = Game(list(names), decks=decks, chips=chips or None)
    client = Client(names[0])
    client.receive(game.events, game.now)
    for name, action in script:
        client.receive(game.act(name, action), game.now)
    return client.view


def test_the_history_reads_as_plain_lines():
    # cool_cat deals (small blind); hot_dog gets the first two cards
    view = hand_history(["Kh Qh As Ks 2h 7h 9c 3h 4d"], [
        ("cool_cat", Raise(60)), ("hot_dog", Raise(120)), ("cool_cat", Call()),
        ("hot_dog", Bet(100)), ("cool_cat", Call()), ("hot_dog", Check()), ("cool_cat", Check()),
        ("hot_dog", Check()), ("cool_cat", Check())])
    assert view.history == [
        "cool_cat joins the table", "Waiting for a second player with chips.",
        "hot_dog joins the table", "Hand 1: cool_cat deals.", "Blinds: cool_cat 10, hot_dog 20.",
        "Your cards: As Ks", "Your turn: 10 to call.", "cool_cat raises to 60",
        "hot_dog raises to 120", "Your turn: 60 to call.", "cool_cat calls 120", "Pot: 240",
        "Flop: 2h 7h 9c", "hot_dog bets 100", "Your turn: 100 to call.", "cool_cat calls 100",
        "Pot: 440", "Turn: 2h 7h 9c 3h", "hot_dog checks", "Your turn: you may check.",
        "cool_cat checks", "Pot: 440", "River: 2h 7h 9c 3h 4d", "hot_dog checks",
        "Your turn: you may check.", "cool_cat checks", "Pot: 440",
        "hot_dog shows Kh Qh: a flush, king high", "cool_cat shows As Ks: high card, ace",
        "hot_dog wins 440 with a flush, king high"]
    assert view.seat_of("hot_dog").chips == 1220 and view.my_seat.chips == 780
    assert not view.hand_running
    assert view.board == tuple(parse_cards("2h 7h 9c 3h 4d"))  # still on show after the hand
    assert view.seat_of("hot_dog").shown == tuple(parse_cards("Kh Qh"))


def test_folds_all_ins_returns_and_uncontested_wins_in_the_history():
    view = hand_history([], [("cool_cat", AllIn()), ("hot_dog", Fold())], hot_dog=500)
    assert view.history[-5:] == ["Your turn: 10 to call.", "cool_cat is all in for 1000",
                                 "hot_dog folds", "980 nobody called goes back to cool_cat",
                                 "cool_cat wins 40; everyone else folded"]
    assert view.my_seat.chips == 1020 and view.pot == 0


def test_my_choices_and_the_clock():
    game = Game(["ann", "bob", "cat"])
    client = Client("ann")
    client.receive(game.events, game.now)
    view = client.view
    assert view.my_turn and view.turn == "ann" and view.to_call == 20
    choices = view.choices
    assert choices.legal_kinds() == ("fold", "call", "raise", "allin")
    assert (choices.call_amount, choices.min_total, choices.max_total) == (20, 40, 1000)
    assert view.deadline == game.now + 30 and view.seconds_left(game.now + 10) == 20
    assert view.seconds_left(game.now + 100) == 0
    client.receive(game.act("ann", Call()), game.now)
    assert view.choices is None and view.turn == "bob" and view.deadline == game.now + 30
    assert view.pot == 50
    assert view.seat_of("bob").bet == 10 and view.seat_of("BOB").chips == 990


def test_a_spectator_view_has_no_cards_and_no_choices():
    game = Game(["ann", "bob"])
    spectator = Client(None)
    spectator.receive(game.events, game.now)
    snapshot = spectator.view.snapshot()
    assert snapshot.hole == () and snapshot.choices is None and snapshot.me is None
    assert snapshot.seats == game.table.view_for().seats


def test_a_leaver_keeps_their_bet_in_the_pot():
    game = Game(["ann", "bob", "cat"])
    client = Client("cat")
    client.receive(game.events, game.now)
    client.receive(game.act("ann", Raise(100)), game.now)
    client.receive(game.quit("ann"), game.now)
    assert client.view.seat_of("ann") is None
    assert client.view.pot == game.table.pot == 130
    assert client.view.history[-1] == "ann leaves the table"


def test_unknown_and_stray_events_change_nothing():
    view = TableView("ann")
    assert view.apply(Unknown("SOMETHING new")) == []
    assert view.apply(Acted("ghost", "bet", 40)) == []
    assert view.apply(Clock("ghost", 5.0), now=1.0) == [] and view.deadline is None
    assert view.apply(Turn("ghost", 0, 20)) == [] and view.choices is None
    assert view.pot == 0 and view.seats == {}
