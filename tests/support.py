"""Small helpers shared by the test folders."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

#: A host name that fails to resolve on this machine without sending any DNS query
#: (a name under .invalid would still be sent to the configured resolver).
UNRESOLVABLE_HOST = "no such host.invalid"


def closed_port(host: str = "127.0.0.1") -> int:
    """A loopback port with nothing listening on it (free a moment ago)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


LISTENING = re.compile(r"listening on (\S+):(\d+)")


def run_cli(*args, input=None, timeout=30, **kwargs):
    return subprocess.run([sys.executable, "-m", "labsuite", *args], input=input,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


class ServerProcess:
    """``labsuite serve ...`` in a subprocess, ready once it prints its listening line."""

    def __init__(self, *args, **popen_kwargs):
        self.proc = subprocess.Popen([sys.executable, "-m", "labsuite", "serve", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     **popen_kwargs)
        self.lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            match = LISTENING.search(line)
            if match:
                self.port = int(match.group(2))
                return
        self.proc.kill()
        raise AssertionError(f"server did not start: {self.lines} {self.proc.stderr.read()}")

    def stop(self, signum=signal.SIGTERM):
        self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=10)
        self.lines.append(out)
        return self.proc.returncode, "".join(self.lines), err

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


class ChatPeer:
    """A hand-written chat client on a raw socket, reading whole lines (as telnet would)."""

    def __init__(self, address, name=None, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(address)
        self.sock.settimeout(5)
        self.buffer = b""
        if name:
            self.send(f"ADD {name}\n")
            self.expect(f"NEW {name}")

    def send(self, text):
        self.sock.sendall(text.encode() if isinstance(text, str) else text)

    def line(self, timeout=5):
        self.sock.settimeout(timeout)
        while b"\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("server closed the connection")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def expect(self, wanted, timeout=5):
        """Read lines until ``wanted`` arrives; return the lines skipped before it."""
        skipped = []
        deadline = time.monotonic() + timeout
        while True:
            line = self.line(max(0.01, deadline - time.monotonic()))
            if line == wanted:
                return skipped
            skipped.append(line)

    def reset(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self):
        self.sock.close()


class Recorder:
    """Collects events from any thread; lets a test wait for one to arrive."""

    def __init__(self):
        self.events = []
        self._changed = threading.Condition()

    def __call__(self, event):
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def kinds(self, source=None):
        return [e.kind for e in self.events if source is None or e.source == source]

    def of(self, kind):
        return [e for e in self.events if e.kind == kind]

    def wait_for(self, kind, count=1, timeout=5.0, text=""):
        """The first ``count`` events of ``kind`` (containing ``text``); fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [e for e in self.events if e.kind == kind and text in e.text]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                seen = [str(e) for e in self.events]
                assert remaining > 0, f"no {kind} event {text!r}; got {seen}"
                self._changed.wait(remaining)


_namespace_numbers = itertools.count()


class Namespace:
    """A private network namespace: a test host whose traffic reaches no real network."""

    def __init__(self):
        self.name = f"labsuite-test-{os.getpid()}-{next(_namespace_numbers)}"
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True,
                       text=True, timeout=10)
        try:
            self.ip("link", "set", "lo", "up")
        except subprocess.CalledProcessError:
            self.delete()
            raise

    def command(self, *args) -> list:
        """``args`` as a command run inside this namespace."""
        return ["ip", "netns", "exec", self.name, *args]

    def ip(self, *args):
        return subprocess.run(self.command("ip", *args), check=True, capture_output=True,
                              text=True, timeout=10)

    def delete(self):
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True, timeout=10)


def make_namespace() -> Namespace:
    """A new namespace, or skip the test with the reason it cannot be made here."""
    import pytest

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("creating a network namespace needs root")
    if not shutil.which("ip"):
        pytest.skip("the 'ip' command (iproute2) is not installed")
    try:
        return Namespace()
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"cannot create a network namespace here: {getattr(exc, 'stderr', exc)}")


def stop_process(proc: subprocess.Popen, seconds: float = 5.0) -> bool:
    """SIGTERM, then SIGKILL if ``proc`` has not ended within ``seconds``.

    Waits, never reads: a reader thread may own the pipes. True if it had to be killed.
    """
    if proc.poll() is not None:
        return False
    proc.terminate()
    try:
        proc.wait(seconds)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(seconds)
        return True


def read_lines_until(proc, found, timeout: float = 10):
    """Read ``proc``'s output line by line until ``found(line)`` is truthy.

    Returns that value and every line read (without line endings); fails with what was
    seen if the process ends or ``timeout`` passes first.
    """
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        result = found(seen[-1])
        if result:
            return result, seen
    raise AssertionError(f"never saw the expected line; saw {seen}")
