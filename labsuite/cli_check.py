"""The command line's "check my program": ``labsuite check KIND HOST PORT`` for a server,
``labsuite check KIND-client -- COMMAND ...`` for a client.

Runs every check of KIND and prints one line per check as it finishes (a failure adds
what happened and a hint), then a summary; ``--json`` prints one JSON object instead,
``--junit FILE`` and ``--html FILE`` also write the report for a CI pipeline or a teacher.
A server is checked where it runs. A client's COMMAND is run against labsuite's own
reference servers, one per check on a free loopback port, with ``{host}`` and ``{port}``
(and ``{name}``) in its words replaced. Exit status 0 when every required check passed,
1 when one failed (an unreachable server is the failed first check), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from labsuite.protocols.check.model import CLIENT_KINDS, SERVER_KINDS, specs_for

KINDS = SERVER_KINDS + CLIENT_KINDS
USAGE = ("labsuite check KIND HOST PORT [--json] [--junit FILE] [--html FILE] [--timeout S] [-v]\n"
         "       labsuite check KIND-client [--json] [--junit FILE] [--html FILE] [--timeout S] "
         "[-v] -- COMMAND ...")
KINDS_HELP = f"KIND: {' | '.join(SERVER_KINDS)}; KIND-client: {' | '.join(CLIENT_KINDS)}"
CLIENT_HELP = ("For a client, labsuite starts its own reference server on a free port for each "
               "check, runs COMMAND (never through a shell) with {host}, {port} and, for chat, "
               "{name} replaced in its words, types into it as a student would and judges what "
               "it sends and prints, e.g. labsuite check echo-client -- python3 "
               "my_echo_client.py {host} {port}")


def add_commands(commands) -> None:
    """Add ``check`` to the subcommands."""
    check = commands.add_parser(
        "check", help="check a server or a client you wrote: a checklist that explains every "
                      "failure",
        usage=USAGE,
        description="Check a program you wrote: run every check of KIND against your server "
                    f"at HOST PORT, or of KIND-client against your client, and explain each "
                    f"failure. {KINDS_HELP}. {CLIENT_HELP}.",
        epilog="Exit status: 0 when every required check passed, 1 when one failed "
               "(also when nothing answers at HOST PORT), 2 for a usage error.")
    add_report_options(check)
    # KIND and all after it, read by run_check: argparse keeps a "--" only inside a
    # REMAINDER, and a client's own options after "--" must never reach a parser
    check.add_argument("words", nargs=argparse.REMAINDER, metavar="KIND ...",
                       help="what to check (see above), then HOST PORT or -- COMMAND ...")
    check.set_defaults(handler=run_check, check_parser=check)


def add_report_options(parser: argparse.ArgumentParser,
                       defaults: Optional[argparse.Namespace] = None) -> None:
    """--json, --junit, --html, --timeout, -v; ``defaults`` carries values given before KIND."""
    from labsuite.cli import positive_seconds
    from labsuite.net.check.runner import DEFAULT_TIMEOUT

    given = vars(defaults) if defaults is not None else {}
    parser.add_argument("--json", action="store_true", default=given.get("json", False),
                        help="print only one JSON object with every check and its transcript")
    parser.add_argument("--junit", metavar="FILE", default=given.get("junit"),
                        help="also write the results as JUnit XML (CodeGrade, GitLab, "
                             "GitHub Actions)")
    parser.add_argument("--html", metavar="FILE", default=given.get("html"),
                        help="also write a report page for a teacher: every check with its "
                             "explanation, hint and transcript")
    parser.add_argument("--timeout", type=positive_seconds, metavar="S",
                        default=given.get("timeout", DEFAULT_TIMEOUT),
                        help="seconds each step may wait for the server or the client "
                             f"(default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("-v", "--verbose", action="store_true", default=given.get("verbose", False),
                        help="also print what was sent, received and printed for each check "
                             "that failed")


def run_check(args) -> int:
    kind, words = kind_and_words(args)
    parser = target_parser(args, kind)
    if kind in CLIENT_KINDS:
        options, command = client_words(parser, words)
        return check_client(kind, command, options, parser)
    if "--" in words:
        parser.error("checking a server takes HOST PORT, not a command after --")
    return check_server(kind, parser.parse_args(words))


def kind_and_words(args) -> Tuple[str, List[str]]:
    """KIND, and the words after it; a usage error (exit 2) when KIND is missing or unknown."""
    words = list(args.words)
    if words[:1] == ["--"]:
        words = words[1:]
    if not words:
        args.check_parser.error("the following arguments are required: KIND")
    if words[0] not in KINDS:
        args.check_parser.error(f"argument KIND: invalid choice: {words[0]!r} (choose from "
                                f"{', '.join(KINDS)})")
    return words[0], words[1:]


def client_words(parser: argparse.ArgumentParser,
                 words: List[str]) -> Tuple[argparse.Namespace, List[str]]:
    """The options before ``--`` and the client's command after it (with no ``--``, what
    the options leave over)."""
    if "--" in words:
        split = words.index("--")
        return parser.parse_args(words[:split]), words[split + 1:]
    return parser.parse_known_args(words)


def target_parser(args, kind: str) -> argparse.ArgumentParser:
    """The parser for what follows KIND: HOST PORT for a server, options for both."""
    from labsuite.cli import connect_port, host_name

    parser = argparse.ArgumentParser(prog=f"labsuite check {kind}", usage=USAGE,
                                     description=f"Check {kind}. {KINDS_HELP}.")
    if kind in SERVER_KINDS:
        parser.add_argument("host", type=host_name, help="where your server runs, e.g. 127.0.0.1")
        parser.add_argument("port", type=connect_port, help="the port it listens on")
    add_report_options(parser, args)
    return parser


def check_server(kind: str, options) -> int:
    from labsuite.net.check.runner import CheckRun
    from labsuite.net.events import format_address

    return print_report(
        kind, format_address((options.host, options.port)), options,
        lambda show: CheckRun(kind, options.host, options.port, timeout=options.timeout,
                              on_event=show))


def check_client(kind: str, words: List[str], options, parser: argparse.ArgumentParser) -> int:
    from labsuite.net.check.runner import ClientCheckRun
    from labsuite.net.check.student import CommandProblem, prepare_command

    try:
        command = prepare_command(words, kind)
    except CommandProblem as problem:
        parser.error(str(problem))
    return print_report(kind, command.text, options,
                        lambda show: ClientCheckRun(kind, command, timeout=options.timeout,
                                                    on_event=show))


def print_report(kind: str, target: str, options, make_run: Callable) -> int:
    """Run ``make_run(on_event)`` (a CheckRun or ClientCheckRun), printing each check as it
    finishes (with --json, the whole report at the end); write the report files; return
    the exit status."""
    from labsuite.cli import EXIT_NETWORK, EXIT_OK, EXIT_USAGE
    from labsuite.net.events import Kind
    from labsuite.protocols.check import report as render

    marks = render.marks_for(getattr(sys.stdout, "encoding", None))
    quiet = options.json

    def show(event) -> None:
        if event.kind is Kind.RESULT and not quiet:
            print("\n".join(render.outcome_lines(event.result, marks, options.verbose)), flush=True)

    if not quiet:
        print(render.heading(kind, target, len(specs_for(kind))), flush=True)
    report = make_run(show).run()
    if quiet:
        print(json.dumps(render.report_dict(report), indent=2))
    else:
        print(render.summary_line(report), flush=True)
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    for path, text in ((options.junit, lambda: render.junit_xml(report)),
                       (options.html, lambda: render.html_report(report, generated=made))):
        if path and not write_text(path, text()):
            return EXIT_USAGE
    return EXIT_OK if report.passed else EXIT_NETWORK


def write_text(path: str, text: str) -> bool:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"labsuite: could not write {path}: {exc.strerror or exc}.", file=sys.stderr)
        return False
    return True
