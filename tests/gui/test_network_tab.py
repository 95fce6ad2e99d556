"""The Network tab on loopback: this computer, look-up, connection doctor, raw console.

Names looked up here are only "localhost", IP literals and a name with a space (which
fails before any name server is asked), so no test sends a DNS query.
"""

from __future__ import annotations

import socket

import pytest

from labsuite.gui.widgets.console_view import RECEIVED, SENT, Transcript
from labsuite.gui.tabs.network import NetworkTab
from labsuite.gui.settings import Settings
from labsuite.net.chat import ChatServer
from labsuite.net.doctor import Step
from labsuite.net.echo import EchoServer
from labsuite.net.events import Event, Kind
from tests.support import UNRESOLVABLE_HOST

from .conftest import free_port, screenshot, smallest, wait_until
from .test_echo_tab import after_fires, silent_listener

pytestmark = pytest.mark.timeout(30)


def page(app, name):
    tab = app.select("Network")
    tab.show_page(getattr(tab, name))
    app.root.update()
    return tab, getattr(tab, name)


def shown(console):
    return console.view.content()


def type_line(app, console, text):
    console.line_entry.focus_force()
    console.line.set(text)
    console.line_entry.event_generate("<Return>")
    app.root.update()


def connect(app, console, port, udp=False):
    console.target.set(host="127.0.0.1", port=port)
    console.udp.set(udp)
    console.connect_button.invoke()
    wait_until(app.root, lambda: console.connected, message="the console to connect")


def tagged(text_widget, tag):
    ranges = text_widget.tag_ranges(tag)
    return [text_widget.get(start, end) for start, end in zip(ranges[::2], ranges[1::2])]


# -- this computer ------------------------------------------------------------------------
def test_this_computer_lists_every_address_and_the_partner_one(app):
    _tab, computer = page(app, "computer")
    rows = wait_until(app.root, computer.rows, message="the interface table")
    loopback = [row for row in rows if row[2] == "127.0.0.1"]
    assert loopback, rows
    assert loopback[0][1:] == ("IPv4", "127.0.0.1", "loopback", "this computer only")
    assert str(computer.name_label.cget("text")) == f"Host name: {socket.gethostname()}"

    partner = computer.computer.partner
    if partner:
        (iid,) = [iid for iid in computer.table.get_children()
                  if computer.table.item(iid, "values")[2] == partner]
        assert "highlight" in computer.table.item(iid, "tags")
        assert partner in str(computer.partner_label.cget("text"))
        assert computer.copy_partner() == partner
        assert app.root.clipboard_get() == partner
    else:
        assert computer.copy_partner_button.instate(["disabled"])

    assert computer.copy_selected() is None  # nothing chosen yet: said, not crashed
    assert "Choose an address" in str(computer.copied_label.cget("text"))
    (iid,) = [iid for iid in computer.table.get_children()
              if computer.table.item(iid, "values")[2] == "127.0.0.1"]
    computer.table.selection_set(iid)
    computer.copy_button.invoke()
    assert app.root.clipboard_get() == "127.0.0.1"
    screenshot(app.root, "network-tab")

    computer.table.delete(*computer.table.get_children())
    computer.refresh_button.invoke()
    wait_until(app.root, lambda: len(computer.rows()) == len(rows), message="a refresh")


# -- look-up ------------------------------------------------------------------------------
def look_up(app, lookup, name):
    lookup.name.set(name)
    lookup.name_box.focus_force()
    lookup.name_box.event_generate("<Return>")
    wait_until(app.root, lambda: not lookup.runner.busy, message=f"the look-up of {name!r}")
    return lookup.result.content


def test_lookup_of_localhost_shows_its_addresses(app):
    _tab, lookup = page(app, "lookup")
    answer = look_up(app, lookup, "localhost")
    assert "Host name: localhost" in answer
    assert "IP address: 127.0.0.1" in answer
    assert lookup.result.view.tag_names("1.0")[0] == "result"
    assert list(lookup.name_box.cget("values"))[0] == "localhost"

    answer = look_up(app, lookup, "127.0.0.1")  # an address: its registered name
    assert answer.startswith("IP address: 127.0.0.1\nHost name: ")


def test_lookup_of_an_impossible_name_is_one_plain_sentence(app):
    _tab, lookup = page(app, "lookup")
    answer = look_up(app, lookup, UNRESOLVABLE_HOST)
    assert answer == (f"The name {UNRESOLVABLE_HOST!r} does not exist: a host name cannot "
                      "contain spaces.")
    assert "error" in lookup.result.view.tag_names("1.0")
    lookup.name.set("  ")
    lookup.lookup_button.invoke()
    assert lookup.result.content == "Type a host name or an IP address."


