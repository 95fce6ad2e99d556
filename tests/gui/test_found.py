"""Finding each other in the window: the lists of found servers, the "On this network"
page, the announce switch and the hosting boxes' note.

Nothing here searches or announces on the machine's network. Most tests give the window
a fake Browser fed by the test (its events go through the real pump) and a fake Discovery
that records the switch; the default window (LABSUITE_NO_ANNOUNCE, set for every test)
is checked to build no Browser at all; the last tests run the real search and a real
announced room inside network namespaces of their own (root only; skipped otherwise),
as tests/net/test_discovery.py does.
"""

from __future__ import annotations

import threading

import pytest

from labsuite.gui.app import ANNOUNCE_LABEL, ANNOUNCE_SETTING, create_app
from labsuite.gui.settings import Settings
from labsuite.gui.widgets.announced import ANNOUNCING, announced_text
from labsuite.gui.widgets.found import (LOOKING, NAME_CHARS, NOTHING_FOUND, QUIET, SEPARATOR,
                                        choice_label, shown_name)
from labsuite.gui.widgets.tooltip import tip_of
from labsuite.net import ports
from labsuite.net.discovery import NO_NETWORK, Found, Gone
from labsuite.net.errors import NetError
from labsuite.net.events import Event, Kind

from tests.net.test_discovery import LAN_ADDRESS, discoveries, inside, lan  # noqa: F401
from tests.support import make_namespace

from .conftest import free_port, wait_until

pytestmark = pytest.mark.timeout(30)

ROOM = Found("chat", "cool cat's room on lab-pc-12", "lab-pc-12", ("10.0.0.5",), 9000, {},
             "cool cat's room on lab-pc-12._labsuite-chat._tcp.local.")
ROOM_LABEL = "cool cat's room on lab-pc-12 — 10.0.0.5 port 9000"
OTHER_ROOM = Found("chat", "cold turkey's room on lab-pc-07", "lab-pc-07", ("10.0.0.21",),
                   9001, {}, "turkey")
ECHO = Found("echo", "labsuite echo server on lab-pc-12", "lab-pc-12", ("10.0.0.5",), 8007,
             {}, "echo")
DAYTIME = Found("daytime", "labsuite daytime server on teacher", "teacher", ("10.0.0.2",),
                8013, {}, "daytime")
SNTP = Found("sntp", "labsuite SNTP time server on teacher", "teacher", ("10.0.0.2",), 8124,
             {}, "sntp")
WEB = Found("web", "labsuite web server on lab-pc-3", "lab-pc-3", ("10.0.0.7",), 8080, {}, "web")
WEB6 = Found("web", "v6 site on lab-pc-4", "lab-pc-4", ("fd00::7",), 8081, {}, "web6")
POKER = Found("poker", "labsuite poker table on lab-pc-09", "lab-pc-09", ("10.0.0.9",), 9100,
              {}, "poker")


class FakeBrowser:
    """Stands for labsuite.net.discovery.Browser: the test says what it finds."""

    def __init__(self, on_event, hold: threading.Event = None, fail: Exception = None):
        self.on_event = on_event
        self.hold, self.fail = hold, fail
        self.started = threading.Event()
        self.stopped = threading.Event()
        self.running = False

    def start(self):
        self.started.set()
        if self.hold is not None:
            self.hold.wait(10)
        if self.fail is not None:
            raise self.fail
        self.running = True
        self.on_event(Event(Kind.INFO, "discovery", "Looking for labsuite servers on this "
                                                    "network"))
        return self

    def stop(self):
        self.running = False
        self.stopped.set()
        self.on_event(Event(Kind.STOPPED, "discovery", "Stopped"))

    def found(self, *servers):
        for server in servers:
            self.on_event(Event(Kind.RESULT, "discovery", server.headline(), result=server))

    def gone(self, server):
        gone = Gone(server.kind, server.name, server.host, server.addresses, server.port,
                    server.properties, server.key)
        self.on_event(Event(Kind.RESULT, "discovery", gone.headline(), result=gone))


class FakeDiscovery:
    """Records the announce switch (a real one would announce on the machine's network)."""

    def __init__(self):
        self.announcing = True
        self.calls = []

    def set_announcing(self, on):
        self.announcing = bool(on)
        self.calls.append(bool(on))


