"""The hand evaluator, by hand and against an independent library (treys, tests only)."""

import itertools
import random

import pytest

from labsuite.protocols.poker.cards import SUITS, Card, full_deck, parse_cards
from labsuite.protocols.poker.hands import Category, best_hand, evaluate

treys = pytest.importorskip("treys")

pytestmark = pytest.mark.timeout(20)


def value(text):
    return evaluate(parse_cards(text))


@pytest.mark.parametrize("cards, category, description, used", [
    ("As Ks Qs Js Ts 2c 3d", Category.STRAIGHT_FLUSH, "a royal flush", "As Ks Qs Js Ts"),
    ("9h 8h 7h 6h 5h Ah Ad", Category.STRAIGHT_FLUSH, "a straight flush, nine high",
     "9h 8h 7h 6h 5h"),
    ("5d 4d 3d 2d Ad Kd", Category.STRAIGHT_FLUSH, "a straight flush, five high",
     "5d 4d 3d 2d Ad"),
    ("Jc Jd Jh Js 2c 2d 2h", Category.FOUR_OF_A_KIND, "four of a kind, jacks", "Jc Jd Jh Js 2c"),
    ("6c 6d 6h 6s Kd 2c 2d", Category.FOUR_OF_A_KIND, "four of a kind, sixes", "6c 6d 6h 6s Kd"),
    ("Qh Qd Qc 4s 4d 4c 2h", Category.FULL_HOUSE, "a full house, queens full of fours",
     "Qh Qd Qc 4s 4d"),
    ("3h 3d 3c Ks Kd 7c 7h", Category.FULL_HOUSE, "a full house, threes full of kings",
     "3h 3d 3c Ks Kd"),
    ("Ah 9h 7h 4h 2h Kd Kc", Category.FLUSH, "a flush, ace high", "Ah 9h 7h 4h 2h"),
    ("Kc Qc 9c 7c 5c 3c 2c", Category.FLUSH, "a flush, king high", "Kc Qc 9c 7c 5c"),
    ("Ah 2d 3c 4s 5d Kc Kh", Category.STRAIGHT, "a straight, five high", "5d 4s 3c 2d Ah"),
    ("Ts 9d 8c 7h 6s 5d 4c", Category.STRAIGHT, "a straight, ten high", "Ts 9d 8c 7h 6s"),
    ("Ah Kd Qc Js Td 9c 9h", Category.STRAIGHT, "a straight, ace high", "Ah Kd Qc Js Td"),
    ("7s 7d 7c Ah Kd 3c 2h", Category.THREE_OF_A_KIND, "three of a kind, sevens",
     "7s 7d 7c Ah Kd"),
    ("Kh Kd 9c 9s 2d 2c Ah", Category.TWO_PAIR, "two pair, kings and nines", "Kh Kd 9c 9s Ah"),
    ("Kh Kd 9c 9s 4d 4c 2h", Category.TWO_PAIR, "two pair, kings and nines", "Kh Kd 9c 9s 4d"),
    ("9h 9d Ac Kd 3c 4s 7d", Category.PAIR, "a pair of nines", "9h 9d Ac Kd 7d"),
    ("Ac Jd 9c 7d 4s 3h 2s", Category.HIGH_CARD, "high card, ace", "Ac Jd 9c 7d 4s"),
])
def test_categories_descriptions_and_the_five_cards_used(cards, category, description, used):
    hand = value(cards)
    assert hand.category == category
    assert hand.description == description
    assert list(hand.cards) == parse_cards(used)


def test_category_labels():
    assert Category.STRAIGHT_FLUSH.label == "straight flush"
    assert Category.HIGH_CARD.label == "high card"


def test_the_wheel_is_the_lowest_straight_and_the_steel_wheel_the_lowest_straight_flush():
    wheel, six_high = value("Ah 2d 3c 4s 5d"), value("2d 3c 4s 5d 6h")
    assert wheel < six_high and wheel > value("Ah Ad Ac Kd Qs")
    assert wheel.ranks == (5, 4, 3, 2, 1)
    assert value("Ah 2h 3h 4h 5h") < value("2h 3h 4h 5h 6h")
    assert value("Ah 2h 3h 4h 5h") > value("Ac Ad Ah As Ks")
    assert value("Kc Ad 2h 3s 4c").category == Category.HIGH_CARD  # no wrapping round


@pytest.mark.parametrize("better, worse", [
    ("As Ad Kc Qh 2s", "As Ad Kc Jh 9s"),      # kicker decides a pair
    ("Ks Kd 4c 4h As", "Ks Kd 4c 4h Qs"),      # fifth card decides two pair
    ("Ks Kd 5c 5h 2s", "Ks Kd 4c 4h As"),      # second pair before the kicker
    ("2s 2d 2c 3h 3s", "As Ad Kc Kh Qs"),      # full house beats two pair
    ("7c 8c 9c Jc Kc", "7d 8h 9s Td Jc"),      # flush beats straight
    ("As Kd Qh Js 9c", "Ks Qd Jh Ts 8c"),      # high card order
    ("3s 3d 3c As Kd", "3s 3d 3c As Qd"),
])
def test_comparisons(better, worse):
    assert value(better) > value(worse)
    assert value(worse) < value(better)
    assert value(better) != value(worse)