# -- connection doctor --------------------------------------------------------------------
def check(app, doctor, port, host="127.0.0.1"):
    doctor.target.set(host=host)
    doctor.target.port_box.variable.set(str(port))
    doctor.check_button.invoke()
    assert doctor.check_button.instate(["disabled"])
    wait_until(app.root, lambda: doctor.diagnosis is not None, timeout=15,
               message="the doctor's verdict")
    assert doctor.check_button.instate(["!disabled"])
    return doctor.diagnosis


def test_doctor_says_a_listening_port_works(app):
    _tab, doctor = page(app, "doctor")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        diagnosis = check(app, doctor, port)
        assert diagnosis.works
        assert doctor.verdict_text.startswith("It works: connected in")
        assert str(doctor.verdict_label.cget("style")) == "Works.Verdict.TLabel"
        assert f"ok     Connect to 127.0.0.1 port {port}: connected in" in doctor.steps.content
        assert "a server is listening there" in str(doctor.advice_label.cget("text"))
        screenshot(app.root, "network-tab-doctor")


def test_doctor_says_a_closed_port_is_refused_with_advice(app):
    _tab, doctor = page(app, "doctor")
    port = free_port()
    diagnosis = check(app, doctor, port)
    assert not diagnosis.works
    assert doctor.verdict_text == "Nothing is listening (connection refused)"
    assert str(doctor.verdict_label.cget("style")) == "Fails.Verdict.TLabel"
    advice = str(doctor.advice_label.cget("text"))
    assert f"Nothing is listening at 127.0.0.1 port {port}" in advice
    assert "Is the server started?" in advice
    failed = f"FAILED Connect to 127.0.0.1 port {port}: refused"
    assert failed in doctor.steps.content
    assert any(failed in line for line in tagged(doctor.steps.view, "error"))


def test_doctor_shows_each_step_before_the_verdict_and_judges_bad_input(app):
    _tab, doctor = page(app, "doctor")
    doctor.steps.show_rows([])
    step = Step("Look up the name", True, "localhost is 127.0.0.1", 0.001)
    doctor.doctor_events([Event(Kind.INFO, "connection doctor", step.line(), result=step)])
    assert doctor.steps.content == "ok     Look up the name: localhost is 127.0.0.1"
    assert doctor.diagnosis is None

    check(app, doctor, 70000)
    assert doctor.verdict_text == "Check what you typed"
    assert "70000 is not a port" in str(doctor.advice_label.cget("text"))


# -- raw console --------------------------------------------------------------------------
def test_console_echo_as_text_and_as_hex(app):
    _tab, console = page(app, "console")
    assert console.ending.name == "CRLF"  # what telnet sends
    with EchoServer(port=0) as server:
        connect(app, console, server.address[1])
        state = str(console.state_label.cget("text"))
        assert state.startswith(f"Connected to 127.0.0.1:{server.address[1]} from 127.0.0.1:")
        assert str(console.connect_button.cget("text")) == "Disconnect"

        type_line(app, console, "Hello")
        assert console.line.get() == ""
        wait_until(app.root, lambda: shown(console).endswith("Hello\\r\nHello\\r\n"),
                   message="the line and its echo")
        assert tagged(console.view.text, SENT) == ["Hello\\r\n"]
        screenshot(app.root, "network-tab-console")

        console.view.hex_check.invoke()
        dump = shown(console)
        row = "00000000  48 65 6c 6c 6f 0d 0a"
        assert dump.count(row) == 2, dump  # what was sent, then what came back
        assert tagged(console.view.text, SENT)[0].startswith(row)
        assert "|Hello..|" in dump
        console.view.hex_check.invoke()
        assert shown(console).endswith("Hello\\r\nHello\\r\n")

        console.line_entry.event_generate("<Up>")
        assert console.line.get() == "Hello"
        console.connect_button.invoke()
        wait_until(app.root, lambda: str(console.state_label.cget("text")) == "Not connected")
        wait_until(app.root, lambda: "Closed the connection to 127.0.0.1" in shown(console))
        assert console.send_button.instate(["disabled"])
        console.view.clear_button.invoke()
        assert shown(console) == ""


