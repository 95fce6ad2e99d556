#!/usr/bin/env python3
"""Web benchmark: labsuite's web server against ``python -m http.server`` and nginx.

Servers, each in its own process serving the same folder (one 1 KiB file):

* labsuite: ``python -m labsuite serve web --root DIR --port 0 --quiet``;
* http.server: ``python -m http.server`` as it comes (HTTP/1.0, so every response closes
  its connection and each request pays for a new one; it also logs every request);
* http.server HTTP/1.1: the same with ``--protocol HTTP/1.1``, which keeps connections
  alive (a fairer peer; Python 3.11 or later);
* nginx: one process (``master_process off``, ``worker_processes 1``) from a minimal
  config written to a temporary folder, keep-alive on, no access log: the practical limit.

Two scenarios, a fresh server process for each:

* A, throughput: 50 connections fetch the file for a few seconds, each sending its next
  request when the last response is in. Load generator: wrk (``-t1 --latency``), or, when
  wrk is missing or ``--web-loadgen python`` is given, this file's asyncio client (``generate
  throughput``), which also checks every body. Requests per second, latency p50/p99,
  errors (socket errors, timeouts, non-2xx answers, wrong bodies), the server's CPU time
  per request, and ratios to http.server and to nginx.
* B, many connections: 1,000 keep-alive connections opened and all held open at once;
  each sends a request, then (after a pause) another, every response checked, and a
  connection counts as held when it is still open after the last one. Always this file's
  asyncio client (``generate hold``), since wrk cannot tell held connections apart.

The server and the load generator are pinned to different cores when there are two
(``core_plan``). When wrk or nginx is missing and this runs as root, it is installed once
with apt-get (``--no-install`` prevents it); when that cannot be done the Python client
stands in for wrk and the nginx row says why it is empty. Every run has a deadline, every
server is stopped in ``finally``, and all traffic is on 127.0.0.1. Standalone:
``python tests/perf/bench_web.py [--quick] [--web-loadgen python]``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

# This folder is on sys.path (runner, pytest, script).
from bench_echo import (PYTHON, START_SECONDS, ServerFailed, ServerProcess, add_problem,
                        core_plan)
from loadgen import MAX_PENDING_CONNECTS, Tally, raise_open_file_limit

TITLE = ("web server: a 1 KiB file over 50 connections, and 1,000 keep-alive connections held "
         "(127.0.0.1)")
BASELINE = "http.server"
RATIOS = ("req/s",)
GOAL = "goal: labsuite >= 5x python -m http.server requests/s, with zero errors"
GOAL_RATIO = 5.0
FILE_NAME = "file-1k.bin"
FILE_BYTES = 1024
NGINX = "nginx"


@dataclass(frozen=True)
class Sizes:
    connections: int  # scenario A
    seconds: float  # scenario A, per run
    repeat: int  # scenario A runs per server, interleaved; the best is kept
    held: int  # scenario B
    rounds: int  # scenario B: requests on every connection
    pause: float  # scenario B: seconds every connection sits idle between rounds
    deadline: float  # scenario B, whole
    timeout: float  # the longest a request may take (wrk's --timeout)


FULL = Sizes(connections=50, seconds=5.0, repeat=2, held=1000, rounds=2, pause=1.0,
             deadline=30.0, timeout=5.0)
QUICK = Sizes(connections=50, seconds=2.0, repeat=1, held=100, rounds=2, pause=0.2,
              deadline=10.0, timeout=2.0)
INSTALL_SECONDS = 600
MAX_HEAD = 65536
SERVING = re.compile(r"listening on \[?([^\s\]]+?)\]?:(\d+)|Serving HTTP on (\S+) port (\d+)",
                     re.IGNORECASE)
BACKLOG_NOTE = ("listen backlog 5 (socketserver's default), so bursts of new connections "
                "overflow it and wait for the kernel's retransmits (see listen drops)")
NOTES = {
    "http.server": "HTTP/1.0 (its default): a new connection for every request; logs every "
                   "request to stderr; " + BACKLOG_NOTE,
    "http.server HTTP/1.1": "--protocol HTTP/1.1: keep-alive, but each response goes out in "
                            "two writes (head, then body) with Nagle's algorithm on, so on a "
                            "kept-alive connection most wait for the client's delayed ACK "
                            "(~40 ms); logs every request to stderr; " + BACKLOG_NOTE,
    NGINX: "one process (master_process off, worker_processes 1), keep-alive, access_log off",
}


def file_content() -> bytes:
    """The file every server serves, the same bytes in every run (so bodies can be checked)."""
    return bytes(index * 7 % 251 for index in range(FILE_BYTES))


# -- tools --------------------------------------------------------------------------------
def find_tool(name: str) -> Optional[str]:
    """The program's path; /usr/sbin is searched too, as nginx lives there and not every
    PATH has it."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")


