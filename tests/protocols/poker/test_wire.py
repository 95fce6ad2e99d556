"""The poker text protocol: commands and events both ways, with plain bytes."""

import dataclasses
import random

import pytest

from labsuite.protocols.poker.cards import parse_cards
from labsuite.protocols.poker.events import (Acted, AllIn, Away, Back, Bet, Blinds, Board, Call,
                                             Cards, Check, Chips, Clock, Error, Fold, Goodbye,
                                             Hand, Left, Message, New, Players, Pot, Pots, Raise,
                                             Rebuy, Returned, Seat, Show, Stake, Timeout, Turn,
                                             Wait, Win)
from labsuite.protocols.poker.wire import (LINES, ClientParser, CommandReader, Invalid, Join,
                                           Quit, Say, Unknown, decode_line, encode, encode_command,
                                           parse_command)

from .support import Game

pytestmark = pytest.mark.timeout(20)

COMMANDS = [Join("cool_cat"), Check(), Call(), Fold(), Bet(40), Raise(120), AllIn(),
            Say("nice hand, ümlaut 🂡"), Quit()]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_round_trips(command):
    data = encode_command(command)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    assert parse_command(data.decode()) == command


@pytest.mark.parametrize("line, command", [
    ("join cool_cat", Join("cool_cat")), ("  Check  ", Check()), ("cAlL", Call()),
    ("BET 0040", Bet(40)), ("raise   120 ", Raise(120)), ("allin", AllIn()),
    ("JOIN cool cat", Join("cool cat")),  # the table explains names are one word
    ("MESSAGE  two  spaces ", Say(" two  spaces ")), ("message a\x1bb", Say("a\ufffdb")),
    ("", None), ("   ", None),
])
def test_parse_command(line, command):
    assert parse_command(line) == command


@pytest.mark.parametrize("line, reason", [
    ("BET", "BET needs an amount"), ("RAISE", "RAISE needs an amount"),
    ("BET forty", "'forty' is not a whole number of chips"), ("BET -5", "not a whole number"),
    ("BET 4.5", "not a whole number"), ("RAISE 1e3", "not a whole number"),
    ("BET ٤٠", "not a whole number"),  # Arabic-Indic digits are digits, but not ours
    ("BET " + "9" * 13, "more chips than any table"), ("BET " + "9" * 4000, "more chips"),
    ("CHECK now", "CHECK takes nothing after it"), ("CALL 40", "CALL takes nothing"),
    ("JOIN", "JOIN needs a name"), ("MESSAGE", "Empty message"), ("MESSAGE   ", "Empty message"),
    ("DANCE", "Unknown command 'DANCE'"), ("\x1b[2J", "Unknown command '?[2J'"),
])
def test_bad_command_lines_are_invalid_with_a_reason(line, reason):
    command = parse_command(line)
    assert isinstance(command, Invalid) and reason in command.reason


def test_encode_command_refuses_what_is_not_a_command():
    with pytest.raises(TypeError):
        encode_command("CHECK")


CLIENT_BYTES = b"".join(encode_command(command) for command in COMMANDS)


def test_command_reader_any_split_gives_the_same_commands():
    assert CommandReader().receive(CLIENT_BYTES) == COMMANDS
    for cut in range(len(CLIENT_BYTES) + 1):
        reader = CommandReader()
        assert reader.receive(CLIENT_BYTES[:cut]) + reader.receive(CLIENT_BYTES[cut:]) == COMMANDS
    reader = CommandReader()
    assert [c for byte in CLIENT_BYTES for c in reader.receive(bytes([byte]))] == COMMANDS


def test_command_reader_accepts_crlf_and_a_last_line_without_newline():
    reader = CommandReader()
    assert reader.receive(b"CHECK\r\nBET 40\r\nFOLD") == [Check(), Bet(40)]
    assert reader.finish() == [Fold()]


def test_command_reader_refuses_bad_bytes_and_keeps_going():
    reader = CommandReader()
    commands = reader.receive(b"BET \xff\xfe\n" + b"x" * 1_000_000 + b"\nCALL\n")
    assert [type(c) for c in commands] == [Invalid, Invalid, Call]
    assert "not valid UTF-8" in commands[0].reason and "Line too long" in commands[1].reason


def test_command_reader_memory_stays_bounded_on_a_megabyte_without_newline():
    reader = CommandReader()
    commands = []
    for _ in range(1000):
        commands += reader.receive(b"y" * 1000)
        assert reader._framer.pending <= 4096
    assert [type(c) for c in commands] == [Invalid]
    assert reader.receive(b"\nCHECK\n") == [Check()]


def test_command_reader_survives_random_garbage():
    rng = random.Random(1)
    reader = CommandReader()
    for _ in range(300):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        for command in reader.receive(data):
            assert type(command) in (Join, Say, Quit, Invalid, Check, Call, Fold, Bet, Raise,
                                     AllIn)


