"""Show the code: the highlighter, every tab's Code button and what it fills in, Copy,
Save as .py, the scale and the theme."""

from __future__ import annotations

import ast

import pytest

from labsuite.gui import style
from labsuite.gui.tabs.web import get_choice
from labsuite.gui.widgets import Tab
from labsuite.gui.widgets.code_view import (CODE_FONT_RATIO, CodeChoice, code_window,
                                            highlight, show_code)
from labsuite.gui.widgets.diagram_view import add_diagram
from labsuite.gui.widgets.logview import LogView
from labsuite.net import ports
from labsuite.net.scripts import script_text

from .conftest import start_tab_server, wait_until

pytestmark = pytest.mark.timeout(30)


def tagged(spans, source):
    """{tag: [the text of each span]} for a one-line-per-span check."""
    lines = source.splitlines()
    found = {}
    for tag, (row, column), (end_row, end_column) in spans:
        assert row == end_row, "spans in these samples stay on one line"
        found.setdefault(tag, []).append(lines[row - 1][column:end_column])
    return found


def press_code(app, title):
    tab = app.select(title)
    tab.log_area.code_button.invoke()
    window = code_window(app.root)
    wait_until(app.root, window.winfo_viewable, message="the code window")
    return tab, window


def choose(app, window, kind):
    index = [choice.kind for choice in window.choices].index(kind)
    button = [child for child in window.choice_row.winfo_children()
              if str(child.winfo_class()) == "TRadiobutton"][index]
    button.invoke()
    app.root.update()


# -- the highlighter ------------------------------------------------------------------------------
def test_keywords_strings_comments_numbers_and_defined_names():
    source = ('import socket  # the standard library\n'
              'PORT = 8007\n'
              'def serve(host="127.0.0.1", tries=3.5):\n'
              '    if not host:\n'
              '        return f"{host} port {PORT}"\n'
              'class Echo: pass\n'
              'match = None\n')
    found = tagged(highlight(source), source)
    assert found["keyword"][:4] == ["import", "def", "if", "not"]
    assert "return" in found["keyword"] and "class" in found["keyword"]
    assert "match" not in found["keyword"]  # a soft keyword used as a name stays a name
    assert found["comment"] == ["# the standard library"]
    assert found["number"] == ["8007", "3.5"]
    assert found["name"] == ["serve", "Echo"]
    assert '"127.0.0.1"' in found["string"]
    assert any("port" in text for text in found["string"])  # the f-string, whole or in parts


def test_broken_code_keeps_what_was_found_and_never_fails():
    assert highlight("x = 1\nif (\n  2 +\n") == [  # the bracket is never closed
        ("number", (1, 4), (1, 5)), ("keyword", (2, 0), (2, 2)), ("number", (3, 2), (3, 3))]
    assert ("number", (2, 4), (2, 5)) in highlight('x = "an unclosed string\ny = 3\n')
    for hostile in ("", "\x00\x1b[2J", "(" * 500, "'''", "\t if x:\n  y\n z\n", "é = 1 # ü"):
        highlight(hostile)


def test_a_choice_fills_in_the_host_and_port_safely():
    hostile = CodeChoice("echo-client", 'evil"\nimport os\\', 9)
    tree = ast.parse(hostile.text())  # still a program, not an injection
    assigned = {node.targets[0].id: node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)}
    assert assigned["HOST"] == 'evil"\nimport os\\' and assigned["PORT"] == 9
    assert CodeChoice("echo-server").text() == script_text("echo-server")
    assert CodeChoice("get", argument="http://x/a b").run_line().endswith(
        "get.py http://x/a b")
    assert CodeChoice("chat-server").label == "chat server"


# -- the window ---------------------------------------------------------------------------------
def test_the_echo_tab_shows_its_server_and_client_with_copy_and_save(app, tmp_path):
    tab = app.select("Echo")
    tab.server.port_box.set_port(8123)
    tab.target.set(host="10.0.0.5", port=8007)
    tab, window = press_code(app, "Echo")
    assert [choice.kind for choice in window.choices] == ["echo-server", "echo-client"]
    assert window.current.kind == "echo-server"
    code = window.code
    assert code == script_text("echo-server", ports.LOCAL_ONLY, 8123)
    assert "PORT = 8123" in code and 'HOST = "127.0.0.1"' in code
    assert window.text.tag_ranges("keyword") and window.text.tag_ranges("comment")
    assert window.text.tag_ranges("string") and window.text.tag_ranges("number")
    filled = window.text.tag_ranges("filled")  # the HOST and PORT lines
    assert window.text.get(filled[0], filled[-1]) == 'HOST = "127.0.0.1"\nPORT = 8123\n'
    assert "python3 echo_server.py" in str(window.run_label.cget("text"))
    assert "echo_server.py:" in str(window.about.cget("text"))

    choose(app, window, "echo-client")
    assert window.current.kind == "echo-client"
    assert 'HOST = "10.0.0.5"' in window.code and "PORT = 8007" in window.code
    assert "python3 echo_client.py" in str(window.run_label.cget("text"))
    assert window.copy() == app.root.clipboard_get() == window.code
    assert str(window.copy_button.cget("text")) == "Copied"
    path = tmp_path / "echo_client.py"
    window.save_to(str(path))
    assert path.read_text(encoding="utf-8") == script_text("echo-client", "10.0.0.5", 8007)
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
    window.close_button.invoke()
    app.root.update()
    assert not window.winfo_viewable()
    again = show_code(tab)
    assert again is window and window.winfo_viewable()  # one window, shown again


