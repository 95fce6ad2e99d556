"""What every peer server shares: the command line and the "listening on" line.

The bench starts each peer as ``python PEER.py --host H --port P`` (port 0 picks a free
one) and waits for the "listening on H:P" line, exactly as it does for ``labsuite serve``.
"""

from __future__ import annotations

import argparse
from typing import List, Optional, Tuple


def parse_address(description: str, argv: Optional[List[str]] = None) -> Tuple[str, int]:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    return args.host, args.port


def announce(name: str, address) -> None:
    print(f"{name} echo server listening on {address[0]}:{address[1]}", flush=True)
