"""Host-name look-up and this computer's addresses.

Only ``localhost`` and 127.0.0.1 are ever really looked up (both answered from the hosts
file); every other case is either refused before any look-up or uses a stand-in
getaddrinfo, so no test sends a query to a name server.
"""

from __future__ import annotations

import queue
import socket
import threading

import pytest

from labsuite.net import addresses, lookup
from labsuite.net.addresses import InterfaceAddress, partner_address
from labsuite.net.errors import NetError
from labsuite.net.events import Kind
from labsuite.net.lookup import (LookupQuery, check_name, lookup_name, resolve, reverse_lookup,
                                 this_computer)
from tests.support import UNRESOLVABLE_HOST, Recorder

pytestmark = pytest.mark.timeout(20)


def fake_getaddrinfo(monkeypatch, answer=None, error=None):
    """Replace the resolver: return ``answer`` (infos) or raise ``error``."""
    calls = []

    def getaddrinfo(host, *args, **kwargs):
        calls.append(host)
        if error is not None:
            raise error
        return answer

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def info(family, address, canonical=""):
    port_tuple = (address, 0) if family == socket.AF_INET else (address, 0, 0, 0)
    return (family, socket.SOCK_STREAM, 6, canonical, port_tuple)


# -- real look-ups (hosts file only) --------------------------------------------------------
def test_localhost_is_this_computer():
    result = lookup_name("localhost")
    assert result.addresses
    assert set(result.addresses) <= {(4, "127.0.0.1"), (6, "::1")}
    versions = [version for version, _ in result.addresses]
    assert versions == sorted(versions)  # IPv4 first
    assert len(set(result.addresses)) == len(result.addresses)
    assert result.elapsed >= 0 and not result.is_address
    lines = result.summary_lines()
    assert lines[0] == "Host name: localhost"
    assert any(line in ("IP address: 127.0.0.1", "IP address: ::1") for line in lines)


def test_reverse_look_up_of_the_loopback_address():
    name = reverse_lookup("127.0.0.1")
    assert isinstance(name, str) and name
    result = lookup_name(" 127.0.0.1 ")
    assert result.is_address and result.addresses == ((4, "127.0.0.1"),)
    assert result.reverse_name == name
    assert result.summary_lines() == ["IP address: 127.0.0.1",
                                      f"Host name: {name} (found by reverse look-up)"]


def test_an_ip_address_is_returned_as_it_is_written_best(monkeypatch):
    monkeypatch.setattr(lookup, "reverse_lookup", lambda address: None)
    result = lookup_name("0:0:0::1")
    assert result.addresses == ((6, "::1"),) and result.name == "::1"
    assert result.headline() == "::1 has no registered name"
    assert "none is registered" in result.summary_lines()[1]


# -- names that cannot work ---------------------------------------------------------------------
def test_a_name_that_does_not_exist_is_a_plain_failure():
    with pytest.raises(NetError) as caught:
        lookup_name(UNRESOLVABLE_HOST)
    assert "does not exist" in caught.value.explanation
    assert UNRESOLVABLE_HOST in caught.value.explanation


@pytest.mark.parametrize("name", ["bad..host", "x" * 70 + ".example"])
def test_a_malformed_name_is_an_unknown_name(name):
    with pytest.raises(NetError, match="does not exist"):
        lookup_name(name)


@pytest.mark.parametrize("name, phrase", [("", "Type a host name"), ("   ", "Type a host name"),
                                          ("a b", "cannot contain spaces"),
                                          ("evil\x00.example", "control characters")])
def test_impossible_names_are_refused_before_any_look_up(monkeypatch, name, phrase):
    calls = fake_getaddrinfo(monkeypatch, error=AssertionError("looked up"))
    with pytest.raises(NetError, match=phrase):
        lookup_name(name)
    assert calls == []


@pytest.mark.parametrize("code, phrase", [
    (socket.EAI_NONAME, "does not exist"),
    (socket.EAI_AGAIN, "name server did not answer"),
    (socket.EAI_FAIL, "could not look up"),
])
def test_resolver_failures_are_plain_sentences(monkeypatch, code, phrase):
    fake_getaddrinfo(monkeypatch, error=socket.gaierror(code, "resolver says no"))
    with pytest.raises(NetError) as caught:
        lookup_name("server.example")
    assert phrase in caught.value.explanation
    assert "server.example" in caught.value.explanation


def test_addresses_are_deduplicated_ipv4_first(monkeypatch):
    fake_getaddrinfo(monkeypatch, answer=[
        info(socket.AF_INET6, "2001:db8::1", "real.example"), info(socket.AF_INET, "192.0.2.7"),
        info(socket.AF_INET6, "2001:db8::1"), info(socket.AF_INET, "192.0.2.8"),
        info(socket.AF_INET, "192.0.2.7")])
    found, canonical = resolve("alias.example")
    assert found == ((4, "192.0.2.7"), (4, "192.0.2.8"), (6, "2001:db8::1"))
    assert canonical == "real.example"
    result = lookup_name("alias.example")
    assert "Official name: real.example" in result.summary_lines()
    assert result.headline() == "alias.example is 192.0.2.7, 192.0.2.8, 2001:db8::1"