def test_a_running_server_gives_its_real_port_and_goes_first(app):
    tab = start_tab_server(app, "Chat")
    real = tab.server.service.address[1]
    wait_until(app.root, lambda: tab.client is not None, message="the host to join")
    kinds = tab.code_kinds()
    assert [choice.kind for choice in kinds] == ["chat-server", "chat-client"]
    assert kinds[0].port == real and kinds[0].host == tab.server.scope.get()
    assert kinds[1].port == tab.target.port_box.get_port()


def test_the_time_tab_offers_the_daytime_client_even_in_sntp_mode(app):
    tab = app.select("Time")
    tab.target.set(host=ports.LOCAL_ONLY, port=8013)
    assert [choice.kind for choice in tab.code_kinds()] == ["daytime-client", "daytime-server"]
    tab.protocol.set("sntp")
    tab.target.set(host="time.nist.gov", port=123)
    client = tab.code_kinds()[0]
    assert (client.kind, client.host, client.port) == ("daytime-client", "time.nist.gov", 13)
    tab.target.set(host=ports.LOCAL_ONLY)
    assert tab.code_kinds()[0].port == tab.local_port("daytime")
    tab.target.port_box.variable.set("not a port")
    tab.protocol.set("daytime")
    assert tab.code_kinds()[0].port is None  # the script keeps its own


def test_the_web_tab_offers_the_server_and_get_for_the_url():
    assert get_choice("http://127.0.0.1:8080/") == CodeChoice("get", "127.0.0.1", 8080)
    assert get_choice("http://example.com/a/b.html?x=1") == CodeChoice(
        "get", "example.com", 80, "http://example.com/a/b.html?x=1")
    assert get_choice("https://example.com/") == CodeChoice("get", argument="https://example.com/")
    assert get_choice("http://[::1]:9/") == CodeChoice("get", "::1", 9)
    assert get_choice("http://host:notaport/") == CodeChoice("get", argument="http://host:notaport/")
    assert get_choice("") == CodeChoice("get", argument="")


def test_the_network_tab_offers_a_client_only_for_a_console_on_a_known_port(app):
    tab = app.select("Network")
    tab.show_page(tab.lookup)
    app.root.update()
    assert tab.code_kinds() == [] and "no short program" in tab.no_code
    _tab, window = press_code(app, "Network")
    assert window.choices == [] and window.code == ""
    assert "no short program" in str(window.about.cget("text"))
    assert window.copy_button.instate(["disabled"])
    tab.show_page(tab.console)
    app.root.update()
    console = tab.console
    for port, kind in ((ports.ECHO, "echo-client"), (ports.CHAT, "chat-client"),
                       (13, "daytime-client"), (ports.WEB, "get")):
        console.target.set(host="127.0.0.1", port=port)
        assert [(choice.kind, choice.port) for choice in tab.code_kinds()] == [(kind, port)]
    console.udp.set(True)
    assert tab.code_kinds() == []  # the scripts speak TCP
    console.udp.set(False)
    console.target.set(port=4242)
    assert tab.code_kinds() == [] and "raw console" in tab.no_code


def test_the_code_font_follows_the_scale_and_the_colours_the_theme(app):
    _tab, window = press_code(app, "Echo")
    app.normal_size()
    app.root.update()
    small = int(window._font.cget("size"))
    app.bigger()
    app.root.update()
    assert int(window._font.cget("size")) > small
    fixed = abs(int(app.look.fonts["TkFixedFont"].cget("size")))
    assert int(window._font.cget("size")) == round(fixed * CODE_FONT_RATIO)
    for theme, palette in (("dark", style.DARK), ("light", style.LIGHT)):
        app.set_theme(theme)
        app.root.update()
        assert window.text.tag_cget("keyword", "foreground") == palette.result
        assert window.text.tag_cget("string", "foreground") == palette.running
        assert str(window.text.cget("background")) == palette.field


def test_a_tab_that_offers_no_code_has_no_code_button(app):
    class Plain(Tab):
        title = "Plain"

    plain = Plain(app.notebook)
    area = add_diagram(LogView(plain.body), plain)
    assert area.code_button is None
    assert app.echo_tab.log_area.code_button is not None
    assert app.network_tab.log_area.code_button is not None
    plain.destroy()