class Window:
    """A window with a fake browser and discovery; ``browser`` once it was made."""

    def __init__(self, settings=None, nothing_after_ms=None, **browser_options):
        self.made = []
        self.discovery = FakeDiscovery()

        def make(on_event):
            self.made.append(FakeBrowser(on_event, **browser_options))
            return self.made[-1]

        self.app = create_app(settings, discovery=self.discovery, browser=make)
        if nothing_after_ms is not None:
            self.app.found.nothing_after_ms = nothing_after_ms
        self.root = self.app.root

    @property
    def browser(self) -> FakeBrowser:
        wait_until(self.root, lambda: self.made, message="the window's browser")
        return self.made[0]

    def searching(self) -> FakeBrowser:
        browser = self.browser
        wait_until(self.root, lambda: self.app.found.state == "searching",
                   message="the search to begin")
        return browser

    def close(self):
        self.app.close()


@pytest.fixture
def window():
    made = []

    def make(**options):
        made.append(Window(**options))
        made[-1].root.update()
        return made[-1]

    yield make
    for opened in made:
        opened.close()


def values(field):
    return list(field.host_box.cget("values"))


def choose_in_list(root, field, label):
    """Pick ``label`` in ``field``'s list, as a click in the open list does."""
    box = field.host_box
    box.current(values(field).index(label))
    box.event_generate("<<ComboboxSelected>>")
    root.update()


def page_of(app):
    tab = app.select("Network")
    tab.show_page(tab.found_page)
    app.root.update()
    return tab.found_page


# -- the lists ----------------------------------------------------------------------------
def test_found_and_gone_fill_and_empty_every_list(window):
    w = window()
    app, browser = w.app, w.searching()
    browser.found(ROOM, ECHO, DAYTIME, SNTP, WEB, POKER)
    chat = app.chat_tab.target
    wait_until(w.root, lambda: ROOM_LABEL in values(chat), message="the room in the Join list")
    assert values(chat)[0] == f"this computer ({ports.LOCAL_ONLY})"  # the presets first
    assert values(app.echo_tab.target)[-1] == \
        "labsuite echo server on lab-pc-12 — 10.0.0.5 port 8007"
    time_choices = values(app.time_tab.target)
    assert "labsuite daytime server on teacher — 10.0.0.2 port 8013 (daytime server)" \
        in time_choices
    assert "labsuite SNTP time server on teacher — 10.0.0.2 port 8124 (SNTP server)" \
        in time_choices
    assert values(app.poker_tab.target)[-1].endswith("— 10.0.0.9 port 9100")
    assert w.app.web_menu.labels == ["labsuite web server on lab-pc-3 — 10.0.0.7 port 8080"]
    assert str(w.app.web_menu.cget("text")) == "Found (1)"
    page = page_of(app)
    assert page.shown_rows() == [
        ("chat room", "cool cat's room on lab-pc-12", "10.0.0.5", "9000"),
        ("poker table", "labsuite poker table on lab-pc-09", "10.0.0.9", "9100"),
        ("web server", "labsuite web server on lab-pc-3", "10.0.0.7", "8080"),
        ("echo server", "labsuite echo server on lab-pc-12", "10.0.0.5", "8007"),
        ("daytime server", "labsuite daytime server on teacher", "10.0.0.2", "8013"),
        ("SNTP server", "labsuite SNTP time server on teacher", "10.0.0.2", "8124")]
    assert page.status.cget("text").startswith("6 servers found on this network")
    assert "1 chat rooms" not in tip_of(chat.host_box)
    assert "1 chat room" in tip_of(chat.host_box)
    # the Network tab's log tells it too
    app.network_tab.log.flush()
    assert 'Found chat room "cool cat\'s room on lab-pc-12" at 10.0.0.5 port 9000' in \
        app.network_tab.log.content()

    browser.found(OTHER_ROOM)
    wait_until(w.root, lambda: len(values(chat)) == 3, message="a second room")
    browser.gone(ROOM)
    wait_until(w.root, lambda: ROOM_LABEL not in values(chat), message="the room to go")
    assert values(chat)[1] == "cold turkey's room on lab-pc-07 — 10.0.0.21 port 9001"
    browser.gone(WEB)
    wait_until(w.root, lambda: not w.app.web_menu.labels, message="the web server to go")
    assert str(w.app.web_menu.cget("text")) == "Found"
    assert ("chat room", "cool cat's room on lab-pc-12", "10.0.0.5", "9000") \
        not in page.shown_rows()
    assert len(page.shown_rows()) == 5


