"""``labsuite code KIND``: print one of the course's programs, ready to save and run.

Kept apart from :mod:`labsuite.cli`; ``cli`` calls :func:`add_commands`. The scripts and
their host/port substitution live in :mod:`labsuite.net.scripts`.
"""

from __future__ import annotations

import sys

from labsuite.net import scripts


def add_commands(commands) -> None:
    """Add ``code`` to the subcommands."""
    from labsuite.cli import host_name, port_number

    code = commands.add_parser(
        "code", help="print a short program that does what a tab does (standard library only)",
        description="Print a complete Python program for KIND, using only the standard "
                    "library, with the host and port filled in: save it and run it, e.g. "
                    "labsuite code echo-server > echo_server.py")
    code.add_argument("kind", nargs="?", choices=scripts.KINDS, metavar="KIND",
                      help=f"which program: {', '.join(scripts.KINDS)}")
    code.add_argument("--list", action="store_true", help="list the programs, one line each")
    code.add_argument("--host", type=host_name, default=None,
                      help="the host to fill in (default 127.0.0.1: for a server, only this "
                           "computer may connect; 0.0.0.0 lets other computers in)")
    code.add_argument("--port", type=port_number, default=None,
                      help="the port to fill in (default: labsuite's port for that service, "
                           "e.g. echo 8007)")
    code.set_defaults(handler=run_code, code_parser=code)


def run_code(args) -> int:
    if args.list:
        width = max(len(kind) for kind in scripts.KINDS)
        for kind in scripts.KINDS:
            print(f"{kind:<{width}}  {scripts.describe(kind)}")
        return 0
    if args.kind is None:
        args.code_parser.error("name the program to print (see labsuite code --list)")
    sys.stdout.write(scripts.script_text(args.kind, args.host, args.port))
    return 0
