"""The poker table as a state machine: seating, betting, pots, timers, reconnects."""

import random

import pytest

from labsuite.protocols.poker.cards import Deck
from labsuite.protocols.poker.events import (UNCONTESTED, AllIn, Bet, Call, Check, Error, Fold,
                                             New, Raise, Show, Win)
from labsuite.protocols.poker.table import Table, TableConfig, side_pots, split_pot, suggest_name

from .support import Game, lines, state

pytestmark = pytest.mark.timeout(10)


# -- settings and seating ---------------------------------------------------------------------
@pytest.mark.parametrize("settings", [dict(seats=1), dict(seats=9), dict(small_blind=0),
                                      dict(small_blind=30), dict(starting_stack=10),
                                      dict(turn_seconds=0), dict(hand_pause=-1)])
def test_impossible_settings_are_refused(settings):
    with pytest.raises(ValueError, match="Table settings"):
        TableConfig(**settings)


def test_a_table_needs_an_injected_deck():
    with pytest.raises(ValueError, match="deck_source"):
        Table(TableConfig(), None)


def test_joining_tells_everyone_and_shows_the_newcomer_who_is_there():
    game = Game(["ann"], start=False)
    events = game.join("bob")
    assert lines(events)[:3] == ["NEW bob", "SEAT 2 bob 1000", "@bob SEAT 1 ann 1000"]
    assert game.table.players == ["ann", "bob"]
    assert game.table.audience == ["ann", "bob"]
    assert "WAIT" in lines(game.events)[2]  # ann alone was told she waits


@pytest.mark.parametrize("name, hint", [
    ("cool cat", "try cool_cat"), ("", "A name is needed"), ("   ", "A name is needed"),
    ("a" * 17, "at most 16 characters; try aaaaaaaaaaaaaaaa"), ("good\u200b", "try good"),
    ("tab\there", "try tab_here"), ("bell\x07", "try bell"), ("bot_ada", "computer players"),
    ("BOT_x", "try x"), ("é!", "try é"), ("!!!", "try player"),
])
def test_bad_names_are_refused_with_a_hint_and_nothing_changes(name, hint):
    game = Game(["ann"], start=False)
    before = state(game.table)
    events = game.join(name)
    assert len(events) == 1 and isinstance(events[0], Error) and hint in events[0].reason
    assert events[0].to == name.strip()  # the server sends it to the connection that asked
    assert state(game.table) == before


def test_names_are_unique_without_regard_to_case():
    game = Game(["ann", "bob"], start=False)
    events = game.join("ANN")
    assert lines(events) == ["@ANN ERROR The name ann is taken at this table; try ANN2."]
    assert game.join("José")[0] == New("José")


def test_suggestions_are_valid_names():
    assert suggest_name("cool cat") == "cool_cat"
    assert suggest_name("  a  b  ") == "a_b"
    assert suggest_name("x" * 40) == "x" * 16
    assert suggest_name("") == "player"


def test_a_full_table_refuses_more_players_and_bots():
    game = Game([f"p{i}" for i in range(3)], seats=3, start=False)
    events = game.join("late")
    assert "The table is full (3 seats)" in events[0].reason
    assert game.table.is_full and game.table.add_bot(0.0) == (None, [])


def test_bots_get_readable_names_that_never_collide():
    table = Table(TableConfig(), Deck.stacked)
    table.join("ann", 0.0)
    added = [table.add_bot(0.0) for _ in range(3)]
    names = [name for name, _ in added]
    assert names == ["bot_ada", "bot_alan", "bot_grace"]
    assert lines(added[0][1])[:2] == ["NEW bot_ada", "SEAT 2 bot_ada 1000"]
    assert all(table.is_bot(name) for name in names) and not table.is_bot("ann")
    table.quit("bot_alan", 0.0)
    assert table.add_bot(0.0)[0] == "bot_alan"
    assert table.disconnect("bot_ada", 0.0) == []  # a bot has no connection to lose


# -- a hand, step by step ---------------------------------------------------------------------
HEADS_UP = "As Ad Kc Kd 2c 7d 9h 3s 4c"  # bob (left of the dealer) gets aces, ann kings


