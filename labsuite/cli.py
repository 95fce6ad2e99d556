"""The headless front door: every service of the window, driven from a terminal.

``labsuite`` alone opens the window; ``labsuite serve KIND`` runs one server until Ctrl+C
or SIGTERM; ``labsuite time`` and ``labsuite echo`` are the course's clients. Failures are
one plain line on stderr and exit status 1; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Callable, List, Optional

from labsuite import __version__, cli_check, cli_code, cli_discover, cli_poker, cli_web
from labsuite.net import ports
from labsuite.net.errors import NetError
from labsuite.net.events import Event, Kind, format_address

EXIT_OK, EXIT_NETWORK, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shells' convention for Ctrl+C

SERVER_KINDS = ("daytime", "sntp", "echo", "web", "chat", "poker")


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for stream in (sys.stdout, sys.stderr):  # never crash printing what a server sent
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if not argv:
        from labsuite.gui.app import run_app

        return run_app()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # words after an option (echo HOST --port P some text) are still the text
        if getattr(args, "command", None) == "echo" and not any(w.startswith("-") for w in extra):
            args.text = [*args.text, *extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.self_test:
        from labsuite.selftest import main as self_test

        return self_test()
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except NetError as exc:
        close_printers()
        print(f"labsuite: {exc.explanation}", file=sys.stderr)
        return EXIT_NETWORK
    except KeyboardInterrupt:  # a client interrupted (servers stop cleanly on Ctrl+C)
        close_printers()
        print("labsuite: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (e.g. piped into head): not an error
        return EXIT_OK
    finally:
        close_printers()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labsuite",
        description="A network-programming lab: run with no arguments to open the window.")
    parser.add_argument("--version", action="version", version=f"labsuite {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check that every server, client and the window work on this "
                             "computer (loopback only), then exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run one server until Ctrl+C",
        description="Run one server until Ctrl+C or SIGTERM, printing its socket steps.")
    serve.add_argument("kind", choices=SERVER_KINDS, help="which server to run")
    serve.add_argument("--host", default=ports.LOCAL_ONLY,
                       help="address to listen on: 127.0.0.1 for this computer only (default), "
                            "0.0.0.0 to let other computers connect")
    serve.add_argument("--port", type=port_number, default=None,
                       help="port to listen on (0 picks any free port); defaults: "
                            f"daytime {ports.DAYTIME}, sntp {ports.SNTP}, echo {ports.ECHO}, "
                            f"web {ports.WEB}, chat {ports.CHAT}, poker {ports.POKER}")
    serve.add_argument("--mode", choices=("selector", "threaded", "sequential"), default="selector",
                       help="echo: non-blocking with a selector (default), a thread per client, "
                            "or one client at a time")
    serve.add_argument("--udp", action="store_true", help="echo: also echo UDP datagrams (guarded)")
    serve.add_argument("--format", choices=("rfc867", "nist"), default="rfc867", dest="time_format",
                       help="daytime: plain RFC 867 text (default) or the NIST line")
    serve.add_argument("-q", "--quiet", action="store_true",
                       help="print only the listening line and errors, not every socket step")
    cli_web.serve_web_options(serve)
    cli_discover.serve_discover_options(serve)
    cli_poker.serve_poker_options(serve)
    serve.set_defaults(handler=run_server)

    time_cmd = commands.add_parser(
        "time", help="ask a time server for the date and time",
        description="Ask a daytime (TCP) or SNTP (UDP) server for the time and compare it "
                    "with this computer's clock.")
    time_cmd.add_argument("host", nargs="?", type=host_name, default=ports.TIME_SERVERS[0],
                          help=f"time server (default {ports.TIME_SERVERS[0]})")
    time_cmd.add_argument("--port", type=port_number, default=None,
                          help=f"port (default {ports.DAYTIME_WELL_KNOWN}, or "
                               f"{ports.SNTP_WELL_KNOWN} with --sntp)")
    time_cmd.add_argument("--sntp", action="store_true", help="use SNTP over UDP instead of daytime")
    add_client_options(time_cmd, "seconds to wait for an answer")
    time_cmd.set_defaults(handler=run_time)

    echo = commands.add_parser(
        "echo", help="send text to an echo server and print what comes back",
        description="Send TEXT (or, with no TEXT, each line of standard input) to an echo "
                    "server and print each reply.")
    echo.add_argument("host", type=host_name, help="echo server host")
    echo.add_argument("--port", type=port_number, default=ports.ECHO,
                      help=f"echo server port (default {ports.ECHO})")
    echo.add_argument("text", nargs="*", help="text to send (default: read lines from stdin)")
    add_client_options(echo, "seconds to wait for each reply",
                       "also print socket steps and round-trip times on stderr")
    echo.set_defaults(handler=run_echo)

    chat_cmd = commands.add_parser(
        "chat", help="join a chat room in this terminal",
        description="Join a chat room. Type a line to send it to everyone; "
                    "'private <name>: text' sends to one person; 'quit' (or end of input) leaves.")
    chat_cmd.add_argument("host", type=host_name, help="chat server host")
    chat_cmd.add_argument("--port", type=port_number, default=ports.CHAT,
                          help=f"chat server port (default {ports.CHAT})")
    chat_cmd.add_argument("--name", help="your name in the room (asked for if not given)")
    add_client_options(chat_cmd, "seconds to wait when connecting")
    chat_cmd.set_defaults(handler=run_chat)

    lookup = commands.add_parser(
        "lookup", help="look up host names, or show this computer's name and addresses",
        description="Look up each NAME (or IP address) and print its addresses. With no NAME, "
                    "print this computer's name and addresses and which one to give a partner.")
    lookup.add_argument("names", nargs="*", metavar="NAME", help="host name or IP address")
    lookup.set_defaults(handler=run_lookup)

    probe = commands.add_parser(
        "probe", help="check step by step why a connection does or does not work",
        description="Look up HOST, try a TCP connection to PORT on each of its addresses, and "
                    "say in plain words what happened and what to try next. Exit status 0 "
                    "only when the connection works.")
    probe.add_argument("host", help="server host name or IP address")
    probe.add_argument("port", type=connect_port, help="server port")
    probe.add_argument("--timeout", type=positive_seconds, default=3.0,
                       help="seconds to wait for each connection (default 3)")
    probe.set_defaults(handler=run_probe)
    cli_web.add_commands(commands)
    cli_discover.add_commands(commands)
    cli_poker.add_commands(commands)
    cli_check.add_commands(commands)
    cli_code.add_commands(commands)
    return parser


def add_client_options(parser: argparse.ArgumentParser, timeout_help: str,
                       verbose_help: str = "also print each socket step on stderr",
                       timeout: float = 10.0) -> None:
    """The --timeout and --verbose every client command takes."""
    parser.add_argument("--timeout", type=positive_seconds, default=timeout,
                        help=f"{timeout_help} (default {timeout:g})")
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)


def whole_number(noun: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse type for a whole number from ``low`` to ``high``, named ``noun`` in errors."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {noun}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not a {noun} ({low} to {high})")
        return value

    parse.__name__ = noun.replace(" ", "_")  # argparse names the type in its messages
    return parse


port_number = whole_number("port number", 0, 65535)


def connect_port(text: str) -> int:
    value = port_number(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 is not a port a server can listen on (1 to 65535)")
    return value


#: Longer than anyone waits at a lab machine, and within what sockets accept.
MAX_TIMEOUT = 24 * 3600


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"the timeout must be more than 0 and at most {MAX_TIMEOUT} seconds (a day)")
    return value


def host_name(text: str) -> str:
    """A host as typed; an IPv6 address may come in brackets, as in URLs ([::1])."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return text[1:-1]
    return text


