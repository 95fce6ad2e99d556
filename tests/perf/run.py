#!/usr/bin/env python3
"""Run labsuite's benchmarks and print one plain-text table each.

    python tests/perf/run.py [NAME ...] [--quick] [--json FILE]

NAME is the part after ``bench_`` of a ``tests/perf/bench_NAME.py`` module; with no NAME
every benchmark runs. ``--quick`` uses tiny counts (the smoke test and CI use it); the
numbers it prints only show that everything works, not how fast.

The interface a benchmark module implements (every one is also a script on its own,
ending with ``from run import standalone; sys.exit(standalone(sys.modules[__name__], NAME))``):

* ``run(args) -> list[dict]``: one dict per table row. ``args`` is an argparse
  Namespace with at least ``quick`` (bool). Keys of a row:
  ``name`` (first column: what was measured, e.g. "labsuite selector" or "asyncio"),
  ``group`` (optional: rows with the same group share a table, e.g. one per scenario),
  ``note`` (optional: printed under the table), ``setup`` (optional: printed once under
  the benchmark), keys starting with ``_`` (JSON only); every other key is a column,
  in the order first seen, its value a number, a string or None.
* optional ``TITLE`` (str), ``BASELINE`` (the ``name`` of the peer row to compare with)
  and ``RATIOS`` (column keys): for each, a "KEY vs BASELINE" column = row / baseline.
* optional ``add_arguments(parser)`` for options only that benchmark understands.

The exit status is 1 when a benchmark raised or any row reports mismatches or errors.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

# Benchmarks talk to loopback only: no server or window they start announces itself or
# looks for others on the network (multicast DNS), whatever address it is bound to.
os.environ["LABSUITE_NO_ANNOUNCE"] = "1"

HERE = Path(__file__).resolve().parent
SPECIAL = ("name", "group", "note", "setup")
FAILURE_KEYS = ("mismatches", "errors")


def available() -> List[str]:
    return sorted(path.stem[len("bench_"):] for path in HERE.glob("bench_*.py"))


def load(name: str):
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return importlib.import_module(f"bench_{name}")


def loadable(names: List[str]) -> list:
    """The modules that import; the others fail later, in their own table."""
    modules = []
    for name in names:
        try:
            modules.append(load(name))
        except Exception:
            pass
    return modules


def machine() -> Dict[str, object]:
    return {
        "cores": os.cpu_count(),
        "usable cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": platform.machine(), "system": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
    }


def machine_line(info: Dict[str, object]) -> str:
    return (f"machine: {info['cores']} cores ({info['cpu']}), {info['system']}; "
            f"Python {info['python']}")


# -- tables ----------------------------------------------------------------------------
def add_ratios(rows: List[Dict], baseline: Optional[str], metrics: Sequence[str]) -> None:
    """Give every row "KEY vs BASELINE" = its KEY / the baseline row's, per group."""
    if not baseline:
        return
    for group in groups(rows).values():
        base = next((row for row in group if row_name(row) == baseline), None)
        for metric in metrics:
            reference = base.get(metric) if base else None
            if not isinstance(reference, (int, float)) or not reference:
                continue
            for row in group:
                value = row.get(metric)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    row[f"{metric} vs {baseline}"] = value / reference


def row_name(row: Dict) -> str:
    return str(row.get("name") or row.get("peer") or row.get("server") or "?")


def groups(rows: Iterable[Dict]) -> Dict[str, List[Dict]]:
    found: Dict[str, List[Dict]] = {}
    for row in rows:
        found.setdefault(str(row.get("group", "")), []).append(row)
    return found


def columns(rows: Iterable[Dict]) -> List[str]:
    """Every column key, in the order of the fullest row (failed rows are often partial)."""
    seen: Dict[str, None] = {}
    for row in sorted(rows, key=len, reverse=True):
        for key in row:
            if key not in SPECIAL and key not in ("peer", "server") and not key.startswith("_"):
                seen.setdefault(key, None)
    return list(seen)


