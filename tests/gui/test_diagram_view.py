"""The sequence diagram beside every log, under Xvfb: a real echo session drawn, rows and
log lines selecting each other, pause and resume, zoom, a flood, export, clear."""

from __future__ import annotations

import threading
import time
import tkinter as tk

import pytest

from labsuite.gui import style
from labsuite.gui.widgets import LogView
from labsuite.gui.widgets import diagram_view
from labsuite.gui.widgets.diagram_view import BOTH, DIAGRAM, LOG, MAX_ITEMS, DiagramView
from labsuite.net import ports
from labsuite.net.events import Event, Kind
from labsuite.protocols.diagram_export import png_layout
from labsuite.protocols.raster import read_png

from .conftest import smallest, start_tab_server, wait_until

pytestmark = pytest.mark.timeout(30)

SERVER = ("127.0.0.1", 8007)


def texts(canvas, tag="all"):
    return [canvas.itemcget(item, "text") for item in canvas.find_withtag(tag)
            if canvas.type(item) == "text"]


def echo_conversation(app, messages=("Hello, COS 333.",)):
    """The Echo tab's server and client talk over loopback, then the client leaves."""
    tab = start_tab_server(app, "Echo")
    tab.target.set(host=ports.LOCAL_ONLY, port=tab.server.service.address[1])
    tab.connect()
    wait_until(app.root, lambda: tab.connected, message="the client to connect")
    for text in messages:
        count = len(tab.reply_rows())
        tab.message.set(text)
        tab.send()
        wait_until(app.root, lambda: len(tab.reply_rows()) > count, message="the echo")
    tab.disconnect()
    wait_until(app.root, lambda: tab.client is None, message="the client to stop")
    diagram = tab.log_area.diagram
    wait_until(app.root, lambda: sum(item.step == "close" for item in diagram.model.items) >= 2,
               message="both closes in the diagram")
    return tab, diagram


def drawn(app, diagram):
    """Wait until the Canvas shows what the model holds."""
    wait_until(app.root, lambda: not diagram._full and not diagram._dirty
               and len(diagram._drawn) == len(diagram.model.items), message="the drawing")


def step(kind, text, peer=SERVER, conn=None, size=0, source="echo client"):
    return Event(kind, source, text, peer=peer, conn=conn, size=size)


def shown_diagram(app, title="Echo"):
    """Tab ``title`` with its diagram shown; returns (tab, diagram)."""
    tab = app.select(title)
    tab.log_area.show_diagram(True)
    return tab, tab.log_area.diagram


def log_and_draw(app, tab, events):
    """Give the tab's log ``events`` and wait until the diagram has drawn them."""
    tab.log.append_events(events)
    tab.log.flush()
    drawn(app, tab.log_area.diagram)


def hello_events(count):
    """``count`` writes of a client that is never seen connecting (lanes appear anyway)."""
    return [step(Kind.WROTE, f"Wrote 5 bytes to 127.0.0.1:8007: hello {n}", size=5)
            for n in range(count)]


# -- a real conversation ------------------------------------------------------------------------
def test_a_real_echo_session_is_drawn_with_lanes_arrows_and_labels(app):
    tab, diagram = echo_conversation(app)
    area = tab.log_area
    assert area.mode == LOG and not diagram.winfo_viewable()
    assert diagram.redraws == 0  # hidden: the model is fed, nothing is drawn
    assert area.show_diagram(True) in (DIAGRAM, BOTH)
    drawn(app, diagram)
    server = tab.server.service.address
    model = diagram.model
    assert [lane.title for lane in model.lanes][0] == f"server 127.0.0.1:{server[1]}"
    headings = texts(diagram.header)
    assert headings[:2] == ["server", f"127.0.0.1:{server[1]}"] and headings[2] == "client"
    steps = [item.step for item in model.items]
    assert steps[:3] == ["opened", "bound", "listening"]
    assert "connect" in steps and steps.count("close") == 2
    labels = texts(diagram.canvas)
    assert "Connected · Accepted connection #1" in labels
    assert "Wrote 15 bytes: Hello, COS 333." in labels
    assert "Read 15 bytes: Hello, COS 333." in labels
    for item in model.items:  # every row is on the Canvas, each under its own tag
        assert diagram.canvas.find_withtag(f"i{item.id}")
    arrows = [item for item in model.items if item.kind == "arrow"]
    heads = [shape for shape in diagram.canvas.find_withtag("item")
             if diagram.canvas.type(shape) == "polygon"]
    assert len(heads) == len(arrows) >= 6
    assert len(diagram.canvas.find_withtag("lane")) == len(model.lanes) == 2
    assert diagram.following and diagram.canvas.yview()[1] >= 0.999  # the newest in view
    assert "2 endpoints" in str(diagram.state_label.cget("text"))