def test_console_shows_bytes_that_are_not_utf8_and_the_close(app):
    _tab, console = page(app, "console")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(5)
        connect(app, console, listener.getsockname()[1])
        peer, _ = listener.accept()
        with peer:
            peer.sendall(b"caf\xe9 ")  # half a row: shown provisionally in hex
            console.view.hex_mode.set(True)
            console.view.redraw()
            wait_until(app.root, lambda: "63 61 66 e9 20" in shown(console))
            peer.sendall(b"\xff\x00\tok\r\n")
            wait_until(app.root, lambda: "6f 6b 0d 0a" in shown(console))
            dump = shown(console)
            assert dump.count("00000000") == 1, dump  # the provisional row was replaced
            assert "00000000  63 61 66 e9 20 ff 00 09  6f 6b 0d 0a" in dump
            assert "|caf. ...ok..|" in dump
            console.view.hex_check.invoke()
            assert "caf\ufffd \ufffd\\x00\\tok\\r\n" in shown(console)
        wait_until(app.root, lambda: console.session is None, message="the close to be noticed")
    assert "--- " in shown(console) and "The server closed the connection ---" in shown(console)
    assert str(console.state_label.cget("text")) == "Disconnected: The server closed the connection"
    assert str(console.connect_button.cget("text")) == "Connect"


def test_a_hand_typed_chat_session(app):
    _tab, console = page(app, "console")
    with ChatServer(port=0) as server:
        console.set_ending("LF")
        connect(app, console, server.address[1])
        type_line(app, console, "ADD alice")
        wait_until(app.root, lambda: "ADD alice\nNEW alice\n" in shown(console))
        type_line(app, console, "MESSAGE hi")
        wait_until(app.root, lambda: "MESSAGE hi\nMESSAGE alice\nhi\n" in shown(console))
        type_line(app, console, "QUIT")
        wait_until(app.root, lambda: console.session is None, message="the server to close")
        text = shown(console)
        assert "QUIT\nLEFT alice\nGOODBYE\n" in text
        assert text.rstrip().endswith("The server closed the connection ---")
        assert tagged(console.view.text, SENT) == ["ADD alice\n", "MESSAGE hi\n", "QUIT\n"]
        assert "Disconnected" in str(console.state_label.cget("text"))


def test_console_over_udp_echoes_and_reports_a_refusal(app):
    _tab, console = page(app, "console")
    with EchoServer(port=0, udp=True) as server:
        connect(app, console, server.udp_address[1], udp=True)
        assert "Ready to send UDP datagrams" in str(console.state_label.cget("text"))
        type_line(app, console, "ping")
        wait_until(app.root, lambda: shown(console).endswith("ping\\r\nping\\r\n"))
        console.connect_button.invoke()
        wait_until(app.root, lambda: not console.connected and
                   console.connect_button.instate(["!disabled"]))

    connect(app, console, free_port(socket.SOCK_DGRAM), udp=True)
    type_line(app, console, "anyone?")
    wait_until(app.root, lambda: "Nothing is listening" in str(console.state_label.cget("text")),
               message="the refusal")
    assert console.session is not None  # still open for another try
    assert any("Nothing is listening" in line for line in tagged(console.view.text, "error"))


def test_console_to_a_closed_port_says_so(app):
    _tab, console = page(app, "console")
    console.target.set(host="127.0.0.1", port=free_port())
    console.connect_button.invoke()
    wait_until(app.root, lambda: not console.slot.connecting, message="the attempt to end")
    assert "Nothing is listening" in str(console.state_label.cget("text"))
    assert console.session is None
    assert str(console.connect_button.cget("text")) == "Connect"
    console.target.set(host=UNRESOLVABLE_HOST)
    console.connect_button.invoke()
    assert "contains a space" in str(console.state_label.cget("text"))


# -- the tab as a whole -------------------------------------------------------------------
def test_settings_are_remembered(app, tmp_path):
    tab = app.select("Network")
    tab.lookup.name.set("localhost")
    tab.doctor.target.set(host="10.0.0.7", port=8013)
    tab.console.target.set(host="127.0.0.1", port=9000)
    tab.console.udp.set(True)
    tab.console.set_ending("LF")
    tab.console.view.hex_mode.set(True)
    tab.show_page(tab.console)
    values = tab.settings()
    assert values == {"network.page": 3, "network.lookup.name": "localhost",
                      "network.doctor.host": "10.0.0.7", "network.doctor.port": 8013,
                      "network.console.host": "127.0.0.1", "network.console.port": 9000,
                      "network.console.udp": True, "network.console.ending": "LF",
                      "network.console.hex": True}
    settings = Settings(tmp_path / "settings.json")
    settings.update(values)
    again = NetworkTab(app.notebook, app.pump, settings)
    try:
        assert again.settings() == values
    finally:
        again.destroy()
    tab.doctor.target.port_box.variable.set("")
    assert "network.doctor.port" not in tab.settings()  # a half-typed port is not saved