def test_a_changed_announcement_replaces_the_old_one(window):
    w = window()
    browser = w.searching()
    browser.found(ROOM)
    moved = Found(ROOM.kind, ROOM.name, ROOM.host, ("10.0.0.6",), 9002, {}, ROOM.key)
    browser.found(moved)
    chat = w.app.chat_tab.target
    wait_until(w.root, lambda: values(chat)[1:] ==
               ["cool cat's room on lab-pc-12 — 10.0.0.6 port 9002"], message="the move")


def test_choosing_a_found_server_fills_host_and_port(window):
    w = window()
    app, browser = w.app, w.searching()
    browser.found(ROOM, DAYTIME, SNTP, WEB, WEB6)
    chat = app.chat_tab.target
    wait_until(w.root, lambda: ROOM_LABEL in values(chat), message="the room")
    choose_in_list(w.root, chat, ROOM_LABEL)
    assert chat.get() == ("10.0.0.5", 9000)
    assert chat.host_variable.get() == "10.0.0.5", "the address is typed, never the name"

    # the Time tab sets the usual port of a host chosen from its list: the found one wins,
    # and the protocol follows the kind
    time_tab = app.time_tab
    time_tab.protocol.set("daytime")
    label = next(v for v in values(time_tab.target) if "(SNTP server)" in v)
    choose_in_list(w.root, time_tab.target, label)
    wait_until(w.root, lambda: time_tab.target.get() == ("10.0.0.2", 8124),
               message="the SNTP server's own port")
    assert time_tab.protocol.get() == "sntp"
    label = next(v for v in values(time_tab.target) if "(daytime server)" in v)
    choose_in_list(w.root, time_tab.target, label)
    wait_until(w.root, lambda: time_tab.target.get() == ("10.0.0.2", 8013),
               message="the daytime server's own port")
    assert time_tab.protocol.get() == "daytime"

    # the Web tab's URL field: a menu beside it
    menu = app.web_menu
    wait_until(w.root, lambda: len(menu.labels) == 2, message="two web servers")
    menu.menu.invoke(menu.labels.index("labsuite web server on lab-pc-3 — 10.0.0.7 port 8080"))
    assert app.web_tab.url.get() == "http://10.0.0.7:8080/"
    menu.menu.invoke(menu.labels.index("v6 site on lab-pc-4 — fd00::7 port 8081"))
    assert app.web_tab.url.get() == "http://[fd00::7]:8081/"


def test_the_open_list_follows_the_network_and_is_wide_enough(window):
    w = window()
    browser = w.searching()
    chat = w.app.chat_tab.target
    w.app.select("Chat")
    w.root.update()
    box = chat.host_box
    box.focus_force()
    box.tk.call("ttk::combobox::Post", box)
    listbox = f"{box}.popdown.f.l"
    try:
        wait_until(w.root, lambda: box.tk.call("winfo", "ismapped", f"{box}.popdown"),
                   message="the list to open")
        browser.found(ROOM)
        wait_until(w.root, lambda: ROOM_LABEL in box.tk.splitlist(
            box.tk.call(listbox, "get", 0, "end")), message="the room in the open list")
        w.root.update_idletasks()
        font = box.tk.call(listbox, "cget", "-font")
        needed = int(box.tk.call("font", "measure", font, ROOM_LABEL))
        width = int(box.tk.call("winfo", "width", f"{box}.popdown"))
        assert box.winfo_width() < needed, "the test needs a box narrower than the label"
        assert width >= needed, "the open list shows the whole label"
        browser.gone(ROOM)
        wait_until(w.root, lambda: ROOM_LABEL not in box.tk.splitlist(
            box.tk.call(listbox, "get", 0, "end")), message="the room to leave the list")
    finally:
        box.tk.call("ttk::combobox::Unpost", box)


def test_names_from_the_network_cannot_hide_the_address():
    fake = Found("chat", "teacher's room — 10.0.0.1 port 9000 " + "x" * 60, "pc", ("10.0.0.66",),
                 9000, {}, "k")
    label = choice_label(fake)
    assert label.endswith(f"{SEPARATOR}10.0.0.66 port 9000")
    assert label.count(SEPARATOR) == 1, "a dash in the name is not the separator"
    assert "teacher's room - 10.0.0.1" in label
    name = shown_name(fake.name)
    assert len(name) == NAME_CHARS and name.endswith("…")
    assert shown_name("  a \u2013 b  ") == "a - b"