# -- printing events ----------------------------------------------------------------------
class EventPrinter:
    """Prints events as time-stamped lines from any thread, without ever making it wait.

    A server's threads only queue their events; one writer thread turns them into lines
    and prints whatever has gathered in one write. If the terminal stops reading (a paused
    pager, Ctrl+S, a full pipe), the server goes on serving: events beyond a bounded
    backlog are counted, and the count is printed once the terminal reads again.
    :func:`close_printers` prints what is left at exit, waiting a moment at most.
    """

    MAX_WAITING = 10_000
    BATCH = 1000

    def __init__(self, stream=None, quiet: bool = False):
        import itertools
        import queue

        self.stream = stream or sys.stdout
        self.quiet = quiet
        self._items: "queue.SimpleQueue" = queue.SimpleQueue()
        self._queued = itertools.count(1)  # next() is atomic: any thread may queue
        self._last_queued = 0
        self._written = 0
        self._dropped = 0
        self._second, self._stamp = -1, ""
        self._writer = threading.Thread(target=self._write_lines, name="labsuite printer",
                                        daemon=True)
        self._writer.start()
        _PRINTERS.append(self)

    def __call__(self, event: Event) -> None:
        if self.quiet and event.kind is not Kind.ERROR:
            return
        self._put(event)

    def line(self, text: str, stream=None) -> None:
        self._put((stream or self.stream, text))

    def _put(self, item) -> None:
        if self._items.qsize() >= self.MAX_WAITING:
            self._dropped += 1
            return
        self._last_queued = next(self._queued)
        self._items.put(item)

    def _format(self, item):
        """(stream, line) for a queued event or (stream, text)."""
        if not isinstance(item, Event):
            return item
        second = int(item.time)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%H:%M:%S", time.localtime(second))
        stream = sys.stderr if item.kind is Kind.ERROR else self.stream
        return stream, f"{self._stamp}.{int(item.time * 1000) % 1000:03d} {item}"

    def _write_lines(self) -> None:
        import queue

        while True:
            batch = [self._items.get()]
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._items.get_nowait())
                except queue.Empty:
                    break
            finished = batch[-1] is None
            lines = [self._format(item) for item in batch if item is not None]
            if self._dropped:
                dropped, self._dropped = self._dropped, 0
                lines.insert(0, (self.stream, f"… {dropped} lines not shown: the terminal "
                                              "was not reading"))
            self._write(lines)
            self._written += len(batch)
            if finished:
                return

    @staticmethod
    def _write(lines) -> None:
        """Each run of lines for one stream in one write."""
        start = 0
        while start < len(lines):
            stream = lines[start][0]
            end = start
            while end < len(lines) and lines[end][0] is stream:
                end += 1
            try:
                stream.write("".join(text + "\n" for _, text in lines[start:end]))
                stream.flush()
            except (OSError, ValueError):  # closed pipe: nothing useful left to do
                pass
            start = end

    def drain(self, timeout: float = 1.0) -> None:
        """Wait (a moment at most) until every queued line is printed."""
        deadline = time.monotonic() + timeout
        wanted = self._last_queued
        while self._written < wanted and time.monotonic() < deadline:
            time.sleep(0.005)

    def close(self, timeout: float = 1.0) -> None:
        self.drain(timeout)
        self._items.put(None)