def test_running_queries_and_the_session_are_stopped_on_close(app):
    tab = app.select("Network")
    with EchoServer(port=0) as server:
        tab.show_page(tab.console)
        connect(app, tab.console, server.address[1])
        assert tab.running_services() == [tab.console.session]
        assert tab.console.session in app.running_services()


def test_every_control_fits_the_smallest_window(app):
    tab = app.select("Network")
    width, height = smallest(app)
    controls = {
        tab.computer: [tab.computer.refresh_button, tab.computer.copy_partner_button,
                       tab.computer.copy_button, tab.computer.table],
        tab.lookup: [tab.lookup.name_box, tab.lookup.lookup_button, tab.lookup.result],
        tab.doctor: [tab.doctor.target.port_box, tab.doctor.check_button,
                     tab.doctor.verdict_label, tab.doctor.steps],
        tab.console: [tab.console.target.port_box, *tab.console.protocol_buttons,
                      tab.console.connect_button, tab.console.view.hex_check,
                      tab.console.view.clear_button, tab.console.view.save_button,
                      tab.console.view.text, tab.console.line_entry, tab.console.ending_box,
                      tab.console.send_button],
    }
    for shown_page, widgets in controls.items():
        tab.show_page(shown_page)
        app.root.update()
        right = shown_page.winfo_rootx() + shown_page.winfo_width()
        bottom = shown_page.winfo_rooty() + shown_page.winfo_height()
        for widget in widgets:
            assert widget.winfo_viewable(), widget
            assert widget.winfo_width() > 20 and widget.winfo_height() > 10, widget
            assert widget.winfo_rootx() + widget.winfo_width() <= right, widget
            assert widget.winfo_rooty() + widget.winfo_height() <= bottom, widget


# -- the transcript behind the console (no window needed) ---------------------------------
def test_both_renderings_stay_bounded_and_keep_true_offsets():
    transcript = Transcript(text_limit=1000, hex_limit=4000, render_cap=100_000)
    data = bytes(range(256)) * 40  # 10240 bytes in uneven pieces
    for start in range(0, len(data), 700):
        transcript.add_bytes(RECEIVED, [data[start:start + 700]])
    assert transcript.text.size <= 1000 and transcript.hex.size <= 4000
    rows = transcript.hex.content().splitlines()
    assert rows[-1].startswith(f"{len(data) - 16:08x}  f0 f1 f2")
    assert all(row[:8].strip() and row[8:10] == "  " for row in rows)  # whole rows only


def test_a_flood_is_counted_not_drawn_and_directions_keep_their_own_rows():
    transcript = Transcript(render_cap=64)
    transcript.add_bytes(RECEIVED, [b"x" * 100, b"y" * 100])
    text = transcript.text.content()
    assert "136 bytes not shown" in text
    assert text.endswith("---\n" + "y" * 64) and "x" not in text
    rows = transcript.hex.content().splitlines()
    assert rows[-1].startswith("000000b8  79 79")  # 136 + 48: offsets stay true
    transcript.add_bytes(SENT, [b"hi"])
    transcript.add_bytes(RECEIVED, [b"!"])
    assert transcript.hex.segments[-1][1] == SENT  # the sent row, finished
    assert transcript.hex.tail == (transcript.hex.tail[0], RECEIVED)
    assert transcript.hex.tail[0].startswith("000000c8  21")


@pytest.mark.timeout(40)
def test_console_to_a_server_that_never_reads_keeps_the_window_responsive(app):
    _tab, console = page(app, "console")
    with silent_listener() as listener:
        connect(app, console, listener.getsockname()[1])
        peer, _ = listener.accept()
        with peer:
            line = "y" * 65536
            for _ in range(100):  # 6.4 MB: far more than the socket buffers hold
                type_line(app, console, line)
                assert console.line.get() == ""  # cleared at once, as before
            assert console.history == [line]
            for _ in range(3):  # the sends wait for a reader, the window does not
                after_fires(app.root)
            assert console.connected
            console.connect_button.invoke()
            wait_until(app.root, lambda: str(console.state_label.cget("text")) == "Not connected"
                       and console.connect_button.instate(["!disabled"]), timeout=10,
                       message="Disconnect to finish")
            assert console.session is None