def test_clicking_a_row_selects_its_log_line_and_a_log_line_its_row(app, monkeypatch):
    monkeypatch.setattr(diagram_view, "BOTH_CHARS", 40)  # side by side on the test screen
    tab, diagram = echo_conversation(app, ("one", "two"))
    log = tab.log
    assert tab.log_area.show_diagram(True) == BOTH
    drawn(app, diagram)
    item = next(item for item in diagram.model.items if item.label.startswith("Wrote 3 bytes"))
    layout = diagram.layout
    diagram.canvas.yview_moveto(layout.row_top(item.row) / diagram._height)
    app.root.update()
    y = layout.row_top(item.row) + layout.row_height / 2 - diagram.canvas.canvasy(0)
    diagram.canvas.event_generate("<Button-1>", x=40, y=int(y))
    app.root.update()
    assert diagram.selected == item.id and diagram.chosen_item is item
    line = log.line_of_event(item.event)
    assert log.chosen_line == line
    assert "Wrote 3 bytes" in log.text.get(f"{line}.0", f"{line}.end")
    assert diagram.canvas.find_withtag("selection")

    target = next(other for other in diagram.model.items if other.label.startswith("Read 3"))
    line = log.line_of_event(target.event)
    log.text.see(f"{line}.0")
    app.root.update()
    x, y, _w, _h = log.text.bbox(f"{line}.0")
    log.text.event_generate("<ButtonRelease-1>", x=x + 2, y=y + 2)
    app.root.update()
    assert diagram.selected == target.id and log.chosen_line == line

    diagram.canvas.focus_force()
    diagram.canvas.event_generate("<Down>")
    app.root.update()
    below = diagram._row_item[target.row + 1]
    assert diagram.selected == below.id
    assert log.chosen_line == log.line_of_event(below.event)


def test_a_line_chosen_while_the_diagram_is_hidden_is_shown_when_it_opens(app):
    tab, diagram = echo_conversation(app)
    item = next(item for item in diagram.model.items if item.step == "connect")
    assert diagram.select_event(item.event) is None  # not drawn yet
    tab.log_area.show_diagram(True)
    drawn(app, diagram)
    wait_until(app.root, lambda: diagram.selected == item.id, message="the chosen row")
    assert not diagram.following
    tab.log_area.show_diagram(False)
    app.root.update()
    assert tab.log_area.mode == LOG and tab.log.text.winfo_viewable()
    assert not diagram.winfo_viewable()


# -- pause, zoom, keys ---------------------------------------------------------------------------
def test_pause_keeps_the_events_and_resume_catches_up(app):
    tab, diagram = shown_diagram(app)
    log_and_draw(app, tab, hello_events(3))
    before = len(diagram.canvas.find_all())
    diagram.pause_button.invoke()
    assert diagram.paused and str(diagram.pause_button.cget("text")) == "Resume"
    tab.log.append_events(hello_events(40))
    tab.log.flush()
    app.root.update()
    assert len(diagram.canvas.find_all()) == before  # nothing drawn while paused
    assert diagram.model.events_seen == 43  # but nothing lost
    assert str(diagram.state_label.cget("text")) == "Paused: 40 new events waiting"
    diagram.canvas.focus_force()
    diagram.canvas.event_generate("<p>")  # P on the diagram resumes, as the button does
    app.root.update()
    assert not diagram.paused
    drawn(app, diagram)
    assert len(diagram._drawn) == len(diagram.model.items) > 3
    assert diagram.following


