"""The poker table: No-limit Texas hold'em for 2 to 8 seats, as a sans-IO state machine.

Every call takes the time ``now`` (seconds, any monotonic clock) and returns the events
it caused, in order. An event's ``to`` is ``None`` for everyone in :attr:`Table.audience`
when the call returns (seated and connected: a player who just quit is no longer there),
or one player's name (hole cards, errors, a newcomer's catch-up). A call that is not
allowed returns exactly one :class:`~.events.Error` for the caller and changes nothing;
for :meth:`Table.join` the caller may not own that name, so a server sends that error to
the connection that asked. The table knows players, not connections: a server keeps
one name per connection and calls :meth:`Table.disconnect` when one vanishes. Call
:meth:`Table.tick` at :meth:`Table.next_deadline`: it runs the turn timer, frees seats of
players who did not come back, lets bots act and starts the next hand.

Cards come off the deck in this order, with no burn cards: two cards for each player in
turn, starting left of the dealer (the dealer last), then three for the flop, one for the
turn and one for the river. Heads-up the dealer posts the small blind, acts first before
the flop and last after it. The button moves one seat (among players dealt in) each hand.

Not thread-safe: one owner calls it (the server's loop).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional, Sequence, Tuple

from ..chat import fold, one_line
from ..text import clean_text, is_invisible
from . import bots
from .cards import Card, Deck
from .events import (NOBODY_TO_RAISE, NOT_REOPENED, UNCONTESTED, Acted, Action, Away, Back,
                     Blinds, Board, Cards, Check, Chips, Choices, Clock, Error, Event,
                     Fold, Goodbye, Hand, Left, Message, New, PlayerView, Players, Pot, Pots,
                     Rebuy, Returned, Seat, SeatView, Show, Stake, Timeout, Turn, Wait, Win)
from .hands import HandValue, best_hand

MAX_NAME = 16
MAX_MESSAGE = 1000
BOT_PREFIX = "bot_"
NOT_SEATED = "Join the table first: JOIN <your name>."


@dataclass(frozen=True)
class TableConfig:
    seats: int = 8  # 2 to 8
    small_blind: int = 10
    big_blind: int = 20
    starting_stack: int = 1000
    turn_seconds: float = 30.0  # then the table checks (when free) or folds for the player
    reconnect_seconds: float = 60.0  # a vanished player's seat is kept this long
    hand_pause: float = 3.0  # between hands (0 in tests)
    rebuy: bool = False  # a busted player gets the starting stack again at the next hand
    bot_seconds: float = 1.0  # how long a bot "thinks", so people can follow (0 in tests)

    def __post_init__(self):
        problems = []
        if not 2 <= self.seats <= 8:
            problems.append("seats must be 2 to 8")
        if not 0 < self.small_blind <= self.big_blind:
            problems.append("blinds must be positive, the small one not above the big one")
        if self.starting_stack < self.big_blind:
            problems.append("the starting stack must cover the big blind")
        if not self.turn_seconds > 0:
            problems.append("turn_seconds must be positive")
        if min(self.reconnect_seconds, self.hand_pause, self.bot_seconds) < 0:
            problems.append("times cannot be negative")
        if problems:
            raise ValueError("Table settings: " + "; ".join(problems) + ".")


@dataclass(eq=False)  # identity: the same player, not an equal one
class Player:
    name: str
    seat: int  # index from 0; the wire counts seats from 1
    chips: int  # behind, not yet bet
    is_bot: bool = False
    away_until: Optional[float] = None  # disconnected: the seat is kept until then
    # the hand being played
    in_hand: bool = False
    hole: Tuple[Card, ...] = ()
    folded: bool = False
    bet: int = 0  # in this betting round
    put_in: int = 0  # in this hand, bets included
    acted_at: Optional[int] = None  # the bet to match when this player last acted this round
    key: str = ""  # the name without regard to case

    def __post_init__(self):
        self.key = fold(self.name)

    @property
    def live(self) -> bool:
        """In the hand, not folded, with chips to bet."""
        return self.in_hand and not self.folded and self.chips > 0

    @property
    def contending(self) -> bool:
        return self.in_hand and not self.folded

    def reset_hand(self) -> None:
        self.in_hand, self.hole, self.folded = False, (), False
        self.bet = self.put_in = 0
        self.acted_at = None


@dataclass(eq=False)
class HandState:
    number: int
    dealer: Player
    order: List[Player]  # dealt in, clockwise from the player left of the dealer
    deck: Deck
    board: List[Card] = field(default_factory=list)
    level: int = 0  # the bet to match in this round
    last_raise: int = 0  # the size of the last full bet or raise in this round
    actor: Optional[Player] = None
    deadline: Optional[float] = None  # for the actor
    blinds: Optional[Blinds] = None  # who posted them (told again to a newcomer)

    @property
    def pot(self) -> int:
        return sum(player.put_in for player in self.order)

    @property
    def contenders(self) -> List[Player]:
        return [player for player in self.order if not player.folded]


DeckSource = Callable[[], Deck]


class Table:
    """One poker table. ``deck_source()`` gives a fresh deck for each hand (for example
    ``lambda: Deck.shuffled(rng)``); ``bot_rng`` drives the bots' random choices."""

    def __init__(self, config: TableConfig, deck_source: DeckSource,
                 bot_rng: Optional[random.Random] = None):
        if not callable(deck_source):
            raise ValueError("A table needs a deck_source: a function giving a new Deck.")
        self.config = config
        self._deck_source = deck_source
        self._bot_rng = bot_rng if bot_rng is not None else random.Random(0)
        self._seats: List[Optional[Player]] = [None] * config.seats
        self._hand: Optional[HandState] = None
        self._hand_number = 0
        self._button: Optional[int] = None  # seat index of the last dealer
        self._next_hand_at: Optional[float] = None
        self.bot_mistakes = 0  # bot actions the table had to replace (always 0, tested)
        # per call
        self._now = 0.0
        self._out: List[Event] = []
        self._hand_ended = False

    # -- what is there ------------------------------------------------------------------
    @property
    def players(self) -> List[str]:
        """Seated names in seat order (away players included)."""
        return [player.name for player in self._seated()]

    @property
    def audience(self) -> List[str]:
        """Who gets an event with ``to=None``: seated and connected players."""
        return [player.name for player in self._seated() if player.away_until is None]

    def is_bot(self, name: str) -> bool:
        player = self._find(name)
        return bool(player and player.is_bot)

    @property
    def is_full(self) -> bool:
        return all(self._seats)

    @property
    def hand_running(self) -> bool:
        return self._hand is not None

    @property
    def hand_number(self) -> int:
        return self._hand_number

    @property
    def pot(self) -> int:
        """Chips in the middle, this round's bets included."""
        return self._hand.pot if self._hand else 0

    def chips_of(self, name: str) -> Optional[int]:
        player = self._find(name)
        return None if player is None else player.chips

    def next_deadline(self) -> Optional[float]:
        """When :meth:`tick` must be called next (None: only when someone does something)."""
        times = [player.away_until for player in self._seated() if player.away_until is not None]
        if self._hand is not None and self._hand.deadline is not None:
            times.append(self._hand.deadline)
        if self._hand is None and self._next_hand_at is not None:
            times.append(self._next_hand_at)
        return min(times) if times else None

    def view_for(self, name: Optional[str] = None) -> PlayerView:
        """What ``name`` can see (their own hole cards, and their choices on their turn);
        ``None``: what a spectator sees."""
        return self._view(self._find(name) if name is not None else None)

    def _view(self, me: Optional[Player]) -> PlayerView:
        hand = self._hand
        seats = tuple(SeatView(p.seat + 1, p.name, p.chips, p.bet, p.in_hand, p.folded,
                               p.contending and p.chips == 0, p.away_until is not None,
                               p.is_bot) for p in self._seated())
        config = self.config
        if hand is None:
            return PlayerView(me.name if me else None, seats, self._hand_number,
                              small_blind=config.small_blind, big_blind=config.big_blind)
        actor = hand.actor
        turn = self._choices(actor) if actor is not None else None
        return PlayerView(
            me.name if me else None, seats, hand.number, hand_running=True,
            dealer=hand.dealer.name, board=tuple(hand.board),
            hole=me.hole if me and me.in_hand else (), pot=hand.pot,
            turn=actor.name if actor else None, to_call=turn.to_call if turn else 0,
            min_raise_to=turn.min_raise_to if turn else 0,
            deadline=hand.deadline if actor and not actor.is_bot else None,
            small_blind=config.small_blind,
            big_blind=config.big_blind, choices=turn if me is not None and actor is me else None)

    # -- what players do ---------------------------------------------------------------------
    def join(self, name: str, now: float) -> List[Event]:
        """Seat a player with the starting stack, or give a vanished player the seat back."""
        wanted = unicodedata.normalize("NFC", name.strip()) if isinstance(name, str) else ""
        player = self._find(wanted)
        if player is not None and player.away_until is not None:
            self._begin(now)
            player.away_until = None
            self._emit(Back(player.name))
            self._catch_up(player, include_self=True)
            self._schedule_if_ready()
            return self._finish()
        problem = self._name_problem(wanted, player)
        if problem is not None:
            return [Error(problem, to=wanted)]
        self._begin(now)
        self._seat(wanted, is_bot=False)
        return self._finish()

    def add_bot(self, now: float) -> Tuple[Optional[str], List[Event]]:
        """Seat a computer player; ``(None, [])`` when the table is full."""
        if self.is_full:
            return None, []
        self._begin(now)
        name = bots.bot_name(self.players)
        self._seat(name, is_bot=True)
        return name, self._finish()

    def act(self, name: str, action: Action, now: float) -> List[Event]:
        """A betting action (Check, Call, Fold, Bet, Raise, AllIn) by ``name``."""
        player = self._find(name)
        problem = self._action_problem(player)
        choices = self._choices(player) if problem is None else None
        problem = problem or choices.problem(action)
        if problem is not None:
            return [Error(problem, to=player.name if player else name)]
        self._begin(now)
        self._apply(player, action, choices)
        return self._finish()

    def message(self, name: str, text: str, now: float) -> List[Event]:
        """Table talk: everyone seated reads it."""
        player = self._find(name)
        text = clean_text(one_line(text)) if isinstance(text, str) else ""
        if player is None:
            return [Error(NOT_SEATED, to=name)]
        if not text.strip():
            return [Error("Empty message; nothing was sent.", to=player.name)]
        if len(text) > MAX_MESSAGE:
            return [Error(f"Messages are at most {MAX_MESSAGE} characters; nothing was sent.",
                          to=player.name)]
        self._begin(now)
        self._emit(Message(player.name, text))
        return self._finish()

    def quit(self, name: str, now: float) -> List[Event]:
        """The player leaves for good: GOODBYE to them, LEFT to the others. In a hand they
        fold (their bets stay in the pot)."""
        player = self._find(name)
        self._begin(now)
        self._emit(Goodbye(to=player.name if player else name))
        if player is not None:
            self._unseat(player)
        return self._finish()

    def disconnect(self, name: str, now: float) -> List[Event]:
        """The player's connection vanished: they fold now (unless all in: those chips stay
        in play) and keep the seat for ``reconnect_seconds`` to JOIN again by name."""
        player = self._find(name)
        if player is None or player.away_until is not None:
            return []
        if player.is_bot:
            return []  # bots have no connection to lose
        self._begin(now)
        player.away_until = now + self.config.reconnect_seconds
        self._emit(Away(player.name))
        if player.live:
            self._fold(player)
        return self._finish()

    def tick(self, now: float) -> List[Event]:
        """Run what is due: turn timeouts, bots' moves, expired seats, the next hand."""
        self._begin(now)
        return self._finish()

    # -- seating ----------------------------------------------------------------------------
    def _find(self, name: Optional[str]) -> Optional[Player]:
        if not isinstance(name, str) or not name:
            return None
        key = fold(name)
        for player in self._seats:
            if player is not None and player.key == key:
                return player
        return None

    def _seated(self) -> List[Player]:
        return [player for player in self._seats if player is not None]

    def _name_problem(self, name: str, holder: Optional[Player]) -> Optional[str]:
        if holder is not None:
            return f"The name {holder.name} is taken at this table; try {self._free_like(name)}."
        problem = name_problem(name)
        if problem is None and fold(name).startswith(BOT_PREFIX):
            problem = f"Names starting with {BOT_PREFIX} are for computer players; " \
                      f"try {self._free_like(name[len(BOT_PREFIX):])}."
        if problem is None and self.is_full:
            problem = f"The table is full ({self.config.seats} seats); " \
                      "try again when someone leaves."
        return problem

    def _free_like(self, name: str) -> str:
        """A free, valid name close to ``name``."""
        base = suggest_name(name)
        if fold(base).startswith(BOT_PREFIX):
            base = suggest_name(base[len(BOT_PREFIX):])
        if self._find(base) is None:
            return base
        for number in range(2, 100):
            candidate = base[:MAX_NAME - len(str(number))] + str(number)
            if self._find(candidate) is None:
                return candidate
        return "player"

    def _seat(self, name: str, is_bot: bool) -> None:
        index = self._seats.index(None)
        player = Player(name, index, self.config.starting_stack, is_bot=is_bot)
        self._seats[index] = player
        self._emit(New(name))
        self._emit(Seat(index + 1, name, player.chips))
        self._catch_up(player)
        if not self._schedule_if_ready() and self._hand is None:
            self._emit(Wait("Waiting for a second player with chips."))

    def _catch_up(self, player: Player, include_self: bool = False) -> None:
        """Tell a newcomer (or a returning player) what is already on the table."""
        to = player.name
        for other in self._seated():
            if other is not player or include_self:
                self._emit(Seat(other.seat + 1, other.name, other.chips, to=to))
            if other.away_until is not None:
                self._emit(Away(other.name, to=to))
        hand = self._hand
        if hand is None:
            return
        self._emit(Hand(hand.number, hand.dealer.name, to=to))
        self._emit(Players(tuple(p.name for p in hand.order), to=to))
        self._emit(replace(hand.blinds, to=to))
        self._emit(Pot(hand.pot - sum(p.bet for p in hand.order), to=to))  # earlier rounds
        for other in hand.order:
            if other.bet:
                self._emit(Stake(other.name, other.bet, to=to))
            if other.folded:
                self._emit(Acted(other.name, "fold", other.bet, to=to))
        if player.in_hand:
            self._emit(Cards(player.hole, to=to))
        if hand.board:
            self._emit(Board(tuple(hand.board), to=to))
        if hand.actor is not None:
            self._announce_turn(hand.actor, hand.deadline, to=to)

    def _unseat(self, player: Player) -> None:
        """Free the seat; a player still in the hand folds (even all in: they are gone)."""
        self._seats[player.seat] = None
        if self._hand is not None and player.contending:
            self._fold(player)
        self._emit(Left(player.name))

    def _ready(self) -> List[Player]:
        """Players who can be dealt in (rebuys counted), in seat order."""
        rebuy = self.config.rebuy
        return [p for p in self._seated() if p.away_until is None and (p.chips or rebuy)]

    def _schedule_if_ready(self) -> bool:
        if len(self._ready()) < 2:
            return False
        if self._hand is None and self._next_hand_at is None:
            self._next_hand_at = self._now + self.config.hand_pause
        return True

    # -- one call ---------------------------------------------------------------------------
    def _begin(self, now: float) -> None:
        self._now, self._out, self._hand_ended = now, [], False

    def _emit(self, event: Event) -> None:
        self._out.append(event)

    def _finish(self) -> List[Event]:
        """Run everything that is due by now, then hand over the events."""
        while self._run_one_due():
            pass
        events, self._out = self._out, []
        return events

    def _run_one_due(self) -> bool:
        now = self._now
        for player in self._seated():
            if player.away_until is not None and player.away_until <= now:
                self._unseat(player)
                return True
        hand = self._hand
        if hand is not None:
            if hand.actor is not None and hand.deadline is not None and hand.deadline <= now:
                self._act_for(hand.actor)
                return True
            return False
        # a hand that ended in this call does not start the next one (bot-only tables would
        # otherwise play forever inside one call): the next tick() does
        if self._next_hand_at is not None and self._next_hand_at <= now and not self._hand_ended:
            self._start_hand()
            return True
        return False

    def _act_for(self, player: Player) -> None:
        """The actor's time is up: a bot decides, a person is checked or folded."""
        if player.is_bot:
            view = self._view(player)
            choices = view.choices
            action = bots.decide(view, self._bot_rng)
            if choices.problem(action) is not None:
                self.bot_mistakes += 1
                action = Check() if choices.can_check else Fold()
        else:
            choices = self._choices(player)
            self._emit(Timeout(player.name))
            action = Check() if choices.can_check else Fold()
        self._apply(player, action, choices)

    # -- a hand -----------------------------------------------------------------------------
    def _start_hand(self) -> None:
        self._next_hand_at = None
        config = self.config
        if config.rebuy:
            for player in self._seated():
                if player.chips == 0 and player.away_until is None:
                    player.chips = config.starting_stack
                    self._emit(Rebuy(player.name, player.chips))
        ready = self._ready()
        if len(ready) < 2:
            self._emit(Wait("Waiting for at least two players with chips."))
            return
        dealer = ready[0]
        if self._button is not None:
            dealer = next((p for p in ready if p.seat > self._button), ready[0])
        self._button = dealer.seat
        at = ready.index(dealer) + 1
        order = ready[at:] + ready[:at]
        self._hand_number += 1
        hand = self._hand = HandState(self._hand_number, dealer, order, self._deck_source())
        self._emit(Hand(hand.number, dealer.name))
        for player in self._seated():
            self._emit(Seat(player.seat + 1, player.name, player.chips))
        self._emit(Players(tuple(p.name for p in order)))
        heads_up = len(order) == 2
        small, big = (order[1], order[0]) if heads_up else (order[0], order[1])
        hand.blinds = Blinds(small.name, config.small_blind, big.name, config.big_blind)
        self._emit(hand.blinds)
        for player in order:
            player.in_hand = True
        for player, amount in ((small, config.small_blind), (big, config.big_blind)):
            self._put(player, min(amount, player.chips))
            self._emit(Acted(player.name, "blind", player.bet))
        for player in order:
            player.hole = tuple(hand.deck.deal(2))
            self._emit(Cards(player.hole, to=player.name))
        hand.level = hand.last_raise = config.big_blind
        first = order[1] if heads_up else order[2 % len(order)]
        if not self._next_turn(order.index(first)):
            self._end_round()  # the blinds put everyone but one all in

    def _put(self, player: Player, amount: int) -> None:
        player.chips -= amount
        player.bet += amount
        player.put_in += amount

    def _choices(self, player: Player) -> Choices:
        hand = self._hand
        to_call = max(0, hand.level - player.bet)
        others_live = any(p.live for p in hand.order if p is not player)
        if not others_live:
            return Choices(player.bet, player.chips, to_call, 0, NOBODY_TO_RAISE)
        if player.acted_at is not None and hand.level - player.acted_at < hand.last_raise:
            return Choices(player.bet, player.chips, to_call, 0, NOT_REOPENED)
        return Choices(player.bet, player.chips, to_call, hand.level + hand.last_raise)

    def _action_problem(self, player: Optional[Player]) -> Optional[str]:
        """Why ``player`` cannot act now at all (None: it is their turn)."""
        if player is None:
            return NOT_SEATED
        hand = self._hand
        if hand is None:
            return "No hand is being played right now; the next one starts by itself."
        if not player.in_hand:
            return "You are not in this hand; you will be dealt in at the next one."
        if player.folded:
            return "You have folded this hand; wait for the next one."
        if player.chips == 0:
            return "You are all in: there is nothing more for you to do in this hand."
        if hand.actor is not player:
            return f"It is {hand.actor.name}'s turn, not yours."
        return None

    def _apply(self, player: Player, action: Action, choices: Choices) -> None:
        """A legal action by the actor (``choices``: the actor's, as they are now)."""
        hand = self._hand
        kind = choices.kind_of(action)
        if kind == "fold":
            self._fold(player)
            return
        total = choices.total_after(action)
        self._put(player, total - player.bet)
        if total > hand.level:
            if total - hand.level >= hand.last_raise:
                hand.last_raise = total - hand.level  # a full raise reopens the betting
            hand.level = total
        player.acted_at = hand.level
        self._emit(Acted(player.name, kind, player.bet))
        self._after_action(hand.order.index(player))

    def _fold(self, player: Player) -> None:
        """Fold, on the player's turn or not (they left, or lost the connection)."""
        hand = self._hand
        actor = hand.actor
        before = self._choices(actor) if actor is not None and actor is not player else None
        player.folded = True
        player.acted_at = hand.level
        self._emit(Acted(player.name, "fold", player.bet))
        if actor is player or actor is None:
            self._after_action(hand.order.index(player))
        elif len(hand.contenders) == 1 or not self._needs_to_act(actor):
            self._after_action(hand.order.index(actor) - 1)
        elif self._choices(actor) != before:  # e.g. nobody left who could call a raise
            self._announce_turn(actor, hand.deadline)

    def _after_action(self, index: int) -> None:
        hand = self._hand
        hand.actor = hand.deadline = None
        contenders = hand.contenders
        if len(contenders) == 1:
            self._return_uncalled()
            winner = contenders[0]
            amount = hand.pot
            winner.chips += amount
            self._emit(Win(winner.name, amount, UNCONTESTED))
            self._end_hand()
            return
        if not self._next_turn(index + 1):
            self._end_round()

    def _needs_to_act(self, player: Player) -> bool:
        hand = self._hand
        if not player.live:
            return False
        highest_all_in = 0
        for other in hand.order:
            if other is not player and not other.folded:
                if other.chips:
                    return player.acted_at is None or player.bet < hand.level
                highest_all_in = max(highest_all_in, other.bet)
        # alone with chips: only a bet of an all-in player can still need an answer
        return player.bet < highest_all_in

    def _next_turn(self, start: int) -> bool:
        """Give the turn to the first player from ``start`` (clockwise) who must act."""
        hand = self._hand
        count = len(hand.order)
        for step in range(count):
            player = hand.order[(start + step) % count]
            if self._needs_to_act(player):
                hand.actor = player
                seconds = self.config.bot_seconds if player.is_bot else self.config.turn_seconds
                self._announce_turn(player, self._now + seconds)
                return True
        return False

    def _announce_turn(self, player: Player, deadline: float, to: Optional[str] = None) -> None:
        """TURN, and CLOCK for a person (bots do not need a clock on the screen)."""
        choices = self._choices(player)
        self._hand.deadline = deadline
        self._emit(Turn(player.name, choices.to_call, choices.min_raise_to, to=to))
        if not player.is_bot:
            self._emit(Clock(player.name, round(max(0.0, deadline - self._now), 3), to=to))

    def _end_round(self) -> None:
        hand = self._hand
        self._return_uncalled()
        self._emit(Pot(hand.pot))
        pots = side_pots([(p.put_in, p.contending) for p in hand.order])
        if len(pots) > 1:
            self._emit(Pots(tuple(amount for amount, _ in pots)))
        for player in hand.order:
            player.bet, player.acted_at = 0, None
        hand.level, hand.last_raise = 0, self.config.big_blind
        can_bet = sum(1 for p in hand.order if p.live) >= 2
        while len(hand.board) < 5:
            hand.board += hand.deck.deal(3 if not hand.board else 1)
            self._emit(Board(tuple(hand.board)))
            if can_bet:
                if self._next_turn(0):
                    return
        self._showdown()

    def _return_uncalled(self) -> None:
        """A bet nobody matched goes back to the player who made it."""
        hand = self._hand
        ranked = sorted(hand.order, key=lambda p: p.put_in, reverse=True)
        top, second = ranked[0], ranked[1]
        excess = top.put_in - second.put_in
        if excess > 0 and top.contending:
            top.chips += excess
            top.put_in -= excess
            top.bet -= excess
            self._emit(Returned(top.name, excess))

    def _showdown(self) -> None:
        hand = self._hand
        contenders = hand.contenders
        values = {id(p): best_hand(p.hole, hand.board) for p in contenders}
        for player in contenders:
            self._emit(Show(player.name, player.hole, values[id(player)].description))
        for amount, eligible in side_pots([(p.put_in, p.contending) for p in hand.order]):
            players = [hand.order[i] for i in eligible]
            best: HandValue = max(values[id(p)] for p in players)
            winners = [p for p in players if values[id(p)] == best]
            for player, share in zip(winners, split_pot(amount, len(winners))):
                player.chips += share
                self._emit(Win(player.name, share, best.description))
        self._end_hand()

    def _end_hand(self) -> None:
        hand = self._hand
        for player in self._seated():
            self._emit(Chips(player.name, player.chips))
        for player in hand.order:
            player.reset_hand()
        self._hand = None
        self._hand_ended = True
        if not self._schedule_if_ready():
            self._emit(Wait("Waiting for at least two players with chips."))