def test_equal_hands_tie_whatever_the_suits_and_ignore_unused_cards():
    assert value("As Kd Qh Js 9c") == value("Ad Kc Qs Jh 9d")
    assert hash(value("As Kd Qh Js 9c")) == hash(value("Ad Kc Qs Jh 9d"))
    # the board plays: both players have the same best five
    board = parse_cards("As Ks Qs Js Ts")
    assert best_hand(parse_cards("2c 3d"), board) == best_hand(parse_cards("4h 5h"), board)
    assert value("As Ad Kc Qh 9s 3d 2h") == value("As Ad Kc Qh 9s")


def test_five_six_and_seven_cards():
    assert value("As Ad Kc Qh 2s").category == Category.PAIR
    assert value("As Ad Kc Qh 2s Kd").category == Category.TWO_PAIR
    assert value("As Ad Kc Qh 2s Kd Kh").category == Category.FULL_HOUSE
    assert value("2c 3c 4c 5c 9c Ah").category == Category.FLUSH


@pytest.mark.parametrize("cards", ["As Kd Qh Js", "As Ad Kc Qh 2s 3d 4h 5c", "As As Kd Qh Js"])
def test_wrong_number_or_repeated_cards_are_refused(cards):
    with pytest.raises(ValueError):
        value(cards)


def test_hand_value_is_a_total_order_and_reads_well():
    hands = [value(text) for text in ("As Ad Kc Qh 2s", "2s 3d 4c 5h 6s", "Kc Kd 2h 2s 9c")]
    ordered = sorted(hands)
    assert [hand.category for hand in ordered] == [Category.PAIR, Category.TWO_PAIR,
                                                    Category.STRAIGHT]
    assert ordered[0] <= ordered[1] and ordered[2] >= ordered[1]
    assert "two pair, kings and twos" in repr(ordered[1])
    assert (ordered[0] == "not a hand") is False


# -- against treys --------------------------------------------------------------------------
TREYS_CATEGORY = {0: Category.STRAIGHT_FLUSH, 1: Category.STRAIGHT_FLUSH, 2: Category.FOUR_OF_A_KIND, 3: Category.FULL_HOUSE,
                  4: Category.FLUSH, 5: Category.STRAIGHT, 6: Category.THREE_OF_A_KIND,
                  7: Category.TWO_PAIR, 8: Category.PAIR, 9: Category.HIGH_CARD}
ORACLE = treys.Evaluator()


def oracle(cards):
    """treys' rank (1 is a royal flush: lower is better) and our Category for it (treys
    0.1.8 gives the royal flush a class of its own, 0)."""
    converted = [treys.Card.new(str(card)) for card in cards]
    rank = ORACLE.evaluate(converted[:2], converted[2:])
    return rank, TREYS_CATEGORY[ORACLE.get_rank_class(rank)]


def every_five_card_class():
    """One hand for each of the 7,462 distinct five-card hands (by rank pattern, with
    and without a flush)."""
    suits = itertools.cycle("cdhs")
    for ranks in itertools.combinations(range(2, 15), 5):
        yield [Card(rank, "s") for rank in ranks]  # flush or straight flush
        yield [Card(rank, suit) for rank, suit in zip(ranks, "cdhsc")]  # high card or straight
    for counts in ((2, 1, 1, 1), (2, 2, 1), (3, 1, 1), (3, 2), (4, 1)):
        for ranks in itertools.permutations(range(2, 15), len(counts)):
            if any(ranks[i] < ranks[i + 1] for i in range(len(counts) - 1)
                   if counts[i] == counts[i + 1]):
                continue  # same pattern, already counted in the other order
            hand = []
            for rank, count in zip(ranks, counts):
                start = next(suits)
                hand += [Card(rank, SUITS[(SUITS.index(start) + i) % 4]) for i in range(count)]
            yield hand


def test_every_five_card_class_is_ordered_exactly_as_the_oracle_orders_it():
    classes = list(every_five_card_class())
    assert len(classes) == 7462
    ranked = []
    for cards in classes:
        ours = evaluate(cards)
        rank, category = oracle(cards)
        assert ours.category == category, cards
        ranked.append((ours.key, rank))
    ranked.sort()
    assert len({key for key, _ in ranked}) == 7462  # all distinct, as they should be
    assert [rank for _, rank in ranked] == sorted((rank for _, rank in ranked), reverse=True)


@pytest.mark.timeout(120)
def test_200000_random_seven_card_hands_agree_with_the_oracle():
    rng = random.Random(20261201)
    deck = full_deck()
    previous = None
    for _ in range(200_000):
        cards = rng.sample(deck, 7)
        ours = evaluate(cards)
        rank, category = oracle(cards)
        assert ours.category == category, cards
        assert len(ours.cards) == 5 and set(ours.cards) <= set(cards)
        assert evaluate(ours.cards) == ours  # the five cards named really make the hand
        if previous is not None:
            their_sign = (previous[1] < rank) - (previous[1] > rank)  # lower rank is better
            our_sign = (previous[0] > ours) - (previous[0] < ours)
            assert our_sign == their_sign, (previous, cards)
        previous = (ours, rank)


def test_six_card_hands_agree_with_the_oracle():
    rng = random.Random(6)
    deck = full_deck()
    for _ in range(5000):
        cards = rng.sample(deck, 6)
        assert evaluate(cards).category == oracle(cards)[1]