# -- server events ---------------------------------------------------------------------------
ACE_KING = tuple(parse_cards("As Kd"))
EVENTS = [
    Seat(3, "cool_cat", 1000), Hand(12, "bot_ada"), Blinds("cool_cat", 10, "bot_ada", 20),
    Cards(ACE_KING, to="cool_cat"), Board(tuple(parse_cards("2c 7d Ts"))),
    Board(tuple(parse_cards("2c 7d Ts Qh"))), Board(tuple(parse_cards("2c 7d Ts Qh 9s"))),
    Turn("cool_cat", 40, 120), Clock("cool_cat", 30.0), Clock("cool_cat", 17.333),
    Clock("x", 0.0), Acted("cool_cat", "raise", 120), Acted("bot_ada", "blind", 20),
    Pot(340), Pots((300, 200, 40)), Returned("bot_ada", 60),
    Show("bot_ada", ACE_KING, "a flush, ace high"), Win("bot_ada", 340, "a flush, ace high"),
    Win("bot_ada", 30, "uncontested"), Chips("cool_cat", 0), Message("cool_cat", "gg  wp ✓"),
    New("cool_cat"), Left("bot_ada"), Error("It is cool_cat's turn, not yours.", to="x"),
    Goodbye(to="x"), Rebuy("cool_cat", 1000), Wait("Waiting for a second player with chips."),
    Away("cool_cat"), Back("cool_cat"), Timeout("cool_cat"), Players(("bot_ada", "cool_cat")),
    Stake("bot_ada", 40),
]


def test_every_event_type_is_covered():
    assert {type(event) for event in EVENTS} == set(LINES) | {Message}


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_every_event_round_trips(event):
    data = encode(event)
    assert data.endswith(b"\n") and b"\n\n" not in data and not data.startswith(b"\n")
    assert data.count(b"\n") == (2 if isinstance(event, Message) else 1)
    assert ClientParser().receive(data) == [dataclasses.replace(event, to=None)]


def test_the_fixed_lines_read_as_the_protocol_says():
    assert encode(Turn("cool_cat", 40, 120)) == b"TURN cool_cat 40 120\n"
    assert encode(Acted("x", "raise", 120)) == b"ACTION x raise 120\n"
    assert encode(Show("bot_ada", ACE_KING, "a flush, ace high")) == \
        b"SHOW bot_ada As Kd a flush, ace high\n"
    assert encode(Message("ann", "hi")) == b"MESSAGE ann\nhi\n"
    assert encode(Board(tuple(parse_cards("2c 7d Ts")))) == b"BOARD 2c 7d Ts\n"
    assert encode(Goodbye(to="ann")) == b"GOODBYE\n"
    assert encode(Clock("ann", 17.333)) == b"CLOCK ann 17.333\n"
    assert encode(Error("two\nlines")) == b"ERROR two lines\n"


def a_played_hand_as_bytes():
    game = Game(["ann", "bob", "cat"], seed=4)
    game.message("ann", "good luck, all")
    while game.table.hand_running:
        choices = game.table.view_for(game.turn).choices
        game.act(game.turn, Call() if choices.can_call else Check())
    events = [event for event in game.events if event.to in (None, "ann")]
    return events, b"".join(encode(event) for event in events)


def test_client_parser_gives_the_same_events_however_the_bytes_are_split():
    events, data = a_played_hand_as_bytes()
    expected = [dataclasses.replace(event, to=None) for event in events]
    assert any(isinstance(event, Show) for event in expected)
    assert ClientParser().receive(data) == expected
    for cut in range(len(data) + 1):
        parser = ClientParser()
        assert parser.receive(data[:cut]) + parser.receive(data[cut:]) == expected, cut
    parser = ClientParser()
    assert [e for byte in data for e in parser.receive(bytes([byte]))] == expected


@pytest.mark.parametrize("line", [
    "SEAT x bob 10", "SEAT 1 bob", "HAND", "CARDS As", "CARDS As Zz", "BOARD As Kd",
    "BOARD As Kd Qh Jc Ts 9s", "TURN bob -1 40", "ACTION bob dance 10", "CLOCK bob soon",
    "CLOCK bob inf", "CLOCK bob nan", "CLOCK bob -3", "POTS", "POTS 1 x", "POT 1" + "0" * 30,
    "SOMETHING new", "WIN bob lots a flush",
])
def test_malformed_or_unknown_server_lines_are_unknown_not_errors(line):
    assert decode_line(line) == Unknown(line)
    assert ClientParser().receive(line.encode() + b"\n") == [Unknown(line)]


def test_a_newer_servers_extra_words_are_ignored_and_blank_lines_skipped():
    assert ClientParser().receive(b"\r\nPOT 40 extra\r\n\n") == [Pot(40)]
    assert decode_line("   ") is None


def test_client_parser_survives_garbage_invalid_utf8_and_a_megabyte_line():
    parser = ClientParser()
    events = parser.receive(b"\xff\xfeNEW x\n" + b"z" * 1_000_000 + b"\nPOT 10\n")
    assert events[0] == Unknown("\ufffd\ufffdNEW x")
    assert isinstance(events[1], Unknown) and "skipped" in events[1].line
    assert events[2] == Pot(10)
    rng = random.Random(2)
    for _ in range(300):
        parser.receive(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
    assert parser.receive(b"\nNEW ok\n")[-1] == New("ok")


def test_control_characters_from_a_server_are_neutralised():
    events = ClientParser().receive(b"MESSAGE ann\nhi\x1b[2J\nERROR no\x07pe\n")
    assert events == [Message("ann", "hi\ufffd[2J"), Error("no\ufffdpe")]


def test_an_overlong_line_cancels_a_pending_message_body():
    parser = ClientParser()
    events = parser.receive(b"MESSAGE ann\n" + b"x" * 5000 + b"\nNEW bob\n")
    assert isinstance(events[0], Unknown) and events[1] == New("bob")
