"""``labsuite discover`` and the announcing servers, as students run them.

Every command that sends multicast runs inside private network namespaces made here
(root only; skipped otherwise): two lab computers joined by a veth pair, multicast on.
Nothing reaches the machine's real network.

The servers are the real ``labsuite serve``: every server started for other computers
announces itself from the server core.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from labsuite.net.discovery import NO_NETWORK
from tests.net.test_discovery import lab_hosts
from tests.support import make_namespace, read_lines_until, run_cli, stop_process

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]

def launch(host, *argv, **popen):
    """``python ARGV`` inside ``host``'s network, announcing allowed."""
    env = {key: value for key, value in os.environ.items() if key != "LABSUITE_NO_ANNOUNCE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return subprocess.Popen(host.command(sys.executable, *argv), cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def serve(host, *args):
    return launch(host, "-m", "labsuite", "serve", *args)


def discover(host, *args):
    return launch(host, "-m", "labsuite", "discover", *args)


def until(proc, pattern, timeout=15):
    return read_lines_until(proc, lambda line: re.search(pattern, line), timeout)[0]


def finish(*procs):
    for proc in procs:
        stop_process(proc, 10)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def two_computers():
    hosts, addresses = lab_hosts(2, subnet="10.213.10")
    try:
        yield hosts, addresses
    finally:
        for host in hosts:
            host.delete()


# -- no network needed ---------------------------------------------------------------------
def test_discover_usage_errors():
    for args in (["--kind", "ftp"], ["--timeout", "0"], ["--timeout", "soon"]):
        result = run_cli("discover", *args)
        assert result.returncode == 2, args
    assert "--no-announce" in run_cli("serve", "--help").stdout
    assert "--kind" in run_cli("discover", "--help").stdout


def test_discover_with_no_network_says_so():
    alone = make_namespace()  # a computer with only its loopback
    try:
        proc = discover(alone, "--timeout", "1")
        out, err = proc.communicate(timeout=20)
    finally:
        alone.delete()
    assert proc.returncode == 1
    assert out == ""
    assert err.strip() == f"labsuite: {NO_NETWORK}"


def test_nothing_found_exits_0_and_says_why():
    hosts, _ = lab_hosts(1)
    try:
        proc = discover(hosts[0], "--timeout", "1", "--kind", "chat")
        out, err = proc.communicate(timeout=20)
    finally:
        hosts[0].delete()
    assert proc.returncode == 0 and out == ""
    assert err.strip() == (
        "No chat server found on this network in 1 second. If you expected something, "
        "multicast may be blocked here (many campus Wi-Fi networks do): type the address "
        "instead.")


# -- two lab computers ----------------------------------------------------------------------
def test_a_room_is_found_joined_and_gone(two_computers):
    (server_host, client_host), (server_address, client_address) = two_computers
    room = serve(server_host, "chat", "--host", "0.0.0.0", "--port", "9000")
    private = serve(server_host, "echo", "--host", "127.0.0.1", "--port", "9001")
    watcher = discover(client_host, "--timeout", "40")
    others = []
    try:
        until(room, r"listening on 0\.0\.0\.0:9000")
        until(private, r"listening on 127\.0\.0\.1:9001")
        note = until(room, r"Announced on this network as \"(.+)\" at (\S+) port 9000")
        name = note.group(1)
        assert name.startswith("labsuite chat room on ") and note.group(2) == server_address

        # listed within 5 seconds (discover's own time limit), with the right address
        finder = discover(client_host, "--timeout", "5", "--json")
        others.append(finder)
        out, err = finder.communicate(timeout=20)
        assert finder.returncode == 0, err
        listed = json.loads(out)
        assert [(s["kind"], s["name"], s["address"], s["port"]) for s in listed] == [
            ("chat", name, server_address, 9000)]  # the 127.0.0.1 server is not there
        assert listed[0]["properties"]["kind"] == "chat"

        line = until(watcher, r"^chat +(\S+) port (\d+)  (.+)$")
        assert (line.group(1), line.group(2), line.group(3)) == (server_address, "9000", name)

        # join the discovered room from the other computer
        chosen = listed[0]
        partner = launch(client_host, "-m", "labsuite", "chat", chosen["address"], "--port",
                         str(chosen["port"]), "--name", "cool cat", stdin=subprocess.PIPE,
                         bufsize=1)
        others.append(partner)
        until(partner, r"^==> cool cat has joined the chat room$")
        accepted = until(room, r"Accepted connection #\d+ from (\S+):\d+")
        assert accepted.group(1) == client_address
        partner.stdin.write("quit\n")
        partner.communicate(timeout=10)
        assert partner.returncode == 0

        # the room stops: it says goodbye, and the list drops it
        stop_process(room, 10)
        gone = until(watcher, r"^chat .*\(gone\)$")
        assert server_address in gone.group(0) and name in gone.group(0)
    finally:
        finish(watcher, *others, private, room)
    assert room.returncode == 0


def test_every_kind_is_listed_and_filtered(two_computers):
    (server_host, client_host), (server_address, _) = two_computers
    servers = [serve(server_host, kind, "--host", "0.0.0.0", "--port", str(port))
               for kind, port in (("web", 18080), ("echo", 18007), ("daytime", 18013),
                                  ("sntp", 18123))]
    try:
        for proc in servers:
            until(proc, r"Announced on this network as")
        finder = discover(client_host, "--timeout", "4")
        out, err = finder.communicate(timeout=20)
        assert finder.returncode == 0, err
        lines = sorted(out.splitlines())
        assert [line.split()[:4] for line in lines] == [
            ["daytime", server_address, "port", "18013"],
            ["echo", server_address, "port", "18007"],
            ["sntp", server_address, "port", "18123"],
            ["web", server_address, "port", "18080"]]
        only_web = discover(client_host, "--timeout", "3", "--kind", "web", "--json")
        out, _ = only_web.communicate(timeout=20)
        assert [s["port"] for s in json.loads(out)] == [18080]
    finally:
        finish(*servers)