def test_heads_up_the_dealer_posts_the_small_blind_and_acts_first_before_the_flop():
    game = Game(["ann", "bob"], decks=[HEADS_UP])
    tail = lines(game.events)
    start = tail.index("HAND 1 ann")
    assert tail[start:] == [
        "HAND 1 ann", "SEAT 1 ann 1000", "SEAT 2 bob 1000", "PLAYERS bob ann",
        "BLINDS ann 10 bob 20", "ACTION ann blind 10", "ACTION bob blind 20",
        "@bob CARDS As Ad", "@ann CARDS Kc Kd", "TURN ann 10 40", "CLOCK ann 30"]
    assert lines(game.act("ann", Call())) == ["ACTION ann call 20", "TURN bob 0 40",
                                              "CLOCK bob 30"]
    assert lines(game.act("bob", Check())) == ["ACTION bob check 20", "POT 40",
                                               "BOARD 2c 7d 9h", "TURN bob 0 20", "CLOCK bob 30"]
    # after the flop the big blind (not the dealer) acts first, the dealer last
    assert lines(game.act("bob", Bet(20)))[0] == "ACTION bob bet 20"
    assert lines(game.act("ann", Call()))[:3] == ["ACTION ann call 20", "POT 80",
                                                  "BOARD 2c 7d 9h 3s"]
    game.act("bob", Check())
    assert lines(game.act("ann", Check()))[-1] == "CLOCK bob 30"
    game.act("bob", Check())
    assert lines(game.act("ann", Check())) == [
        "ACTION ann check 0", "POT 80", "SHOW bob As Ad a pair of aces",
        "SHOW ann Kc Kd a pair of kings", "WIN bob 80 a pair of aces", "CHIPS ann 960",
        "CHIPS bob 1040"]


def test_the_button_moves_every_hand_and_blinds_follow_it():
    game = Game(["ann", "bob", "cat", "dan"])
    seen = []
    for _ in range(6):
        hand = [line for line in lines(game.events) if line.startswith(("HAND", "BLINDS"))][-2:]
        seen.append(tuple(hand))
        while game.table.hand_running:  # everyone folds to the big blind
            game.act(game.turn, Fold())
        game.next_hand()
    assert seen == [("HAND 1 ann", "BLINDS bob 10 cat 20"), ("HAND 2 bob", "BLINDS cat 10 dan 20"),
                    ("HAND 3 cat", "BLINDS dan 10 ann 20"), ("HAND 4 dan", "BLINDS ann 10 bob 20"),
                    ("HAND 5 ann", "BLINDS bob 10 cat 20"), ("HAND 6 bob", "BLINDS cat 10 dan 20")]


def test_first_to_act_before_the_flop_is_left_of_the_big_blind():
    game = Game(["ann", "bob", "cat", "dan"])
    assert game.turn == "dan"
    game = Game(["ann", "bob", "cat"])
    assert game.turn == "ann"  # three players: the dealer


def test_everyone_folding_gives_the_pot_without_a_showdown():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Raise(60))
    game.act("bob", Fold())
    events = game.act("cat", Fold())
    assert lines(events) == ["ACTION cat fold 20", "RETURN ann 40", "WIN ann 50 uncontested",
                             "CHIPS ann 1030", "CHIPS bob 990", "CHIPS cat 980"]
    assert not any(isinstance(event, Show) for event in game.events)
    assert events[2] == Win("ann", 50, UNCONTESTED)


def test_the_big_blind_has_the_option_when_everyone_limps():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Call())
    events = game.act("bob", Call())
    assert lines(events)[-2] == "TURN cat 0 40"  # checking is free, raising to 40 allowed
    events = game.act("cat", Raise(40))
    assert lines(events)[-2] == "TURN ann 20 60"  # everyone may answer a full raise


def test_a_minimum_raise_is_the_size_of_the_last_raise():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Raise(70))  # a raise of 50
    assert lines(game.events)[-2] == "TURN bob 60 120"
    error = game.act("bob", Raise(110))
    assert error == [Error("The smallest raise now is to 120.", to="bob")]
    game.act("bob", Raise(120))
    assert lines(game.events)[-2] == "TURN cat 100 170"


def test_cards_and_errors_go_only_to_their_player():
    game = Game(["ann", "bob", "cat"])
    for event in game.events:
        if type(event).__name__ in ("Cards", "Error"):
            assert event.to is not None
    private = [event for event in game.events if type(event).__name__ == "Cards"]
    assert sorted(event.to for event in private) == ["ann", "bob", "cat"]