def test_names_with_tcl_and_odd_characters_are_shown_as_they_are(window):
    w = window()
    browser = w.searching()
    odd = Found("chat", 'room {x} [exit] $y \\ "q" ; } {', "pc", ("10.0.0.8",), 9000, {}, "odd")
    browser.found(odd)
    chat = w.app.chat_tab.target
    label = choice_label(odd)
    wait_until(w.root, lambda: label in values(chat), message="the odd name")
    choose_in_list(w.root, chat, label)
    assert chat.get() == ("10.0.0.8", 9000)
    page = page_of(w.app)
    assert page.shown_rows() == [("chat room", odd.name, "10.0.0.8", "9000")]


# -- the Network page -----------------------------------------------------------------------
def test_use_it_fills_the_right_tab_and_goes_there(window):
    w = window()
    app, browser = w.app, w.searching()
    browser.found(ROOM, SNTP, WEB)
    page = page_of(app)
    wait_until(w.root, lambda: len(page.shown_rows()) == 3, message="three servers")
    assert page.use_button.instate(["disabled"]), "nothing chosen yet"
    page.use_selected()
    assert page.note.cget("text") == "Choose a server in the list first."

    page.select(0)  # the chat room
    w.root.update()
    page.use_button.invoke()
    wait_until(w.root, lambda: app.current_tab is app.chat_tab, message="the Chat tab")
    assert app.chat_tab.target.get() == ("10.0.0.5", 9000)
    wait_until(w.root, lambda: w.root.focus_get() is app.chat_tab.target.host_box,
               message="the focus in the Join field (Enter there joins)")

    page = page_of(app)
    page.select(1)  # the web server
    page.table.focus_force()
    w.root.update()
    page.table.event_generate("<Return>")
    wait_until(w.root, lambda: app.current_tab is app.web_tab, message="the Web tab")
    assert app.web_tab.url.get() == "http://10.0.0.7:8080/"

    page = page_of(app)
    app.time_tab.protocol.set("daytime")
    page.select(2)  # the SNTP server
    page.use_selected()
    wait_until(w.root, lambda: app.current_tab is app.time_tab, message="the Time tab")
    assert app.time_tab.target.get() == ("10.0.0.2", 8124)
    assert app.time_tab.protocol.get() == "sntp"

    page = page_of(app)
    page.select(0)
    w.root.update()
    assert page.copy_selected() == "10.0.0.5"
    assert w.root.clipboard_get() == "10.0.0.5"


def test_the_chosen_row_stays_chosen_as_others_come(window):
    w = window()
    browser = w.searching()
    browser.found(WEB)
    page = page_of(w.app)
    wait_until(w.root, lambda: page.shown_rows(), message="the web server")
    page.select(0)
    browser.found(ROOM)  # sorts before it
    wait_until(w.root, lambda: len(page.shown_rows()) == 2, message="the room")
    assert page.selected() == WEB


def test_nothing_found_says_so_plainly(window):
    w = window(nothing_after_ms=50)
    page = page_of(w.app)
    assert page.status.cget("text") in (LOOKING, NOTHING_FOUND)
    browser = w.searching()
    wait_until(w.root, lambda: page.status.cget("text") == NOTHING_FOUND,
               message="the nothing-found sentence")
    assert "campus Wi-Fi" in NOTHING_FOUND and page.shown_rows() == []
    assert w.app.web_menu.menu.entrycget(0, "label") == NOTHING_FOUND
    browser.found(ECHO)
    wait_until(w.root, lambda: page.status.cget("text").startswith("1 server found"),
               message="one found")
    browser.gone(ECHO)
    wait_until(w.root, lambda: page.status.cget("text") == NOTHING_FOUND,
               message="nothing again")


def test_no_network_is_said_plainly(window):
    w = window()
    browser = w.browser
    browser.on_event(Event(Kind.ERROR, "discovery", NO_NETWORK))
    page = page_of(w.app)
    wait_until(w.root, lambda: page.status.cget("text") == NO_NETWORK, message="the error")
    assert str(page.status.cget("style")) == "Error.TLabel"


def test_a_search_that_cannot_start_is_said_plainly(window):
    w = window(fail=NetError("Cannot use multicast on this network (no route), so computers "
                             "cannot find each other: type the address instead."))
    page = page_of(w.app)
    wait_until(w.root, lambda: "Cannot use multicast" in page.status.cget("text"),
               message="the failure")