def cell(key: str, value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if " vs " in key:
            return f"{value:.2f}x"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)


def table(rows: List[Dict]) -> List[str]:
    keys = columns(rows)
    header = ["name"] + keys
    body = [[row_name(row)] + [cell(key, row.get(key)) for key in keys] for row in rows]
    widths = [max(len(line[i]) for line in [header] + body) for i in range(len(header))]

    def line(cells: List[str]) -> str:
        return "  ".join(text.ljust(widths[0]) if i == 0 else text.rjust(widths[i])
                         for i, text in enumerate(cells)).rstrip()

    return [line(header)] + [line(cells) for cells in body]


def report(name: str, module, rows: List[Dict], seconds: float) -> List[str]:
    title = getattr(module, "TITLE", "")
    lines = [f"== {name}{': ' + title if title else ''} ({seconds:.1f} s) =="]
    for group, members in groups(rows).items():
        if group:
            lines.append(f"-- {group}")
        lines.extend(table(members))
        lines.extend(f"   note, {row_name(row)}: {row['note']}" for row in members if row.get("note"))
        lines.append("")
    for setup in dict.fromkeys(str(row["setup"]) for row in rows if row.get("setup")):
        lines.append(f"setup: {setup}")
    return lines


def failed(rows: Iterable[Dict]) -> bool:
    """Did anything go wrong that should fail the run? A peer's own failures (the paper's
    chat server losing messages, http.server timing out) are findings, not failures."""
    return any(isinstance(row.get(key), (int, float)) and row.get(key)
               for row in rows if not row.get("_failures_expected") for key in FAILURE_KEYS)


# -- running ---------------------------------------------------------------------------
def run_benchmarks(names: List[str], args, out=None) -> Tuple[int, Dict[str, object]]:
    """Run, print and (with ``args.json``) save; return (exit status, results by name)."""
    out = out or sys.stdout
    info = machine()
    print(machine_line(info), file=out, flush=True)
    results: Dict[str, object] = {}
    status = 0
    for name in names:
        began = time.monotonic()
        try:
            module = load(name)
            rows = module.run(args)
        except Exception:
            print(f"== {name}: FAILED ==\n{traceback.format_exc()}", file=out, flush=True)
            results[name] = {"error": traceback.format_exc()}
            status = 1
            continue
        seconds = time.monotonic() - began
        add_ratios(rows, getattr(module, "BASELINE", None), getattr(module, "RATIOS", ()))
        print("\n".join(report(name, module, rows, seconds)), file=out, flush=True)
        results[name] = {"title": getattr(module, "TITLE", ""), "seconds": seconds,
                         "baseline": getattr(module, "BASELINE", None), "rows": rows}
        status = status or int(failed(rows))
    if getattr(args, "json", None):
        payload = {"machine": info, "quick": bool(getattr(args, "quick", False)),
                   "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "benchmarks": results}
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"wrote {args.json}", file=out)
    return status, results


def parser_for(modules) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts: checks, not speed")
    parser.add_argument("--json", metavar="FILE", help="also write every row to FILE")
    for module in modules:
        adder = getattr(module, "add_arguments", None)
        if adder:
            try:
                adder(parser)
            except argparse.ArgumentError:  # two benchmarks share an option: keep the first
                pass
    return parser


def standalone(module, name: str, argv: Optional[List[str]] = None) -> int:
    """What a benchmark module runs under ``if __name__ == "__main__"``."""
    args = parser_for([module]).parse_args(argv)
    return run_benchmarks([name], args)[0]


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    known = available()
    names = [word for word in argv if not word.startswith("-") and word in known]
    unknown = [word for word in argv if not word.startswith("-") and word not in known]
    parser = parser_for(loadable(names or known))
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks: {', '.join(known)}")
    args = parser.parse_args(argv)
    if unknown and set(unknown) & set(args.names):
        parser.error(f"no benchmark named {', '.join(unknown)}; choose from {', '.join(known)}")
    return run_benchmarks(names or known, args)[0]


if __name__ == "__main__":
    sys.exit(main())