# -- illegal actions: ERROR, and nothing changes -----------------------------------------------
def assert_refused(game, name, action, reason):
    before = state(game.table)
    events = game.act(name, action)
    assert len(events) == 1 and isinstance(events[0], Error), lines(events)
    assert reason in events[0].reason
    assert state(game.table) == before


@pytest.mark.parametrize("name, action, reason", [
    ("bob", Call(), "It is ann's turn, not yours."),
    ("nobody", Call(), "Join the table first"),
    ("ann", Check(), "You cannot check: there is a bet of 20. CALL 20 more"),
    ("ann", Bet(100), "There is already a bet of 20: use RAISE"),
    ("ann", Raise(30), "The smallest raise now is to 40."),
    ("ann", Raise(2000), "You have only 1000 chips: the most you can raise is to 1000"),
    ("ann", Raise("abc"), "whole number"),
    ("ann", Raise(45.5), "whole number"),
    ("ann", Raise(-5), "The smallest raise now is to 40."),
    ("ann", Bet(True), "whole number"),
    ("ann", "RAISE 50", "not a poker action"),
    ("ann", None, "not a poker action"),
])
def test_illegal_actions_before_the_flop(name, action, reason):
    game = Game(["ann", "bob", "cat"])
    assert_refused(game, name, action, reason)


def test_illegal_actions_after_the_flop():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Call())
    game.act("bob", Call())
    game.act("cat", Check())
    assert game.turn == "bob"
    assert_refused(game, "bob", Raise(40), "Nobody has bet yet: use BET")
    assert_refused(game, "bob", Call(), "There is nothing to call: CHECK, or BET")
    assert_refused(game, "bob", Bet(10), "The smallest bet is 20.")
    assert_refused(game, "bob", Bet(0), "The smallest bet is 20.")
    assert_refused(game, "bob", Bet(981), "the most you can bet is 980")
    game.act("bob", Bet(100))
    assert_refused(game, "bob", Check(), "It is cat's turn")
    game.act("cat", Fold())
    assert_refused(game, "cat", Call(), "You have folded this hand")


def test_acting_with_no_hand_running_or_when_not_dealt_in():
    game = Game(["ann"], start=False)
    assert_refused(game, "ann", Check(), "No hand is being played")
    game = Game(["ann", "bob"])
    game.join("cat")
    assert_refused(game, "cat", Check(), "You are not in this hand")


def test_an_all_in_player_has_nothing_more_to_do():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", AllIn())
    assert_refused(game, "ann", Call(), "You are all in")


def test_bad_table_talk_is_refused():
    game = Game(["ann", "bob"])
    before = state(game.table)
    assert game.message("zed", "hi")[0].reason.startswith("Join the table first")
    assert game.message("ann", "   ")[0].reason.startswith("Empty message")
    assert "at most 1000" in game.message("ann", "x" * 1001)[0].reason
    assert state(game.table) == before
    events = game.message("ann", "hi\x1b[2J all")
    assert lines(events) == ["MESSAGE ann / hi\ufffd[2J all"]


# -- all in, side pots, ties --------------------------------------------------------------------
def test_an_all_in_for_less_than_a_full_raise_does_not_reopen_the_betting():
    game = Game(["ann", "bob", "cat", "dan"], chips={"ann": 150})
    # dan opens to 100 (a raise of 80), ann goes all in for 150: only 50 more
    game.act("dan", Raise(100))
    events = game.act("ann", AllIn())
    assert lines(events)[:2] == ["ACTION ann allin 150", "TURN bob 140 230"]
    game.act("bob", Call())  # bob had not acted: he could have raised
    game.act("cat", Call())
    assert lines(game.events)[-2] == "TURN dan 50 0"  # dan already acted: call or fold only
    assert_refused(game, "dan", Raise(300), "not reopened")
    assert_refused(game, "dan", AllIn(), "not reopened")
    assert lines(game.act("dan", Call()))[:2] == ["ACTION dan call 150", "POT 600"]


def test_short_all_ins_that_add_up_to_a_full_raise_reopen_the_betting():
    game = Game(["ann", "bob", "cat", "dan"], chips={"ann": 150, "bob": 210})
    game.act("dan", Raise(100))
    game.act("ann", AllIn())  # to 150: 50 more
    game.act("bob", AllIn())  # to 210: 110 over dan's 100, a full raise for dan
    game.act("cat", Call())
    # dan may raise again; the smallest raise is still the last full one (80)
    assert lines(game.events)[-2] == "TURN dan 110 290"