_PRINTERS: List[EventPrinter] = []


def close_printers(timeout: float = 1.0) -> None:
    """Print what the printers still hold before the program exits (bounded wait)."""
    while _PRINTERS:
        _PRINTERS.pop().close(timeout)


# -- serve --------------------------------------------------------------------------------
def run_server(args) -> int:
    printer = EventPrinter(quiet=args.quiet)
    service, detail = make_server(args, printer)
    service.log_steps = not args.quiet  # quiet: reads and writes are not even logged
    if args.no_announce:
        from labsuite.net.discovery import default_discovery

        default_discovery().set_announcing(False)
    stop_requested = threading.Event()
    restore = install_stop_signals(stop_requested.set)
    try:
        service.start()
        host, port = service.address
        printer.line(f"labsuite {args.kind} server listening on {format_address((host, port))}"
                     f"{detail}; press Ctrl+C to stop")
        for hint in reach_hints(host, port):
            printer.line(hint)
        while not stop_requested.wait(0.5):
            pass
    finally:
        service.stop()
        restore()
    return EXIT_OK


def make_server(args, on_event: Callable[[Event], None]):
    """The service for ``serve KIND`` and a short description of its options."""
    if args.kind == "web":
        return cli_web.make_web_server(args, on_event)
    if args.kind == "poker":
        return cli_poker.make_poker_server(args, on_event)
    if args.kind == "daytime":
        from labsuite.net.daytime import DaytimeServer

        port = ports.DAYTIME if args.port is None else args.port
        return (DaytimeServer(args.host, port, fmt=args.time_format, on_event=on_event),
                f" (format: {args.time_format})")
    if args.kind == "chat":
        from labsuite.net.chat import ChatServer

        port = ports.CHAT if args.port is None else args.port
        return ChatServer(args.host, port, on_event=on_event), ""
    if args.kind == "sntp":
        from labsuite.net.sntp import SntpServer

        port = ports.SNTP if args.port is None else args.port
        return SntpServer(args.host, port, on_event=on_event), " (UDP)"
    from labsuite.net.echo import EchoServer

    port = ports.ECHO if args.port is None else args.port
    udp = ", UDP echo on too" if args.udp else ""
    return (EchoServer(args.host, port, mode=args.mode, udp=args.udp, on_event=on_event),
            f" (mode: {args.mode}{udp})")