# -- start-up and closing -----------------------------------------------------------------
@pytest.mark.timeout(20)
def test_start_up_does_not_wait_for_the_search():
    hold = threading.Event()
    w = Window(hold=hold)
    try:
        assert w.made == [], "nothing is searched before the window is shown"
        w.root.update()
        assert w.root.winfo_ismapped()
        browser = w.browser
        assert browser.started.wait(5)
        # the search is stuck starting, and the window goes on working
        w.app.set_theme("dark")
        w.app.select("Network")
        wait_until(w.root, lambda: w.app.current_tab is w.app.network_tab, message="a tab")
        assert w.app.found.state == "waiting" and not hold.is_set()
        hold.set()
        wait_until(w.root, lambda: w.app.found.state == "searching",
                   message="the search to begin once it could")
    finally:
        hold.set()
        w.close()
    assert browser.stopped.is_set(), "closing the window stops the search"


def test_closing_before_the_window_was_shown_searches_nothing():
    w = Window()
    w.close()
    assert w.made == []


def test_closing_stops_the_search(window):
    w = window()
    browser = w.searching()
    w.app.close()
    assert browser.stopped.is_set()


def test_the_default_window_in_tests_builds_no_browser(monkeypatch):
    """LABSUITE_NO_ANNOUNCE (every test has it): no search, and the page says why."""
    import labsuite.net.discovery as discovery

    made = []
    monkeypatch.setattr(discovery, "Browser", lambda *a, **k: made.append(1))
    app = create_app()
    try:
        wait_until(app.root, lambda: app.root.winfo_ismapped(), message="the window")
        app.root.update()
        page = page_of(app)
        assert made == [] and app.browsing.service is None
        check_quiet(app, page)
    finally:
        app.close()


def check_quiet(app, page):
    assert page.status.cget("text") == QUIET
    index = announce_entry(app)
    assert "LABSUITE_NO_ANNOUNCE is set" in app.settings_menu.entrycget(index, "label")
    assert app.settings_menu.entrycget(index, "state") == "disabled"
    assert not app.announce.get()
    assert "LABSUITE_NO_ANNOUNCE" in app.why_not_announced()


# -- announcing -----------------------------------------------------------------------------
def announce_entry(app):
    menu = app.settings_menu
    return next(i for i in range(menu.index("end") + 1)
                if menu.type(i) == "checkbutton" and
                menu.entrycget(i, "label").startswith(ANNOUNCE_LABEL))


def test_the_switch_turns_announcing_off_and_on_and_is_remembered(window, private_settings):
    w = window()
    app = w.app
    assert app.announce.get() and w.discovery.calls == [], "on by default, nothing to do"
    app.settings_menu.invoke(announce_entry(app))
    assert w.discovery.calls == [False] and not app.announce.get()
    assert app.save_settings()
    assert Settings.load().get(ANNOUNCE_SETTING, True) is False
    w.close()

    again = window(settings=Settings.load())
    assert again.discovery.calls == [False], "off again at the next start, before any server"
    assert not again.app.announce.get()
    again.app.settings_menu.invoke(announce_entry(again.app))
    assert again.discovery.calls == [False, True]
    assert again.app.why_not_announced() is None


def test_the_hosting_box_says_whether_its_server_is_announced(window):
    w = window()
    app = w.app
    controls = app.chat_tab.server
    note = next(n for n in app.announced if n.controls is controls)
    assert note.text == ""
    # a server for other computers starts (its events as the pump delivers them)
    controls.scope.set(ports.EVERYONE)
    controls.on_events([Event(Kind.LISTENING, "chat", "Listening on 0.0.0.0:9000")])
    assert note.text == ANNOUNCING
    controls.on_events([Event(Kind.INFO, "chat", 'Announced on this network as "cool cat\'s '
                                                 'room on pc" at 10.0.0.5 port 9000 '
                                                 '(_labsuite-chat._tcp): other computers see '
                                                 'it in labsuite discover')])
    assert note.text == announced_text("cool cat's room on pc")
    app.set_announcing(False)
    assert "is off" in note.text and ANNOUNCE_LABEL in note.text
    controls.on_events([Event(Kind.INFO, "chat", 'No longer announced on this network as '
                                                 '"cool cat\'s room on pc" (announcing is '
                                                 'turned off)')])
    assert "is off" in note.text
    app.set_announcing(True)
    assert note.text == ANNOUNCING
    failed = ("Not announced on this network: This computer is not on a network (it has "
              "only its loopback address), so there is no one to announce to or find: type "
              "the address instead.")
    controls.on_events([Event(Kind.INFO, "chat", failed)])
    assert note.text == failed
    controls.on_events([Event(Kind.STOPPED, "chat", "Stopped")])
    assert note.text == ""
    assert note.label.winfo_manager() == ""