def test_three_all_ins_of_different_sizes_make_side_pots():
    holes = "Kc Kd Qc Qd Ac Ad Jc Jd"  # bob, cat, dan, ann (dealer last)
    game = Game(["ann", "bob", "cat", "dan"], decks=[holes + " 2s 5h 8d 9c 3h"],
                chips={"bob": 300, "cat": 600, "dan": 100, "ann": 1000})
    game.act("dan", AllIn())
    game.act("ann", Call())
    game.act("bob", AllIn())
    game.act("cat", AllIn())
    events = game.act("ann", Call())
    assert lines(events) == [
        "ACTION ann call 600", "POT 1600", "POTS 400 600 600", "BOARD 2s 5h 8d",
        "BOARD 2s 5h 8d 9c", "BOARD 2s 5h 8d 9c 3h",
        "SHOW bob Kc Kd a pair of kings", "SHOW cat Qc Qd a pair of queens",
        "SHOW dan Ac Ad a pair of aces", "SHOW ann Jc Jd a pair of jacks",
        "WIN dan 400 a pair of aces", "WIN bob 600 a pair of kings",
        "WIN cat 600 a pair of queens",
        "CHIPS ann 400", "CHIPS bob 600", "CHIPS cat 600", "CHIPS dan 400"]


def test_an_uncalled_all_in_above_everyone_is_returned():
    game = Game(["ann", "bob"], decks=[HEADS_UP], chips={"bob": 300})
    game.act("ann", AllIn())
    events = game.act("bob", Call())
    assert lines(events)[:3] == ["ACTION bob allin 300", "RETURN ann 700", "POT 600"]
    assert lines(events)[-3:] == ["WIN bob 600 a pair of aces", "CHIPS ann 700", "CHIPS bob 600"]


def test_a_split_pot_gives_the_odd_chip_to_the_first_winner_left_of_the_button():
    # the board is a straight everyone plays; bob (small blind) folds, so 25 is split
    game = Game(["ann", "bob", "cat"], decks=["2c 3d 4c 5d 2h 3s Ts Jh Qd Kc Ah"],
                small_blind=5, big_blind=10)
    game.act("ann", Call())
    game.act("bob", Fold())
    game.act("cat", Check())
    for _ in range(3):
        game.act("cat", Check())
        game.act("ann", Check())
    wins = [line for line in lines(game.events) if line.startswith("WIN")]
    assert wins == ["WIN cat 13 a straight, ace high", "WIN ann 12 a straight, ace high"]


def test_a_fold_after_putting_chips_in_a_side_pot():
    # dan is all in for 100; bob and cat build a side pot, then cat folds to bob's bet
    holes = "Kc Kd Qc Qd Ac Ad 7c 2d"  # bob, cat, dan, ann
    game = Game(["ann", "bob", "cat", "dan"], decks=[holes + " 4s 5h 8d 9c Th"],
                chips={"dan": 100})
    game.act("dan", AllIn())
    game.act("ann", Fold())
    game.act("bob", Call())
    game.act("cat", Call())
    assert lines(game.events)[-5:-2] == ["ACTION cat call 100", "POT 300", "BOARD 4s 5h 8d"]
    game.act("bob", Bet(200))
    game.act("cat", Call())
    game.act("bob", Bet(300))
    events = game.act("cat", Fold())
    assert lines(events) == [
        "ACTION cat fold 0", "RETURN bob 300", "POT 700", "POTS 300 400",
        "BOARD 4s 5h 8d 9c Th", "SHOW bob Kc Kd a pair of kings", "SHOW dan Ac Ad a pair of aces",
        "WIN dan 300 a pair of aces", "WIN bob 400 a pair of kings",
        "CHIPS ann 1000", "CHIPS bob 1100", "CHIPS cat 700", "CHIPS dan 300"]


def test_blinds_that_put_players_all_in_run_the_board_out_at_once():
    game = Game(["ann", "bob"], decks=[HEADS_UP], chips={"ann": 10, "bob": 15})
    found = lines(game.events)
    start = found.index("ACTION ann blind 10")
    assert found[start:] == [
        "ACTION ann blind 10", "ACTION bob blind 15", "@bob CARDS As Ad", "@ann CARDS Kc Kd",
        "RETURN bob 5", "POT 20", "BOARD 2c 7d 9h", "BOARD 2c 7d 9h 3s", "BOARD 2c 7d 9h 3s 4c",
        "SHOW bob As Ad a pair of aces", "SHOW ann Kc Kd a pair of kings",
        "WIN bob 20 a pair of aces", "CHIPS ann 0", "CHIPS bob 25",
        "WAIT Waiting for at least two players with chips."]
    assert not game.table.hand_running


