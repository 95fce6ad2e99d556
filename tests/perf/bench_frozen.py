#!/usr/bin/env python3
"""Frozen-program benchmark: size and start-up of the one-file and one-folder builds,
against running from source, to choose which form to ship.

Both forms are built with ``build/build.py`` (into build/work/bench/, which git ignores;
``--reuse-builds`` keeps earlier ones), then each program is launched N times in turn,
measured exactly as ``bench_startup`` does: the clock runs from process creation until
its window is mapped, seen from outside (a second X connection waits for it); then
SIGTERM must close it cleanly. "size MB" is what a lab copies: the one file, or the
whole folder. Standalone: ``python tests/perf/bench_frozen.py [--quick] [--reuse-builds]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from bench_startup import LABSUITE_WINDOW, PYTHON, display, launch, summarise  # noqa: E402

TITLE = "standalone program: size, and process start until the window is mapped"
BASELINE = "from source"
RATIOS = ("median ms",)

REPEATS, QUICK_REPEATS = 5, 2
BENCH_DIR = ROOT / "build" / "work" / "bench"
BUILD_SECONDS = 600
FORMS = {"frozen one-file": "onefile", "frozen one-folder": "onedir"}


def add_arguments(parser) -> None:
    parser.add_argument("--reuse-builds", action="store_true",
                        help="frozen: use the programs already in build/work/bench if there")
    parser.add_argument("--frozen-repeats", type=int, default=None,
                        help=f"frozen: launches per program (default {REPEATS}, quick "
                             f"{QUICK_REPEATS})")


def run(args) -> List[Dict]:
    repeats = getattr(args, "frozen_repeats", None) or (QUICK_REPEATS if args.quick else REPEATS)
    sys.path.insert(0, str(ROOT / "build"))
    import build as builder  # build/build.py

    programs = {"from source": [PYTHON, "-m", "labsuite"]}
    facts: Dict[str, Dict] = {"from source": {"size MB": None, "files": None, "build s": None}}
    for name, mode in FORMS.items():
        dist = BENCH_DIR / mode / "dist"
        program = builder.built_program(dist, onefile=mode == "onefile")
        seconds = None
        if not (getattr(args, "reuse_builds", False) and program.is_file()):
            seconds = build(mode, dist)
        programs[name] = [str(program)]
        facts[name] = {**measure_size(dist, mode, program), "build s": seconds}

    launches: Dict[str, List[Dict]] = {name: [] for name in programs}
    with display(), tempfile.TemporaryDirectory(prefix="labsuite-bench-") as config:
        # (launch() runs everything in the repository root: there `-m labsuite` is the source)
        settings = {"LABSUITE_CONFIG_DIR": config}
        environment = {**os.environ, **settings}
        # from source as installed: compiled once (as pip does), not at every launch
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        for command in programs.values():  # untimed: writes the .pyc files
            launch(command, environment, LABSUITE_WINDOW, polite=True)
        for _round in range(repeats):  # alternate, so a busy moment hits every program
            for name, command in programs.items():
                launches[name].append(launch(command, environment, LABSUITE_WINDOW,
                                             polite=True))
    rows = []
    for name, results in launches.items():
        row = {"name": name, **facts[name], **summarise(name, results, repeats)}
        row["setup"] = (f"{repeats} launches each, alternating; sizes as copied to a lab "
                        "(the one file, or the whole folder)")
        rows.append(row)
    return rows


def build(mode: str, dist: Path) -> float:
    began = time.monotonic()
    command = [PYTHON, str(ROOT / "build" / "build.py"), "--dist", str(dist),
               "--work", str(dist.parent / "work")] + (["--onedir"] if mode == "onedir" else [])
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          timeout=BUILD_SECONDS)
    if done.returncode != 0:
        raise RuntimeError(f"build.py {mode} failed:\n{done.stdout}{done.stderr}")
    return time.monotonic() - began


def measure_size(dist: Path, mode: str, program: Path) -> Dict:
    if mode == "onefile" and program.parent == dist:
        return {"size MB": program.stat().st_size / 1e6, "files": 1}
    folder = dist / ("labsuite.app" if sys.platform == "darwin" else "labsuite")
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]
    return {"size MB": sum(path.stat().st_size for path in files) / 1e6, "files": len(files)}


if __name__ == "__main__":
    from run import standalone
    sys.exit(standalone(sys.modules[__name__], "frozen"))
