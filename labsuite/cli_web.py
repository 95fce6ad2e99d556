"""The command line's web parts: ``labsuite serve web`` options and ``labsuite get URL``.

Kept apart from :mod:`labsuite.cli` so the web server and downloader bring their options
with them; ``cli`` calls :func:`add_commands`, :func:`serve_web_options` and
:func:`make_web_server`.
"""

from __future__ import annotations

import sys
from typing import Callable

from labsuite.net import ports
from labsuite.net.events import Event


def serve_web_options(serve) -> None:
    """Add the ``serve web`` options to the ``serve`` parser."""
    serve.add_argument("--root", metavar="DIR", default=None,
                       help="web: the folder to serve (default: the built-in sample site)")


def make_web_server(args, on_event: Callable[[Event], None]):
    """The WebServer for ``serve web`` and a short description of what it serves."""
    from labsuite.net.web import WebServer

    port = ports.WEB if args.port is None else args.port
    server = WebServer(args.host, port, root=getattr(args, "root", None), on_event=on_event)
    return server, f" (serving {server.root_description})"


def add_commands(commands) -> None:
    """Add ``get`` to the subcommands."""
    from labsuite.cli import add_client_options, positive_seconds, whole_number

    get = commands.add_parser(
        "get", help="download a web page and show or save it",
        description="Send a GET request for URL (http:// or https://), follow redirects, and "
                    "print the status line, the headers and the start of the body; with -o, "
                    "save the body to a file. Exits with 1 when the server answers with an "
                    "error (4xx or 5xx) or cannot be reached.")
    get.add_argument("url", help="the address, e.g. http://127.0.0.1:8080/index.html")
    get.add_argument("-o", "--output", metavar="FILE",
                     help="save the body to FILE (or, if FILE is a folder, to a file named "
                          "after the URL inside it)")
    get.add_argument("--max-redirects", type=whole_number("number of redirects", 0, 100),
                     default=5, metavar="N",
                     help="follow at most N redirects (default 5; 0 shows the redirect itself)")
    get.add_argument("--max-time", type=positive_seconds, default=None, metavar="S",
                     help="give up when the whole transfer (connecting, redirects and the "
                          "body) takes longer than S seconds (default: no limit; --timeout "
                          "still bounds each wait)")
    add_client_options(get, "seconds to wait for the server at each step")
    get.set_defaults(handler=run_get)


def run_get(args) -> int:
    from labsuite.cli import EXIT_NETWORK, EXIT_OK, EXIT_USAGE, EventPrinter
    from labsuite.net.fetch import FetchQuery
    from labsuite.protocols.http import normalize_url

    try:
        normalize_url(args.url)
    except ValueError as exc:
        print(f"labsuite: {exc}", file=sys.stderr)
        return EXIT_USAGE
    steps = EventPrinter(stream=sys.stderr) if args.verbose else None
    query = FetchQuery(args.url, save_to=args.output, timeout=args.timeout,
                       max_redirects=args.max_redirects, on_event=steps,
                       max_time=args.max_time)
    result = query.run()
    for line in result.summary_lines(body=not result.saved_to):
        print(line)
    if not result.ok:
        print(f"labsuite: the server answered {result.status} {result.reason}.", file=sys.stderr)
        return EXIT_NETWORK
    return EXIT_OK
