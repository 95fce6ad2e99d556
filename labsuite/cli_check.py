"""The command line's "check my program": ``labsuite check KIND HOST PORT``.

Runs every check of KIND against the student's server and prints one line per check as
it finishes (a failure adds what happened and a hint), then a summary; ``--json`` prints
one JSON object instead, ``--junit FILE`` and ``--html FILE`` also write the report for a
CI pipeline or a teacher. Exit status 0 when every required check passed, 1 when one
failed (an unreachable server is the failed first check), 2 for a usage error.
``labsuite check KIND-client -- COMMAND ...`` (a student's client) comes later.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import List, Optional

from labsuite.protocols.check.model import CLIENT_KINDS, SERVER_KINDS, specs_for

USAGE = ("labsuite check KIND HOST PORT [--json] [--junit FILE] [--html FILE] [--timeout S] [-v]\n"
         "       labsuite check KIND-client [--json] [--junit FILE] -- COMMAND ...")
KINDS_HELP = (f"KIND: {' | '.join(SERVER_KINDS)}, or {' | '.join(CLIENT_KINDS)} "
              "(clients: later)")


def add_commands(commands) -> None:
    """Add ``check`` to the subcommands."""
    check = commands.add_parser(
        "check", help="check a server you wrote: a checklist that explains every failure",
        usage=USAGE,
        description="Check a program you wrote: run every check of KIND against your server "
                    "at HOST PORT and explain each failure. " + KINDS_HELP + ".",
        epilog="Exit status: 0 when every required check passed, 1 when one failed "
               "(also when nothing answers at HOST PORT), 2 for a usage error.")
    check.add_argument("kind", choices=SERVER_KINDS + CLIENT_KINDS, metavar="KIND",
                       help="what to check (see above)")
    add_report_options(check)
    # HOST PORT (or "-- COMMAND ...") and options after KIND: parsed by run_check, so that
    # a client's own options after "--" never reach this parser
    check.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    check.set_defaults(handler=run_check)


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
                        help="seconds each step may wait for the server "
                             f"(default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("-v", "--verbose", action="store_true", default=given.get("verbose", False),
                        help="also print what was sent and received for each check that failed")


def run_check(args) -> int:
    from labsuite.cli import EXIT_USAGE

    words = list(args.rest)
    command: List[str] = []
    if "--" in words:
        split = words.index("--")
        words, command = words[:split], words[split + 1:]
    parser = target_parser(args)
    if args.kind in CLIENT_KINDS:
        # argparse drops a "--" that comes right after KIND: what is left is the command
        _options, extra = parser.parse_known_args(words)
        if not (command or extra):
            parser.error("give the client to check after --, e.g. -- python my_client.py")
        server_kind = args.kind[:-len("-client")]
        print(f"labsuite: checking clients ({args.kind}) is not available yet; this version "
              f"checks servers (labsuite check {server_kind} HOST PORT).", file=sys.stderr)
        return EXIT_USAGE
    if command:
        parser.error("checking a server takes HOST PORT, not a command after --")
    options = parser.parse_args(words)
    return check_server(args.kind, options)


def target_parser(args) -> argparse.ArgumentParser:
    """The parser for what follows KIND: HOST PORT for a server, options for both."""
    from labsuite.cli import connect_port, host_name

    parser = argparse.ArgumentParser(prog=f"labsuite check {args.kind}", usage=USAGE,
                                     description=f"Check {args.kind}. {KINDS_HELP}.")
    if args.kind in SERVER_KINDS:
        parser.add_argument("host", type=host_name, help="where your server runs, e.g. 127.0.0.1")
        parser.add_argument("port", type=connect_port, help="the port it listens on")
    add_report_options(parser, args)
    return parser


def check_server(kind: str, options) -> int:
    from labsuite.cli import EXIT_NETWORK, EXIT_OK, EXIT_USAGE
    from labsuite.net.check.runner import CheckRun
    from labsuite.net.events import Kind, format_address
    from labsuite.protocols.check import report as render

    marks = render.marks_for(getattr(sys.stdout, "encoding", None))
    quiet = options.json

    def show(event) -> None:
        if event.kind is Kind.RESULT and not quiet:
            print("\n".join(render.outcome_lines(event.result, marks, options.verbose)), flush=True)

    if not quiet:
        target = format_address((options.host, options.port))
        print(render.heading(kind, target, len(specs_for(kind))), flush=True)
    run = CheckRun(kind, options.host, options.port, timeout=options.timeout, on_event=show)
    report = run.run()
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
