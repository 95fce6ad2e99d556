"""The Web tab against real sockets on 127.0.0.1: serve, fetch, watch requests, plain errors.

No real browser is ever opened: ``webbrowser.open`` is replaced in every test that
presses "Open in browser".
"""

from __future__ import annotations

import socket
import webbrowser
from types import SimpleNamespace

import pytest

from labsuite.gui.tabs import web as web_tab_module
from labsuite.gui.widgets.server_controls import STOPPED_TEXT
from labsuite.gui.tabs.web import FOLDER, MAX_REQUESTS, local_url
from labsuite.net import ports
from labsuite.net.fetch import FetchQuery
from labsuite.net.web import RequestRecord

from .conftest import (free_port, port_is_free, screenshot, smallest, start_tab_server,
                       wait_until)

pytestmark = pytest.mark.timeout(30)


def start_server(app, folder=None):
    tab = app.select("Web")
    tab.server.scope.set(ports.LOCAL_ONLY)
    if folder is not None:
        tab.set_folder(str(folder))
    start_tab_server(app, "Web")
    port = tab.server.service.address[1]
    wait_until(app.root, lambda: tab.urls, message="the address to open")
    return tab, port


def fetch(app, tab, url=None):
    if url is not None:
        tab.url.set(url)
    tab.fetch_button.invoke()
    wait_until(app.root, lambda: tab.fetching is None, timeout=10, message="the fetch to end")
    return tab.result.content


def test_fetch_the_sample_site_and_see_what_was_sent(app, monkeypatch):
    tab, port = start_server(app)
    assert tab.use_sample_site  # the default: one button shows a page
    assert "the built-in sample site" in tab.server.state_text
    assert tab.urls == [local_url(port)]
    assert tab.address_text == f"Open: {local_url(port)}"
    assert tab.url.get() == local_url(port)  # the fetch panel follows the running server

    answer = fetch(app, tab)
    assert answer.startswith("HTTP/1.1 200 OK")
    assert "Content-Type: text/html" in answer
    assert "It works!" in answer  # the start of the body
    rows = wait_until(app.root, tab.request_rows, message="a row for the request")
    client, method, path, status, size, _ms = rows[-1]
    assert client.startswith("127.0.0.1:") and (method, path, status) == ("GET", "/", "200")
    assert int(size.replace(",", "")) > 0
    assert tab.fetch_button.instate(["!disabled"]) and tab.stop_button.instate(["disabled"])

    tab.select_request(-1)
    app.root.update()
    sent = tab.sent.content
    assert sent.splitlines()[0] == "GET / HTTP/1.1"
    assert f"Host: 127.0.0.1:{port}" in sent
    assert str(app.root.nametowidget(tab.pages.select())) == str(tab.sent_page)
    assert "Read request from" in tab.log.content()
    screenshot(app.root, "web-tab")

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    tab.open_button.invoke()
    wait_until(app.root, lambda: opened, message="the browser to be asked")
    assert opened == [local_url(port)]
    assert tab.copy_address() == local_url(port)
    assert app.root.clipboard_get() == local_url(port)
    assert str(tab.copy_button.cget("text")) == "Copied"


def test_enter_in_the_url_fetches(app):
    tab, port = start_server(app)
    tab.url.set(f"127.0.0.1:{port}/about.html")  # no scheme: http is meant
    tab.url_entry.focus_force()
    tab.url_entry.event_generate("<Return>")
    wait_until(app.root, lambda: tab.fetching is None and "200 OK" in tab.result.content,
               timeout=10, message="the page")
    wait_until(app.root, lambda: any(row[2] == "/about.html" for row in tab.request_rows()))


