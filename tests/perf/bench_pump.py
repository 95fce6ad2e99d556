#!/usr/bin/env python3
"""Event pump benchmark: a flood of events into a real window, two designs in one run.

A worker thread sends 10,000 events per second for 5 seconds (the read/write lines a busy
echo server produces) into a window showing a log, as the Echo tab does:

* ``labsuite pump``: labsuite's EventPump and LogView: one ``after()`` tick every 40 ms
  takes a bounded batch and inserts it with one Tk call.
* ``insert per event``: the naive design: every 40 ms drain the whole queue and insert
  each event into the Text on its own (and scroll to it), trimming to the same 5,000
  lines so only the insert strategy differs.

Each design runs in its own fresh process (so memory figures do not mix) under the
current DISPLAY (a private Xvfb when there is none). Both are measured from outside the
pump, with the same probes: a do-nothing callback the Tk loop runs every millisecond
(``after(1)``) times the gaps between Tk ticks, i.e. how long the window could not
redraw or react; the handler counts the events it was given, and the pump's
"… N lines skipped" notes, which arrive among them. Reported: the longest and the 99th
percentile gap between ticks, the events per second the window took in, how long it
needed after the flood ended to show everything ("catch-up"), and the process's
resident memory before and after. Standalone: ``python tests/perf/bench_pump.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

TITLE = "a flood of 10,000 events/s into a real window, two pump designs"
BASELINE = "insert per event"
RATIOS = ("events/s",)

RATE = 10_000
SECONDS, QUICK_SECONDS = 5.0, 1.0
#: After the flood, how long a design may take to catch up before it is cut off.
CATCH_UP_SECONDS = 20.0
LOG_LINES = 5000
INTERVAL_MS = 40
#: A do-nothing callback this often measures how long the window could not run anything.
PROBE_MS = 1
FLOOD_SOURCE = "echo server"
#: The pump's note on lines it skipped under a flood (labsuite.gui.pump).
SKIPPED_NOTE = re.compile(r"^… (\d+) lines skipped")
DESIGNS = ("labsuite pump", "insert per event")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pump-seconds", type=float, default=None,
                        help=f"how long the flood lasts (default {SECONDS:g} s, quick "
                             f"{QUICK_SECONDS:g} s)")


def run(args) -> List[Dict]:
    seconds = getattr(args, "pump_seconds", None) or (QUICK_SECONDS if args.quick else SECONDS)
    with display():
        rows = [measure_in_child(design, seconds) for design in DESIGNS]
    for row in rows:
        row["setup"] = (f"{RATE:,} events/s for {seconds:g} s from one thread; tick every "
                        f"{INTERVAL_MS} ms; log of {LOG_LINES:,} lines; one process per design; "
                        "the naive peer inserts, trims and scrolls once per event")
    return rows


def display():
    """The caller's DISPLAY, or a private Xvfb for the length of the benchmark."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.gui.xvfb import Display
    return Display()


def measure_in_child(design: str, seconds: float) -> Dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", design,
               "--pump-seconds", str(seconds)]
    limit = seconds + CATCH_UP_SECONDS + 30
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=limit,
                                  cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"name": design, "errors": 1, "note": f"no answer within {limit:g} s"}
    lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
    if finished.returncode != 0 or not lines:
        tail = (finished.stderr or finished.stdout).strip().splitlines()[-3:]
        return {"name": design, "errors": 1, "note": " | ".join(tail) or "no output"}
    return json.loads(lines[-1])


# -- the child process ---------------------------------------------------------------------

def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # peak, not current, where /proc is missing
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def flood(post, seconds: float, done: threading.Event, finished: List[float]) -> None:
    """RATE events per second in bursts of 100, on schedule, like a busy server."""
    from labsuite.net.events import Event, Kind
    total = int(RATE * seconds)
    began = time.monotonic()
    peer = ("127.0.0.1", 50252)
    for n in range(total):
        kind = Kind.READ if n % 2 else Kind.WROTE
        verb = "Read" if kind is Kind.READ else "Wrote"
        post(Event(kind, FLOOD_SOURCE, f"{verb} 16 bytes from 127.0.0.1:50252: Hello, COS 333.",
                   peer=peer, conn=1 + n % 50, size=16))
        if n % 100 == 99:
            delay = began + (n + 1) / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    finished.append(time.perf_counter())
    done.set()


