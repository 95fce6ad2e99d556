"""The Time tab: its own servers, queries to them, and plain errors (127.0.0.1 only)."""

from __future__ import annotations

import socket

import pytest

from labsuite.gui.tabs.time import LocalTimeServers
from labsuite.net.sntp import SntpServer

from .conftest import free_port, port_is_free, screenshot, start_tab_server, wait_until

pytestmark = pytest.mark.timeout(30)


def query(app, tab, protocol, port, host="127.0.0.1"):
    tab.protocol_buttons[protocol].invoke()
    tab.target.set(host=host, port=port)
    tab.query_button.invoke()
    wait_until(app.root, lambda: tab.query is None, timeout=10, message="the query to end")
    return tab.result.content


def test_query_the_tab_own_daytime_server(app):
    tab = start_tab_server(app, "Time")
    port = tab.server.service.address[1]
    assert f"daytime TCP port {port}" in tab.server.state_text
    assert tab.format.get() == "rfc867"

    tab.protocol_buttons["daytime"].invoke()
    tab.target.set(host="127.0.0.1", port=1)
    tab.query_button.invoke()
    assert tab.query_button.instate(["disabled"])  # one query at a time
    wait_until(app.root, lambda: tab.query is None, timeout=10)
    assert tab.query_button.instate(["!disabled"])
    text = tab.result.content
    assert "Nothing is listening" in text or "refused" in text  # port 1: nobody there

    answer = query(app, tab, "daytime", port)
    assert answer.startswith("Server's time:")
    assert "UTC" in answer and "Offset:" in answer
    assert "Accepted connection" in tab.log.content()
    screenshot(app.root, "time-tab")

    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: not tab.server.running)
    assert port_is_free(port)


def test_this_computer_preset_works_for_both_protocols(app):
    tab = start_tab_server(app, "Time")
    servers = tab.server.service
    assert servers.sntp is not None and "SNTP UDP port" in tab.server.state_text

    tab.target.set(host="127.0.0.1")
    tab.protocol_buttons["sntp"].invoke()  # picking a protocol picks the local port
    assert tab.target.port_box.get_port() == servers.sntp_address[1]
    tab.query_button.invoke()
    wait_until(app.root, lambda: tab.query is None, timeout=10)
    assert "Offset:" in tab.result.content and "SNTP version" in tab.result.content

    tab.protocol_buttons["daytime"].invoke()
    assert tab.target.port_box.get_port() == servers.address[1]
    tab.target.set(host="time.nist.gov")
    tab.protocol_buttons["sntp"].invoke()
    assert tab.target.port_box.get_port() == 123  # public servers: the well-known port


def test_nist_format(app):
    tab = app.select("Time")
    tab.format.set("nist")
    start_tab_server(app, "Time")
    answer = query(app, tab, "daytime", tab.server.service.address[1])
    assert "NIST" in answer


def test_daytime_to_a_closed_port(app):
    tab = app.select("Time")
    answer = query(app, tab, "daytime", free_port())
    assert answer.startswith("Nothing is listening at 127.0.0.1 port")
    assert "Traceback" not in tab.log.content()


def test_sntp_query_shows_the_offset(app):
    tab = app.select("Time")
    with SntpServer(host="127.0.0.1", port=0) as server:
        answer = query(app, tab, "sntp", server.address[1])
    assert "Offset:" in answer
    assert "Network delay:" in answer
    assert "stratum 1" in answer


def test_sntp_port_in_use_falls_back():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        taken = squatter.getsockname()[1]
        servers = LocalTimeServers("127.0.0.1", free_port(), on_event=None, sntp_port=taken)
        with_cleanup = servers.start()
        try:
            assert servers.sntp is not None
            assert servers.sntp_address[1] != taken
        finally:
            with_cleanup.stop()
        assert not servers.running