def test_a_big_blind_all_in_for_less_still_sets_the_full_bet_to_call():
    game = Game(["ann", "bob", "cat"], chips={"cat": 5})
    assert lines(game.events)[-2:] == ["TURN ann 20 40", "CLOCK ann 30"]
    game.act("ann", Call())
    game.act("bob", Call())
    found = lines(game.events)
    assert "POT 45" in found and "POTS 15 30" in found


def test_side_pots_and_split_pot_by_hand():
    assert side_pots([(100, True), (300, True), (300, True)]) == [(300, [0, 1, 2]), (400, [1, 2])]
    # a folded player's chips above every contender's go to the last pot
    assert side_pots([(50, True), (500, False), (80, True)]) == [(150, [0, 2]), (480, [2])]
    assert side_pots([(0, False), (20, True), (20, True)]) == [(40, [1, 2])]
    assert split_pot(25, 2) == [13, 12] and split_pot(100, 3) == [34, 33, 33]


# -- the clock, leaving, coming back --------------------------------------------------------------
def test_a_player_who_never_acts_is_folded_at_the_deadline():
    game = Game(["ann", "bob", "cat"])
    assert game.table.next_deadline() == 31.0
    assert game.tick(30.9) == []
    events = game.tick(31.0)
    assert lines(events)[:3] == ["TIMEOUT ann", "ACTION ann fold 0", "TURN bob 10 40"]
    assert game.table.next_deadline() == 61.0


def test_a_player_who_never_acts_is_checked_when_checking_is_free():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Call())
    game.act("bob", Call())
    events = game.tick(game.table.next_deadline())
    assert lines(events)[:3] == ["TIMEOUT cat", "ACTION cat check 20", "POT 60"]


def test_a_vanished_player_is_folded_and_can_come_back_within_the_window():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Raise(100))
    events = game.disconnect("bob")  # on his turn
    assert lines(events) == ["AWAY bob", "ACTION bob fold 10", "TURN cat 80 180", "CLOCK cat 30"]
    assert game.disconnect("bob") == []  # only once
    assert game.table.audience == ["ann", "cat"]
    game.now = 30.0
    events = game.join("BOB")  # same name, any case
    found = lines(events)
    assert found[0] == "BACK bob"
    assert "@bob HAND 1 ann" in found and "@bob TURN cat 80 180" in found
    assert "@bob CLOCK cat 1" in found  # cat's clock started at 1.0, 30 s to act
    assert game.chips("bob") == 990
    assert game.table.players == ["ann", "bob", "cat"]


def test_a_seat_not_reclaimed_in_time_is_freed():
    game = Game(["ann", "bob", "cat"], reconnect_seconds=60)
    game.act("ann", Fold())
    game.disconnect("bob")  # bob folds; cat takes the blinds
    assert not game.table.hand_running
    assert game.table.next_deadline() == 2.0  # the next hand, without bob
    game.next_hand()
    assert "PLAYERS ann cat" in lines(game.events)  # cat deals, heads-up
    game.now = 60.9
    game.tick()
    assert game.table.players == ["ann", "bob", "cat"]
    events = game.tick(61.0)
    assert "LEFT bob" in lines(events)
    assert game.table.players == ["ann", "cat"]
    assert game.join("bob")[0] == New("bob")  # a new player, a new stack
    assert game.chips("bob") == 1000


def test_an_all_in_player_who_vanishes_stays_in_for_the_showdown():
    game = Game(["ann", "bob"], decks=[HEADS_UP])
    game.act("ann", Call())
    game.act("bob", AllIn())
    game.disconnect("bob")
    events = game.act("ann", Call())
    assert "WIN bob 2000 a pair of aces" in lines(events)


def test_quit_says_goodbye_to_them_left_to_the_others_and_folds():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Call())
    events = game.quit("bob")
    assert lines(events)[:3] == ["@bob GOODBYE", "ACTION bob fold 10", "TURN cat 0 40"]
    assert lines(events)[-1] == "LEFT bob"
    assert game.table.players == ["ann", "cat"]
    assert lines(game.quit("stranger")) == ["@stranger GOODBYE"]