def test_zoom_with_buttons_keys_and_ctrl_wheel(app):
    tab, diagram = shown_diagram(app)
    log_and_draw(app, tab, hello_events(2))
    height, font = diagram.layout.row_height, diagram.canvas.itemcget(
        diagram.canvas.find_withtag("item")[-1], "font")
    diagram.zoom_in_button.invoke()
    assert diagram.zoom == 1.25 and diagram.layout.row_height > height
    drawn(app, diagram)
    assert diagram.canvas.itemcget(diagram.canvas.find_withtag("item")[-1], "font") != font
    diagram.canvas.focus_force()
    diagram.canvas.event_generate("<minus>")
    assert diagram.zoom == 1.0
    diagram.canvas.event_generate("<Control-Button-5>", x=5, y=5)
    assert diagram.zoom == 0.8
    diagram.canvas.event_generate("<Control-Button-4>", x=5, y=5)
    assert diagram.zoom == 1.0
    for _ in range(10):
        diagram.zoom_out_button.invoke()
    assert diagram.zoom == diagram_view.ZOOMS[0] and diagram.zoom_out_button.instate(["disabled"])
    assert "50%" in str(diagram.state_label.cget("text"))


def test_the_wheel_scrolls_back_and_stops_following_until_the_end(app):
    tab, diagram = shown_diagram(app)
    log_and_draw(app, tab, hello_events(30))
    assert diagram.following
    diagram.canvas.event_generate("<Button-4>", x=5, y=5)
    assert not diagram.following and diagram.canvas.yview()[1] < 0.999
    log_and_draw(app, tab, hello_events(3))
    assert diagram.canvas.yview()[1] < 0.999  # scrolled back: it stays there
    diagram.canvas.focus_force()
    diagram.canvas.event_generate("<End>")
    assert diagram.following and diagram.canvas.yview()[1] >= 0.999


# -- under load ----------------------------------------------------------------------------------
@pytest.mark.timeout(40)
def test_a_flood_of_20000_events_keeps_the_window_responsive_and_bounded(app):
    tab, diagram = shown_diagram(app)
    app.root.update()
    subscription = app.pump.subscribe(tab.log.append_events)
    events = [Event(Kind.LISTENING, "echo server", "Listening on 127.0.0.1:8007",
                    local=SERVER)]
    for client in range(200):
        peer = ("127.0.0.1", 40000 + client)
        events.append(Event(Kind.ACCEPTED, "echo server", f"Accepted connection #{client}",
                            peer=peer, local=SERVER, conn=client))
        for n in range(98):
            kind = Kind.READ if n % 2 == 0 else Kind.WROTE
            events.append(Event(kind, "echo server", f"{kind.value} 64 bytes", peer=peer,
                                conn=client, size=64))
        events.append(Event(Kind.CLOSED, "echo server", f"Closed connection #{client}",
                            peer=peer, conn=client))
    assert len(events) == 20_001  # every one a socket step, from 200 connections
    gaps, last = [], [time.monotonic()]

    def probe():
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now
        probe_id[0] = app.root.after(20, probe)

    probe_id = [app.root.after(20, probe)]
    poster = threading.Thread(target=lambda: [subscription.on_event(e) for e in events])
    poster.start()
    try:
        wait_until(app.root, lambda: not poster.is_alive() and app.pump.backlog == 0
                   and not tab.log._pending, timeout=30, message="the flood to be shown")
        drawn(app, diagram)
    finally:
        app.root.after_cancel(probe_id[0])
        poster.join()
        subscription.close()
    assert max(gaps) < 1.0, f"the window stalled for {max(gaps):.2f} s"
    assert diagram.model.events_seen <= len(events)
    assert diagram.model.events_seen > 15_000  # the pump skipped little or nothing
    assert len(diagram.model.items) <= MAX_ITEMS
    assert len(diagram.canvas.find_all()) <= 8 * MAX_ITEMS
    assert any(item.kind == "band" for item in diagram.model.items)
    assert diagram.redraws < 60  # rows renumbered now and then, not a redraw per tick
    assert tab.log.line_count() <= tab.log.max_lines


# -- export, clear, look -------------------------------------------------------------------------
def test_export_the_diagram_as_png_and_as_text(app, tmp_path, monkeypatch):
    tab, diagram = echo_conversation(app)
    tab.log_area.show_diagram(True)
    drawn(app, diagram)
    data = diagram.save_png(str(tmp_path / "echo.png"))
    assert (tmp_path / "echo.png").read_bytes() == data
    width, height, palette, _rows = read_png(data)
    layout = png_layout()
    rows = len(diagram.model.items)
    assert (width, height) == (layout.width(2), layout.header_height + layout.height(rows))
    assert (255, 255, 255) in palette  # on white, for slides, whatever the theme
    text = diagram.save_text(str(tmp_path / "echo.txt"))
    assert (tmp_path / "echo.txt").read_text(encoding="utf-8") == text
    assert text.startswith("Sequence diagram: 2 endpoints")
    assert "Wrote 15 bytes: Hello, COS 333." in text
    chosen = tmp_path / "chosen.png"
    monkeypatch.setattr(diagram_view.filedialog, "asksaveasfilename",
                        lambda **options: str(chosen))
    assert diagram.ask_save("png") == str(chosen) and read_png(chosen.read_bytes())
    monkeypatch.setattr(diagram_view.filedialog, "asksaveasfilename",
                        lambda **options: str(tmp_path / "no such folder" / "x.txt"))
    assert diagram.ask_save("txt") is None
    assert "Could not save the transcript to" in tab.log.content()
    assert f"Saved the diagram to {chosen}" in tab.log.content()


