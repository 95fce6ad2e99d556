"""Bots: legal, not silly, and quick enough to fill a table."""

import random

import pytest

from labsuite.protocols.poker import bots
from labsuite.protocols.poker.bots import bot_name, chen_score, decide, draw_outs, hand_tier
from labsuite.protocols.poker.cards import parse_cards
from labsuite.protocols.poker.events import (Acted, AllIn, Call, Cards, Check, Choices, Error,
                                             Fold, PlayerView, Raise, Rebuy, SeatView, Turn)

from .support import Game

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("hole, score", [("As Ad", 20), ("Ks Kd", 16), ("As Ks", 12),
                                         ("As Kd", 10), ("7c 2d", -1), ("Ts 9s", 8),
                                         ("5c 5d", 5), ("2c 2d", 5), ("Jh Ts", 7), ("Ah 5h", 7)])
def test_chen_scores(hole, score):
    assert chen_score(parse_cards(hole)) == score


@pytest.mark.parametrize("hole, board, outs", [
    ("Ah 5h", "Kh 9h 2c", 9),           # flush draw
    ("9c 8d", "7h 6s 2c", 8),           # open-ended
    ("9c 5d", "7h 6s 2c", 4),           # inside
    ("Ac Kd", "Qh Js 2c", 4),           # ace-high: one end only
    ("Ah 2h", "3h 4h Kc", 13),          # flush draw and a wheel draw (capped sums)
    ("Ac Kd", "7h 6s 2c", 0),
    ("Ah 5h", "Kh 9h 2c 3d 8s", 0),     # no draws on the river
    ("2c 3d", "9h 9s 9c", 0),
])
def test_draw_outs(hole, board, outs):
    assert draw_outs(parse_cards(hole), parse_cards(board)) == min(outs, 15)


@pytest.mark.parametrize("hole, board, tier", [
    ("As Ad", "Ks 7d 2c", bots.STRONG),        # overpair
    ("Ks Qd", "Kc 7d 2c", bots.STRONG),        # top pair
    ("7s 6d", "Kc 7d 2c", bots.MEDIUM),        # middle pair
    ("7s 7d", "Kc 7h 2c", bots.MONSTER),       # a set
    ("Ks 7d", "Kc 7h 2c", bots.MONSTER),       # top two pair
    ("3s 4d", "Kc Kh 2c", bots.NOTHING),       # the board's pair is everyone's
    ("Ah 5h", "Kh 9h 2c", bots.DRAW),
    ("9s 8s", "7c 6d 5h", bots.MONSTER),       # a straight
    ("2c 3d", "Ac Ad Ah As Kd", bots.NOTHING), # the board plays
])
def test_hand_tiers(hole, board, tier):
    assert hand_tier(parse_cards(hole), parse_cards(board)) == tier


def test_bot_names_skip_taken_ones_whatever_the_case():
    assert bot_name([]) == "bot_ada"
    assert bot_name(["BOT_ADA", "bot_alan"]) == "bot_grace"
    assert bot_name(bots.BOT_NAMES) == "bot_ada2"
    assert all(len(name) <= 16 and name.startswith("bot_") for name in bots.BOT_NAMES)


def view_with(hole, choices, board="", pot=30, opponents=1):
    seats = [SeatView(1, "me", choices.chips, choices.bet, True)]
    seats += [SeatView(2 + i, f"p{i}", 500, 0, True) for i in range(opponents)]
    return PlayerView("me", tuple(seats), 1, True, "me", tuple(parse_cards(board)),
                      tuple(parse_cards(hole)), pot, "me", choices.to_call, choices.min_raise_to,
                      None, 10, 20, choices)


def test_aces_never_fold_before_the_flop_whatever_they_face():
    for seed in range(300):
        rng = random.Random(seed)
        to_call = rng.choice([10, 20, 100, 500, 980, 5000])
        choices = Choices(bet=rng.choice([0, 20]), chips=rng.choice([30, 500, 980]),
                          to_call=to_call, min_raise_to=rng.choice([0, 2 * to_call]))
        action = decide(view_with("As Ad", choices, pot=40 + to_call), rng)
        assert not isinstance(action, Fold)
        assert choices.problem(action) is None


