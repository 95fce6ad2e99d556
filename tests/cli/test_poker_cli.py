"""``labsuite serve poker`` and the terminal poker client, ``labsuite poker``."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from labsuite.cli_poker import Screen, parse_typed
from labsuite.protocols.chat import Invalid, Notice, Quit, Say
from labsuite.protocols.poker import AllIn, Bet, Check, parse_cards
from labsuite.protocols.poker.events import (Acted, Blinds, Cards, Chips, Clock, Hand, Players,
                                             Seat, Turn)
from tests.support import ChatPeer, ServerProcess, closed_port, read_lines_until, run_cli

pytestmark = pytest.mark.timeout(60)


def poker_client(port, *args):
    return subprocess.Popen([sys.executable, "-m", "labsuite", "poker", "127.0.0.1",
                             "--port", str(port), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


def read_until(proc, pattern):
    """Lines read up to and including the first that matches ``pattern``."""
    return read_lines_until(proc, lambda line: re.search(pattern, line))[1]


def type_line(proc, text):
    proc.stdin.write(text + "\n")
    proc.stdin.flush()


class Player(ChatPeer):
    """A raw-socket player (as telnet would be)."""

    def __init__(self, address, name):
        super().__init__(address)
        self.send(f"JOIN {name}\n")
        self.expect(f"NEW {name}")


def test_a_hand_in_the_terminal_against_a_telnet_player():
    with ServerProcess("poker", "--port", "0", "--hand-pause", "0", "--seed", "1") as server:
        me = poker_client(server.port)
        type_line(me, "ann")
        assert read_until(me, r"^Type check, call")[0] == "What is your name: ann"
        bob = Player(("127.0.0.1", server.port), "bob")
        seen = read_until(me, r"^==> \d+ seconds to act\.$")
        assert "==> Hand 1: ann deals." in seen
        assert "==>   seat 1: ann, 1,000 chips (dealer, you)" in seen
        assert "==>   seat 2: bob, 1,000 chips" in seen
        assert "==> Blinds: ann 10, bob 20." in seen
        assert any(re.fullmatch(r"==> Your cards: \w\w \w\w", line) for line in seen)
        assert seen[-2] == ("==> Your turn: 10 to call, pot 30. You may: call 10, "
                            "raise 40 to 1000, allin (1000), fold.")
        assert seen[-1] == "==> 30 seconds to act."
        type_line(me, "call")
        bob.expect("ACTION ann call 20")
        bob.send("CHECK\nBET 40\n")  # the big blind checks, then opens the flop
        seen = read_until(me, r"^==> Your turn: ")
        assert "==> bob bets 40" in seen and any(line.startswith("==> Flop: ") for line in seen)
        assert seen[-1] == ("==> Your turn: 40 to call, pot 80. You may: call 40, "
                            "raise 80 to 980, allin (980), fold.")
        type_line(me, "bet lots")  # a typing mistake is explained here, not sent
        type_line(me, "say raise the stakes")  # talk that starts with an action word
        type_line(me, "check")  # refused by the table: there is a bet
        type_line(me, "raise 120")
        bob.expect("raise the stakes")
        bob.expect("ACTION ann raise 120")
        bob.send("FOLD\n")
        seen = read_until(me, r"^==>   bob has \d")
        assert "==> ann: raise the stakes" in seen
        assert any("Not allowed: You cannot check: there is a bet of 40" in line for line in seen)
        assert "==> bob folds" in seen
        assert "==> ann wins 120; everyone else folded" in seen
        assert "==>   ann has 1,060 chips" in seen
        type_line(me, "quit")
        out, err = me.communicate(timeout=10)
        assert me.returncode == 0, err
        assert "==> You left the table." in out
        assert "BET needs an amount" not in err and "is not a whole number" in err
        assert "Traceback" not in err
        code, log, _ = server.stop()
    assert code == 0
    assert "labsuite poker server listening on 127.0.0.1:" in log
    assert "(blinds 10/20, stack 1000)" in log
    assert "ann joined seat 1" in log and "Hand 1: dealer ann" in log
    assert "Dealt two cards to each of 2 players (not shown)" in log
    assert not re.search(r"CARDS \w\w \w\w", log)  # hole cards never in the host's log


def test_a_taken_name_asks_again():
    with ServerProcess("poker", "--port", "0", "--quiet") as server:
        first = Player(("127.0.0.1", server.port), "cool_cat")  # noqa: F841 (kept seated)
        result = run_cli("poker", "127.0.0.1", "--port", str(server.port), "--name", "Cool_Cat",
                         input="cool kitten\ncool_kitten\nhello\nquit\n")
        assert result.returncode == 0, result.stderr
        assert "The name cool_cat is taken at this table; try Cool_Cat2." in result.stdout
        assert "try cool_kitten" in result.stdout  # "cool kitten" is two words
        assert "==> cool_kitten: hello" in result.stdout
        assert result.stdout.count("What is your name: ") == 2


def test_end_of_input_leaves_the_table():
    with ServerProcess("poker", "--port", "0", "--quiet") as server:
        watcher = ChatPeer(("127.0.0.1", server.port))
        result = run_cli("poker", "127.0.0.1", "--port", str(server.port), "--name", "brief",
                         input="just one thing\n")
        assert result.returncode == 0, result.stderr
        lines = watcher.expect("LEFT brief")
        assert lines[-2:] == ["MESSAGE brief", "just one thing"]


@pytest.mark.parametrize("args, problem", [
    (["--blinds", "10-20"], "is not SMALL/BIG blinds"),
    (["--bots", "9"], "is not a number of computer players (0 to 8)"),
    (["--stack", "5"], "the starting stack must cover the big blind"),
    (["--blinds", "30/20"], "the small one not above the big one"),
    (["--turn-seconds", "nan"], "is not from 0 to 86400 seconds"),
    (["--turn-seconds", "0"], "turn_seconds must be positive"),
    (["--bot-delay", "soon"], "is not a number of seconds"),
])
def test_bad_table_settings_are_usage_errors(args, problem):
    result = run_cli("serve", "poker", "--port", "0", *args)
    assert result.returncode == 2
    assert problem in result.stderr and "Traceback" not in result.stderr


def test_a_bot_table_runs_from_the_command_line():
    with ServerProcess("poker", "--port", "0", "--bots", "3", "--bot-delay", "0",
                       "--hand-pause", "0", "--rebuy", "--blinds", "5/10",
                       "--stack", "200") as server:
        read_lines_until(server.proc, lambda line: "Hand 20: dealer" in line)
        code, log, err = server.stop()
    assert code == 0 and "Traceback" not in err
    assert "(blinds 5/10, stack 200, 3 computer players, rebuy on)" in log
    assert "bot_ada joined seat 1" in log


def test_unreachable_server_is_a_plain_error():
    result = run_cli("poker", "127.0.0.1", "--port", str(closed_port()), "--name", "x", input="")
    assert result.returncode == 1
    assert "Nothing is listening" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # said once


def test_no_name_is_a_usage_error():
    result = run_cli("poker", "127.0.0.1", "--port", str(closed_port()), input="")
    assert result.returncode == 2
    assert "a name is needed" in result.stderr


def test_server_going_away_ends_the_client_with_status_1():
    server = ServerProcess("poker", "--port", "0", "--quiet")
    with server:
        me = poker_client(server.port, "--name", "stranded")
        read_until(me, r"^Type check")
        server.stop()
        out, err = me.communicate(timeout=10)
    assert me.returncode == 1
    assert "The host closed the table." in err and "Traceback" not in err


def test_ctrl_c_ends_the_client_with_status_130():
    with ServerProcess("poker", "--port", "0", "--quiet") as server:
        me = poker_client(server.port, "--name", "sleepy")
        read_until(me, r"^Type check")
        me.send_signal(signal.SIGINT)
        out, err = me.communicate(timeout=10)
    assert me.returncode == 130
    assert "interrupted" in err and "Traceback" not in err


# -- what is typed and what is shown (no sockets) ------------------------------------------
@pytest.mark.parametrize("typed, command", [
    ("check", Check()), ("  CHECK ", Check()), ("bet 50", Bet(50)), ("allin", AllIn()),
    ("all in", AllIn()), ("quit", Quit()), ("hello all", Say("hello all")),
    ("quit it", Say("quit it")), ("say fold", Say("fold")), ("", None), ("   ", None),
])
def test_typed_lines(typed, command):
    assert parse_typed(typed) == command


@pytest.mark.parametrize("typed, reason", [("bet", "BET needs an amount"),
                                           ("raise ten", "is not a whole number"),
                                           ("call me", "CALL takes nothing after it"),
                                           ("say", "Say what?")])
def test_typing_mistakes_are_explained(typed, reason):
    command = parse_typed(typed)
    assert isinstance(command, Invalid) and reason in command.reason


def show_all(screen, events):
    return [line for event in events for line in screen.show(event)]


def test_the_screen_shows_seats_cards_and_a_turn_with_its_range():
    screen = Screen("cat")
    start = [Hand(4, "ann"), Seat(1, "ann", 500), Seat(2, "bot_ada", 0), Seat(3, "cat", 990),
             Players(("cat", "ann")), Blinds("cat", 10, "ann", 20), Acted("cat", "blind", 10),
             Acted("ann", "blind", 20), Cards(tuple(parse_cards("Ah Kh")))]
    assert show_all(screen, start) == [
        "==> Hand 4: ann deals.", "==>   seat 1: ann, 500 chips (dealer)",
        "==>   seat 2: bot_ada, 0 chips (sitting out)", "==>   seat 3: cat, 990 chips (you)",
        "==> Blinds: cat 10, ann 20.", "==> Your cards: Ah Kh"]
    assert screen.show(Turn("cat", 10, 40)) == [
        "==> Your turn: 10 to call, pot 30. You may: call 10, raise 40 to 990, allin (990), "
        "fold."]
    assert screen.show(Clock("cat", 29.5)) == ["==> 29.5 seconds to act."]
    assert screen.show(Acted("cat", "call", 20)) == ["==> cat calls 20"]
    assert screen.show(Turn("ann", 0, 40)) == ["==> ann's turn (may check)."]
    assert screen.show(Clock("ann", 30)) == []
    assert screen.show(Chips("ann", 540)) == ["==>   ann has 540 chips"]
    assert screen.show(Notice("The host closed the table.")) == [
        "==> The host closed the table."]


def test_the_screen_does_not_repeat_a_hand_it_is_told_again():
    screen = Screen("cat")
    hand = [Hand(2, "ann"), Seat(1, "ann", 980), Players(("ann",)), Blinds("ann", 10, "bob", 20)]
    assert show_all(screen, hand)
    again = [Hand(2, "ann"), Players(("ann", "cat")), Blinds("ann", 10, "bob", 20),
             Cards(tuple(parse_cards("2c 2d"))), Turn("ann", 10, 40)]
    assert show_all(screen, again) == ["==> Your cards: 2c 2d", "==> ann's turn (10 to call)."]
