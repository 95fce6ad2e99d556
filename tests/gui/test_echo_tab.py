"""The Echo tab against real sockets on 127.0.0.1."""

from __future__ import annotations

import re

import socket

import pytest

from labsuite.gui.widgets.server_controls import STOPPED_TEXT

from .conftest import free_port, port_is_free, screenshot, start_tab_server, wait_until

pytestmark = pytest.mark.timeout(30)


def start_server(app, mode="selector", udp=False):
    tab = app.select("Echo")
    tab.set_mode(mode)
    tab.udp.set(udp)
    start_tab_server(app, "Echo")
    return tab, tab.server.service.address[1]


def test_serve_a_client_and_follow_its_bytes(app):
    tab, port = start_server(app)
    assert tab.server.state_text.startswith("Running")
    assert f"port {port}" in tab.server.state_text
    assert str(tab.server.toggle_button.cget("text")) == "Stop"

    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        rows = wait_until(app.root, tab.clients.values, message="a row for the client")
        (number, row), = rows.items()
        assert row[1] == "127.0.0.1:%d" % client.getsockname()[1]
        client.sendall(b"Hello, COS 333.")
        assert client.recv(100) == b"Hello, COS 333."
        wait_until(app.root, lambda: tab.clients.values()[number][2:4] == ("15", "15"),
                   message="byte counts of 15 in and 15 out")
        log = tab.log.content()
        assert "Read 15 bytes from" in log and "Wrote 15 bytes to" in log
        assert "Hello, COS 333." in log
        screenshot(app.root, "echo-tab")
    wait_until(app.root, lambda: not tab.clients.values(), message="the row to go away")

    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.server.state_text == STOPPED_TEXT, message="Stopped")
    assert port_is_free(port)
    assert str(tab.server.toggle_button.cget("text")) == "Start"


@pytest.mark.parametrize("mode", ["selector", "threaded", "sequential"])
def test_every_mode_echoes(app, mode):
    tab, port = start_server(app, mode=mode)
    assert tab.server.service.mode == mode
    assert str(tab.mode_box.cget("state")) == "disabled" or tab.mode_box.instate(["disabled"])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"ping")
        assert client.recv(10) == b"ping"
    tab.server.stop()
    wait_until(app.root, lambda: not tab.server.running)
    assert tab.mode_box.instate(["!disabled"])


def test_udp_too(app):
    tab, port = start_server(app, udp=True)
    assert "TCP and UDP" in tab.server.state_text
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5)
        client.sendto(b"datagram", ("127.0.0.1", port))
        assert client.recvfrom(100)[0] == b"datagram"
    wait_until(app.root, lambda: "over UDP" in tab.log.content())
    assert not tab.clients.values()  # datagrams are not connections


def test_port_in_use_is_one_plain_sentence(app):
    tab = app.select("Echo")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        tab.server.port_box.set_port(port)
        tab.server.toggle_button.invoke()
        app.root.update()
        expected = f"Port {port} is already in use by another program; choose another port."
        assert re.fullmatch(r"\d\d:\d\d:\d\d: " + re.escape(expected), tab.server.state_text)
        assert "Traceback" not in tab.log.content()
        assert str(tab.server.toggle_button.cget("text")) == "Start"
        assert not tab.server.running
        wait_until(app.root, lambda: expected in tab.log.content())


def test_bad_port_text_is_refused_plainly(app):
    tab = app.select("Echo")
    tab.server.port_box.variable.set("70000")
    tab.server.toggle_button.invoke()
    assert tab.server.state_text == "The port must be a whole number from 1 to 65535."
    assert not tab.server.running


