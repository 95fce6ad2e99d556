"""The event pump under a flood, and the shared widgets on their own."""

from __future__ import annotations

import re
import threading
import time
import tkinter as tk

import pytest

from labsuite.gui.widgets.connections import ConnectionTable
from labsuite.gui.widgets.fields import HostPortField, parse_port
from labsuite.gui.widgets.logview import LogView
from labsuite.gui.pump import EventPump
from labsuite.net.events import Event, Kind

from .conftest import wait_until

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def root():
    window = tk.Tk()
    window.geometry("600x400")
    yield window
    window.destroy()


def read_event(n: int, conn: int = 1, size: int = 10) -> Event:
    return Event(Kind.READ, "test", f"Read {size} bytes, line {n}", conn=conn, size=size)


class TickProbe:
    """A do-nothing callback Tk runs every millisecond: the gaps between its runs are how
    long the window could not react (measured from outside the pump)."""

    def __init__(self, root):
        self.root = root
        self.ticks = []
        self._after = root.after(1, self._tick)

    def _tick(self):
        self.ticks.append(time.perf_counter())
        self._after = self.root.after(1, self._tick)

    def stop(self) -> None:
        self.root.after_cancel(self._after)

    def longest_gap(self) -> float:
        return max((b - a for a, b in zip(self.ticks, self.ticks[1:])), default=0.0)


def test_a_flood_keeps_the_window_ticking_and_the_log_bounded(root):
    pump = EventPump(root)
    log = LogView(root, max_lines=5000)
    log.pack(fill="both", expand=True)
    results = []

    def handler(events):
        if not done.is_set():
            deliveries_during_flood.append(len(events))
        log.append_events(events)
        results.extend(event for event in events if event.kind is Kind.RESULT)

    on_event = pump.subscribe(handler).on_event
    pump.start()
    done = threading.Event()
    deliveries_during_flood = []
    probe = TickProbe(root)

    def flood():  # 10,000 events in about one second, every 100th a RESULT
        began = time.monotonic()
        for n in range(10_000):
            kind = Kind.RESULT if n % 100 == 99 else Kind.READ
            on_event(Event(kind, "flood", f"event {n}", conn=1, size=10))
            if n % 500 == 499:
                time.sleep(max(0.0, began + (n + 1) / 10_000 - time.monotonic()))
        done.set()

    worker = threading.Thread(target=flood, daemon=True)
    worker.start()
    while not done.is_set():
        root.update()
        time.sleep(0.002)
    wait_until(root, lambda: len(results) == 100 and pump.backlog == 0, timeout=10)
    worker.join(5)
    pump.stop()
    probe.stop()

    assert len(deliveries_during_flood) >= 2  # the pump kept ticking while the flood went on
    assert log.line_count() <= 5000
    assert [event.text for event in results] == [f"event {n}" for n in range(99, 10_000, 100)]
    print(f"longest gap between Tk ticks: {probe.longest_gap() * 1000:.1f} ms")


def test_a_backlog_skips_lines_but_keeps_results_and_byte_counts(root):
    pump = EventPump(root, backlog_limit=50)
    batches = []
    on_event = pump.subscribe(batches.append).on_event
    pump.start()
    for n in range(1000):
        on_event(read_event(n, conn=7))
        if n % 100 == 0:
            on_event(Event(Kind.RESULT, "test", f"result {n}"))
    assert pump.backlog < 100  # bounded, though nothing drained yet
    while pump.drain():
        pass
    events = [event for batch in batches for event in batch]
    results = [event.text for event in events if event.kind is Kind.RESULT]
    assert results == [f"result {n}" for n in range(0, 1000, 100)]
    notes = [event.text for event in events if "lines skipped" in event.text]
    assert len(notes) == 1
    skipped = int(re.match(r"… (\d+) lines skipped", notes[0])[1])
    shown = [event for event in events if event.kind is Kind.READ and event.text]
    assert skipped > 0 and skipped + len(shown) == 1000  # every line shown or counted
    assert sum(event.size for event in events if event.kind is Kind.READ) == 1000 * 10
    pump.stop()