class Tally:
    """What reached the window, counted by the handler from the events it was given."""

    def __init__(self):
        self.shown = 0  # flood events handed to the display
        self.skipped = 0  # flood events the pump left out, from its notes

    def count(self, events) -> None:
        for event in events:
            if event.source == FLOOD_SOURCE:
                self.shown += 1
            else:
                note = SKIPPED_NOTE.match(event.text or "")
                if note:
                    self.skipped += int(note[1])

    @property
    def handled(self) -> int:
        return self.shown + self.skipped


class NaivePump:
    """Drain everything every tick and insert each event separately."""

    def __init__(self, root, text, tally: Tally):
        self.root, self.text, self.tally = root, text, tally
        self.queue: "queue.SimpleQueue" = queue.SimpleQueue()

    def post(self, event) -> None:
        self.queue.put(event)

    def start(self) -> None:
        self.root.after(INTERVAL_MS, self.tick)

    def tick(self) -> None:
        from labsuite.gui.widgets.logview import stamp
        while True:
            try:
                event = self.queue.get_nowait()
            except queue.Empty:
                break
            self.text.insert("end", f"{stamp(event.time)}  [{event.source}] {event.text}\n")
            lines = int(self.text.index("end-1c").split(".")[0]) - 1
            if lines > LOG_LINES:
                self.text.delete("1.0", "2.0")
            self.text.see("end")
            self.tally.count([event])
        self.root.after(INTERVAL_MS, self.tick)


def worker(design: str, seconds: float) -> Dict:
    import tkinter as tk

    from labsuite.gui.widgets.logview import LogView
    from labsuite.gui.pump import EventPump

    root = tk.Tk()
    root.title(f"bench {design}")
    root.geometry("900x500")
    tally = Tally()
    if design == "labsuite pump":
        log = LogView(root, max_lines=LOG_LINES)
        log.pack(fill="both", expand=True)
        pump = EventPump(root, interval_ms=INTERVAL_MS)

        def show(events):
            tally.count(events)
            log.append_events(events)

        post = pump.subscribe(show).on_event
    else:
        text = tk.Text(root, wrap="none", font="TkFixedFont")
        text.pack(fill="both", expand=True)
        pump = NaivePump(root, text, tally)
        post = pump.post
    for _ in range(20):  # map and draw the window before measuring
        root.update()
        time.sleep(0.01)
    before = rss_mb()
    done = threading.Event()
    finished: List[float] = []
    producer = threading.Thread(target=flood, args=(post, seconds, done, finished), daemon=True)
    outcome: Dict = {}
    ticks: List[float] = []
    total = int(RATE * seconds)

    def probe():  # any callback the window runs; the gaps between runs are Tk's ticks
        ticks.append(time.perf_counter())
        root.after(PROBE_MS, probe)

    def watch():
        elapsed = time.perf_counter() - began
        caught_up = done.is_set() and tally.handled >= total
        if caught_up or elapsed > seconds + CATCH_UP_SECONDS:
            outcome["elapsed"] = elapsed
            root.quit()
        else:
            root.after(20, watch)

    pump.start()
    began = time.perf_counter()
    producer.start()
    root.after(20, watch)
    root.after(PROBE_MS, probe)
    root.mainloop()
    ended = time.perf_counter()
    root.update()
    after = rss_mb()
    # the last gap is still open: close it now (a design stuck in one long tick would
    # otherwise report no gap at all)
    gaps = sorted(later - earlier for earlier, later in zip(ticks, ticks[1:] + [ended]))
    row = {
        "name": design,
        "longest gap ms": gaps[-1] * 1000 if gaps else None,
        "p99 gap ms": gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))] * 1000 if gaps else None,
        "events/s": tally.handled / outcome["elapsed"],
        "catch-up s": began + outcome["elapsed"] - finished[0] if finished else None,
        "skipped": tally.skipped,
        "RSS before MB": before,
        "RSS after MB": after,
        "_ticks": len(gaps),
        "_sent": total,
        "_handled": tally.handled,
    }
    if tally.handled < total:
        row["note"] = f"cut off with {total - tally.handled:,} events not yet shown"
    root.destroy()
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=DESIGNS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json")
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.worker:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        seconds = args.pump_seconds or SECONDS
        print(json.dumps(worker(args.worker, seconds)), flush=True)
        return 0
    sys.path.insert(0, str(HERE))
    from run import standalone
    return standalone(sys.modules[__name__], "pump", [a for a in (argv or sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
