"""Announcing and browsing with multicast DNS (labsuite.net.discovery).

The naming, TXT records, address choice and the clean-up of what arrives from the network
are pure and tested directly. Everything that sends multicast runs inside a private
network namespace this file makes (root only; skipped otherwise): its own loopback with
multicast turned on and a lab address of its own, so nothing ever reaches the machine's
real network. Those tests switch the test's thread into the namespace (threads started
from it, zeroconf's included, inherit it) and switch it back afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest

import labsuite
from labsuite.net import discovery
from labsuite.net.addresses import InterfaceAddress
from labsuite.net.discovery import (
    HTTP_TYPE, KINDS, NO_NETWORK, SERVICE_TYPES, Announcement, Announcer, Browser,
    Discovery, Found, Gone, addresses_for, announce_server, computer_name, dns_label,
    instance_name, is_local_only, label_for, printable_text, renamed, sighting_from,
    usable_addresses)
from labsuite.net.events import Kind
from tests.support import Recorder, make_namespace

pytestmark = pytest.mark.timeout(30)

LAN_ADDRESS = "10.213.8.1"
CLONE_NEWNET = 0x40000000


# -- a private network ---------------------------------------------------------------------
def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns failed")


@contextlib.contextmanager
def inside(namespace):
    """Run the body (and every thread it starts) in ``namespace``'s network."""
    here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open(f"/run/netns/{namespace.name}", os.O_RDONLY)
    try:
        _setns(there)
        try:
            # never multicast on the real network: make sure this thread really moved
            assert os.stat("/proc/thread-self/ns/net").st_ino == os.fstat(there).st_ino
            yield
        finally:
            _setns(here)
    finally:
        os.close(here)
        os.close(there)


def lab_hosts(count: int, subnet: str = "10.213.9"):
    """``count`` namespaces, each a lab computer: one alone gets its lab address on its
    own loopback (multicast on); two are joined by a veth pair with multicast and a
    route for 224.0.0.0/4. Returns (namespaces, addresses, cleanup)."""
    made = []
    try:
        for _ in range(count):
            made.append(make_namespace())
        if count == 1:
            only = made[0]
            only.ip("link", "set", "lo", "multicast", "on")
            only.ip("addr", "add", f"{LAN_ADDRESS}/24", "dev", "lo")
            return made, [LAN_ADDRESS]
        link = f"ld{os.getpid() % 100000}"
        subprocess.run(["ip", "link", "add", f"{link}a", "netns", made[0].name, "type", "veth",
                        "peer", "name", f"{link}b", "netns", made[1].name],
                       check=True, capture_output=True, timeout=10)
        addresses = [f"{subnet}.1", f"{subnet}.2"]
        for host, device, address in zip(made, (f"{link}a", f"{link}b"), addresses):
            host.ip("addr", "add", f"{address}/24", "dev", device)
            host.ip("link", "set", device, "multicast", "on", "up")
            host.ip("route", "add", "224.0.0.0/4", "dev", device)
        return made, addresses
    except subprocess.CalledProcessError as exc:
        for host in made:
            host.delete()
        pytest.skip(f"cannot build a private lab network here: {exc.stderr}")
    except BaseException:
        for host in made:
            host.delete()
        raise


@pytest.fixture
def lan():
    """The test runs inside a private namespace that is its own small lab network."""
    hosts, _ = lab_hosts(1)
    try:
        with inside(hosts[0]):
            yield hosts[0]
    finally:
        hosts[0].delete()


@pytest.fixture
def discoveries():
    """make(**options) -> a Discovery of its own (as if on another computer); each is
    flushed and must have closed its zeroconf by the end of the test."""
    made = []

    def make(**options):
        options.setdefault("announcing", True)  # whatever the environment says
        made.append(Discovery(**options))
        return made[-1]

    yield make
    for each in made:
        assert each.flush(5)
        assert not each.is_open, "a zeroconf instance was left open"


