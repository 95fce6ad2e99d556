"""Cards and decks."""

import copy
import pickle
import random

import pytest

from labsuite.protocols.poker.cards import (Card, Deck, format_cards, full_deck, parse_card,
                                            parse_cards)

pytestmark = pytest.mark.timeout(10)


def test_every_card_round_trips_through_its_two_characters():
    deck = full_deck()
    assert len(deck) == 52 and len(set(deck)) == 52
    for card in deck:
        text = str(card)
        assert len(text) == 2 and text[0] in "23456789TJQKA" and text[1] in "cdhs"
        assert parse_card(text) is card


@pytest.mark.parametrize("text, rank, suit", [("As", 14, "s"), ("Td", 10, "d"), ("9c", 9, "c"),
                                              ("2h", 2, "h"), ("kd", 13, "d"), ("QS", 12, "s")])
def test_parse_card(text, rank, suit):
    card = parse_card(text)
    assert (card.rank, card.suit) == (rank, suit)


@pytest.mark.parametrize("text", ["", "A", "Asd", "1s", "Ax", "10s", "  ", "A s", None, 14,
                                  "\u00c5s"])
def test_bad_cards_are_a_plain_value_error(text):
    with pytest.raises(ValueError, match="not a card"):
        parse_card(text)


@pytest.mark.parametrize("rank, suit", [(1, "s"), (15, "s"), ("A", "s"), (14, "x"),
                                        (14, "sd"), (14.0, "s"), (True, "s"), (14, 3)])
def test_impossible_cards_cannot_be_built(rank, suit):
    with pytest.raises(ValueError):
        Card(rank, suit)


def test_cards_are_shared_and_immutable():
    ace = Card(14, "s")
    assert ace is parse_card("As") is copy.copy(ace) is copy.deepcopy(ace)
    assert pickle.loads(pickle.dumps(ace)) is ace
    with pytest.raises(AttributeError):
        ace.rank = 2
    assert repr(ace) == "Card('As')"
    assert sorted(parse_cards("As 2c Kd 2s")) == parse_cards("2c 2s Kd As")


def test_format_and_parse_lists():
    cards = parse_cards("As  Td 9c")
    assert format_cards(cards) == "As Td 9c"


def test_deck_deals_its_given_order_and_never_more():
    order = list(reversed(full_deck()))
    deck = Deck(order)
    assert deck.deal(2) == order[:2]
    assert deck.deal() == [order[2]]
    assert deck.remaining == 49
    deck.deal(49)
    with pytest.raises(ValueError, match="only 0 cards"):
        deck.deal()


def test_a_deck_cannot_hold_a_card_twice():
    with pytest.raises(ValueError, match="twice"):
        Deck(parse_cards("As As"))


def test_shuffled_uses_the_injected_random_source():
    first = Deck.shuffled(random.Random(42)).deal(52)
    again = Deck.shuffled(random.Random(42)).deal(52)
    other = Deck.shuffled(random.Random(43)).deal(52)
    assert first == again != other
    assert sorted(first) == sorted(full_deck())


def test_stacked_puts_the_given_cards_on_top_then_the_rest():
    deck = Deck.stacked("As Ad Kc")
    assert deck.deal(3) == parse_cards("As Ad Kc")
    rest = deck.deal(49)
    assert parse_card("As") not in rest and len(set(rest)) == 49
    assert Deck.stacked(parse_cards("2c 3c")) == Deck.stacked("2c 3c")
    with pytest.raises(ValueError):
        Deck.stacked("As As")