def test_quitting_on_your_turn_passes_the_turn():
    game = Game(["ann", "bob", "cat"])
    events = game.quit("ann")
    assert lines(events) == ["@ann GOODBYE", "ACTION ann fold 0", "TURN bob 10 40",
                             "CLOCK bob 30", "LEFT ann"]


def test_the_last_opponent_leaving_ends_the_hand():
    game = Game(["ann", "bob"])
    events = game.quit("bob")
    assert lines(events) == ["@bob GOODBYE", "ACTION bob fold 20", "WIN ann 30 uncontested",
                             "CHIPS ann 1020",
                             "WAIT Waiting for at least two players with chips.", "LEFT bob"]


# -- between hands --------------------------------------------------------------------------------
def test_a_hand_starts_by_itself_after_the_pause():
    game = Game(["ann"], start=False, hand_pause=3.0)
    assert game.table.next_deadline() is None
    game.now = 10.0
    game.join("bob")
    assert game.table.next_deadline() == 13.0
    assert game.tick(12.9) == [] and not game.table.hand_running
    assert "HAND 1 ann" in lines(game.tick(13.0))
    game.act("ann", Fold())
    assert game.table.next_deadline() == 16.0


def test_with_no_pause_the_second_player_starts_the_hand_at_once():
    game = Game(["ann", "bob"], start=False, hand_pause=0)
    assert game.table.hand_running
    game.act("ann", Fold())
    assert not game.table.hand_running  # the next one waits for tick()
    assert game.table.next_deadline() == game.now
    assert "HAND 2 bob" in lines(game.tick())


def test_busted_players_sit_out():
    game = Game(["ann", "bob", "cat"], decks=["As Ad Kc Kd 2c 7d 2h 3s 4c 9h Jd"],
                chips={"ann": 10})
    # ann (dealer) has 10: bob small blind, cat big; ann calls all in and loses
    game.act("ann", AllIn())
    game.act("bob", Call())
    game.act("cat", Check())
    while game.table.hand_running:
        game.act(game.turn, Check())
    assert game.chips("ann") == 0
    game.next_hand()
    assert "PLAYERS cat bob" in lines(game.events)
    assert game.table.view_for("ann").my_seat.sitting_out


def test_the_last_player_with_chips_waits():
    game = Game(["ann", "bob"], decks=[HEADS_UP], chips={"ann": 20})
    events = game.act("ann", AllIn())  # bob's big blind already covers it: the board runs out
    assert lines(events)[:2] == ["ACTION ann allin 20", "POT 40"]
    assert lines(game.events)[-1] == "WAIT Waiting for at least two players with chips."
    assert game.table.next_deadline() is None


def test_rebuy_gives_a_busted_player_the_starting_stack_at_the_next_hand():
    game = Game(["ann", "bob"], decks=[HEADS_UP], chips={"ann": 20}, rebuy=True)
    game.act("ann", AllIn())
    events = game.next_hand()
    assert lines(events)[:2] == ["REBUY ann 1000", "HAND 2 bob"]
    assert game.chips("ann") == 1000 - 20  # she is the big blind now


# -- leaving in the middle of a hand ---------------------------------------------------------
def test_a_newcomer_during_a_hand_is_shown_the_hand_so_far():
    game = Game(["ann", "bob", "cat"])
    game.act("ann", Call())
    game.act("bob", Call())
    game.act("cat", Check())
    game.now = 5.0
    found = lines(game.join("dan"))
    assert found == ["NEW dan", "SEAT 4 dan 1000", "@dan SEAT 1 ann 980", "@dan SEAT 2 bob 980",
                     "@dan SEAT 3 cat 980", "@dan HAND 1 ann", "@dan PLAYERS bob cat ann",
                     "@dan BLINDS bob 10 cat 20", "@dan POT 60", "@dan BOARD 3h 3s 4c",
                     "@dan TURN bob 0 20", "@dan CLOCK bob 26"]
    game.act("bob", Bet(40))
    game.act("cat", Fold())
    found = lines(game.join("eve"))
    assert found[6:] == ["@eve HAND 1 ann", "@eve PLAYERS bob cat ann",
                         "@eve BLINDS bob 10 cat 20", "@eve POT 60", "@eve STAKE bob 40",
                         "@eve ACTION cat fold 0", "@eve BOARD 3h 3s 4c", "@eve TURN ann 40 80",
                         "@eve CLOCK ann 30"]


