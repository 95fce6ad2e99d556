#!/usr/bin/env python3
"""Startup benchmark: how long until labsuite's window is on screen, against a bare
Tk window measured in the same run.

Each launch is a fresh process under the current DISPLAY (a private Xvfb when there is
none). The clock starts just before the process is created and stops when its main
window is mapped (viewable), seen from outside: a second X connection
(``tests/gui/xwindows.py``) waits for a new window with the program's WM_CLASS, so the
programs measured carry no benchmark code at all. Then labsuite gets SIGTERM and must
close cleanly (exit status 0); the time that takes is reported as well. Median of N
launches, alternating the two programs. Linux (X11) only. Standalone:
``python tests/perf/bench_startup.py [--quick]``.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYTHON = sys.executable
if str(ROOT) not in sys.path:  # for tests.gui's display helpers
    sys.path.insert(0, str(ROOT))

TITLE = "process start until the window is mapped, seen from outside"
BASELINE = "bare tkinter"
RATIOS = ("median ms",)

REPEATS, QUICK_REPEATS = 5, 2
LAUNCH_SECONDS = 30.0
EXIT_SECONDS = 5.0

#: The WM_CLASS each program's main window has (Tk's className).
LABSUITE_WINDOW = "labsuite"
BARE_PEER_WINDOW = "barepeer"
BARE_WINDOW = f"""
import tkinter
root = tkinter.Tk(className={BARE_PEER_WINDOW!r})
root.title("bare")
root.geometry("1000x700")
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
    programs = {"labsuite": (labsuite_command(), LABSUITE_WINDOW),
                "bare tkinter": ([PYTHON, "-c", BARE_WINDOW], BARE_PEER_WINDOW)}
    launches: Dict[str, List[Dict]] = {name: [] for name in programs}
    with display(), tempfile.TemporaryDirectory(prefix="labsuite-bench-") as config:
        environment = dict(os.environ, LABSUITE_CONFIG_DIR=config,
                           PYTHONPATH=os.pathsep.join(
                               filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        # as installed: pip compiles the modules once, so a launch does not compile them
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        for name, (command, window) in programs.items():  # untimed: writes the .pyc files
            launch(command, environment, window, polite=name == "labsuite")
        for _ in range(repeats):
            for name, (command, window) in programs.items():
                launches[name].append(launch(command, environment, window,
                                             polite=name == "labsuite"))
    return [summarise(name, results, repeats) for name, results in launches.items()]


def display():
    from tests.gui.xvfb import Display
    return Display()


def launch(command: List[str], environment: Dict[str, str], window: str,
           polite: bool) -> Dict:
    """Start, wait for a ``window``-class window to be mapped, then close the program
    (politely: SIGTERM, which must end it with status 0); times in seconds."""
    from tests.gui.xwindows import WindowWatch, XUnavailable

    try:
        watch = WindowWatch(window)
    except XUnavailable as exc:
        return {"error": f"cannot watch for the window: {exc}"}
    result: Dict = {}
    with watch, tempfile.TemporaryFile() as errors:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=environment,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        try:
            mapped = watch.wait(LAUNCH_SECONDS, alive=lambda: process.poll() is None)
            if mapped is None:
                result["error"] = last_line(errors) if process.poll() is not None \
                    else f"no window within {LAUNCH_SECONDS:g} s"
                return result
            result["mapped"] = mapped - began
            if polite:
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


def last_line(stream) -> str:
    """The last line a program that ended early wrote to ``stream`` (its stderr)."""
    stream.seek(0)
    lines = stream.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "it ended without opening a window"


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
        row["errors"] = len(errors) + sum(r["status"] != 0 for r in polite)
    else:
        row.update({"exit ms": None, "clean exits": None, "errors": len(errors)})
    if errors:
        row["note"] = errors[0]
    return row


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from run import standalone
    sys.exit(standalone(sys.modules[__name__], "startup"))
