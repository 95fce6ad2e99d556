"""Computer players: simple, readable, never illegal.

:func:`decide` looks only at a :class:`~.events.PlayerView` (what that player may see), so
it runs the same inside the table or in a client. Before the flop it scores the two cards
with the Chen formula; after it, it sorts its hand into a tier (a strong made hand, top
pair, a weaker pair, a draw, nothing), estimates how often that wins and compares it with
the price the pot offers. Good hands bet and raise, decent ones call when the price is
right, bad ones fold to bets; checking is never turned down for a fold. The random choices
(how often to bluff or vary a bet) come from the injected ``rng``.
"""

from __future__ import annotations

import math
import random
from typing import Iterable, Sequence

from ..chat import fold as fold_name
from .cards import Card
from .events import Action, AllIn, Bet, Call, Check, Choices, Fold, PlayerView, Raise
from .hands import Category, best_hand, evaluate

BOT_NAMES = ("bot_ada", "bot_alan", "bot_grace", "bot_edsger", "bot_barbara", "bot_donald",
             "bot_frances", "bot_ken", "bot_radia", "bot_linus", "bot_hedy", "bot_claude")


def bot_name(taken: Iterable[str]) -> str:
    """A readable bot name nobody at the table uses (case does not matter)."""
    used = {fold_name(name) for name in taken}
    for name in BOT_NAMES:
        if name not in used:
            return name
    number = 2
    while True:
        for name in BOT_NAMES:
            candidate = f"{name}{number}"
            if candidate not in used:
                return candidate
        number += 1


# -- before the flop ------------------------------------------------------------------------
def chen_score(hole: Sequence[Card]) -> int:
    """Bill Chen's quick score of two hole cards: 20 for two aces, -1 for 7-2 offsuit."""
    high, low = sorted((card.rank for card in hole), reverse=True)
    points = {14: 10.0, 13: 8.0, 12: 7.0, 11: 6.0}.get(high, high / 2)
    if high == low:
        return math.ceil(max(points * 2, 5))
    if hole[0].suit == hole[1].suit:
        points += 2
    gap = high - low - 1
    points -= (0, 1, 2, 4)[gap] if gap < 4 else 5
    if gap <= 1 and high < 12:
        points += 1  # connected low cards make straights
    return math.ceil(points)


def _preflop(view: PlayerView, choices: Choices, rng: random.Random) -> Action:
    score = chen_score(view.hole)
    big = max(view.big_blind, 1)
    stack = choices.all_in_total
    cost = choices.call_amount
    unraised = choices.current_bet <= big
    if score >= 16:  # aces, kings: build the pot, never fold
        target = 3 * big + view.pot if unraised else 3 * choices.current_bet
        if cost > stack / 3:
            return _sized(choices, choices.all_in_total)
        return _sized(choices, target)
    if score >= 10:  # queens to tens, ace-king, big suited aces
        if unraised or rng.random() < 0.3:
            return _sized(choices, 3 * big + view.pot if unraised else 3 * choices.current_bet)
        return _call_or_fold(choices, cost <= stack * 0.35)
    if score >= 7:
        if unraised and choices.to_call <= big and rng.random() < 0.25:
            return _sized(choices, 3 * big)
        return _call_or_fold(choices, cost <= max(3 * big, stack * 0.06))
    if score >= 5:
        return _call_or_fold(choices, cost <= big)
    return _call_or_fold(choices, cost <= big / 2 and rng.random() < 0.5)


# -- after the flop -------------------------------------------------------------------------
MONSTER, STRONG, MEDIUM, DRAW, NOTHING = "monster", "strong", "medium", "draw", "nothing"
WINS = {MONSTER: 0.9, STRONG: 0.7, MEDIUM: 0.45, NOTHING: 0.05}


def hand_tier(hole: Sequence[Card], board: Sequence[Card]) -> str:
    """How good a made hand is compared with what the board alone offers everyone."""
    value = best_hand(hole, board)
    shared = _board_category(board)
    if value.category > shared:
        if value.category >= Category.THREE_OF_A_KIND:
            return MONSTER
        top = max(card.rank for card in board)
        if value.category == Category.TWO_PAIR:
            hole_ranks = {card.rank for card in hole}
            both = hole_ranks >= {value.cards[0].rank, value.cards[2].rank} or \
                len(hole_ranks) == 1
            return MONSTER if both and value.cards[0].rank >= top else STRONG
        if value.category == Category.PAIR:
            pair = value.cards[0].rank
            if pair in {card.rank for card in hole}:
                return STRONG if pair >= top else MEDIUM
    return DRAW if draw_outs(hole, board) else NOTHING