def reach_hints(host: str, port: int) -> List[str]:
    """Lines telling the student which address a partner should use."""
    if host in ("0.0.0.0", "::", ""):
        from labsuite.net.addresses import partner_address, shareable_addresses

        best = partner_address()
        found = [best, *(a for a in shareable_addresses() if a != best)] if best else []
        if found:
            return [f"other computers connect to {found[0]} port {port}"
                    + (f" (also: {', '.join(found[1:])})" if len(found) > 1 else "")]
        return ["this computer has no network address other computers can use"]
    if host.startswith("127.") or host == "::1":
        return ["only this computer can connect (use --host 0.0.0.0 to let others in)"]
    return []


def install_stop_signals(callback: Callable[[], None]) -> Callable[[], None]:
    """Route Ctrl+C and SIGTERM to ``callback``; return a function that restores them."""
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous[signum] = signal.signal(signum, lambda *_: callback())
        except (ValueError, OSError):  # not the main thread, or not allowed here
            pass

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


# -- clients ------------------------------------------------------------------------------
def run_time(args) -> int:
    steps = EventPrinter(stream=sys.stderr) if args.verbose else None
    if args.sntp:
        from labsuite.net.sntp import SntpQuery as Query

        port = ports.SNTP_WELL_KNOWN if args.port is None else args.port
        timeout = args.timeout
    else:
        from labsuite.net.daytime import DaytimeQuery as Query

        port = ports.DAYTIME_WELL_KNOWN if args.port is None else args.port
        timeout = args.timeout
    result = Query(args.host, port, timeout=timeout, on_event=steps).run()
    for line in result.summary_lines():
        print(line)
    problem = getattr(result, "problem", None)  # an answer that holds no readable time
    if problem:
        print(f"labsuite: {problem}", file=sys.stderr)
        return EXIT_NETWORK
    return EXIT_OK


def run_echo(args) -> int:
    from labsuite.net.echo import EchoClient
    from labsuite.protocols.text import show_controls

    steps = EventPrinter(stream=sys.stderr) if args.verbose else None
    messages = [" ".join(args.text)] if args.text else (line.rstrip("\r\n") for line in sys.stdin)
    client = EchoClient(args.host, args.port, timeout=args.timeout, on_event=steps)
    client.start()
    try:
        for message in messages:
            reply = client.request(message + "\n", timeout=args.timeout)
            # what came back is shown as it is, but a server cannot drive the terminal
            print(show_controls(reply.text.rstrip("\r\n")), flush=True)
            if steps:
                steps.line(f"round trip {reply.rtt * 1000:.2f} ms", sys.stderr)
    finally:
        client.stop()
    return EXIT_OK


def run_chat(args) -> int:
    """The paper's two-thread chat client: this thread types, the client's thread prints."""
    from labsuite.net.chat import ChatClient
    from labsuite.protocols import chat

    session = TerminalSession(args)
    if not session.name:
        print("labsuite: a name is needed to join the chat room.", file=sys.stderr)
        return EXIT_USAGE
    joined = threading.Event()

    def on_result(result) -> None:
        if isinstance(result, chat.Joined) and chat.fold(result.name) == chat.fold(client.name):
            joined.set()
        elif isinstance(result, chat.Refused) and not joined.is_set():
            session.refused.set()
        line = chat.transcript_line(result)
        if line:
            session.printer.line(line)

    def send(command) -> None:
        if isinstance(command, chat.Whisper):
            client.whisper(command.recipient, command.text)
        elif isinstance(command, chat.Say):
            client.say(command.text)

    client = ChatClient(args.host, args.port, name=session.name, timeout=args.timeout,
                        on_event=session.events(on_result))
    client.start()
    try:
        status = session.wait_until_seated(
            client, joined.is_set, "left without joining: the server refused the name.")
        if status is not None:
            return status
        return session.type_commands(client, chat.parse_typed, send)
    finally:
        client.stop()