def test_serve_a_chosen_folder_with_a_404_and_save_a_page(app, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello.txt").write_text("Hello from my own folder\n", encoding="utf-8")
    tab, port = start_server(app, folder=site)
    assert tab.source.get() == FOLDER
    assert str(site) in tab.server.state_text
    assert tab.folder_entry.instate(["disabled"])  # no changing the folder while serving

    saved = tmp_path / "copy.txt"
    tab.save_to.set(str(saved))
    answer = fetch(app, tab, f"http://127.0.0.1:{port}/hello.txt")
    assert "HTTP/1.1 200 OK" in answer and "Hello from my own folder" in answer
    assert saved.read_text(encoding="utf-8") == "Hello from my own folder\n"
    assert f"Saved 25 bytes to {saved}" in answer

    tab.save_to.set("")
    answer = fetch(app, tab, f"http://127.0.0.1:{port}/missing.html")
    assert answer.startswith("HTTP/1.1 404 Not Found")
    row = wait_until(app.root, lambda: [r for r in tab.request_rows() if r[2] == "/missing.html"],
                     message="the 404 in the list")[0]
    assert row[3] == "404"
    last = tab.requests.get_children()[-1]
    assert "error" in tab.requests.item(last, "tags")


def test_a_folder_must_be_chosen_before_serving_it(app):
    tab = app.select("Web")
    tab.source.set(FOLDER)
    tab.folder.set("")
    tab.server.port_box.set_port(free_port())
    tab.server.toggle_button.invoke()
    app.root.update()
    assert not tab.server.running
    assert "Choose a folder to serve" in tab.server.state_text


def test_a_port_in_use_is_one_plain_sentence(app):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        tab = app.select("Web")
        tab.server.scope.set(ports.LOCAL_ONLY)
        tab.server.port_box.set_port(port)
        tab.server.toggle_button.invoke()
        app.root.update()
        assert not tab.server.running
        assert tab.server.state_text.endswith(f"Port {port} is already in use by another "
                                              "program; choose another port.")
        assert tab.urls == [] and tab.open_button.instate(["disabled"])


def test_fetching_from_a_closed_port_is_a_plain_error(app):
    tab = app.select("Web")
    port = free_port()
    answer = fetch(app, tab, f"http://127.0.0.1:{port}/")
    assert answer.startswith(f"Nothing is listening at 127.0.0.1 port {port}")
    assert "Traceback" not in answer
    assert tab.fetch_button.instate(["!disabled"])
    assert tab.running_services() == []

    answer = fetch(app, tab, "ftp://127.0.0.1/file.txt")
    assert answer == "Only http:// and https:// addresses can be fetched, not ftp://."


def test_a_fetch_in_progress_can_be_stopped(app):
    with socket.socket() as silent:  # accepts (in the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        tab = app.select("Web")
        tab.url.set(f"http://127.0.0.1:{silent.getsockname()[1]}/")
        tab.fetch_button.invoke()
        query = tab.fetching
        assert query is not None and tab.running_services() == [query]
        assert tab.fetch_button.instate(["disabled"]) and tab.stop_button.instate(["!disabled"])
        wait_until(app.root, lambda: "Connected to" in tab.log.content(), message="connected")
        tab.stop_button.invoke()
        assert tab.result.content == "The download was stopped."
        assert tab.fetching is None and tab.running_services() == []
        wait_until(app.root, lambda: not query.running, message="the fetch to stop")
        assert tab.result.content == "The download was stopped."  # no late error over it


def test_a_query_with_no_answer_is_given_up(app):
    """The runner's watchdog (the Time tab's kind of query uses it) on a silent server."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        tab = app.select("Web")
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        query = tab.fetcher.start(lambda on_event: FetchQuery(url, on_event=on_event),
                                  busy_text="Waiting…", give_up_after=0.3,
                                  give_up_text="No answer from the server.")
        assert tab.fetching is query and tab.result.content == "Waiting…"
        wait_until(app.root, lambda: tab.fetching is None, message="giving up")
        assert tab.result.content == "No answer from the server."
        assert tab.fetch_button.instate(["!disabled"])
        wait_until(app.root, lambda: not query.running, message="the query to stop")


def test_stop_frees_the_port(app):
    tab, port = start_server(app)
    assert tab.running_services() == [tab.server.service]
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.server.state_text == STOPPED_TEXT, message="Stopped")
    assert port_is_free(port)
    assert tab.urls == [] and tab.copy_button.instate(["disabled"])
    assert tab.copy_address() is None
    assert tab.running_services() == []


def test_open_to_everyone_shows_the_partner_address_too(app, monkeypatch):
    """Only the address display: nothing is bound to 0.0.0.0 here."""
    monkeypatch.setattr(web_tab_module, "partner_address", lambda: "192.0.2.7")
    tab = app.select("Web")
    tab.server.scope.set(ports.EVERYONE)
    tab._show_addresses(SimpleNamespace(address=("0.0.0.0", 8080)))
    assert tab.urls == ["http://192.0.2.7:8080/", "http://127.0.0.1:8080/"]
    assert tab.address_text == ("Others open: http://192.0.2.7:8080/ "
                                "This computer: http://127.0.0.1:8080/")
    assert tab.copy_address() == "http://192.0.2.7:8080/"

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    tab.open_button.invoke()  # the browser on this computer: its own address
    wait_until(app.root, lambda: opened, message="the browser to be asked")
    assert opened == ["http://127.0.0.1:8080/"]
    partner_link = tab._address_widgets[1]
    partner_link.event_generate("<Button-1>")  # the address itself is a link
    wait_until(app.root, lambda: len(opened) == 2, message="the link to open")
    assert opened[1] == "http://192.0.2.7:8080/"

    monkeypatch.setattr(web_tab_module, "partner_address", lambda: None)
    tab._show_addresses(SimpleNamespace(address=("0.0.0.0", 8080)))
    assert tab.urls == ["http://127.0.0.1:8080/"]  # no network: this computer only
    tab._show_addresses(None)
    assert tab.urls == []
    assert tab.address_text == ""


def test_no_browser_is_said_plainly(app, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    tab = app.select("Web")
    tab._show_addresses(SimpleNamespace(address=("127.0.0.1", 8080)))
    tab.open_button.invoke()
    wait_until(app.root, lambda: "No web browser" in str(tab.address_note.cget("text")))
    assert "http://127.0.0.1:8080/" in str(tab.address_note.cget("text"))
    assert tab.address_note.winfo_manager() == "grid"  # shown under the address


def test_the_request_list_is_bounded(app):
    tab = app.select("Web")
    record = RequestRecord("127.0.0.1:5000", "GET", "/", 200, 10, 0.1, "GET / HTTP/1.1\r\n\r\n")
    tab._add_requests([record] * (MAX_REQUESTS + 5))
    assert len(tab.request_rows()) == MAX_REQUESTS == len(tab.records)
    tab.select_request(-1)
    app.root.update()
    assert tab.sent.content == "GET / HTTP/1.1"
    tab.clear_requests()
    assert tab.request_rows() == [] and tab.records == {}
    assert tab.sent.content.startswith("Choose a request")


def test_the_dialogs_fill_in_the_folder_and_the_file(app, tmp_path, monkeypatch):
    asked = {}

    def ask_folder(**options):
        asked["folder"] = options
        return str(tmp_path)

    def ask_file(**options):
        asked["file"] = options
        return str(tmp_path / "saved.html")

    monkeypatch.setattr(web_tab_module.filedialog, "askdirectory", ask_folder)
    monkeypatch.setattr(web_tab_module.filedialog, "asksaveasfilename", ask_file)
    tab = app.select("Web")
    assert tab.use_sample_site
    tab.choose_button.invoke()
    assert tab.folder.get() == str(tmp_path) and tab.source.get() == FOLDER
    tab.url.set("http://127.0.0.1:8080/docs/about.html")
    tab.save_button.invoke()
    assert asked["file"]["initialfile"] == "about.html"
    assert tab.save_to.get() == str(tmp_path / "saved.html")

    tab.source.set("sample")
    for key in ("<Tab>", "<Key-x>"):
        tab.folder_entry.focus_force()
        app.root.update()
        tab.folder_entry.event_generate(key)
        app.root.update()
        if key == "<Tab>":
            assert tab.use_sample_site  # passing through is not choosing
    assert tab.source.get() == FOLDER  # typing a folder is
    monkeypatch.setattr(web_tab_module.filedialog, "askdirectory", lambda **options: "")
    typed = tab.folder.get()
    assert "x" in typed
    tab.choose_button.invoke()  # cancelled: nothing changes
    assert tab.folder.get() == typed


def test_settings_remember_the_choices(app, tmp_path):
    tab = app.select("Web")
    tab.set_folder(str(tmp_path))
    tab.server.port_box.set_port(8181)
    tab.url.set("http://127.0.0.1:8181/about.html")
    assert tab.settings() == {"web.server.folder": str(tmp_path),
                              "web.server.sample_site": False,
                              "web.url": "http://127.0.0.1:8181/about.html",
                              "web.server.scope": ports.LOCAL_ONLY, "web.server.port": 8181}
    app.save_settings()
    from labsuite.gui.app import create_app
    from labsuite.gui.settings import Settings

    again = create_app(Settings.load())
    try:
        tab = again.tabs["Web"]
        assert tab.folder.get() == str(tmp_path) and not tab.use_sample_site
        assert tab.url.get() == "http://127.0.0.1:8181/about.html"
        assert tab.server.port_box.get_port() == 8181
    finally:
        again.close()


def test_layout_fits_the_smallest_window(app):
    tab, _port = start_server(app)
    width, height = smallest(app)
    for widget in (tab.server.toggle_button, tab.open_button, tab.copy_button,
                   tab.choose_button, tab.clear_button, tab.fetch_button, tab.stop_button,
                   tab.save_button, tab.url_entry):
        assert widget.winfo_viewable(), widget
        right = widget.winfo_rootx() + widget.winfo_width()
        bottom = widget.winfo_rooty() + widget.winfo_height()
        assert right <= app.root.winfo_rootx() + width, widget
        assert bottom <= app.root.winfo_rooty() + height, widget
        assert widget.winfo_width() > 20 and widget.winfo_height() > 10, widget
    scrollbar, = [child for child in tab.requests.master.winfo_children()
                  if child.winfo_class() == "TScrollbar"]
    assert scrollbar.winfo_width() > 5, "the table's scrollbar must not be squeezed out"
    screenshot(app.root, "web-tab-small")
