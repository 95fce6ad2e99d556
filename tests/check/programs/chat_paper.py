"""The course paper's chat server (Figure 4): one recv() = one command, no LEFT on vanish.

This is the same Python 3 port the chat benchmark runs (tests/perf/peers/paper_chat.py,
the paper's design with nothing fixed), started the way the other student programs are:
each ``recv(1024)`` is taken as one whole message, so two commands that arrive together,
or one that arrives in pieces, are garbled or lost; and an empty recv() (a client that
left without QUIT) is never handled, so that client's thread spins for ever and nobody
is told LEFT.

Usage: python chat_paper.py [HOST] PORT   (port 0 picks a free one)
"""

import runpy
import sys
from pathlib import Path

from listening import address

PEERS = Path(__file__).resolve().parents[2] / "perf" / "peers"

if __name__ == "__main__":
    host, port = address()
    sys.path.insert(0, str(PEERS))
    sys.argv = [str(PEERS / "paper_chat.py"), "--host", host, "--port", str(port)]
    runpy.run_path(sys.argv[0], run_name="__main__")
