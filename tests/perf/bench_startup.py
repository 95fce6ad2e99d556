#!/usr/bin/env python3
"""Startup benchmark: how long until labsuite's window is on screen, against a bare
Tk window measured in the same run.

Each launch is a fresh process under the current DISPLAY (a private Xvfb when there is
none). The clock starts just before the process is created and stops when the process
says its window is mapped and drawn: labsuite prints "mapped" when LABSUITE_REPORT_MAPPED
is set (on the first <Map> of its main window, once Tk is idle again, so the first
drawing is done), and the bare peer does exactly the same. For labsuite the window is
also looked for with xdotool (when installed), then the process gets SIGTERM and must
close cleanly (exit status 0); the time that takes is reported as well. Median of N
launches, alternating the two programs. Standalone:
``python tests/perf/bench_startup.py [--quick]``.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYTHON = sys.executable

TITLE = "process start until the window is mapped and drawn"
BASELINE = "bare tkinter"
RATIOS = ("median ms",)

REPEATS, QUICK_REPEATS = 5, 2
LAUNCH_SECONDS = 30.0
EXIT_SECONDS = 5.0

BARE_WINDOW = """
import tkinter
root = tkinter.Tk()
root.title("bare")
root.geometry("1000x700")
def on_map(event):
    if event.widget is root and not getattr(root, "reported", False):
        root.reported = True
        root.after_idle(lambda: print("mapped", flush=True))
root.bind("<Map>", on_map)
root.mainloop()
"""


def add_arguments(parser) -> None:
    parser.add_argument("--startup-repeats", type=int, default=None,
                        help=f"launches per program (default {REPEATS}, quick {QUICK_REPEATS})")


def labsuite_command() -> List[str]:
    """``python -m labsuite`` once the command line exists, else the window directly."""
    if (ROOT / "labsuite" / "cli.py").exists():
        return [PYTHON, "-m", "labsuite"]
    return [PYTHON, "-c", "import sys; from labsuite.gui.app import run_app; sys.exit(run_app())"]


def run(args) -> List[Dict]:
    repeats = getattr(args, "startup_repeats", None) or (QUICK_REPEATS if args.quick else REPEATS)
    programs = {"labsuite": labsuite_command(), "bare tkinter": [PYTHON, "-c", BARE_WINDOW]}
    launches: Dict[str, List[Dict]] = {name: [] for name in programs}
    with display(), tempfile.TemporaryDirectory(prefix="labsuite-bench-") as config:
        environment = dict(os.environ, LABSUITE_REPORT_MAPPED="1", LABSUITE_CONFIG_DIR=config,
                           PYTHONPATH=os.pathsep.join(
                               filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        for _ in range(repeats):
            for name, command in programs.items():
                launches[name].append(launch(command, environment, polite=name == "labsuite"))
    return [summarise(name, results, repeats) for name, results in launches.items()]


def display():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.gui.xvfb import Display
    return Display()


def launch(command: List[str], environment: Dict[str, str], polite: bool) -> Dict:
    """Start, wait for "mapped", check the window, then close it; times in seconds."""
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    result: Dict = {}
    try:
        line = read_line(process, LAUNCH_SECONDS)
        if not line.startswith(b"mapped"):
            result["error"] = (process.stderr.read().decode(errors="replace").strip()
                               .splitlines() or ["no 'mapped' line"])[-1] if process.poll() \
                is not None else "no 'mapped' line in time"
            return result
        result["mapped"] = time.perf_counter() - began
        if polite:
            result["visible"] = window_visible("labsuite")
            closing = time.perf_counter()
            process.send_signal(signal.SIGTERM)
            try:
                result["status"] = process.wait(EXIT_SECONDS)
                result["exit"] = time.perf_counter() - closing
            except subprocess.TimeoutExpired:
                result["status"] = None
        return result
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()


def read_line(process: subprocess.Popen, seconds: float) -> bytes:
    """The first stdout line that says "mapped" (others, if any, are skipped)."""
    deadline = time.monotonic() + seconds
    buffer = b""
    stream = process.stdout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            break
        buffer += chunk
        for line in buffer.split(b"\n")[:-1]:
            if line.startswith(b"mapped"):
                return line
    return b""


def window_visible(title: str) -> Optional[bool]:
    tool = shutil.which("xdotool")
    if tool is None:
        return None
    found = subprocess.run([tool, "search", "--onlyvisible", "--name", f"^{title}$"],
                           capture_output=True, text=True, timeout=10)
    return found.returncode == 0 and bool(found.stdout.strip())


def summarise(name: str, results: List[Dict], repeats: int) -> Dict:
    mapped = [r["mapped"] * 1000 for r in results if "mapped" in r]
    errors = [r["error"] for r in results if "error" in r]
    row: Dict = {"name": name,
                 "median ms": statistics.median(mapped) if mapped else None,
                 "min ms": min(mapped) if mapped else None,
                 "max ms": max(mapped) if mapped else None,
                 "launches": f"{len(mapped)}/{repeats}"}
    polite = [r for r in results if "status" in r]
    if polite:
        exits = [r["exit"] * 1000 for r in polite if r.get("exit") is not None]
        row["exit ms"] = statistics.median(exits) if exits else None
        row["clean exits"] = f"{sum(r['status'] == 0 for r in polite)}/{len(polite)}"
        visible = [r.get("visible") for r in polite]
        row["visible"] = None if None in visible else all(visible)
        row["errors"] = len(errors) + sum(r["status"] != 0 for r in polite)
    else:
        row.update({"exit ms": None, "clean exits": None, "visible": None, "errors": len(errors)})
    if errors:
        row["note"] = errors[0]
    return row


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from run import standalone
    sys.exit(standalone(sys.modules[__name__], "startup"))
