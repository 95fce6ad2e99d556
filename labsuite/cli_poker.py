"""The command line's poker parts: ``labsuite serve poker`` options and ``labsuite poker``.

``cli`` calls :func:`serve_poker_options`, :func:`make_poker_server` and
:func:`add_commands`. The terminal client is the paper's chat client grown into a card
table: one thread reads what you type, the client's thread prints the table as lines.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Callable, List, Optional, Tuple

from labsuite.net import ports
from labsuite.net.events import Event
from labsuite.protocols.chat import Invalid, Notice, Quit, Say
from labsuite.protocols.poker import AllIn, TableView, parse_command
from labsuite.protocols.poker.events import Blinds, Cards, Chips, Clock, Error, Hand, Turn

PREFIX = "==> "
ACTION_WORDS = ("check", "call", "fold", "bet", "raise", "allin")
HELP = ("Type check, call, fold, bet N, raise N (to N in all), allin; anything else is said "
        "to the table (say ... to say a word like fold); quit leaves.")
#: A reminder this many seconds before the table acts for you.
WARN_SECONDS = 10.0


# -- serve poker ----------------------------------------------------------------------------
def blinds(text: str) -> Tuple[int, int]:
    """``10/20`` -> (10, 20): the small and big blind."""
    small, slash, big = text.partition("/")
    if not slash or not (small.strip().isdigit() and big.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not SMALL/BIG blinds, like 10/20")
    return int(small), int(big)


def serve_poker_options(serve) -> None:
    """Add the ``serve poker`` options to the ``serve`` parser."""
    from labsuite.cli import whole_number

    def seconds(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not 0 <= value <= 24 * 3600:  # (also refuses nan)
            raise argparse.ArgumentTypeError(f"{text} is not from 0 to 86400 seconds")
        return value

    seconds.__name__ = "seconds"
    serve.add_argument("--bots", type=whole_number("number of computer players", 0, 8),
                       default=0, metavar="N", help="poker: computer players seated at the start")
    serve.add_argument("--bot-delay", type=seconds, default=0.5, metavar="S",
                       help="poker: seconds a computer player thinks (default 0.5)")
    serve.add_argument("--blinds", type=blinds, default=(10, 20), metavar="SMALL/BIG",
                       help="poker: the blinds (default 10/20)")
    serve.add_argument("--stack", type=whole_number("number of chips", 1, 10 ** 9),
                       default=1000, metavar="CHIPS", help="poker: starting chips (default 1000)")
    serve.add_argument("--turn-seconds", type=seconds, default=30.0, metavar="S",
                       help="poker: time to act before the table checks or folds for a "
                            "player (default 30)")
    serve.add_argument("--hand-pause", type=seconds, default=3.0, metavar="S",
                       help="poker: pause between hands (default 3; 0 for bot-only speed runs)")
    serve.add_argument("--reconnect-seconds", type=seconds, default=60.0, metavar="S",
                       help="poker: how long a vanished player's seat is kept (default 60)")
    serve.add_argument("--rebuy", action="store_true",
                       help="poker: a player who runs out of chips gets the stack again")
    serve.add_argument("--seed", type=int, default=None, metavar="N",
                       help="poker: shuffle from this number, to replay a game")


def make_poker_server(args, on_event: Callable[[Event], None]):
    """The PokerServer for ``serve poker`` and a short description of its table; settings
    that do not fit together end the program with a plain line and status 2."""
    from labsuite.cli import EXIT_USAGE
    from labsuite.net.poker import PokerServer

    port = ports.POKER if args.port is None else args.port
    small, big = args.blinds
    try:
        server = PokerServer(args.host, port, on_event, bots=args.bots,
                             bot_delay=args.bot_delay, small_blind=small, big_blind=big,
                             stack=args.stack, turn_seconds=args.turn_seconds,
                             rebuy=args.rebuy, hand_pause=args.hand_pause,
                             reconnect_seconds=args.reconnect_seconds, seed=args.seed)
    except ValueError as exc:
        print(f"labsuite: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    bots = f", {args.bots} computer player{'s' if args.bots != 1 else ''}" if args.bots else ""
    return server, (f" (blinds {small}/{big}, stack {args.stack}{bots}"
                    f"{', rebuy on' if args.rebuy else ''})")


# -- labsuite poker ---------------------------------------------------------------------------
def add_commands(commands) -> None:
    """Add ``poker`` (the terminal client) to the subcommands."""
    from labsuite.cli import add_client_options, host_name, port_number

    poker = commands.add_parser(
        "poker", help="sit at a poker table in this terminal",
        description="Join a poker table (No-limit Texas hold'em). " + HELP)
    poker.add_argument("host", type=host_name, help="poker server host")
    poker.add_argument("--port", type=port_number, default=ports.POKER,
                       help=f"poker server port (default {ports.POKER})")
    poker.add_argument("--name", help="your name at the table, one word like cool_cat "
                                      "(asked for if not given)")
    add_client_options(poker, "seconds to wait when connecting")
    poker.set_defaults(handler=run_poker)


def parse_typed(line: str):
    """What a player typed -> a betting action, Say, Quit, Invalid (with the reason) or
    None for a blank line."""
    text = line.strip()
    if not text:
        return None
    words = text.split()
    first = words[0].lower()
    if first == "quit" and len(words) == 1:
        return Quit()
    if [word.lower() for word in words] == ["all", "in"]:
        return AllIn()
    if first in ACTION_WORDS:
        return parse_command(text)
    if first == "say":
        return Say(text[3:].strip()) if text[3:].strip() else Invalid("Say what?")
    return Say(text)


class Screen:
    """What the terminal shows for each server event: the view's history lines, the seats
    and chips at each hand, and whose turn it is with the price and the legal range."""

    def __init__(self, me: Optional[str]):
        self.view = TableView(me)
        self.turns = 0  # counts turns, so a late reminder knows it is stale
        self.replaying = False  # the table is telling us again the hand we see

    def show(self, event) -> List[str]:
        view, kind = self.view, type(event)
        if kind is Hand:  # the same hand again: a newcomer's catch-up (it ends with the turn)
            self.replaying = view.hand_running and event.number == view.hand_number
        said = view.apply(event, time.monotonic())
        if self.replaying:
            if kind is Turn:
                self.replaying = False
            elif kind is not Cards:
                return []
        if kind is Blinds:
            lines = self.seat_lines() + said
        elif kind is Turn:
            self.turns += 1
            lines = self.turn_lines(event)
        elif kind is Clock:
            lines = [f"{event.seconds:g} seconds to act."] if self.view.my_turn else []
        elif kind is Chips:
            lines = [f"  {event.name} has {event.chips:,} chips"]
        elif kind is Notice:
            lines = [event.text]
        else:
            lines = said
        return [PREFIX + line for line in lines]

    def seat_lines(self) -> List[str]:
        view = self.view
        lines = []
        for seat in sorted(view.seats.values(), key=lambda seat: seat.seat):
            tags = [tag for tag, on in (("dealer", seat.name == view.dealer),
                                        ("you", seat is view.my_seat), ("away", seat.away),
                                        ("sitting out", seat.sitting_out and not seat.away))
                    if on]
            lines.append(f"  seat {seat.seat}: {seat.name}, {seat.chips:,} chips"
                         + (f" ({', '.join(tags)})" if tags else ""))
        return lines

    def turn_lines(self, event: Turn) -> List[str]:
        view = self.view
        choices = view.choices
        if choices is None:
            seat = view.seat_of(event.name)
            if seat is None or seat.is_bot:
                return []
            price = f"{event.to_call} to call" if event.to_call else "may check"
            return [f"{event.name}'s turn ({price})."]
        words = []
        for kind in sorted(choices.legal_kinds(), key=lambda kind: kind == "fold"):
            if kind == "call":
                all_in = " (all in)" if choices.call_amount < choices.to_call else ""
                words.append(f"call {choices.call_amount}{all_in}")
            elif kind in ("bet", "raise"):
                low, high = choices.min_total, choices.max_total
                words.append(f"{kind} {low}" if low == high else f"{kind} {low} to {high}")
            elif kind == "allin":
                words.append(f"allin ({choices.all_in_total})")
            else:
                words.append(kind)
        price = f"{choices.call_amount} to call" if choices.can_call else "nothing to call"
        return [f"Your turn: {price}, pot {view.pot}. You may: {', '.join(words)}."]


def run_poker(args) -> int:
    """The terminal poker client: this thread reads what you type, the client's prints."""
    from labsuite.cli import EXIT_USAGE, TerminalSession
    from labsuite.net.poker import PokerClient

    session = TerminalSession(args)
    if not session.name:
        print("labsuite: a name is needed to sit at the table.", file=sys.stderr)
        return EXIT_USAGE
    screen = Screen(session.name)
    printer = session.printer

    def remind(turn: int) -> None:
        if screen.turns == turn and screen.view.my_turn:
            printer.line(f"{PREFIX}{WARN_SECONDS:g} seconds left to act.")

    def on_result(result) -> None:
        if isinstance(result, Error) and not client.joined:
            session.refused.set()
        for line in screen.show(result):
            printer.line(line)
        if isinstance(result, Clock) and screen.view.my_turn \
                and result.seconds > WARN_SECONDS + 5:
            reminder = threading.Timer(result.seconds - WARN_SECONDS, remind, (screen.turns,))
            reminder.daemon = True
            reminder.start()

    def send(command) -> None:
        if isinstance(command, Say):
            client.say(command.text)
        else:
            client.act(command)

    def renamed(new_name: str) -> None:
        screen.view.me = new_name

    client = PokerClient(args.host, args.port, name=session.name, timeout=args.timeout,
                         on_event=session.events(on_result))
    client.start()
    try:
        status = session.wait_until_seated(
            client, lambda: client.joined,
            "left without sitting down: the table refused the name.", renamed)
        if status is not None:
            return status
        printer.line(HELP)
        return session.type_commands(client, parse_typed, send)
    finally:
        client.stop()
