"""Networked poker (No-limit Texas hold'em), the course paper's capstone, sans-IO.

``cards`` (cards and decks), ``hands`` (the evaluator), ``events`` (actions, events and
what is legal), ``table`` (the game as a state machine), ``bots`` (computer players),
``wire`` (the text protocol) and ``view`` (a client's picture of the table). No sockets,
threads, clocks or unseeded randomness: time and random sources are passed in.
"""

from .cards import Card, Deck, full_deck, parse_card, parse_cards
from .events import (Action, AllIn, Bet, Call, Check, Choices, Event, Fold, PlayerView, Raise,
                     SeatView)
from .hands import Category, HandValue, best_hand, evaluate
from .table import Table, TableConfig
from .view import TableView
from .wire import (ClientParser, CommandReader, Invalid, Join, Quit, Say, Unknown, encode,
                   encode_command, parse_command)

__all__ = [
    "Action", "AllIn", "Bet", "Call", "Card", "Category", "Check", "Choices", "ClientParser",
    "CommandReader", "Deck", "Event", "Fold", "HandValue", "Invalid", "Join", "PlayerView",
    "Quit", "Raise", "Say", "SeatView", "Table", "TableConfig", "TableView", "Unknown",
    "best_hand", "encode", "encode_command", "evaluate", "full_deck", "parse_card",
    "parse_cards", "parse_command",
]
