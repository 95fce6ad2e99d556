"""Two lab machines chat: a server on one host, a client joining from another.

The hosts are network namespaces this test makes itself, joined by a veth pair with
their own addresses, so nothing leaves this computer. The server is bound for "other
computers too", and the client joins by the address the server itself shows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import make_namespace, read_lines_until, stop_process

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
SERVER_ADDRESS, CLIENT_ADDRESS = "10.213.7.1", "10.213.7.2"


@pytest.fixture
def two_hosts():
    first = make_namespace()
    try:
        second = make_namespace()
    except BaseException:
        first.delete()
        raise
    try:
        link = f"ls{os.getpid() % 100000}"
        subprocess.run(["ip", "link", "add", f"{link}a", "netns", first.name, "type", "veth",
                        "peer", "name", f"{link}b", "netns", second.name],
                       check=True, capture_output=True, timeout=10)
        for host, device, address in ((first, f"{link}a", SERVER_ADDRESS),
                                      (second, f"{link}b", CLIENT_ADDRESS)):
            host.ip("addr", "add", f"{address}/24", "dev", device)
            host.ip("link", "set", device, "up")
        yield first, second
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot join two namespaces here: {exc.stderr}")
    finally:
        second.delete()
        first.delete()


def labsuite(host, *args, **popen):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(host.command(sys.executable, "-m", "labsuite", *args), cwd=ROOT,
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            **popen)


def read_until(proc, pattern):
    """The match of the first output line that matches ``pattern``."""
    return read_lines_until(proc, lambda line: re.search(pattern, line), timeout=15)[0]


def test_chat_between_two_hosts(two_hosts):
    server_host, client_host = two_hosts
    server = labsuite(server_host, "serve", "chat", "--host", "0.0.0.0", "--port", "9000")
    clients = []
    try:
        read_until(server, r"listening on 0\.0\.0\.0:9000")
        shown = read_until(server, r"other computers connect to (\S+) port (\d+)")
        address, port = shown.group(1), shown.group(2)
        assert address == SERVER_ADDRESS  # the address the window and the CLI tell students

        host_side = labsuite(server_host, "chat", "127.0.0.1", "--port", port, "--name",
                             "cold turkey", stdin=subprocess.PIPE, bufsize=1)
        clients.append(host_side)
        read_until(host_side, r"^==> cold turkey has joined the chat room$")
        partner = labsuite(client_host, "chat", address, "--port", port, "--name", "cool cat",
                           stdin=subprocess.PIPE, bufsize=1)
        clients.append(partner)
        read_until(partner, r"^==> cool cat has joined the chat room$")
        read_until(host_side, r"^==> cool cat has joined the chat room$")

        partner.stdin.write("Hi from the other machine\n")
        read_until(host_side, r"^==> cool cat: Hi from the other machine$")
        host_side.stdin.write("private cool cat: welcome over the wire\n")
        read_until(partner, r"^==> \[private\] cold turkey: welcome over the wire$")
        accepted = read_until(server, r"Accepted connection #\d+ from (\S+):\d+")
        while accepted.group(1) != CLIENT_ADDRESS:  # the partner really came from the other host
            accepted = read_until(server, r"Accepted connection #\d+ from (\S+):\d+")

        partner.stdin.write("quit\n")
        read_until(host_side, r"^==> cool cat has left the chat room$")
        partner.communicate(timeout=10)
        assert partner.returncode == 0
        host_side.communicate(timeout=10)  # closes its input: end of input leaves the room
        assert host_side.returncode == 0
    finally:
        for proc in [*clients, server]:  # none may outlive the test, whatever went wrong
            stop_process(proc, 10)
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
    assert server.returncode == 0