def test_a_vanished_opponent_can_end_the_betting_for_the_player_to_act():
    game = Game(["ann", "bob", "cat"], chips={"ann": 100})
    game.act("ann", AllIn())
    game.act("bob", Call())
    game.act("cat", Call())
    game.act("bob", Check())
    assert game.turn == "cat"
    events = game.disconnect("bob")  # cat is left alone with chips against an all-in player
    found = lines(events)
    assert found[:3] == ["AWAY bob", "ACTION bob fold 0", "POT 300"]
    assert [line.split()[0] for line in found[3:]] == ["BOARD", "BOARD", "SHOW", "SHOW", "WIN",
                                                      "CHIPS", "CHIPS", "CHIPS"]


def test_the_player_to_act_is_told_again_when_raising_closes_for_them():
    game = Game(["ann", "bob", "cat"], chips={"ann": 100})
    game.act("ann", AllIn())
    game.act("bob", Call())
    assert lines(game.events)[-2] == "TURN cat 80 180"
    events = game.disconnect("bob")
    assert lines(events) == ["AWAY bob", "ACTION bob fold 100", "TURN cat 80 0",
                             "CLOCK cat 30"]


def test_an_all_in_player_who_quits_forfeits_the_chips_in_the_pot():
    game = Game(["ann", "bob", "cat"], chips={"ann": 100})
    game.act("ann", AllIn())
    game.act("bob", Call())
    events = game.quit("ann")
    assert lines(events)[:2] == ["@ann GOODBYE", "ACTION ann fold 100"]
    game.act("cat", Call())
    assert game.table.pot == 300 and game.table.hand_running


def test_an_all_in_player_who_comes_back_sees_the_hand_again():
    game = Game(["ann", "bob", "cat"], decks=["Kc Kd Qc Qd Ac Ad"], chips={"ann": 100})
    game.act("ann", AllIn())
    game.disconnect("ann")
    found = lines(game.join("ann"))
    assert found == ["BACK ann", "@ann SEAT 1 ann 0", "@ann SEAT 2 bob 990", "@ann SEAT 3 cat 980",
                     "@ann HAND 1 ann", "@ann PLAYERS bob cat ann", "@ann BLINDS bob 10 cat 20",
                     "@ann POT 0", "@ann STAKE bob 10", "@ann STAKE cat 20", "@ann STAKE ann 100",
                     "@ann CARDS Ac Ad", "@ann TURN bob 90 180", "@ann CLOCK bob 30"]


def test_an_all_in_player_whose_seat_expires_during_the_hand_is_folded():
    game = Game(["ann", "bob", "cat"], chips={"ann": 100}, reconnect_seconds=5)
    game.act("ann", AllIn())
    game.disconnect("ann")
    events = game.tick(6.0)
    assert lines(events)[:2] == ["ACTION ann fold 100", "LEFT ann"]
    assert game.table.hand_running and game.table.players == ["bob", "cat"]


def test_random_actions_from_anyone_are_either_legal_moves_or_refused_without_a_trace():
    """Anyone tries anything at any time: a refusal is one ERROR to them and changes
    nothing; anything accepted was the player to act making a legal move."""
    game = Game(["ann", "bob", "cat", "dan"], seed=77, hand_pause=0.5, rebuy=True)
    rng = random.Random(12)
    refused = accepted = 0
    while game.table.hand_number < 150:
        name = rng.choice(["ann", "bob", "cat", "dan", "zed"])
        amount = rng.choice([0, 1, 19, 20, 39, 40, 41, 100, 999, 1000, 1001, 5000, -20, "x"])
        action = rng.choice([Check(), Call(), Fold(), Bet(amount), Raise(amount), AllIn(),
                             Raise(2.5), "ALLIN"])
        view = game.table.view_for(name)
        before = state(game.table)
        events = game.act(name, action)
        if len(events) == 1 and isinstance(events[0], Error):
            assert events[0].to == name and state(game.table) == before
            assert view.choices is None or view.choices.problem(action) == events[0].reason
            refused += 1
        else:
            assert view.choices is not None and view.choices.problem(action) is None
            accepted += 1
        if not game.table.hand_running:
            game.next_hand()
    assert refused > 1000 and accepted > 300


@pytest.mark.parametrize("name", ["\u3164", "cool\u3164cat", "\u115f", "cool\u200bcat", "a\ufe0f"])
def test_names_with_invisible_letters_are_refused(name):
    from labsuite.protocols.poker.table import name_problem

    assert name_problem(name) is not None