def found_named(recorder: Recorder, cls, name: str, timeout: float = 8.0):
    """The first RESULT event whose result is a ``cls`` called ``name``."""
    deadline = time.monotonic() + timeout
    while True:
        for event in recorder.of(Kind.RESULT):
            if isinstance(event.result, cls) and event.result.name == name:
                return event.result
        assert time.monotonic() < deadline, f"no {cls.__name__} {name!r}: {recorder.events}"
        recorder.wait_for(Kind.RESULT, count=len(recorder.of(Kind.RESULT)) + 1,
                          timeout=max(0.01, deadline - time.monotonic()))


@contextlib.contextmanager
def browsing(discovery_, kind=None, **options):
    recorder = Recorder()
    browser = Browser(kind, on_event=recorder, discovery=discovery_, **options).start()
    try:
        recorder.wait_for(Kind.INFO, text="Looking for")
        yield browser, recorder
    finally:
        browser.stop()


# -- pure: who is announced, under what name ---------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost",
                                  "LocalHost", "printer.localhost", " 127.0.0.1 "])
def test_this_computer_only_hosts(host):
    assert is_local_only(host)
    assert addresses_for(host, MACHINE) == []
    assert isinstance(announce_server("chat", None, host, 9000), discovery._Inert)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.0.0.5", "fd00::5", "lab-pc-12"])
def test_hosts_for_other_computers(host):
    assert not is_local_only(host)


MACHINE = [
    InterfaceAddress("lo", "127.0.0.1", 4, False),
    InterfaceAddress("docker0", "172.17.0.1", 4, True),
    InterfaceAddress("eth0", "10.0.0.5", 4, True),
    InterfaceAddress("wlan0", "192.168.1.7", 4, True),
    InterfaceAddress("eth0", "fe80::1%eth0", 6, False),
    InterfaceAddress("eth0", "fd00::5", 6, True),
]


def test_a_wildcard_server_announces_the_real_addresses_never_0000():
    assert addresses_for("0.0.0.0", MACHINE) == ["10.0.0.5", "192.168.1.7"]  # docker0 left out
    assert addresses_for("10.0.0.5", MACHINE) == ["10.0.0.5"]
    assert addresses_for("[fd00::5]", MACHINE) == ["fd00::5"]
    if sys.platform != "win32":  # "::" takes IPv4 too there
        assert addresses_for("::", MACHINE) == ["10.0.0.5", "192.168.1.7", "fd00::5"]


def test_only_a_virtual_network_is_still_announced():
    machine = [InterfaceAddress("lo", "127.0.0.1", 4, False),
               InterfaceAddress("veth0", "10.1.2.3", 4, True)]
    assert addresses_for("0.0.0.0", machine) == ["10.1.2.3"]
    assert addresses_for("0.0.0.0", machine[:1]) == []


def test_readable_instance_names():
    assert instance_name("cool cat's room", "lab-pc-12") == "cool cat's room on lab-pc-12"
    assert label_for("web", None) == "labsuite web server"
    assert label_for("chat", " \u200b\u2060 ") == "labsuite chat room"  # only invisible
    assert label_for("chat", "cool\tcat\x1b[31m") == "cool cat [31m"
    assert instance_name("Mr. T's room", "lab.pc") == "Mr\u00b7 T's room on lab\u00b7pc"
    assert renamed("room on pc", 1) == "room on pc"
    assert renamed("room on pc", 2) == "room on pc (2)"
    assert computer_name("lab-pc-12.cs.example.edu") == "lab-pc-12"
    assert computer_name("") == "this computer"
    assert dns_label("Łukasz's PC") == "ukasz-s-PC"
    assert dns_label("...") == "labsuite"


@pytest.mark.parametrize("label", ["x" * 200, "ü" * 100, "日本語の部屋" * 10, "a" + "😀" * 40])
def test_long_names_fit_one_dns_label_with_room_for_a_number(label):
    name = instance_name(label, "lab-pc-12")
    assert name.endswith(" on lab-pc-12")
    assert len(renamed(name, 20).encode("utf-8")) <= discovery.MAX_NAME_BYTES
    name.encode("utf-8").decode("utf-8")  # never cut inside a character
    long_computer = instance_name("room", "c" * 100)
    assert long_computer.startswith("room on c")
    assert len(renamed(long_computer, 20).encode()) <= discovery.MAX_NAME_BYTES


