#!/usr/bin/env python3
"""Run labsuite's EchoServer directly (no CLI), optionally under cProfile.

The bench normally starts ``python -m labsuite serve echo --quiet``; this launcher is the
fallback while the CLI is missing, and the way to profile the server loop: cProfile only
watches the thread it is enabled on, so ``--profile FILE`` wraps the server's own loop
(``serve``, run on a worker thread) and writes the stats to FILE when SIGTERM arrives.

    python tests/perf/serve_labsuite.py --port 0 --mode selector --profile /tmp/echo.prof
"""

from __future__ import annotations

import argparse
import cProfile
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, not an old install

from labsuite.net.echo import EchoServer  # noqa: E402


def profiled(loop, profile: cProfile.Profile):
    def run():
        profile.enable()
        try:
            loop()
        finally:
            profile.disable()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", default="selector", choices=EchoServer.MODES)
    parser.add_argument("--profile", metavar="FILE", help="write cProfile stats of the server loop")
    args = parser.parse_args()
    server = EchoServer(args.host, args.port, mode=args.mode, on_event=lambda event: None)
    profile = cProfile.Profile() if args.profile else None
    if profile:
        server.serve = profiled(server.serve, profile)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    host, port = server.address
    print(f"labsuite echo server listening on {host}:{port} (mode: {args.mode}, direct)", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        if profile:
            profile.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