def test_a_room_for_this_computer_only_gets_no_note_but_a_readable_name(window):
    w = window()
    tab = w.app.select("Chat")
    tab.name.set("cool cat")
    tab.server.scope.set(ports.LOCAL_ONLY)
    tab.server.port_box.set_port(free_port())
    tab.server.toggle_button.invoke()
    wait_until(w.root, lambda: tab.joined_as == "cool cat", message="the host to join")
    assert tab.server.service.announce_name == "cool cat's room"
    note = next(n for n in w.app.announced if n.controls is tab.server)
    assert note.text == ""
    tab.server.stop()
    wait_until(w.root, lambda: not tab.server.running, message="the room to close")


def test_every_hosting_box_has_a_note(app):
    boxes = {note.controls for note in app.announced}
    for tab in (app.time_tab, app.echo_tab, app.web_tab, app.chat_tab, app.poker_tab):
        assert tab.server in boxes


# -- for real, on a private lab network -------------------------------------------------------
@pytest.mark.timeout(60)
def test_on_a_private_lab_network_a_hosted_room_is_announced_and_found(lan, discoveries,
                                                                        monkeypatch):
    """The whole way, inside a network namespace of its own (never the real network): the
    Chat tab hosts a room for other computers, it is announced, the window's own search
    finds it in the Join list and on the page; the switch withdraws it and brings it back."""
    from labsuite.net import discovery

    announcing = discoveries()  # what this window's servers announce through
    monkeypatch.setattr(discovery, "_default", announcing)
    looking = discoveries()  # the search: another instance, as on a second computer
    app = create_app(discovery=announcing, browser=lambda on_event: discovery.Browser(
        on_event=on_event, discovery=looking))
    try:
        app.root.update()
        tab = app.select("Chat")
        tab.name.set("cool cat")
        tab.server.scope.set(ports.EVERYONE)
        port = free_port()
        tab.server.port_box.set_port(port)
        tab.server.toggle_button.invoke()
        wait_until(app.root, lambda: tab.joined_as == "cool cat", message="the host to join")
        note = next(n for n in app.announced if n.controls is tab.server)
        name = f"cool cat's room on {discovery.computer_name()}"
        wait_until(app.root, lambda: note.text == announced_text(name), timeout=15,
                   message="the hosting box to say it is announced")
        label = f"{shown_name(name)} — {LAN_ADDRESS} port {port}"
        chat = app.chat_tab.target
        wait_until(app.root, lambda: label in values(chat), timeout=15,
                   message="the window's search to find the room")
        page = page_of(app)
        assert ("chat room", name, LAN_ADDRESS, str(port)) in page.shown_rows()

        app.settings_menu.invoke(announce_entry(app))  # off: withdrawn at once
        wait_until(app.root, lambda: label not in values(chat), timeout=15,
                   message="the room to leave the list")
        assert "is off" in note.text
        app.settings_menu.invoke(announce_entry(app))  # on again
        wait_until(app.root, lambda: label in values(chat), timeout=15,
                   message="the room to come back")
        tab.server.stop()
        wait_until(app.root, lambda: not tab.server.running and label not in values(chat),
                   timeout=15, message="the closed room to go")
        assert note.text == ""
    finally:
        app.close()
        browser = app.browsing.service
        wait_until_stopped(browser)


def wait_until_stopped(service, seconds: float = 5.0) -> None:
    """The window's close stops its search in the background, bounded: wait for it here
    (the discoveries fixture checks every zeroconf instance was closed)."""
    import time

    deadline = time.monotonic() + seconds
    while service is not None and service.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert service is None or not service.running


@pytest.mark.timeout(30)
def test_with_no_network_the_real_search_says_so(discoveries):
    from labsuite.net import discovery

    alone = make_namespace()  # only a loopback: no lab network at all
    try:
        with inside(alone):
            lonely = discoveries()
            app = create_app(discovery=lonely, browser=lambda on_event: discovery.Browser(
                on_event=on_event, discovery=lonely))
            try:
                page = page_of(app)
                wait_until(app.root, lambda: page.status.cget("text") == NO_NETWORK,
                           message="the no-network sentence")
            finally:
                app.close()
                wait_until_stopped(app.browsing.service)
    finally:
        alone.delete()