def test_service_types_are_valid_dns_sd_types():
    from zeroconf import service_type_name

    for kind, service_type in SERVICE_TYPES.items():
        assert service_type_name(service_type, strict=True) == service_type  # 15 letters
        assert kind in service_type or kind == "daytime"
    assert set(KINDS) == {"chat", "poker", "web", "echo", "daytime", "sntp"}
    assert Announcement("web", "x", 8080, ("10.0.0.5",)).service_types == (
        "_labsuite-web._tcp.local.", HTTP_TYPE)
    assert Announcement("sntp", "x", 8123, ("10.0.0.5",)).service_types == (
        "_labsuite-sntp._udp.local.",)


def test_txt_records_say_what_a_client_needs():
    chat = Announcement("chat", "cool cat's room", 9000, ("10.0.0.5",), computer="lab-pc-12")
    assert chat.name == "cool cat's room on lab-pc-12"
    assert chat.txt == {"txtvers": "1", "kind": "chat", "version": labsuite.__version__,
                        "name": "cool cat's room", "computer": "lab-pc-12"}
    web = Announcement("web", "site", 8080, ("10.0.0.5",), computer="pc")
    assert web.txt["path"] == "/"
    extra = Announcement("poker", "table", 9100, ("10.0.0.5",), computer="pc",
                         properties={"seats": "2/6", "kind": "not replaced", "a=b\x00c": "v",
                                     "===": "dropped", "long": "x" * 1000})
    txt = extra.txt
    assert txt["seats"] == "2/6" and txt["kind"] == "poker" and txt["abc"] == "v"
    assert "===" not in txt and "" not in txt
    assert all(len(k) + 1 + len(v.encode()) <= discovery.MAX_TXT_BYTES for k, v in txt.items())


def test_bad_kinds_and_ports_are_programming_errors():
    with pytest.raises(ValueError):
        Announcement("ftp", "x", 21, ())
    with pytest.raises(ValueError):
        Announcement("chat", "x", 0, ())
    with pytest.raises(ValueError):
        Announcer("chat", None, "0.0.0.0", 0)
    with pytest.raises(ValueError):
        Browser(kind="ftp")
    assert isinstance(announce_server(None, None, "0.0.0.0", 9000), discovery._Inert)


# -- pure: what arrives from the network --------------------------------------------------
def fake_info(name="room on pc", service_type=SERVICE_TYPES["chat"], port=9000,
              addresses=("10.0.0.5",), properties=None, server="pc-ab12.local."):
    return SimpleNamespace(type=service_type, name=f"{name}.{service_type}", port=port,
                           server=server, parsed_addresses=lambda: list(addresses),
                           properties={b"computer": b"pc"} if properties is None else properties)


def test_a_sighting_from_a_resolved_service():
    found = sighting_from(fake_info())
    assert found == Found("chat", "room on pc", "pc", ("10.0.0.5",), 9000,
                          key="room on pc._labsuite-chat._tcp.local.")
    assert found.address == "10.0.0.5"
    assert found.headline() == 'Found chat room "room on pc" at 10.0.0.5 port 9000'
    assert found.line() == "chat    10.0.0.5 port 9000  room on pc"
    gone = Gone(*[getattr(found, f) for f in ("kind", "name", "host", "addresses", "port")])
    assert gone.headline().startswith('Gone: chat room "room on pc"')
    assert found.as_dict() == {"kind": "chat", "name": "room on pc", "host": "pc",
                               "address": "10.0.0.5", "addresses": ["10.0.0.5"], "port": 9000,
                               "properties": {"computer": "pc"},
                               "service": "room on pc._labsuite-chat._tcp.local."}