_install_attempt: List[List[str]] = []  # the notes of the one attempt a process makes


def ensure_tools(install: bool) -> List[str]:
    """Install wrk and nginx with apt-get when missing and ``install`` allows it (once per
    process); return notes on what could not be done."""
    missing = [name for name in ("wrk", NGINX) if not find_tool(name)]
    if not missing or not install:
        return []
    if not _install_attempt:
        _install_attempt.append(install_with_apt(missing))
    return _install_attempt[0]


def install_with_apt(missing: List[str]) -> List[str]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return [f"{' and '.join(missing)} not installed (installing needs root and apt-get)"]
    print(f"bench_web: installing {' '.join(missing)} with apt-get ...", file=sys.stderr,
          flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", *missing]):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True,
                                  timeout=INSTALL_SECONDS, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return [f"{' '.join(command)} took over {INSTALL_SECONDS} s"]
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return [f"{' '.join(command)} failed: {last}"]
    return [f"{name} could not be installed" for name in missing if not find_tool(name)]


def listen_drops() -> Optional[int]:
    """The kernel's count of connections dropped at a full listen queue (Linux; every
    socket in this network namespace, so other programs can add to it)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            counters = dict(zip(names.split()[1:], values.split()[1:]))
            return int(counters["ListenDrops"]) if "ListenDrops" in counters else None
    return None


def free_port() -> int:
    """A port free on 127.0.0.1 right now (for nginx, whose config needs a number)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- servers ------------------------------------------------------------------------------
class WebServerProcess(ServerProcess):
    """A ServerProcess that also understands http.server's "Serving HTTP on H port P"
    line, and for a server that prints nothing (nginx) waits until ``known`` accepts."""

    def __init__(self, name: str, command: List[str], core: Optional[int], known=None):
        super().__init__(name, command, core)
        self.known = known

    def _read_output(self) -> None:
        if self.known:
            threading.Thread(target=self._await_known, daemon=True).start()
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            found = None if self._ready.is_set() else SERVING.search(line)
            if found:
                host, port = found.group(1) or found.group(3), found.group(2) or found.group(4)
                self.address = (host, int(port))
                self._ready.set()

    def _await_known(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(self.known, timeout=0.5).close()
            except OSError:
                time.sleep(0.05)
                continue
            self.address = self.known
            self._ready.set()
            return


@dataclass
class Target:
    """One server to measure: how to start a fresh process of it, or why it is skipped."""

    name: str
    start: Optional[Callable[[Optional[int]], WebServerProcess]]
    skipped: str = ""


def targets(site: Path, work: Path) -> List[Target]:
    """Every server in table order, each serving ``site``."""
    def python_server(name: str, *arguments: str) -> Target:
        return Target(name, lambda core: WebServerProcess(name, [PYTHON, *arguments], core))

    http_server = ("-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(site))
    found = [
        python_server("labsuite", "-m", "labsuite", "serve", "web", "--root", str(site),
                      "--host", "127.0.0.1", "--port", "0", "--quiet"),
        python_server("http.server", *http_server),
        python_server("http.server HTTP/1.1", *http_server, "--protocol", "HTTP/1.1"),
    ]
    if sys.version_info < (3, 11):
        found[-1] = Target(found[-1].name, None, "--protocol needs Python 3.11 or later")
    nginx = find_tool(NGINX)
    found.append(Target(NGINX, lambda core: nginx_process(nginx, site, work, core)) if nginx
                 else Target(NGINX, None, "skipped: nginx is not installed"))
    return found


def nginx_process(program: str, site: Path, work: Path, core: Optional[int]) -> WebServerProcess:
    """nginx in the foreground on a free port, with every file it writes under ``work``."""
    port = free_port()
    prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=work))
    temp = " ".join(f"{kind}_temp_path {prefix / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""\
daemon off;
master_process off;
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    {temp}
    server {{
        listen 127.0.0.1:{port};
        root {site};
    }}
}}
""")
    command = [program, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
               "-e", str(prefix / "error.log")]
    return WebServerProcess(NGINX, command, core, known=("127.0.0.1", port))


def check_file(address) -> str:
    """One plain GET before the load: '' when the file comes back whole, else why not."""
    connection = http.client.HTTPConnection(address[0], address[1], timeout=5)
    try:
        connection.request("GET", "/" + FILE_NAME)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        return f"GET /{FILE_NAME} failed: {exc}"
    finally:
        connection.close()
    if response.status != 200 or body != file_content():
        return f"GET /{FILE_NAME} answered {response.status} with {len(body)} bytes"
    return ""


# -- the Python load generator (runs in its own process) -------------------------------
Response = namedtuple("Response", "status body keep_alive")


def parse_response(buffer: bytearray):
    """(Response, bytes used) once ``buffer`` holds a whole response, else None.

    Only what the three servers send is understood: a Content-Length body.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_HEAD:
            raise ValueError("a response head longer than 64 KiB")
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not a status line: {lines[0][:60]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if not headers.get("content-length", "").isdigit():
        raise ValueError("a response without Content-Length")
    start = end + 4
    stop = start + int(headers["content-length"])
    if len(buffer) < stop:
        return None
    connection = headers.get("connection", "")
    keep_alive = ("close" not in connection if parts[0] == "HTTP/1.1"
                  else "keep-alive" in connection)
    return Response(int(parts[1]), bytes(buffer[start:stop]), keep_alive), stop


class HttpConnection(asyncio.Protocol):
    """One keep-alive client connection; ``get()`` sends the request and returns a future
    for the response (ConnectionError when the connection ends first)."""

    def __init__(self, request: bytes):
        self.request = request
        self.transport = None
        self.buffer = bytearray()
        self.waiter: Optional[asyncio.Future] = None
        self.lost = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        if self.waiter is None:
            return
        try:
            parsed = parse_response(self.buffer)
        except ValueError as exc:
            self._settle(exception=ConnectionError(str(exc)))
            self.transport.abort()
            return
        if parsed:
            del self.buffer[:parsed[1]]
            self._settle(result=parsed[0])

    def connection_lost(self, exc):
        self.lost = True
        why = f" ({exc})" if exc else ""
        self._settle(exception=ConnectionError(f"the server closed the connection before "
                                               f"the whole response{why}"))

    def _settle(self, result=None, exception=None) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            if exception is not None:
                waiter.set_exception(exception)
            else:
                waiter.set_result(result)

    def get(self) -> asyncio.Future:
        waiter = self.waiter = asyncio.get_running_loop().create_future()
        if self.lost or self.buffer:
            self._settle(exception=ConnectionError(
                "the connection was closed before the request" if self.lost else
                f"{len(self.buffer)} bytes came that no request asked for"))
        else:
            self.transport.write(self.request)
        return waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Client:
    """What both generator scenarios share: connecting, one checked request, the tally."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.request = (f"GET /{FILE_NAME} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                        f"User-Agent: labsuite-bench\r\n\r\n").encode()
        self.expected = file_content()
        self.tally = Tally()
        self.opened = 0
        self.closed_by_server = 0
        self.cpu = time.process_time()

    async def connect(self) -> Optional[HttpConnection]:
        loop = asyncio.get_running_loop()
        try:
            _transport, conn = await loop.create_connection(
                lambda: HttpConnection(self.request), self.host, self.port)
        except OSError as exc:
            self.tally.error(f"connect: {exc}")
            return None
        self.opened += 1
        return conn

    async def fetch(self, conn: HttpConnection) -> Optional[bool]:
        """One request; whether the connection stays open (None: it failed, counted)."""
        sent = time.perf_counter()
        try:
            response = await conn.get()
        except ConnectionError as exc:
            self.tally.error(f"read: {exc}")
            return None
        self.tally.latencies.append(time.perf_counter() - sent)
        self.tally.round_trips += 1
        if response.status != 200:
            self.tally.error(f"status {response.status}")
        elif response.body != self.expected:
            self.tally.mismatches += 1
            self.tally.error(f"a {len(response.body)}-byte body unlike the file")
        if not response.keep_alive:
            self.closed_by_server += 1
            conn.close()
        return response.keep_alive

    def report(self, **extra) -> Dict[str, object]:
        report = self.tally.as_dict()
        report.update(opened=self.opened, closed_by_server=self.closed_by_server,
                      load_cpu_s=time.process_time() - self.cpu, **extra)
        return report


async def throughput(host: str, port: int, connections: int, seconds: float,
                     timeout: float = 5.0) -> Dict:
    """``connections`` loops of request, response, next request, for ``seconds``; a new
    connection whenever the server closes one. A request still unanswered ``timeout``
    seconds after the end counts as a timeout (as wrk's --timeout would)."""
    client = Client(host, port)
    began = time.perf_counter()
    end = began + seconds
    last = [began]

    async def loop_requests() -> None:
        conn = None
        while time.perf_counter() < end:
            if conn is None or conn.lost:
                conn = await client.connect()
                if conn is None:
                    await asyncio.sleep(0.01)
                    continue
            if not await client.fetch(conn):
                conn = None
            last[0] = time.perf_counter()

    tasks = [asyncio.ensure_future(loop_requests()) for _ in range(connections)]
    _done, pending = await asyncio.wait(tasks, timeout=seconds + timeout)
    for task in pending:
        task.cancel()
        client.tally.error(f"timeout: no response within {timeout:g} s of the end")
    client.tally.timed_out = bool(pending)
    elapsed = last[0] - began
    return client.report(seconds=elapsed, requests_per_s=(
        client.tally.round_trips / elapsed if elapsed > 0 else None))


async def hold(host: str, port: int, connections: int, rounds: int, pause: float,
               seconds: float, timeout: float = 5.0) -> Dict:
    """Open ``connections`` at once (at most MAX_PENDING_CONNECTS handshakes at a time),
    then ``rounds`` times send a request on every open one, waiting at most ``timeout``
    for the answers; held = still open at the end. ``seconds`` bounds the whole."""
    client = Client(host, port)
    client.tally.connections = connections
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    handshakes = asyncio.Semaphore(MAX_PENDING_CONNECTS)
    began = time.perf_counter()

    async def open_one() -> Optional[HttpConnection]:
        async with handshakes:
            try:
                return await asyncio.wait_for(client.connect(), max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                client.tally.error("connect: timed out")
                return None

    conns = [conn for conn in await asyncio.gather(*(open_one() for _ in range(connections)))
             if conn]
    connect_s = time.perf_counter() - began
    client.tally.connected = len(conns)
    for number in range(rounds):
        if number:
            await asyncio.sleep(pause)
        for conn in [c for c in conns if c.lost]:
            client.tally.error("the server closed an idle keep-alive connection")
            conns.remove(conn)
        tasks = {asyncio.ensure_future(client.fetch(conn)): conn for conn in conns}
        if not tasks:
            break
        wait = max(0.1, min(timeout, deadline - loop.time()))
        done, pending = await asyncio.wait(tasks, timeout=wait)
        for task in pending:
            task.cancel()
            tasks[task].close()
            client.tally.error(f"timeout: no response within {wait:.3g} s")
        client.tally.timed_out = client.tally.timed_out or loop.time() >= deadline
        conns = [tasks[task] for task in done if task.result()]
    await asyncio.sleep(pause)  # still open a moment after the last response?
    held = [conn for conn in conns if not conn.lost]
    client.tally.completed = len(held)
    for conn in conns:
        conn.close()
    return client.report(seconds=time.perf_counter() - began, connect_s=connect_s,
                         held=len(held))


def generate(argv: List[str]) -> int:
    """``bench_web.py generate throughput|hold ...``: one scenario, one JSON line out."""
    parser = argparse.ArgumentParser(prog="bench_web.py generate")
    parser.add_argument("scenario", choices=("throughput", "hold"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one core")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    raise_open_file_limit()
    if args.scenario == "throughput":
        work = throughput(args.host, args.port, args.connections, args.seconds, args.timeout)
    else:
        work = hold(args.host, args.port, args.connections, args.rounds, args.pause,
                    args.seconds, args.timeout)
    print(json.dumps(asyncio.run(work)), flush=True)
    return 0


# -- running a load generator ------------------------------------------------------------
def children_cpu() -> Optional[float]:
    """CPU seconds of every child process waited for so far (None where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(command: List[str], core: Optional[int], limit: float) -> tuple:
    """(stdout, stderr, CPU seconds) of a load generator pinned to ``core``; raises
    RuntimeError on a timeout."""
    pin = (lambda: os.sched_setaffinity(0, {core})) if core is not None else None
    before = children_cpu()
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              timeout=limit, preexec_fn=pin, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the load generator was still running {limit:g} s in; killed")
    after = children_cpu()
    return done.stdout, done.stderr, after - before if None not in (before, after) else None


def python_load(scenario: str, address, options: Dict[str, object],
                core: Optional[int]) -> Dict[str, object]:
    command = [PYTHON, os.path.abspath(__file__), "generate", scenario, "--host", address[0],
               "--port", str(address[1])]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    limit = float(options["seconds"]) + float(options.get("timeout", 0)) + 15
    try:
        out, err, cpu = run_child(command + (["--cpu", str(core)] if core is not None else []),
                                  None, limit)
        report = json.loads(out.strip().splitlines()[-1])
    except RuntimeError as exc:
        return {"errors": 1, "error_samples": [str(exc)]}
    except (IndexError, ValueError):
        return {"errors": 1, "error_samples": [
            "load generator failed: " + (err.strip().splitlines() or ["no output"])[-1]]}
    report.setdefault("load_cpu_s", cpu)  # its own CPU time, when it measured it
    return report


WRK_DURATION = re.compile(r"([\d.]+)(us|ms|s)\b")
WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(text: str) -> Dict[str, object]:
    """The numbers in wrk's --latency report (its errors: socket errors and non-2xx/3xx)."""
    def number(pattern: str) -> Optional[float]:
        found = re.search(pattern, text)
        return float(found.group(1)) if found else None

    def latency(pct: int) -> Optional[float]:
        found = re.search(rf"^\s*{pct}%\s+(\S+)", text, re.MULTILINE)
        value = WRK_DURATION.fullmatch(found.group(1)) if found else None
        return float(value.group(1)) * WRK_UNITS[value.group(2)] if value else None

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", text)
    counts = dict(zip(("connect", "read", "write", "timeout"),
                      map(int, socket_errors.groups()))) if socket_errors else {}
    counts["non-2xx/3xx"] = int(number(r"Non-2xx or 3xx responses: (\d+)") or 0)
    requests = number(r"(\d+) requests in ([\d.]+)(?:s|ms|m)")
    rate = number(r"Requests/sec:\s+([\d.]+)")
    report = {"requests_per_s": rate, "round_trips": int(requests or 0),
              "p50_ms": latency(50), "p99_ms": latency(99),
              "errors": sum(counts.values()), "mismatches": 0,
              "error_samples": [f"{kind} {count}" for kind, count in counts.items() if count]}
    if rate is None:
        report["errors"] += 1
        report["error_samples"].append("no Requests/sec in wrk's output: "
                                       + " | ".join(text.strip().splitlines()[-3:]))
    return report


def wrk_load(address, sizes: Sizes, core: Optional[int]) -> Dict[str, object]:
    url = f"http://{address[0]}:{address[1]}/{FILE_NAME}"
    command = [find_tool("wrk") or "wrk", "-t1", f"-c{sizes.connections}",
               f"-d{sizes.seconds:g}s", "--latency", "--timeout", f"{sizes.timeout:g}s", url]
    try:
        out, err, cpu = run_child(command, core, sizes.seconds + sizes.timeout + 15)
    except RuntimeError as exc:
        return {"errors": 1, "error_samples": [str(exc)]}
    report = parse_wrk(out + err)
    report["load_cpu_s"] = cpu
    report["seconds"] = sizes.seconds
    return report


# -- the bench ---------------------------------------------------------------------------
def group_title(key: str, sizes: Sizes, loadgen: str) -> str:
    if key == "throughput":
        return (f"A. throughput: {sizes.connections} connections fetch a {FILE_BYTES:,}-byte "
                f"file for {sizes.seconds:g} s, request timeout {sizes.timeout:g} s ({loadgen})")
    return (f"B. many connections: {sizes.held:,} keep-alive connections open at once, "
            f"{sizes.rounds} requests each {sizes.pause:g} s apart, request timeout "
            f"{sizes.timeout:g} s (deadline {sizes.deadline:g} s; Python client)")


def skipped_row(group: str, target: Target) -> Dict[str, object]:
    return {"group": group, "name": target.name, "note": target.skipped}


def measure(target: Target, key: str, sizes: Sizes, loadgen: str,
            cores: Optional[tuple]) -> Dict[str, object]:
    """One scenario against a fresh process of one server."""
    group = group_title(key, sizes, loadgen)
    if target.start is None:
        return skipped_row(group, target)
    server_core, load_core = cores if cores else (None, None)
    try:
        with target.start(server_core) as server:
            problem = check_file(server.address)
            before, drops = server.cpu_seconds(), listen_drops()
            if key == "hold":
                report = python_load("hold", server.address, {
                    "connections": sizes.held, "rounds": sizes.rounds, "pause": sizes.pause,
                    "seconds": sizes.deadline, "timeout": sizes.timeout}, load_core)
            elif loadgen == "wrk":
                report = wrk_load(server.address, sizes, load_core)
            else:
                report = python_load("throughput", server.address, {
                    "connections": sizes.connections, "seconds": sizes.seconds,
                    "timeout": sizes.timeout}, load_core)
            after = server.cpu_seconds()
            report["listen_drops"] = (listen_drops() - drops) if drops is not None else None
            died = server.process.poll() is not None
    except ServerFailed as exc:
        row = {"group": group, "name": target.name, "errors": 0}
        add_problem(row, str(exc))
        return row
    cpu = after - before if None not in (before, after) else None
    row = (hold_row(group, target.name, report, sizes) if key == "hold"
           else throughput_row(group, target.name, report, cpu))
    if problem:
        add_problem(row, problem)
    if died:
        add_problem(row, f"the server died during the run: {server.output()}")
    return row


def throughput_row(group: str, name: str, report: Dict, cpu: Optional[float]) -> Dict:
    requests = report.get("round_trips") or 0
    seconds = report.get("seconds")
    row = {"group": group, "name": name, "req/s": report.get("requests_per_s"),
           "p50 ms": report.get("p50_ms"), "p99 ms": report.get("p99_ms"),
           "errors": report.get("errors", 0), "requests": requests,
           "srv us/req": cpu / requests * 1e6 if cpu is not None and requests else None,
           "load cpu %": (100 * report["load_cpu_s"] / seconds
                          if seconds and report.get("load_cpu_s") is not None else None),
           "listen drops": report.get("listen_drops"),
           # Placed here so both ratio columns come last, this one first (the runner fills it).
           f"req/s vs {BASELINE}": None, f"req/s vs {NGINX}": None, "_report": report}
    return with_notes(row, name, report)


def hold_row(group: str, name: str, report: Dict, sizes: Sizes) -> Dict:
    row = {"group": group, "name": name, "held": f"{report.get('held', 0):,}/{sizes.held:,}",
           "errors": report.get("errors", 0), "closed by server": report.get("closed_by_server"),
           "connect s": report.get("connect_s"), "p50 ms": report.get("p50_ms"),
           "p99 ms": report.get("p99_ms"), "total s": report.get("seconds"),
           "listen drops": report.get("listen_drops"), "_report": report}
    return with_notes(row, name, report)


def with_notes(row: Dict, name: str, report: Dict) -> Dict:
    if name in ("http.server", "http.server HTTP/1.1"):
        row["_failures_expected"] = True  # its timeouts under load are what we measure
    notes = [NOTES.get(name)]
    if report.get("timed_out"):
        notes.append("stopped at the deadline; the numbers cover what finished")
    if report.get("errors") and report.get("error_samples"):
        notes.append("errors: " + "; ".join(dict.fromkeys(report["error_samples"])))
    note = "; ".join(filter(None, notes))
    if note:
        row["note"] = note
    return row


def best_runs(runs: List[Dict]) -> List[Dict]:
    """One row per (group, server): the run with the most requests per second (other
    programs on the machine can only slow a run down), errors summed over all runs."""
    chosen: Dict[tuple, Dict] = {}
    for row in runs:
        key = (row["group"], row["name"])
        best = chosen.get(key)
        if best is None:
            chosen[key] = row
            continue
        errors = (best.get("errors") or 0) + (row.get("errors") or 0)
        notes = list(dict.fromkeys(n for n in (best.get("note"), row.get("note")) if n))
        if (row.get("req/s") or 0) > (best.get("req/s") or 0):
            best = chosen[key] = row
        if "errors" in best:
            best["errors"] = errors
        if notes:
            best["note"] = "; ".join(notes)
    return list(chosen.values())


def compare(rows: List[Dict], quick: bool) -> None:
    """Fill the "vs nginx" column and add the goal, and whether it is met, to labsuite's
    row (reported, not asserted)."""
    named = {row["name"]: row for row in rows if "req/s" in row}
    nginx = (named.get(NGINX) or {}).get("req/s")
    for row in named.values():
        if nginx and row.get("req/s") is not None:
            row[f"req/s vs {NGINX}"] = row["req/s"] / nginx
    labsuite, base = named.get("labsuite"), named.get(BASELINE)
    if not (labsuite and base):
        return
    ratio = (labsuite["req/s"] / base["req/s"]
             if labsuite.get("req/s") is not None and base.get("req/s") else None)
    errors = labsuite.get("errors") or 0
    checks = [(ratio is not None and ratio >= GOAL_RATIO,
               f"{ratio:.2f}x http.server" if ratio is not None else "no ratio"),
              (errors == 0, f"{errors} errors")]
    verdict = ("not judged (--quick)" if quick else "met" if all(ok for ok, _ in checks)
               else "NOT met")
    text = f"{GOAL}; here: {', '.join(t for _, t in checks)} -> {verdict}"
    labsuite["note"] = "; ".join(filter(None, [labsuite.get("note"), text]))


def choose(all_targets: List[Target], wanted: Optional[List[str]]) -> List[Target]:
    names = [target.name for target in all_targets]
    unknown = sorted(set(wanted or ()) - set(names))
    if unknown:
        raise ValueError(f"unknown server {', '.join(unknown)}; choose from {', '.join(names)}")
    return [target for target in all_targets if not wanted or target.name in wanted]


def run(args) -> List[Dict[str, object]]:
    """The bench entry point the runner calls: one row per server and scenario."""
    quick = getattr(args, "quick", False)
    sizes = QUICK if quick else FULL
    if getattr(args, "web_seconds", None):
        sizes = Sizes(**{**sizes.__dict__, "seconds": args.web_seconds})
    if getattr(args, "repeat", None):
        sizes = Sizes(**{**sizes.__dict__, "repeat": args.repeat})
    wanted_loadgen = getattr(args, "web_loadgen", None) or "auto"
    notes = ensure_tools(not getattr(args, "no_install", False))
    loadgen = "wrk" if wanted_loadgen in ("auto", "wrk") and find_tool("wrk") else "python"
    if wanted_loadgen != "python" and loadgen != "wrk":
        notes.append("wrk not found: the Python client stands in for it")
    cores = core_plan() if not getattr(args, "no_pin", False) else None
    soft, _hard = raise_open_file_limit()  # servers inherit it: each can hold every connection
    with tempfile.TemporaryDirectory(prefix="labsuite-web-bench-") as work:
        work_dir = Path(work)
        site = work_dir / "site"
        site.mkdir()
        (site / FILE_NAME).write_bytes(file_content())
        chosen = choose(targets(site, work_dir), getattr(args, "servers", None))
        runs = [measure(target, "throughput", sizes, loadgen, cores)
                for _ in range(sizes.repeat) for target in chosen]  # interleaved
        rows = best_runs(runs)
        rows += [measure(target, "hold", sizes, loadgen, cores) for target in chosen]
    compare(rows, quick)
    label = ("wrk -t1 -c%d -d%gs --latency" % (sizes.connections, sizes.seconds)
             if loadgen == "wrk" else "this file's asyncio client (checks every body)")
    setup = [("server pinned to core %d, load generator to core %d" % cores)
             if cores else "processes not pinned to cores",
             f"open-file limit {soft}" if soft > 0 else "",
             f"A: load generator {label}",
             (f"A: best of {sizes.repeat} runs per server, servers interleaved, errors summed"
              if sizes.repeat > 1 else ""),
             "a fresh server process per run; srv us/req = server CPU time per request; "
             "load cpu % = the load generator's CPU over the run (near 100: it, not the "
             "server, set the pace); listen drops = connections the kernel dropped at a full "
             "listen queue during the run (whole machine)",
             *notes]
    for row in rows:
        row["setup"] = "; ".join(filter(None, setup))
        row["_loadgen"] = loadgen
    return rows


def add_arguments(parser) -> None:
    """Options only this bench understands (the same as the other benches', where shared)."""
    for option, kwargs in (
            ("--servers", dict(nargs="+", metavar="NAME",
                               help="only these servers (default: all)")),
            ("--no-pin", dict(action="store_true", help="do not pin processes to cores")),
            ("--repeat", dict(type=int, metavar="N",
                              help="runs per server, best kept (default 2, 1 with --quick)")),
            ("--web-loadgen", dict(choices=("auto", "wrk", "python"), default="auto",
                                   help="web: wrk when installed (auto), or force one")),
            ("--web-seconds", dict(type=float, metavar="S",
                                   help="web: seconds per throughput run (default 5, 2 with "
                                        "--quick)")),
            ("--no-install", dict(action="store_true",
                                  help="web: never apt-get install wrk or nginx"))):
        try:
            parser.add_argument(option, **kwargs)
        except argparse.ArgumentError:  # another bench already added it (same meaning)
            pass


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        sys.exit(generate(sys.argv[2:]))
    from run import standalone

    sys.exit(standalone(sys.modules[__name__], "web"))
