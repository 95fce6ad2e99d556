"""The window as a whole: tabs, status bar, fonts, settings and closing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from tkinter import font, ttk

import pytest

from labsuite.gui import settings as settings_module
from labsuite.gui.app import create_app
from labsuite.gui.settings import Settings
from labsuite.gui.widgets.statusbar import ONLY_THIS_COMPUTER, StatusBar

from .conftest import free_port, port_is_free, screenshot, wait_until
from .xwindows import WindowWatch

pytestmark = pytest.mark.timeout(30)

ROOT = Path(__file__).resolve().parents[2]


def tab_titles(app):
    return [app.notebook.tab(tab_id, "text").strip() for tab_id in app.notebook.tabs()]


def test_window_has_seven_tabs_and_a_status_bar(app):
    assert app.root.title() == "labsuite"
    assert tab_titles(app) == ["Time", "Echo", "Web", "Chat", "Poker", "Network", "Check"]
    wait_until(app.root, lambda: app.status.addresses is not None, message="the addresses")
    status = str(app.status.label.cget("text"))
    assert status.startswith(f"This computer: {app.status.host_name}")
    assert "Other lab machines can reach it at:" in status
    for title in ("Time", "Echo", "Web", "Chat", "Poker", "Network", "Check"):
        tab = app.select(title)
        assert tab.hint and tab.hint in tab.explainer.content  # each tab says what it teaches
        screenshot(app.root, f"{title.lower()}-tab-fresh")
    app.select("Time")
    screenshot(app.root, "time-tab-empty")


def test_copy_puts_the_addresses_on_the_clipboard(app):
    wait_until(app.root, lambda: app.status.addresses is not None, message="the addresses")
    copied = app.status.copy()
    assert app.root.clipboard_get() == copied
    assert copied.startswith(app.status.host_name)


def test_no_network_address_falls_back_to_this_computer(app):
    bar = StatusBar(app.root, host_name="lab-07", addresses=[])
    assert ONLY_THIS_COMPUTER in str(bar.label.cget("text"))
    assert bar.copy() == f"lab-07: {ONLY_THIS_COMPUTER}"
    many = StatusBar(app.root, host_name="lab-07", addresses=[f"10.0.0.{n}" for n in range(5)])
    assert "(+2 more)" in str(many.label.cget("text"))
    assert many.reachable_at().count("10.0.0.") == 5


def test_scale_keys_grow_every_named_font_widgets_included(app):
    default = font.nametofont("TkDefaultFont", root=app.root)
    fixed = font.nametofont("TkFixedFont", root=app.root)
    app.normal_size()
    start, start_fixed = abs(int(default.cget("size"))), abs(int(fixed.cget("size")))
    rows = int(ttk.Style(app.root).lookup("Treeview", "rowheight"))
    picture = app.look._pictures and next(iter(app.look._pictures))
    width = int(app.root.tk.call("image", "width", picture)) if picture else 0
    entry = app.echo_tab.message_entry
    app.select("Echo")
    entry.focus_force()
    app.root.update()
    entry.event_generate("<Control-plus>")
    assert app.look.scale == 1.25  # a step big enough to matter, not one point
    assert abs(int(default.cget("size"))) >= start + 2
    assert abs(int(fixed.cget("size"))) >= start_fixed + 2
    assert int(ttk.Style(app.root).lookup("Treeview", "rowheight")) > rows
    if picture:  # check boxes, radio buttons and arrows grow too (Sun Valley pictures)
        assert int(app.root.tk.call("image", "width", picture)) > width
    entry.event_generate("<Control-minus>")
    assert app.look.scale == 1.0 and abs(int(default.cget("size"))) == start
    entry.event_generate("<Control-equal>")
    entry.event_generate("<Control-0>")
    assert app.look.scale == 1.0


def test_growing_stops_where_the_window_would_not_fit(app):
    app.set_scale(app.largest_fitting_scale())
    before = app.look.scale
    app.bigger()
    if app.look.scale == before:
        assert "largest" in app.status.note
    width, _height = app.required_size()
    assert width <= app.work_area()[0]


def test_settings_come_back_in_a_new_window(app, private_settings):
    app.set_scale(1.25)
    app.set_theme("dark")
    echo = app.select("Echo")
    echo.server.port_box.set_port(12345)
    echo.server.scope.set("0.0.0.0")
    echo.set_mode("threaded")
    echo.udp.set(True)
    echo.target.set(host="192.0.2.9", port=2345)
    time_tab = app.tabs["Time"]
    time_tab.target.set(host="time-b-g.nist.gov", port=123)
    time_tab.protocol.set("sntp")
    time_tab.format.set("nist")
    time_tab.server.port_box.set_port(8099)
    app.root.geometry("1240x690")
    app.root.update()
    size = app.root.geometry().split("+")[0]
    app.close()
    saved = json.loads((private_settings / "settings.json").read_text())
    assert saved["echo.server.port"] == 12345

    again = create_app()
    try:
        again.root.update()
        echo = again.echo_tab
        assert again.look.scale == 1.25 and again.look.theme == "dark"
        assert again.notebook.index(again.notebook.select()) == 1
        assert echo.server.port_box.get_port() == 12345
        assert echo.server.scope.get() == "0.0.0.0"
        assert echo.mode_name == "threaded" and echo.udp.get() is True
        assert echo.target.get() == ("192.0.2.9", 2345)
        assert again.time_tab.target.get() == ("time-b-g.nist.gov", 123)
        assert again.time_tab.protocol.get() == "sntp"
        assert again.time_tab.format.get() == "nist"
        assert again.time_tab.server.port_box.get_port() == 8099
        assert again.root.geometry().startswith(size)
    finally:
        again.close()


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2]",
                                     b'{"echo.server.port": "lots", "font.size": true}'])
def test_a_broken_settings_file_means_defaults(private_settings, content):
    private_settings.mkdir(parents=True, exist_ok=True)
    (private_settings / "settings.json").write_bytes(content)
    app = create_app()
    try:
        app.root.update()
        assert app.echo_tab.server.port_box.get_port() == 8007
        assert app.look.scale in (1.0, 1.25) and app.look.theme_choice == "system"
    finally:
        app.close()
    json.loads((private_settings / "settings.json").read_text())  # rewritten whole


def test_settings_are_written_atomically(private_settings):
    settings = Settings.load()
    assert settings.path == private_settings / "settings.json"
    settings.set("echo.server.port", 9001)
    assert settings.save()
    assert Settings.load().get("echo.server.port") == 9001
    assert [path.name for path in private_settings.iterdir()] == ["settings.json"]
    assert Settings.load().get("not a setting", "fallback") == "fallback"


def test_unwritable_settings_do_not_crash(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(settings_module.ENV_DIR, str(blocker / "inside"))
    assert Settings.load().save() is False
    assert "could not save settings" in capsys.readouterr().err


def test_closing_stops_every_server_and_client(app):
    echo = app.select("Echo")
    echo.server.port_box.set_port(free_port())
    echo.server.toggle_button.invoke()
    time_tab = app.tabs["Time"]
    time_tab.server.port_box.set_port(free_port())
    time_tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: echo.server.running and time_tab.server.running)
    echo_port = echo.server.service.address[1]
    time_port = time_tab.server.service.address[1]
    echo.target.set(host="127.0.0.1", port=echo_port)
    echo.connect_button.invoke()
    wait_until(app.root, lambda: echo.connected)
    outsider = socket.create_connection(("127.0.0.1", echo_port), timeout=5)
    services = app.running_services()
    assert len(services) == 3

    app.close()

    assert not any(service.running for service in services)
    assert port_is_free(echo_port) and port_is_free(time_port)
    assert outsider.recv(10) == b""  # the server hung up on the other client too
    outsider.close()
    deadline = time.monotonic() + 5  # stop() joins its threads; allow a slow machine
    while [t for t in threading.enumerate() if _ours(t)] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not [t.name for t in threading.enumerate() if _ours(t)]


def _ours(thread) -> bool:
    name = thread.name
    return any(word in name for word in ("echo server", "echo client", "daytime server",
                                         "sntp server", "time client", "stop server",
                                         "stop on close"))


@pytest.mark.timeout(40)
@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="watches an X display")
def test_run_app_opens_a_window_and_exits_on_sigterm(private_settings, tmp_path):
    environment = dict(os.environ, LABSUITE_CONFIG_DIR=str(private_settings))
    with WindowWatch("labsuite") as watch, open(tmp_path / "stderr", "w+b") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from labsuite.gui.app import run_app; "
                                   "sys.exit(run_app())"],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            mapped = watch.wait(30, alive=lambda: process.poll() is None)
            errors.seek(0)
            assert mapped is not None, errors.read().decode(errors="replace")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert (private_settings / "settings.json").exists()  # closing saved the settings


def test_window_icon_is_used_when_the_file_exists(tmp_path, monkeypatch):
    import tkinter as tk

    from labsuite.gui import app as app_module

    scratch = tk.Tk()
    try:
        picture = tk.PhotoImage(master=scratch, width=16, height=16)
        picture.put("#1b6e20", to=(0, 0, 16, 16))
        icon = tmp_path / "icon.png"
        picture.write(str(icon), format="png")
        del picture
    finally:
        scratch.destroy()
    monkeypatch.setattr(app_module, "ICON_FILES", (tmp_path / "missing.png", icon))
    with_icon = create_app()
    try:
        assert with_icon.root._labsuite_icon.width() == 16
    finally:
        with_icon.close()
    monkeypatch.setattr(app_module, "ICON_FILES", (tmp_path / "missing.png",))
    without = create_app()  # no icon: no error
    without.close()


def test_a_window_saved_off_screen_comes_back_on_screen(private_settings):
    settings = Settings.load()
    settings.set("window.geometry", "400x300+9000+9000")  # too small, and far away
    settings.save()
    app = create_app()
    try:
        app.root.update()
        min_w, min_h = (int(n) for n in app.root.minsize())
        assert app.root.winfo_width() >= min_w and app.root.winfo_height() >= min_h
        assert app.root.winfo_x() < app.root.winfo_screenwidth()
        assert app.root.winfo_y() < app.root.winfo_screenheight()
    finally:
        app.close()


def test_a_closed_window_leaves_nothing_behind(display):
    """After close, nothing of the window stays alive: a trace or timer left in Tcl holds
    Python objects where the garbage collector cannot see them, so a whole closed window
    would live on (and its timers fire into it), slowing every window opened after it."""
    import gc
    import weakref

    from labsuite.gui.app import create_app

    app = create_app()
    app.select("Poker")
    app.root.update()
    tcl = app.root.tk
    root = weakref.ref(app.root)
    app.close()
    left = [name for name in tcl.splitlist(tcl.call("info", "commands")) if name[:1].isdigit()]
    assert left == []  # every Python callback is gone from the interpreter
    del app
    gc.collect()
    assert root() is None