# -- pots ---------------------------------------------------------------------------------
def side_pots(contributions: Sequence[Tuple[int, bool]]) -> List[Tuple[int, List[int]]]:
    """Split a hand's chips into the main pot and side pots.

    ``contributions``: (chips put in, still contending) per player. Returns (amount,
    indexes of the contenders who can win it), main pot first. Each pot is capped at a
    contender's total; chips of folded players above every contender's total go into the
    last pot (so no chip is ever left without an owner).
    """
    levels = sorted({amount for amount, contending in contributions if contending})
    pots: List[Tuple[int, List[int]]] = []
    floor = 0
    for position, level in enumerate(levels):
        last = position == len(levels) - 1
        amount = sum((amount - floor) if last else (min(amount, level) - floor)
                     for amount, _ in contributions if amount > floor)
        eligible = [i for i, (put, contending) in enumerate(contributions)
                    if contending and put >= level]
        if amount:
            pots.append((amount, eligible))
        floor = level
    return pots


def split_pot(amount: int, winners: int) -> List[int]:
    """Equal shares; the odd chips go one each to the first winners (left of the button)."""
    share, odd = divmod(amount, winners)
    return [share + (1 if i < odd else 0) for i in range(winners)]


# -- names ----------------------------------------------------------------------------------
def name_problem(name: str) -> Optional[str]:
    """Why ``name`` cannot be used at a table (with a suggestion), or None."""
    if not name:
        return "A name is needed: JOIN <your name>, one word like cool_cat."
    if not all(_name_char(ch) for ch in name):
        return f"Names are one word of letters, digits, _ or -; try {suggest_name(name)}."
    if len(name) > MAX_NAME:
        return f"Names are at most {MAX_NAME} characters; try {suggest_name(name)}."
    return None


def _name_char(ch: str) -> bool:
    # (some letters show as nothing: U+3164 would let a name look blank or like another)
    return (ch.isalpha() and not is_invisible(ch)) or ch in "0123456789_-"


def suggest_name(name: str) -> str:
    """A valid name close to ``name``: "cool cat" -> "cool_cat"."""
    words, current = [], []
    for ch in unicodedata.normalize("NFC", name):
        if _name_char(ch):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    suggestion = "_".join(words)[:MAX_NAME].strip("_-")
    return suggestion or "player"