def test_handlers_get_one_batch_per_tick_and_errors_do_not_stop_the_pump(root, capsys):
    pump = EventPump(root)
    batches = []

    def broken(events):
        raise RuntimeError("display bug")

    on_event = pump.subscribe(batches.append).on_event
    on_broken = pump.subscribe(broken).on_event
    pump.start()
    for n in range(5):
        on_broken(read_event(n))
        on_event(read_event(n))
    wait_until(root, lambda: batches)
    assert len(batches) == 1 and len(batches[0]) == 5
    assert "display bug" in capsys.readouterr().err
    finished = []
    pump.in_background(lambda: threading.current_thread().name,
                       lambda result, error: finished.append((result, error,
                                                              threading.current_thread())),
                       name="helper")
    wait_until(root, lambda: finished)
    assert finished[0][:2] == ("helper", None)
    assert finished[0][2] is threading.main_thread()
    pump.stop()
    on_event(read_event(99))  # after stop: quietly dropped
    assert pump.backlog == 0


def test_log_is_bounded_read_only_and_marks_errors(root, tmp_path):
    log = LogView(root, max_lines=100)
    log.pack(fill="both", expand=True)
    log.append_events([read_event(n) for n in range(250)])
    log.append_events([Event(Kind.ERROR, "test", "Port 9000 is already in use")])
    assert log.line_count() == 100
    text = log.content()
    assert "line 0," not in text and text.rstrip().endswith("Port 9000 is already in use")
    assert str(log.text.cget("state")) == "disabled"
    last = log.text.index("end-2l linestart")
    assert "error" in log.text.tag_names(f"{last} lineend -2c")
    root.update()
    assert log.text.yview()[1] == 1.0  # following the end

    path = tmp_path / "log.txt"
    log.save_to(str(path))
    assert path.read_text().count("\n") == 100 and "already in use" in path.read_text()
    log.clear_button.invoke()
    assert log.line_count() == 0


def test_log_stops_following_when_scrolled_up(root):
    log = LogView(root, height=5)
    log.pack(fill="both", expand=True)
    log.append_events([read_event(n) for n in range(200)])
    root.update()
    log._scrollbar_moved("moveto", "0")
    assert not log.following
    log.append_events([read_event(n) for n in range(200, 210)])
    root.update()
    assert log.text.yview()[0] == 0.0
    log._scrollbar_moved("moveto", "1")
    assert log.following


def test_connection_table_follows_events(root):
    table = ConnectionTable(root)
    peer = ("127.0.0.1", 50000)
    table.apply([Event(Kind.ACCEPTED, "s", "a", peer=peer, conn=1),
                 Event(Kind.ACCEPTED, "s", "a", peer=("::1", 50001), conn=2),
                 Event(Kind.READ, "s", "r", conn=1, size=5),
                 Event(Kind.WROTE, "s", "w", conn=1, size=3),
                 Event(Kind.READ, "s", "r", conn=None, size=99)])  # UDP: no row
    rows = table.values()
    assert rows[1][1:4] == ("127.0.0.1:50000", "5", "3")
    assert rows[2][1] == "[::1]:50001"
    table.apply([Event(Kind.CLOSED, "s", "c", conn=1)])
    assert list(table.values()) == [2]
    table.apply([Event(Kind.STOPPED, "s", "Stopped")])
    assert table.values() == {}


@pytest.mark.parametrize("text", ["", "0", "65536", "-1", "80a", "1.5"])
def test_bad_ports_are_refused(text):
    with pytest.raises(ValueError, match="whole number from 1 to 65535"):
        parse_port(text)


def test_host_port_field(root):
    field = HostPortField(root, host="127.0.0.1", port=13,
                          presets={"this computer (127.0.0.1)": "127.0.0.1"})
    assert field.host_variable.get() == "this computer (127.0.0.1)"
    assert field.get() == ("127.0.0.1", 13)
    field.host_variable.set("  time.nist.gov ")
    assert field.get() == ("time.nist.gov", 13)
    field.host_variable.set("two words")
    with pytest.raises(ValueError, match="contains a space"):
        field.get()
    field.host_variable.set("")
    with pytest.raises(ValueError, match="Type a host name"):
        field.get()
    field.set(host="h", port=99999)  # typed digits beyond range are refused on get()
    with pytest.raises(ValueError):
        field.get()