def test_reverse_look_up_needs_an_address():
    with pytest.raises(NetError, match="not an IP address"):
        reverse_lookup("localhost")


def test_check_name_strips_blanks():
    assert check_name("  localhost\n") == "localhost"


# -- this computer ----------------------------------------------------------------------------
def test_this_computer_needs_no_look_up(monkeypatch):
    fake_getaddrinfo(monkeypatch, error=AssertionError("this computer must not be looked up"))
    monkeypatch.setattr(socket, "gethostbyaddr", lambda *a: pytest.fail("looked up"))
    me = this_computer()
    assert me.host_name == socket.gethostname()
    listed = [entry.address for entry in me.interfaces]
    assert "127.0.0.1" in listed
    assert me.partner is None or me.partner in addresses.shareable_addresses()
    lines = me.summary_lines()
    assert lines[0] == f"Host name: {me.host_name}"
    assert any("127.0.0.1" in line and "this computer only" in line for line in lines)
    if me.partner:
        assert sum("give this one to your lab partner" in line for line in lines) == 1


def fake_interfaces(monkeypatch, *entries):
    monkeypatch.setattr(addresses, "interface_addresses",
                        lambda: [addresses._classify(name, address) for name, address in entries])


def test_partner_address_prefers_ipv4_on_a_real_network(monkeypatch):
    fake_interfaces(monkeypatch, ("lo", "127.0.0.1"), ("docker0", "172.17.0.1"),
                    ("wlan0", "192.168.1.20"), ("wlan0", "2001:db8::20"),
                    ("wlan0", "fe80::1%wlan0"))
    assert partner_address() == "192.168.1.20"
    fake_interfaces(monkeypatch, ("lo", "127.0.0.1"), ("wlan0", "2001:db8::20"))
    assert partner_address() == "2001:db8::20"
    fake_interfaces(monkeypatch, ("lo", "127.0.0.1"), ("docker0", "172.17.0.1"))
    assert partner_address() == "172.17.0.1"  # better than nothing


def test_no_network_means_no_partner_address(monkeypatch):
    fake_interfaces(monkeypatch, ("lo", "127.0.0.1"), ("lo", "::1"), ("eth0", "fe80::1%eth0"))
    assert partner_address() is None
    monkeypatch.setattr(lookup, "interface_addresses", addresses.interface_addresses)
    me = this_computer()
    assert me.partner is None
    assert "no address another computer can use" in me.summary_lines()[-1]
    notes = {entry.address: me.note(entry) for entry in me.interfaces}
    assert "link-local" in notes["fe80::1%eth0"]


def test_interface_entries_say_what_they_are_for(monkeypatch):
    fake_interfaces(monkeypatch, ("eth0", "192.168.1.20"), ("eth0", "192.168.1.21"))
    monkeypatch.setattr(lookup, "interface_addresses", addresses.interface_addresses)
    me = this_computer()
    first, second = me.interfaces
    assert me.note(first) == "give this one to your lab partner"
    assert me.note(second) == "a partner can use this one too"
    assert isinstance(first, InterfaceAddress)


# -- in the background ----------------------------------------------------------------------
def test_query_runs_in_the_background_and_reports_a_result():
    events = queue.Queue()
    query = LookupQuery("localhost", on_event=events.put)
    query.start()
    kinds = []
    while not kinds or kinds[-1] not in (Kind.RESULT, Kind.ERROR):
        event = events.get(timeout=5)
        kinds.append(event.kind)
    assert kinds == [Kind.INFO, Kind.RESULT]
    assert (4, "127.0.0.1") in event.result.addresses or (6, "::1") in event.result.addresses
    query.start()  # a finished query may be started again
    assert events.get(timeout=5).kind is Kind.INFO
    assert events.get(timeout=5).kind is Kind.RESULT
    query.stop()


def test_a_failed_run_raises_and_a_failed_start_reports_an_error_event():
    events = []
    with pytest.raises(NetError, match="does not exist"):
        LookupQuery(UNRESOLVABLE_HOST, on_event=events.append).run()
    assert [event.kind for event in events] == [Kind.INFO]
    recorder = Recorder()
    LookupQuery(UNRESOLVABLE_HOST, on_event=recorder).start()
    assert "does not exist" in recorder.wait_for(Kind.ERROR)[0].text
    assert recorder.kinds() == [Kind.INFO, Kind.ERROR]


def test_a_stopped_query_reports_nothing_more(monkeypatch):
    release = threading.Event()
    started = queue.Queue()

    def slow(name):
        started.put(name)
        release.wait(5)
        return lookup.LookupResult(name, ((4, "127.0.0.1"),), None, 0.0)

    monkeypatch.setattr(lookup, "lookup_name", slow)
    events = []
    query = LookupQuery("slow.example", on_event=events.append)
    query.start()
    started.get(timeout=5)
    abandoned = list(query._threads)
    query.stop()  # gives up waiting for the busy run
    query.start()  # and a new run begins
    started.get(timeout=5)
    release.set()
    for thread in abandoned + query._threads:
        thread.join(5)
    assert [event.kind for event in events].count(Kind.RESULT) == 1
    query.stop()