def _board_category(board: Sequence[Card]) -> Category:
    if len(board) >= 5:
        return evaluate(board).category
    counts = sorted((sum(1 for c in board if c.rank == r) for r in {c.rank for c in board}),
                    reverse=True)
    if counts[0] >= 4:
        return Category.FOUR_OF_A_KIND
    if counts[0] == 3:
        return Category.THREE_OF_A_KIND
    if counts[0] == 2:
        return Category.TWO_PAIR if len(counts) > 1 and counts[1] == 2 else Category.PAIR
    return Category.HIGH_CARD


def draw_outs(hole: Sequence[Card], board: Sequence[Card]) -> int:
    """Cards that would complete a flush or straight using a hole card (0 on the river):
    9 for a flush draw, 8 for an open-ended straight draw, 4 for an inside one."""
    if len(board) >= 5:
        return 0
    cards = [*hole, *board]
    outs = 0
    for suit in {card.suit for card in hole}:
        if sum(1 for card in cards if card.suit == suit) == 4:
            outs += 9
    ranks, mine = _low_ace_ranks(cards), _low_ace_ranks(hole)
    runs = [low for low in range(1, 11)
            if len(ranks & set(range(low, low + 5))) == 4 and mine & set(range(low, low + 5))]
    if any({low, low + 1, low + 2, low + 3} <= ranks and
           mine & {low, low + 1, low + 2, low + 3} for low in range(2, 11)):
        outs += 8  # four in a row with room at both ends
    elif runs:
        outs += 4
    return min(outs, 15)


def _low_ace_ranks(cards: Sequence[Card]) -> set:
    ranks = {card.rank for card in cards}
    return ranks | {1} if 14 in ranks else ranks


def _postflop(view: PlayerView, choices: Choices, rng: random.Random) -> Action:
    tier = hand_tier(view.hole, view.board)
    pot = max(view.pot, 1)
    if tier == DRAW:
        per_card = 0.02 * draw_outs(view.hole, view.board)
        wins = per_card * (2 if len(view.board) == 3 else 1)
    else:
        wins = WINS[tier] - 0.04 * max(0, len(view.opponents) - 1)
    if choices.can_check:
        if tier == MONSTER or (tier == STRONG and rng.random() < 0.8):
            return _sized(choices, pot * (0.75 if tier == MONSTER else 0.6))
        if tier in (MEDIUM, DRAW) and rng.random() < 0.3:
            return _sized(choices, pot * 0.5)
        if tier == NOTHING and len(view.opponents) == 1 and rng.random() < 0.12:
            return _sized(choices, pot * 0.5)  # a bluff now and then
        return Check()
    price = choices.call_amount / (pot + choices.call_amount)
    if tier == MONSTER:
        if rng.random() < 0.6:
            return _sized(choices, choices.current_bet * 2.5 + pot * 0.5)
        return Call()
    if tier == STRONG and price < 0.25 and rng.random() < 0.25:
        return _sized(choices, choices.current_bet * 2.5)
    return _call_or_fold(choices, wins >= price)


# -- the decision ----------------------------------------------------------------------------
def decide(view: PlayerView, rng: random.Random) -> Action:
    """The bot's move on its turn; always legal for ``view.choices``."""
    choices = view.choices
    if choices is None or len(view.hole) != 2:
        return Check()  # not our turn: nothing sensible to do (the table would refuse)
    if view.board:
        action = _postflop(view, choices, rng)
    else:
        action = _preflop(view, choices, rng)
    if isinstance(action, Fold) and choices.can_check:
        return Check()
    if choices.problem(action) is not None:
        return Check() if choices.can_check else Call()
    return action


def _call_or_fold(choices: Choices, worth_it: bool) -> Action:
    if choices.can_check:
        return Check()
    return Call() if worth_it else Fold()


def _sized(choices: Choices, total: float) -> Action:
    """BET or RAISE to about ``total`` for the round, kept within the legal range (a bet
    that would leave almost nothing behind goes all in)."""
    if not choices.can_open:
        return Check() if choices.can_check else Call()
    total = max(choices.min_total, min(choices.max_total, int(total)))
    if total >= choices.max_total * 0.85:
        return AllIn()
    return Bet(total) if choices.can_bet else Raise(total)