def test_a_bot_never_folds_when_checking_is_free():
    for seed in range(300):
        rng = random.Random(seed)
        hole = " ".join(map(str, rng.sample(parse_cards("2c 7d 9h 3s Tc Jd 4h 5s"), 2)))
        board = rng.choice(["", "Ks Qd 8c", "Ks Qd 8c Ah", "Ks Qd 8c Ah 6h"])
        choices = Choices(bet=rng.choice([0, 20]), chips=500, to_call=0, min_raise_to=40)
        action = decide(view_with(hole, choices, board), rng)
        assert not isinstance(action, Fold) and choices.problem(action) is None


def test_bad_hands_fold_to_big_bets_and_monsters_raise():
    rng = random.Random(3)
    big_bet = Choices(bet=0, chips=980, to_call=600, min_raise_to=1200)
    assert isinstance(decide(view_with("7c 2d", big_bet, "Ks Qd 8h", pot=700), rng), Fold)
    raises = 0
    for _ in range(50):
        action = decide(view_with("Ks Kd", big_bet, "Kh Qd 8h", pot=700), rng)
        assert not isinstance(action, Fold)
        raises += isinstance(action, (Raise, AllIn))
    assert raises > 10


def test_decide_outside_its_turn_does_nothing_harmful():
    view = view_with("As Ad", Choices(0, 500, 20, 40))
    assert decide(PlayerView("me", view.seats), random.Random(1)) == Check()


@pytest.mark.timeout(60)
def test_2000_bot_only_hands_are_legal_conserve_chips_and_are_not_silly():
    game = Game([], start=False, seats=6, hand_pause=0, rebuy=True, seed=2000)
    names = [game.add_bot() for _ in range(6)]
    assert names[:3] == ["bot_ada", "bot_alan", "bot_grace"]
    while game.table.hand_number < 2000 or game.table.hand_running:
        game.tick()  # conservation (stacks + pot = chips brought, rebuys counted) checked here
    assert game.table.bot_mistakes == 0
    assert not any(isinstance(event, Error) for event in game.events)
    assert any(isinstance(event, Rebuy) for event in game.events)
    # never a fold when checking was free; never a fold of aces before the flop
    to_call, aces, preflop = {}, set(), True
    for event in game.events:
        if isinstance(event, Turn):
            to_call[event.name] = event.to_call
        elif isinstance(event, Cards):
            preflop = True
            if all(card.rank == 14 for card in event.cards):
                aces.add(event.to)
        elif type(event).__name__ in ("Board", "Hand"):
            preflop = type(event).__name__ == "Hand"
            if preflop:
                aces.clear()
        elif isinstance(event, Acted) and event.kind == "fold" and event.name in to_call:
            assert to_call.pop(event.name) > 0
            assert not (preflop and event.name in aces)
        elif isinstance(event, Acted):
            to_call.pop(event.name, None)


def test_bots_win_chips_off_a_player_who_always_calls():
    game = Game(["station"], start=False, seats=4, hand_pause=0, rebuy=True, seed=300)
    for _ in range(3):
        game.add_bot()
    rebought = 0
    while game.table.hand_number < 300 or game.table.hand_running:
        events = game.tick()
        for _ in range(100):  # bounded: a hand has far fewer turns
            view = game.table.view_for("station")
            if view.choices is None:
                break
            events += game.act("station", Check() if view.choices.can_check else Call())
        rebought += sum(e.chips for e in events if isinstance(e, Rebuy) and e.name == "station")
    net = game.chips("station") - 1000 - rebought
    assert net < -5000  # about 100 chips a hand at 10/20 blinds


def test_bots_driven_from_outside_the_table_never_make_an_illegal_action():
    game = Game(["p1", "p2", "p3", "p4"], start=False, hand_pause=0, rebuy=True, seed=9)
    rng = random.Random(9)
    while game.table.hand_number < 300 or game.table.hand_running:
        game.tick()
        for _ in range(200):
            turn = game.turn
            if turn is None:
                break
            events = game.act(turn, decide(game.table.view_for(turn), rng))
            assert not any(isinstance(event, Error) for event in events), events
