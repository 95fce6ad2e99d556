"""Playing cards and decks.

A card is written as two characters, rank then suit: ranks ``23456789TJQKA`` and suits
``cdhs`` (clubs, diamonds, hearts, spades), so ``As`` is the ace of spades and ``Td`` the
ten of diamonds. The 52 cards exist once each (``Card(14, "s") is parse_card("As")``), which
keeps comparisons and the hand evaluator cheap. A :class:`Deck` deals from an order it is
given; shuffling takes an injected ``random.Random`` so every game can be replayed.
"""

from __future__ import annotations

import random
from typing import Dict, Iterable, List, Sequence, Tuple

RANKS = "23456789TJQKA"
SUITS = "cdhs"
RANK_NAMES = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
              9: "nine", 10: "ten", 11: "jack", 12: "queen", 13: "king", 14: "ace"}


class Card:
    """One playing card: ``rank`` 2..14 (ace high) and ``suit`` one of ``cdhs``."""

    __slots__ = ("rank", "suit", "text")
    _all: Dict[Tuple[int, str], "Card"] = {}

    def __new__(cls, rank: int, suit: str) -> "Card":
        card = cls._all.get((rank, suit)) if type(rank) is int else None
        if card is None:
            if type(rank) is not int or rank not in RANK_NAMES or type(suit) is not str \
                    or len(suit) != 1 or suit not in SUITS:
                raise ValueError(f"There is no card with rank {rank!r} and suit {suit!r}.")
            card = super().__new__(cls)
            object.__setattr__(card, "rank", rank)
            object.__setattr__(card, "suit", suit)
            object.__setattr__(card, "text", RANKS[rank - 2] + suit)
            cls._all[(rank, suit)] = card
        return card

    def __setattr__(self, name, value):
        raise AttributeError("cards cannot be changed")

    def __reduce__(self):
        return Card, (self.rank, self.suit)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Card({self.text!r})"

    def __lt__(self, other: "Card") -> bool:
        if not isinstance(other, Card):
            return NotImplemented
        return (self.rank, self.suit) < (other.rank, other.suit)


def parse_card(text: str) -> Card:
    """``"As"`` -> the ace of spades. Case-insensitive for the rank (``"as"`` works too);
    raises ``ValueError`` with a plain reason for anything that is not a card."""
    if not isinstance(text, str) or len(text) != 2:
        raise ValueError(f"{text!r} is not a card: write rank then suit, like As or Td.")
    rank_char, suit_char = text[0].upper(), text[1].lower()
    if rank_char not in RANKS or suit_char not in SUITS:
        raise ValueError(f"{text!r} is not a card: ranks are {RANKS}, suits are {SUITS}.")
    return Card(RANKS.index(rank_char) + 2, suit_char)


def parse_cards(text: str) -> List[Card]:
    """``"As Kd 7c"`` -> three cards (separated by spaces)."""
    return [parse_card(word) for word in text.split()]


def format_cards(cards: Iterable[Card]) -> str:
    return " ".join(card.text for card in cards)


def full_deck() -> List[Card]:
    """The 52 cards in a fixed order (2c 2d 2h 2s 3c ... As)."""
    return list(_FULL_DECK)


_FULL_DECK = tuple(Card(rank, suit) for rank in range(2, 15) for suit in SUITS)


class Deck:
    """Cards dealt from the top of a given order; never more than it holds."""

    def __init__(self, cards: Iterable[Card]):
        self._cards = list(cards)
        if len(set(self._cards)) != len(self._cards):
            raise ValueError("A deck cannot hold the same card twice.")
        self._next = 0

    @classmethod
    def shuffled(cls, rng: random.Random) -> "Deck":
        """A full deck in an order drawn from ``rng`` (seed it to replay a game)."""
        cards = full_deck()
        rng.shuffle(cards)
        return cls(cards)

    @classmethod
    def stacked(cls, top: Sequence[Card] | str) -> "Deck":
        """``top`` first (cards or text like ``"As Ad Kc Kd"``), then the rest of a full
        deck in its fixed order: for tests, lessons and replays of a known hand."""
        first = parse_cards(top) if isinstance(top, str) else list(top)
        chosen = set(first)
        return cls(first + [card for card in full_deck() if card not in chosen])

    @property
    def remaining(self) -> int:
        return len(self._cards) - self._next

    def deal(self, count: int = 1) -> List[Card]:
        if count > self.remaining:
            raise ValueError(f"The deck has only {self.remaining} cards left.")
        cards = self._cards[self._next:self._next + count]
        self._next += count
        return cards

    def __eq__(self, other) -> bool:
        if not isinstance(other, Deck):
            return NotImplemented
        return self._cards[self._next:] == other._cards[other._next:]

    def __repr__(self) -> str:
        return f"Deck({self.remaining} cards left)"