def test_hostile_announcements_are_cleaned_or_ignored():
    evil = sighting_from(fake_info(name="\x1b]0;owned\x07room\u202e\u200b", properties={
        b"computer": b"pc\x1b[2J", b"\xff\xfe": b"\xc3\x28", b"flag": None}))
    assert evil.name == "]0;owned room"
    assert evil.host == "pc [2J"
    assert all(ch.isprintable() for text in (evil.name, evil.host, *evil.properties,
                                             *evil.properties.values()) for ch in text)
    assert evil.properties["flag"] == ""
    assert sighting_from(fake_info(port=0)) is None
    assert sighting_from(fake_info(port=70000)) is None
    assert sighting_from(fake_info(port=None)) is None
    assert sighting_from(fake_info(service_type="_ipp._tcp.local.")) is None
    assert sighting_from(fake_info(addresses=("127.0.0.1", "0.0.0.0", "::1", "fe80::1",
                                              "224.0.0.251", "nonsense"))) is None
    assert sighting_from(fake_info(properties={})).host == "pc-ab12"  # from the SRV target
    many = {f"k{i}".encode(): b"v" * 600 for i in range(500)}
    assert len(sighting_from(fake_info(properties=many)).properties) <= discovery.MAX_PROPERTIES


def test_the_address_on_this_computers_network_comes_first():
    import ipaddress

    networks = [ipaddress.ip_network("192.168.1.0/24")]
    assert usable_addresses(["172.17.0.1", "fd00::5", "192.168.1.7", "172.17.0.1"],
                            networks) == ("192.168.1.7", "172.17.0.1", "fd00::5")
    assert usable_addresses(["fd00::5", "10.0.0.5"]) == ("10.0.0.5", "fd00::5")


def test_printable_text_cuts_between_characters():
    assert printable_text("a\nb\r\nc\u2028d") == "a b c d"
    assert printable_text("é" * 10, 5) == "éé"


# -- the hook's promises, without any network ---------------------------------------------
class BlockedDiscovery(Discovery):
    """A Discovery whose zeroconf never opens until the test lets it."""

    def __init__(self, **options):
        super().__init__(**options)
        self.entered, self.let_go = threading.Event(), threading.Event()

    def _open(self):
        self.entered.set()
        self.let_go.wait(10)
        raise discovery.NetError("no network in this test")


def test_announcing_never_delays_the_server_and_never_raises():
    blocked = BlockedDiscovery(announcing=True)
    recorder = Recorder()
    handle = announce_server("chat", "room", "0.0.0.0", 9000, on_event=recorder,
                             discovery=blocked)
    assert blocked.entered.wait(5)  # the worker is stuck opening zeroconf...
    second = announce_server("echo", None, "0.0.0.0", 8007, discovery=blocked)
    handle.withdraw()  # ...and neither start nor withdraw waited for it
    assert not handle.wait(0)
    blocked.let_go.set()
    assert handle.wait(5) and second.wait(5)
    second.withdraw()
    assert not handle.announced
    note = recorder.wait_for(Kind.INFO, text="Not announced")[0]
    assert "no network in this test" in note.text


def test_announcing_turned_off_opens_nothing(monkeypatch):
    monkeypatch.setenv("LABSUITE_NO_ANNOUNCE", "1")
    off = BlockedDiscovery()
    assert not off.announcing
    recorder = Recorder()
    handle = announce_server("web", None, "0.0.0.0", 8080, on_event=recorder, discovery=off)
    assert handle.wait(5)
    assert not off.entered.is_set() and not handle.announced and recorder.events == []
    handle.withdraw()
    monkeypatch.setenv("LABSUITE_NO_ANNOUNCE", "0")
    assert Discovery().announcing