class TerminalSession:
    """What the terminal chat and poker clients share: the printers, standard input, the
    name asked for first (as the paper's client asks), and the events that end it."""

    def __init__(self, args):
        self.printer = EventPrinter()
        self.steps = EventPrinter(stream=sys.stderr) if args.verbose else None
        self.refused, self.lost = threading.Event(), threading.Event()
        self.lines = StdinLines()
        name = args.name or self.lines.ask("What is your name: ")
        self.name = (name or "").strip()

    def events(self, on_result: Callable[[object], None]) -> Callable[[Event], None]:
        """The client's ``on_event``: steps on stderr with -v, an error ends the session,
        and each RESULT's protocol event goes to ``on_result``."""
        def on_event(event: Event) -> None:
            if self.steps:
                self.steps(event)
            if event.kind is Kind.ERROR:
                if not self.steps:  # (the step printer shows errors itself)
                    self.printer.line(f"labsuite: {event.text}", sys.stderr)
                self.lost.set()
            elif event.kind is Kind.RESULT:
                on_result(event.result)

        return on_event

    def wait_until_seated(self, client, seated: Callable[[], bool], giving_up: str,
                          renamed: Optional[Callable[[str], None]] = None) -> Optional[int]:
        """Wait until the server takes the client's name; a refused name may be replaced,
        as the paper's prompt does. None once seated, else the exit status."""
        while not seated():
            if self.lost.wait(0.02):
                return EXIT_NETWORK
            if self.refused.is_set():
                self.refused.clear()
                name = self.lines.ask("What is your name: ")
                if name is None:
                    client.leave()
                    print(f"labsuite: {giving_up}", file=sys.stderr)
                    return EXIT_NETWORK
                if renamed is not None:
                    renamed(name.strip())
                client.join(name)
        return None

    def type_commands(self, client, parse: Callable[[str], object],
                      send: Callable[[object], None]) -> int:
        """Read what the student types and send it, until ``quit``, the end of input, or
        the server ending the connection; returns the exit status."""
        from labsuite.protocols.chat import Invalid, Quit

        while True:
            typed = self.lines.next(stop=self.lost)
            if self.lost.is_set():
                return EXIT_NETWORK
            command = Quit() if typed is None else parse(typed)
            if command is None:
                continue
            if isinstance(command, Quit):
                client.leave()
                return EXIT_NETWORK if self.lost.is_set() else EXIT_OK
            if isinstance(command, Invalid):
                self.printer.line(command.reason, sys.stderr)
            else:
                send(command)


def run_lookup(args) -> int:
    """Each name's addresses (a failure is a line on stderr; the others still print)."""
    from labsuite.net.lookup import lookup_name, this_computer

    if not args.names:  # this computer: from its interfaces, no look-up at all
        print("\n".join(this_computer().summary_lines()))
        return EXIT_OK
    if any(not name.strip() for name in args.names):
        print("labsuite: an empty name cannot be looked up; type a host name or an IP address.",
              file=sys.stderr)
        return EXIT_USAGE
    failed, printed = False, False
    for name in args.names:
        try:
            result = lookup_name(name)
        except NetError as exc:
            print(f"labsuite: {exc.explanation}", file=sys.stderr, flush=True)
            failed = True
            continue
        print(("\n" if printed else "") + "\n".join(result.summary_lines()), flush=True)
        printed = True
    return EXIT_NETWORK if failed else EXIT_OK


def run_probe(args) -> int:
    """The connection doctor: each step as it happens, then the verdict and advice."""
    from labsuite.net.doctor import BAD_INPUT, diagnose

    diagnosis = diagnose(args.host, args.port, args.timeout,
                         emit=lambda step: print(step.line(), flush=True))
    if diagnosis.verdict == BAD_INPUT:
        print(f"labsuite: {' '.join(diagnosis.advice)}", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(diagnosis.verdict_lines()))
    return EXIT_OK if diagnosis.works else EXIT_NETWORK


class StdinLines:
    """Standard input read on a helper thread, so a dropped connection is noticed at once."""

    def __init__(self):
        import queue

        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in sys.stdin:
            self._lines.put(line.rstrip("\r\n"))
        self._lines.put(None)

    def next(self, stop: Optional[threading.Event] = None) -> Optional[str]:
        import queue

        while True:
            try:
                return self._lines.get(timeout=0.05)
            except queue.Empty:
                if stop is not None and stop.is_set():
                    return None

    def ask(self, prompt: str) -> Optional[str]:
        for printer in _PRINTERS:  # the lines before the question come first
            printer.drain()
        sys.stdout.write(prompt)
        sys.stdout.flush()
        answer = self.next()
        if sys.stdin is None or not sys.stdin.isatty():
            sys.stdout.write((answer or "") + "\n")  # show the answer, as a terminal would
        return answer