def test_clear_empties_the_log_and_the_diagram_and_numbers_start_again(app):
    tab, diagram = shown_diagram(app)
    log_and_draw(app, tab, hello_events(5))
    tab.log.clear_button.invoke()
    drawn(app, diagram)
    assert diagram.model.items == [] and not diagram.canvas.find_withtag("item")
    tab.log.append_events(hello_events(1))
    tab.log.flush()
    assert tab.log.line_of_event(0) == 1 and diagram.model.events_seen == 1


def test_the_diagram_follows_the_theme(app):
    tab, diagram = shown_diagram(app)
    log_and_draw(app, tab, hello_events(2))
    for theme, palette in (("dark", style.DARK), ("light", style.LIGHT)):
        app.set_theme(theme)
        drawn(app, diagram)
        assert diagram.canvas.cget("background") == palette.field
        inks = {diagram.canvas.itemcget(item, "fill") for item in diagram.canvas.find_all()
                if diagram.canvas.type(item) == "text"}
        assert palette.text in inks


def test_every_tab_has_a_diagram_that_fits_the_smallest_window(app):
    width, height = smallest(app)
    for title, tab in app.tabs.items():
        area = getattr(tab, "log_area", None)
        if area is None:
            continue
        app.select(title)
        assert area.show_diagram(True) == DIAGRAM  # no room for both
        wait_until(app.root, lambda: area.diagram.winfo_viewable(), message=title)
        app.root.update_idletasks()
        canvas = area.diagram.canvas
        assert canvas.winfo_height() >= area.diagram.layout.row_height * 2, title
        right = app.root.winfo_rootx() + app.root.winfo_width()
        for button in (area.diagram.pause_button, area.diagram.zoom_in_button):
            assert button.winfo_rootx() + button.winfo_width() <= right, title
        area.show_diagram(False)


# -- the log's event numbers ---------------------------------------------------------------------
def test_log_lines_keep_their_event_numbers_when_old_lines_are_trimmed(app):
    log = LogView(app.root, max_lines=5)
    seen = []
    log.on_events = seen.extend
    log.append("a line of the window's own")
    log.flush()
    log.append_events(hello_events(3))
    log.append_events([Event(Kind.INFO, "x", "")])  # no text: no line, no number
    log.flush()
    log.append_events(hello_events(4))
    log.flush()
    assert len(seen) == 7 and log.line_count() == 5
    assert log.line_of_event(0) is None and log.line_of_event(1) is None  # trimmed off
    assert log.line_of_event(2) == 1 and log.line_of_event(6) == 5
    assert [log.event_at_line(line) for line in range(1, 6)] == [2, 3, 4, 5, 6]
    assert log.event_at_line(0) is None and log.event_at_line(6) is None
    assert log.select_event(4) and log.chosen_line == 3
    assert not log.select_event(0) and log.chosen_line is None
    log.clear()
    log.append("mine")
    log.append_events(hello_events(1))
    log.flush()
    assert log.event_at_line(1) is None and log.event_at_line(2) == 0


def test_a_view_alone_takes_events_in_any_shape(app):
    window = tk.Toplevel(app.root)
    view = DiagramView(window)
    view.pack(fill="both", expand=True)
    view.add([object(), Event(Kind.ERROR, "echo server", "boom"), None])
    view.add(hello_events(2) + [Event(Kind.READ, "echo server", "", conn=1, size=3)])
    wait_until(app.root, lambda: len(view._drawn) == len(view.model.items) == 4)
    assert [item.kind for item in view.model.items] == ["error", "arrow", "arrow", "mark"]
    assert view.select_event(999) is None
    window.destroy()
