"""``labsuite discover``: list the labsuite servers other computers announce on this network.

Kept apart from :mod:`labsuite.cli`; ``cli`` calls :func:`add_commands` and
:func:`serve_discover_options`. The network side is :mod:`labsuite.net.discovery`
(which imports zeroconf only when it starts looking).
"""

from __future__ import annotations

import json
import sys
import threading

def add_commands(commands) -> None:
    """Add ``discover`` to the subcommands."""
    from labsuite.cli import positive_seconds
    from labsuite.net.discovery import KINDS

    discover = commands.add_parser(
        "discover", help="list the labsuite servers computers on this network announce",
        description="Listen for the labsuite servers other computers on this network "
                    "announce (multicast DNS, as printers and Apple devices use) and print "
                    "one line per server: kind, address and port, name. Exits after "
                    "--timeout seconds, with status 0 even when nothing is found.")
    discover.add_argument("--timeout", type=positive_seconds, default=3.0, metavar="S",
                          help="how long to listen, in seconds (default 3)")
    discover.add_argument("--kind", choices=KINDS, default=None,
                          help="only this kind of server")
    discover.add_argument("--json", action="store_true",
                          help="print what was found at the end as JSON, for scripts")
    discover.set_defaults(handler=run_discover)


def serve_discover_options(serve) -> None:
    """Add ``--no-announce`` to the ``serve`` parser."""
    serve.add_argument("--no-announce", action="store_true",
                       help="do not announce the server on the network (a server for other "
                            "computers is announced, so labsuite discover lists it)")


def nothing_found(kind, seconds: float) -> str:
    what = f"No {kind} server found" if kind else "Nothing found"
    unit = "second" if seconds == 1 else "seconds"
    return (f"{what} on this network in {seconds:g} {unit}. If you expected something, "
            "multicast may be blocked here (many campus Wi-Fi networks do): type the "
            "address instead.")


def run_discover(args) -> int:
    from labsuite.cli import EXIT_NETWORK, EXIT_OK, EventPrinter
    from labsuite.net.discovery import Browser, Found, Gone
    from labsuite.net.events import Kind

    printer = None if args.json else EventPrinter()
    failed, seen = [], []
    finished = threading.Event()

    def on_event(event) -> None:
        if event.kind is Kind.ERROR:
            failed.append(event.text)
            finished.set()
        elif printer is not None and event.kind is Kind.RESULT:
            if isinstance(event.result, Gone):
                printer.line(f"{event.result.line()}  (gone)")
            elif isinstance(event.result, Found):
                printer.line(event.result.line())
        if event.kind is Kind.RESULT:
            seen.append(event.result)

    browser = Browser(kind=args.kind, on_event=on_event)
    browser.start()
    try:
        finished.wait(args.timeout)
        found = browser.services()
    finally:
        browser.stop()
    if failed:
        print(f"labsuite: {failed[0]}", file=sys.stderr)
        return EXIT_NETWORK
    if args.json:
        print(json.dumps([service.as_dict() for service in found], indent=2,
                         ensure_ascii=False))
    if not seen:
        if printer is not None:
            printer.drain()
        print(nothing_found(args.kind, args.timeout), file=sys.stderr)
    return EXIT_OK
