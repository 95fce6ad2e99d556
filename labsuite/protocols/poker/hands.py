"""The hand evaluator: the best five cards out of five, six or seven.

:func:`evaluate` returns a :class:`HandValue`. Values compare as poker hands do: higher is
better, equal is a tie (whatever the suits). Each value keeps its :class:`Category`, the
five cards it is made of (in order of importance: the pair before the kickers), and a
plain English :attr:`~HandValue.description` such as "two pair, kings and nines".

Why it is quick: the 52 cards are shared objects, the cards are sorted once, and the whole
ranking is packed into one integer (the category, then the five ranks in order of
importance, four bits each), so a comparison is one integer comparison. The ace of a
wheel (A-2-3-4-5) counts as a one, so that straight is the lowest.
"""

from __future__ import annotations

import enum
import functools
from operator import attrgetter
from typing import Iterable, List, Optional, Sequence, Tuple

from .cards import RANK_NAMES, Card


class Category(enum.IntEnum):
    HIGH_CARD = 0
    PAIR = 1
    TWO_PAIR = 2
    THREE_OF_A_KIND = 3
    STRAIGHT = 4
    FLUSH = 5
    FULL_HOUSE = 6
    FOUR_OF_A_KIND = 7
    STRAIGHT_FLUSH = 8

    @property
    def label(self) -> str:
        """"two pair", "straight flush", ..."""
        return self.name.lower().replace("_", " ")


def plural(rank: int) -> str:
    """The rank's name as a plural: "sixes", "aces"."""
    name = RANK_NAMES[rank]
    return name + ("es" if name.endswith("x") else "s")


@functools.total_ordering
class HandValue:
    """A hand's value: compare with ``<``, ``==``, ... ; ``cards`` are the five used."""

    __slots__ = ("key", "category", "cards")

    def __init__(self, category: Category, cards: Sequence[Card]):
        self.category = category
        self.cards: Tuple[Card, ...] = tuple(cards)
        key = category
        for rank in self.ranks:
            key = (key << 4) | rank
        self.key = key

    @property
    def ranks(self) -> Tuple[int, ...]:
        """The five ranks in order of importance (a wheel's ace is 1)."""
        ranks = tuple(card.rank for card in self.cards)
        if self.category in (Category.STRAIGHT, Category.STRAIGHT_FLUSH) and ranks[0] == 5:
            return ranks[:4] + (1,)
        return ranks

    @property
    def description(self) -> str:
        """Plain English: "a flush, ace high", "a full house, queens full of fours"."""
        first, third, last = (card.rank for card in (self.cards[0], self.cards[2],
                                                      self.cards[-1]))
        if self.category == Category.STRAIGHT_FLUSH and first == 14:
            return "a royal flush"
        return _DESCRIPTIONS[self.category].format(
            high=RANK_NAMES[first], firsts=plural(first), thirds=plural(third),
            lasts=plural(last))

    def __eq__(self, other) -> bool:
        return self.key == other.key if isinstance(other, HandValue) else NotImplemented

    def __lt__(self, other: "HandValue") -> bool:
        return self.key < other.key if isinstance(other, HandValue) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"<HandValue {self.description}: {' '.join(map(str, self.cards))}>"


_DESCRIPTIONS = {
    Category.STRAIGHT_FLUSH: "a straight flush, {high} high",
    Category.FOUR_OF_A_KIND: "four of a kind, {firsts}",
    Category.FULL_HOUSE: "a full house, {firsts} full of {lasts}",
    Category.FLUSH: "a flush, {high} high",
    Category.STRAIGHT: "a straight, {high} high",
    Category.THREE_OF_A_KIND: "three of a kind, {firsts}",
    Category.TWO_PAIR: "two pair, {firsts} and {thirds}",
    Category.PAIR: "a pair of {firsts}",
    Category.HIGH_CARD: "high card, {high}",
}
_by_rank = attrgetter("rank")


def evaluate(cards: Iterable[Card]) -> HandValue:
    """The best five-card hand among five, six or seven distinct cards."""
    ordered = sorted(cards, key=_by_rank, reverse=True)
    if not 5 <= len(ordered) <= 7 or len(set(ordered)) != len(ordered):
        raise ValueError("A hand is five to seven different cards.")
    by_suit = {}
    for card in ordered:
        same = by_suit.get(card.suit)
        if same is None:
            by_suit[card.suit] = [card]
        else:
            same.append(card)
    if len(by_suit) <= len(ordered) - 4:  # some suit may hold five cards
        for same in by_suit.values():
            if len(same) >= 5:
                # with seven cards a flush rules out four of a kind and a full house
                run = _straight(same)
                if run is not None:
                    return HandValue(Category.STRAIGHT_FLUSH, run)
                return HandValue(Category.FLUSH, same[:5])
    groups: List[List[Card]] = []  # cards of one rank, highest rank first
    previous = 0
    for card in ordered:
        if card.rank == previous:
            groups[-1].append(card)
        else:
            groups.append([card])
            previous = card.rank
    run = _straight([group[0] for group in groups]) if len(groups) >= 5 else None
    groups.sort(key=len, reverse=True)  # stable: bigger groups first, then higher ranks
    biggest, second = len(groups[0]), len(groups[1])
    if biggest == 4:
        return HandValue(Category.FOUR_OF_A_KIND, groups[0] + [_highest(groups[1:])])
    if biggest == 3 and second >= 2:
        return HandValue(Category.FULL_HOUSE, groups[0] + groups[1][:2])
    if run is not None:
        return HandValue(Category.STRAIGHT, run)
    if biggest == 3:
        return HandValue(Category.THREE_OF_A_KIND, groups[0] + [groups[1][0], groups[2][0]])
    if biggest == 2 and second == 2:
        return HandValue(Category.TWO_PAIR, groups[0] + groups[1] + [_highest(groups[2:])])
    if biggest == 2:
        return HandValue(Category.PAIR, groups[0] + [groups[1][0], groups[2][0], groups[3][0]])
    return HandValue(Category.HIGH_CARD, ordered[:5])


def best_hand(hole: Sequence[Card], board: Sequence[Card]) -> HandValue:
    """The best hand a player makes with two hole cards and a board of three to five."""
    return evaluate([*hole, *board])


def _straight(cards: List[Card]) -> Optional[List[Card]]:
    """Five cards in sequence, highest first, from cards of distinct ranks sorted high to
    low (the wheel ends with its ace), or None."""
    ranks = [card.rank for card in cards]
    for start in range(len(ranks) - 4):
        if ranks[start] - ranks[start + 4] == 4:
            return cards[start:start + 5]
    if ranks[0] == 14 and ranks[-4:] == [5, 4, 3, 2]:
        return cards[-4:] + cards[:1]
    return None


def _highest(groups: List[List[Card]]) -> Card:
    """The highest card left over, for a kicker (its group may be any size)."""
    return max((group[0] for group in groups), key=_by_rank)
