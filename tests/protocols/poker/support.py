"""A small harness for driving a poker Table in tests, reading events as wire lines."""

from __future__ import annotations

import random
from typing import Dict, Iterable, List, Optional

from labsuite.protocols.poker.cards import Deck
from labsuite.protocols.poker.events import Left, New, Rebuy
from labsuite.protocols.poker.table import HandState, Player, Table, TableConfig
from labsuite.protocols.poker.wire import encode


def line(event) -> str:
    """An event as its wire text (MESSAGE's two lines joined by " / "), with "@name "
    in front when it goes to one player only."""
    text = encode(event).decode().rstrip("\n").replace("\n", " / ")
    return text if event.to is None else f"@{event.to} {text}"


def lines(events: Iterable) -> List[str]:
    return [line(event) for event in events]


def public(events: Iterable) -> List[str]:
    return [line(event) for event in events if event.to is None]


def state(table: Table) -> dict:
    """Everything a table holds, as plain values (to show that a call changed nothing)."""
    def plain(value):
        if isinstance(value, (Player, HandState)):
            return {key: plain(item) for key, item in vars(value).items()}
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if isinstance(value, Deck):
            return (tuple(value._cards), value._next)
        if isinstance(value, random.Random):
            return value.getstate()
        return value
    return {key: plain(value) for key, value in vars(table).items() if key != "_deck_source"}


class Game:
    """A table with named players seated before the first hand, a deck per hand from
    ``decks`` (text: hole cards in dealing order, then the board; after them the full deck
    in order), then decks shuffled by ``seed`` (or, with no seed, the full deck in order),
    and chip conservation checked after every call."""

    def __init__(self, names: Iterable[str] = ("ann", "bob"), decks: Iterable[str] = (),
                 chips: Optional[Dict[str, int]] = None, start: bool = True,
                 seed: Optional[int] = None, **config):
        config.setdefault("hand_pause", 1.0)
        config.setdefault("bot_seconds", 0.0)
        self.config = TableConfig(**config)
        self.decks = list(decks)
        self.shuffler = None if seed is None else random.Random(seed)
        self.table = Table(self.config, self._deck, random.Random(1))
        self.now = 0.0
        self.events: List = []
        self.brought = 0  # chips that came to the table (joins, rebuys) minus those that left
        for name in names:
            self.join(name)
        for name, amount in (chips or {}).items():
            self.set_chips(name, amount)
        if start:
            self.tick(self.config.hand_pause)

    def _deck(self) -> Deck:
        if self.decks or self.shuffler is None:
            return Deck.stacked(self.decks.pop(0) if self.decks else "")
        return Deck.shuffled(self.shuffler)

    def set_chips(self, name: str, amount: int) -> None:
        """Give a player a stack (between hands only): chips that came to the table."""
        player = self.table._find(name)
        self.brought += amount - player.chips
        player.chips = amount

    def chips(self, name: str) -> int:
        return self.table.chips_of(name)

    def total(self) -> int:
        return sum(seat.chips for seat in self.table.view_for().seats) + self.table.pot

    def call(self, method, *args) -> List:
        before = {seat.name: seat.chips for seat in self.table.view_for().seats}
        events = method(*args, self.now)
        for event in events:
            if isinstance(event, New):
                self.brought += self.config.starting_stack
            elif isinstance(event, Rebuy):
                self.brought += event.chips
            elif isinstance(event, Left) and event.name in before:
                self.brought -= before[event.name]
        self.events += events
        assert self.total() == self.brought, lines(events)
        return events

    def join(self, name: str) -> List:
        return self.call(self.table.join, name)

    def add_bot(self) -> str:
        names = []
        self.call(lambda now: names.append(self.table.add_bot(now)) or names[0][1])
        return names[0][0]

    def act(self, name: str, action) -> List:
        return self.call(self.table.act, name, action)

    def quit(self, name: str) -> List:
        return self.call(self.table.quit, name)

    def disconnect(self, name: str) -> List:
        return self.call(self.table.disconnect, name)

    def message(self, name: str, text: str) -> List:
        return self.call(self.table.message, name, text)

    def tick(self, now: Optional[float] = None) -> List:
        if now is not None:
            self.now = now
        return self.call(self.table.tick)

    def next_hand(self) -> List:
        """Wait for the next hand and start it."""
        deadline = self.table.next_deadline()
        assert deadline is not None and not self.table.hand_running
        return self.tick(max(self.now, deadline))

    @property
    def turn(self) -> Optional[str]:
        return self.table.view_for().turn
