"""The window at real screen sizes and scales, and the things every control must have.

Each screen size gets a private Xvfb of that size: 1024x600 (a netbook), 1366x768 (a lab
laptop) and 1920x1080 (a projector), at 100% and at the largest step that fits. On every
tab no pane is below its minimum, the conversation shows five lines, the logs three, and
no button or plain label is narrower than its text (tests/gui/layout_probe.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tkinter as tk
from pathlib import Path
from tkinter import ttk

import pytest

from labsuite.gui import help as guide
from labsuite.gui.widgets import open_dialog, tip_of
from labsuite.gui.widgets.keys import controls, letter_of
from labsuite.gui.widgets.panels import ResultPanel
from labsuite.net import ports
from tests.support import closed_port

from .conftest import free_port, wait_until
from .xvfb import XvfbMissing, start_xvfb, stop_xvfb

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
SCREENS = ("1024x600", "1366x768", "1920x1080")


def _descendants(widget):
    for child in widget.winfo_children():
        yield child
        yield from _descendants(child)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("size", SCREENS)
def test_every_tab_fits_the_screen_at_normal_and_largest_scale(size, tmp_path):
    """In a child process on an Xvfb of that size (a display must outlive every Tk
    connection to it, so each screen gets a process of its own)."""
    try:
        process, display = start_xvfb(f"{size}x24")
    except XvfbMissing as exc:
        pytest.skip(str(exc))
    try:
        environment = dict(os.environ, DISPLAY=display,
                           LABSUITE_CONFIG_DIR=str(tmp_path / "config"))
        result = subprocess.run([sys.executable, "-m", "tests.gui.layout_probe", size],
                                cwd=ROOT, env=environment, capture_output=True, text=True,
                                timeout=80)
    finally:
        stop_xvfb(process)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["problems"] == [], report
    assert report["scales"][0] == 1.0
    if size == "1920x1080":
        assert report["scales"][1] >= 1.5  # a projector gets large text


def test_a_new_window_is_centred_within_the_screen(app):
    x, width = app.root.winfo_x(), app.root.winfo_width()
    assert 0 <= x and x + width <= app.root.winfo_screenwidth()
    assert abs((app.root.winfo_screenwidth() - width) // 2 - x) <= 2


# -- text: wrapped, hanging under its value ----------------------------------------------
def test_logs_wrap_words_and_hang_under_the_text(app):
    tab = app.select("Chat")
    tab.log.append("word " * 80)
    tab.log.flush()
    assert str(tab.log.text.cget("wrap")) == "word"
    assert not [child for child in tab.log.body.winfo_children()
                if isinstance(child, ttk.Scrollbar) and str(child.cget("orient")) == "horizontal"]
    assert int(tab.log.text.tag_cget("line", "lmargin2")) > 0


def test_answer_lines_hang_by_their_own_label(app):
    panel = ResultPanel(app.root)
    panel.show_lines(["Server:  nist", "X-Content-Type-Options:  " + "v " * 50,
                      "plain line without a label " * 5])
    first = panel.view.tag_names("1.0")
    second = panel.view.tag_names("2.0")
    third = panel.view.tag_names("3.0")
    hang = [name for names in (first, second, third) for name in names if name.startswith("hang")]
    assert hang[0] == "hang9" and hang[1] == "hang20" and hang[2] == "hang0"


# -- every control: a tooltip, a letter, and Enter in every field ------------------------
def test_every_control_has_a_tooltip_and_a_mnemonic(app):
    for tab in app.tabs.values():
        seen = {}
        for widget in controls(tab):
            assert tip_of(widget), (tab.title, widget, widget.cget("text"))
            letter = letter_of(widget)
            if not isinstance(widget, ttk.Radiobutton):  # (a radio button only if one is left)
                assert letter, (tab.title, widget.cget("text"))
            assert not letter or letter not in "fvgh"  # the menus' letters stay free
        for widget in _descendants(tab):
            if isinstance(widget, (ttk.Entry, ttk.Combobox, ttk.Treeview, tk.Listbox)):
                assert tip_of(widget), (tab.title, widget)
        for widget in controls(tab):
            if widget.winfo_viewable() and letter_of(widget):
                other = seen.setdefault(letter_of(widget), widget)
                assert other is widget or not other.winfo_viewable(), (tab.title, widget)


def test_alt_letter_presses_the_button_and_ctrl_tab_moves_between_tabs(app):
    tab = app.select("Echo")
    app.root.update()
    letter = letter_of(tab.server.toggle_button)
    tab.server.port_box.set_port(free_port())
    tab.server.port_box.focus_force()
    tab.server.port_box.event_generate(f"<Alt-KeyPress-{letter}>")
    wait_until(app.root, lambda: tab.server.running, message="Alt+letter to start")
    start = app.notebook.index(app.notebook.select())
    app.step_tab(+1)
    assert app.notebook.index(app.notebook.select()) == start + 1
    app.step_tab(-1)
    app.go_to_tab(6)  # Alt+6
    assert app.current_tab is app.tabs["Network"]


def press_enter(app, widget) -> None:
    widget.focus_force()
    app.root.update()
    widget.event_generate("<Return>")
    app.root.update()


def test_enter_runs_the_main_action_of_every_field(app):
    nothing = closed_port()
    time_tab = app.select("Time")
    time_tab.target.set(host=ports.LOCAL_ONLY, port=nothing)
    for field in (time_tab.target.host_box, time_tab.target.port_box):
        press_enter(app, field)
        assert "127.0.0.1" in time_tab.result.content
        wait_until(app.root, lambda: time_tab.query is None, message="the query to end")
    time_tab.server.port_box.set_port(free_port())
    time_tab.sntp_port_box.set_port(free_port())
    press_enter(app, time_tab.sntp_port_box)
    wait_until(app.root, lambda: time_tab.server.running, message="Enter to start")
    time_tab.server.stop()

    echo = app.select("Echo")
    echo.target.set(host=ports.LOCAL_ONLY, port=nothing)
    press_enter(app, echo.target.port_box)
    wait_until(app.root, lambda: "Nothing is listening" in str(echo.client_state.cget("text")))
    echo.server.port_box.set_port(free_port())
    press_enter(app, echo.server.port_box)
    wait_until(app.root, lambda: echo.server.running)
    echo.target.set(port=echo.server.service.address[1])
    press_enter(app, echo.target.host_box)
    wait_until(app.root, lambda: echo.connected)
    echo.message.set("ping")
    press_enter(app, echo.message_entry)
    wait_until(app.root, lambda: echo.reply_rows(), message="the echo")

    chat = app.select("Chat")
    chat.target.set(host=ports.LOCAL_ONLY, port=nothing)
    press_enter(app, chat.name_entry)
    wait_until(app.root, lambda: "Nothing is listening" in str(chat.state_label.cget("text")))

    web = app.select("Web")
    web.url.set(f"http://127.0.0.1:{nothing}/")
    press_enter(app, web.url_entry)
    wait_until(app.root, lambda: "Fetching" in web.result.content or "listening" in
               web.result.content)

    network = app.select("Network")
    network.show_page(network.lookup)
    network.lookup.name.set("localhost")
    press_enter(app, network.lookup.name_box)
    wait_until(app.root, lambda: "127.0.0.1" in network.lookup.result.content)
    network.show_page(network.doctor)
    network.doctor.target.set(host=ports.LOCAL_ONLY, port=nothing)
    press_enter(app, network.doctor.target.port_box)
    wait_until(app.root, lambda: "Checking" in network.doctor.verdict_text or
               "listening" in network.doctor.verdict_text.lower())
    network.show_page(network.console)
    network.console.target.set(host=ports.LOCAL_ONLY, port=nothing)
    press_enter(app, network.console.target.host_box)
    wait_until(app.root, lambda: "Nothing is listening" in
               str(network.console.state_label.cget("text")))


# -- questions before ending things --------------------------------------------------------
def test_quitting_with_a_server_running_asks_first(app):
    tab = app.select("Echo")
    tab.server.port_box.set_port(free_port())
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.server.running)
    app.request_close()
    dialog = open_dialog(app.root)
    assert dialog is not None and "the echo server" in str(dialog.question.cget("text"))
    dialog.no_button.invoke()
    assert not app.closed and tab.server.running
    app.request_close()
    open_dialog(app.root).yes_button.invoke()
    assert app.closed


def test_quitting_with_nothing_running_just_quits(app):
    app.request_close()
    assert app.closed


# -- help -------------------------------------------------------------------------------------
def test_what_is_this_explains_the_tab_over_it_and_escape_hides_it(app):
    tab = app.select("Echo")
    app.explain_current()
    app.root.update()
    assert tab.explainer.shown and tab.explainer.winfo_ismapped()
    assert "one client at a time" in tab.explainer.content.lower()
    assert "0.0.0.0" in tab.explainer.content  # what the two addresses mean
    tab.explainer.text.event_generate("<Escape>")
    app.root.update()
    assert not tab.explainer.shown


def test_help_menu_opens_the_readme_sections_from_this_computer(app):
    for label, heading in guide.GUIDE:
        window = app.show_guide(heading, label)
        app.root.update()
        assert "not on this computer" not in window.content
        assert "no section called" not in window.content, heading
    assert "ADD" in app.show_guide("The chat protocol").content
    assert "Ctrl+Tab" in app.show_shortcuts().content


def test_readme_markdown_becomes_plain_blocks():
    text = "## A\nSome **bold** `code` [link](http://x).\n\n```sh\nrun me\n```\n| a | b |\n| --- | --- |\n| 1 | 2 |\n## B\nnot this"
    blocks = guide.readme_section("A", text)
    assert blocks[0] == ("heading", "A")
    assert ("text", "Some bold code link.") in blocks
    assert ("code", "run me") in blocks and ("text", "1 — 2") in blocks
    assert all("not this" not in body for _kind, body in blocks)


# -- the web tab's browser, the time tab's SNTP port ---------------------------------------
def test_no_browser_is_a_message_in_the_window(app, monkeypatch):
    import webbrowser
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    tab = app.select("Web")
    tab.server.port_box.set_port(free_port())
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.urls)
    tab.open_button.invoke()
    wait_until(app.root, lambda: "No web browser" in str(tab.address_note.cget("text")))
    assert tab.address_note.winfo_ismapped()
    assert "No web browser" in tab.log.content()


def test_the_sntp_port_is_a_choice_and_a_moved_port_is_shown_everywhere(app):
    import socket
    tab = app.select("Time")
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    try:
        wanted = taken.getsockname()[1]
        tab.sntp_port_box.set_port(wanted)
        tab.server.port_box.set_port(free_port())
        tab.target.set(host=ports.LOCAL_ONLY)
        tab.protocol.set("sntp")
        tab.server.toggle_button.invoke()
        wait_until(app.root, lambda: tab.server.running and tab.sntp_note_text)
        real = tab.server.service.sntp_address[1]
        assert real != wanted
        assert f"UDP port {wanted} was taken" in tab.sntp_note_text
        assert f"SNTP UDP port {real}" in tab.server.state_text
        tab._default_port()
        assert tab.target.get() == (ports.LOCAL_ONLY, real)  # the client asks the real port
    finally:
        taken.close()
        tab.server.stop()