def test_importing_discovery_imports_neither_zeroconf_nor_asyncio():
    code = ("import sys, labsuite.net.discovery, labsuite.cli_discover, labsuite.cli; "
            "labsuite.cli.build_parser(); "
            "print(sorted(m for m in ('zeroconf', 'asyncio', 'ifaddr') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=30, check=True).stdout.strip()
    assert shown == "[]"


# -- on a private lab network --------------------------------------------------------------
def test_announced_found_then_gone_when_withdrawn(lan, discoveries):
    here, other = discoveries(), discoveries()  # two computers' worth of zeroconf
    with browsing(other) as (browser, seen):
        log = Recorder()
        handle = announce_server("chat", "cool cat's room", "0.0.0.0", 9000, on_event=log,
                                 source="chat server", discovery=here)
        name = f"cool cat's room on {computer_name()}"
        found = found_named(seen, Found, name)
        assert (found.kind, found.addresses, found.port) == ("chat", (LAN_ADDRESS,), 9000)
        assert found.properties["name"] == "cool cat's room"
        assert found.properties["kind"] == "chat"
        assert found.host == computer_name()
        assert browser.services() == [found]
        assert handle.wait(10)  # (the browser may hear it before the announcer is told)
        assert handle.name == name and handle.announced
        note = log.wait_for(Kind.INFO, text="Announced on this network")[0]
        assert note.source == "chat server" and LAN_ADDRESS in note.text
        handle.withdraw()
        assert log.wait_for(Kind.INFO, text="No longer announced")
        gone = found_named(seen, Gone, name)
        assert gone.key == found.key and browser.services() == []
        assert not [e for e in log.events if e.kind in (Kind.STOPPED, Kind.ERROR)]


def test_servers_of_one_process_share_zeroconf_and_get_unique_names(lan, discoveries):
    here, other = discoveries(), discoveries()
    with browsing(other, "echo") as (_, seen):
        first = announce_server("echo", None, "0.0.0.0", 8007, discovery=here)
        second = announce_server("echo", None, "0.0.0.0", 8008, discovery=here)
        assert first.wait(10) and second.wait(10)
        base = f"labsuite echo server on {computer_name()}"
        assert (first.name, second.name) == (base, f"{base} (2)")  # first started, first named
        assert first._zc is second._zc and here._users == 2
        assert found_named(seen, Found, base).port == 8007
        assert found_named(seen, Found, f"{base} (2)").port == 8008
        first.withdraw()
        second.withdraw()
        found_named(seen, Gone, base)
        found_named(seen, Gone, f"{base} (2)")


def test_a_name_taken_on_the_network_is_renamed(lan, discoveries):
    elsewhere, here = discoveries(), discoveries()
    taken = announce_server("chat", "room", "0.0.0.0", 9000, discovery=elsewhere)
    assert taken.wait(10) and taken.announced
    log = Recorder()
    mine = announce_server("chat", "room", "0.0.0.0", 9001, on_event=log, discovery=here)
    assert mine.wait(10)
    assert mine.name == f"room on {computer_name()} (2)"
    assert "was taken by another server" in log.wait_for(Kind.INFO, text="Announced")[0].text
    taken.withdraw()
    mine.withdraw()


def test_web_is_also_an_ordinary_http_service(lan, discoveries):
    here, other = discoveries(), discoveries()
    handle = announce_server("web", None, "0.0.0.0", 8080, discovery=here)
    assert handle.wait(10) and handle.announced
    zc = other.acquire()
    try:
        info = zc.get_service_info(HTTP_TYPE, f"{handle.name}.{HTTP_TYPE}", timeout=3000)
        assert info is not None and info.port == 8080
        assert info.parsed_addresses() == [LAN_ADDRESS]
        assert info.decoded_properties["path"] == "/"
    finally:
        other.release()
        handle.withdraw()


def test_a_loopback_server_is_never_announced(lan, discoveries):
    here, other = discoveries(), discoveries()
    with browsing(other) as (browser, seen):
        hidden = announce_server("chat", "secret", "127.0.0.1", 9000, discovery=here)
        shown = announce_server("chat", "open", "0.0.0.0", 9001, discovery=here)
        found_named(seen, Found, f"open on {computer_name()}")
        assert [f.port for f in browser.services()] == [9001]
        assert not hidden.announced and hidden.wait(0)
        shown.withdraw()


def test_browsing_one_kind(lan, discoveries):
    here, other = discoveries(), discoveries()
    with browsing(other, "daytime") as (_, seen):
        chat = announce_server("chat", None, "0.0.0.0", 9000, discovery=here)
        assert chat.wait(10) and chat.announced  # announced before the daytime server
        daytime = announce_server("daytime", None, "0.0.0.0", 8013, discovery=here)
        found = found_named(seen, Found, f"labsuite daytime server on {computer_name()}")
        assert found.kind == "daytime"
        assert {e.result.kind for e in seen.of(Kind.RESULT)} == {"daytime"}
        chat.withdraw()
        daytime.withdraw()


def test_the_switch_withdraws_and_announces_again(lan, discoveries):
    here, other = discoveries(), discoveries()
    with browsing(other) as (_, seen):
        log = Recorder()
        handle = announce_server("poker", "big table", "0.0.0.0", 9100, on_event=log,
                                 discovery=here)
        name = f"big table on {computer_name()}"
        found_named(seen, Found, name)
        here.set_announcing(False)
        found_named(seen, Gone, name)
        assert log.wait_for(Kind.INFO, text="announcing is turned off")
        assert handle.wait(5) and not handle.announced
        later = announce_server("echo", None, "0.0.0.0", 8007, discovery=here)
        assert later.wait(5) and not later.announced
        here.set_announcing(True)
        assert handle.wait(10) and handle.announced and later.wait(10) and later.announced
        assert len([e for e in seen.of(Kind.RESULT)
                    if isinstance(e.result, Found) and e.result.name == name]) >= 1
        handle.withdraw()
        later.withdraw()
        found_named(seen, Gone, f"labsuite echo server on {computer_name()}")


def test_a_server_that_vanishes_without_a_goodbye_is_gone(lan, discoveries):
    here, other = discoveries(host_ttl=1), discoveries()
    with browsing(other, check_seconds=0.5, resolve_seconds=0.5) as (_, seen):
        handle = announce_server("echo", "flaky", "0.0.0.0", 8007, discovery=here)
        name = f"flaky on {computer_name()}"
        found_named(seen, Found, name)
        assert handle.wait(10)
        vanished = handle._zc
        vanished.done = True  # the computer drops off the network: no goodbye, no answers
        try:
            found_named(seen, Gone, name, timeout=15)
        finally:
            vanished.done = False
            handle.withdraw()


def test_no_network_is_said_plainly(discoveries):
    alone = make_namespace()  # only a loopback: no lab network at all
    try:
        with inside(alone):
            lonely = discoveries()
            recorder = Recorder()
            browser = Browser(on_event=recorder, discovery=lonely).start()
            try:
                assert recorder.wait_for(Kind.ERROR)[0].text == NO_NETWORK
            finally:
                browser.stop()
            log = Recorder()
            handle = announce_server("chat", None, "0.0.0.0", 9000, on_event=log,
                                     discovery=lonely)
            assert handle.wait(5) and not handle.announced
            text = log.wait_for(Kind.INFO, text="Not announced")[0].text
            assert "no address other computers can use" in text
    finally:
        alone.delete()


def test_browser_stopped_at_once_and_restarted(lan, discoveries):
    other = discoveries()
    recorder = Recorder()
    browser = Browser(on_event=recorder, discovery=other)
    for _ in range(3):  # stop before it even opened, then after
        browser.start()
        browser.stop()
    browser.start()
    recorder.wait_for(Kind.INFO, text="Looking for")
    browser.stop()
    assert recorder.kinds().count(Kind.STOPPED) == 4
    assert not recorder.of(Kind.ERROR)


def test_a_flood_of_announcements_stays_bounded(lan, discoveries, monkeypatch):
    monkeypatch.setattr(discovery, "MAX_SERVICES", 2)
    here, other = discoveries(), discoveries()
    with browsing(other, "echo") as (browser, seen):
        handles = [announce_server("echo", f"echo {n}", "0.0.0.0", 8000 + n, discovery=here)
                   for n in range(4)]
        assert all(h.wait(10) and h.announced for h in handles)
        assert seen.wait_for(Kind.INFO, text="More than 2 servers announced")
        assert len(browser.services()) == 2
        assert len([e for e in seen.of(Kind.RESULT) if isinstance(e.result, Found)]) == 2
        for handle in handles:
            handle.withdraw()


def test_closing_withdraws_everything(lan, discoveries):
    here, other = discoveries(), discoveries()
    with browsing(other) as (_, seen):
        handles = [announce_server(kind, None, "0.0.0.0", port, discovery=here)
                   for kind, port in (("chat", 9000), ("web", 8080))]
        assert all(h.wait(10) and h.announced for h in handles)
        assert here.close(5)
        assert not any(h.announced for h in handles) and not here.is_open
        found_named(seen, Gone, f"labsuite chat room on {computer_name()}")
        found_named(seen, Gone, f"labsuite web server on {computer_name()}")