def test_client_panel_talks_to_the_tab_server(app):
    tab, port = start_server(app)
    tab.target.set(host="127.0.0.1", port=port)
    tab.connect_button.invoke()
    wait_until(app.root, lambda: tab.connected, message="the client to connect")
    assert str(tab.connect_button.cget("text")) == "Disconnect"
    assert "Connected to 127.0.0.1:%d" % port in str(tab.client_state.cget("text"))

    tab.message.set("Hello, echo!")
    tab.message_entry.focus_force()
    tab.message_entry.event_generate("<Return>")
    rows = wait_until(app.root, tab.reply_rows, message="the echo in the replies")
    number, text, milliseconds = rows[0]
    assert text == "Hello, echo!"
    assert float(milliseconds) >= 0
    wait_until(app.root, lambda: len(tab.clients.values()) == 1)

    tab.send_button.invoke()
    wait_until(app.root, lambda: len(tab.reply_rows()) == 2)
    screenshot(app.root, "echo-tab-client")

    tab.connect_button.invoke()
    wait_until(app.root, lambda: str(tab.connect_button.cget("text")) == "Connect"
               and tab.connect_button.instate(["!disabled"]))
    assert tab.client is None
    assert tab.send_button.instate(["disabled"])
    wait_until(app.root, lambda: not tab.clients.values(), message="the server to see it leave")


def test_client_sees_the_server_go_away(app):
    tab, port = start_server(app)
    tab.target.set(host="127.0.0.1", port=port)
    tab.connect_button.invoke()
    wait_until(app.root, lambda: tab.connected)
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.client is None, message="the client to notice")
    assert str(tab.client_state.cget("text")).startswith("Disconnected")
    assert str(tab.connect_button.cget("text")) == "Connect"


def test_client_to_a_closed_port_says_so(app):
    tab = app.select("Echo")
    tab.target.set(host="127.0.0.1", port=free_port())
    tab.connect_button.invoke()
    wait_until(app.root, lambda: not tab.slot.connecting, message="the attempt to end")
    assert "Nothing is listening" in str(tab.client_state.cget("text"))
    assert str(tab.connect_button.cget("text")) == "Connect"
    assert tab.client is None


def silent_listener():
    """A loopback server that accepts but never reads, with a small receive buffer so
    the client's sends soon block."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


def after_fires(root, delay_ms=10, timeout=5.0):
    """An ``after()`` callback runs: the Tk thread is not stuck."""
    fired = []
    root.after(delay_ms, lambda: fired.append(True))
    wait_until(root, lambda: fired, timeout=timeout, message="an after() callback")


def wrote_lines(tab):
    return tab.log.content().count("Wrote 65,536 bytes")


@pytest.mark.timeout(40)
def test_sends_to_a_server_that_never_reads_keep_the_window_responsive(app):
    tab = app.select("Echo")
    with silent_listener() as listener:
        tab.target.set(host="127.0.0.1", port=listener.getsockname()[1])
        tab.connect_button.invoke()
        wait_until(app.root, lambda: tab.connected, message="the client to connect")
        peer, _ = listener.accept()
        with peer:
            tab.message.set("x" * 65536)
            sends = 100  # 6.4 MB: far more than the socket buffers hold
            for _ in range(sends):
                tab.send_button.invoke()
                app.root.update()
            assert tab.message.get() == "x" * 65536  # kept, selected for the next send
            wait_until(app.root, lambda: wrote_lines(tab) > 0, timeout=10,
                       message="the first sends to go out")
            for _ in range(3):  # the sends are stuck, the window is not
                after_fires(app.root)
            assert wrote_lines(tab) < sends
            assert tab.connected

            tab.connect_button.invoke()
            wait_until(app.root, lambda: str(tab.connect_button.cget("text")) == "Connect"
                       and tab.connect_button.instate(["!disabled"]), timeout=10,
                       message="Disconnect to finish")
            assert tab.client is None
            assert str(tab.client_state.cget("text")) == "Not connected"


def test_quick_sends_come_back_in_order(app):
    tab, port = start_server(app)
    tab.target.set(host="127.0.0.1", port=port)
    tab.connect_button.invoke()
    wait_until(app.root, lambda: tab.connected, message="the client to connect")
    words = [f"message {n}" for n in range(20)]
    for word in words:
        tab.message.set(word)
        tab.send()
    rows = wait_until(app.root, lambda: len(tab.reply_rows()) == len(words) and tab.reply_rows())
    assert [row[1] for row in rows] == words
