"""explain(): one plain sentence per failure; a name server that does not answer is not a
misspelt name (an offline lab sees the first)."""

from __future__ import annotations

import errno
import socket

import pytest

from labsuite.net.errors import NetError, explain
from tests.support import UNRESOLVABLE_HOST


@pytest.mark.parametrize("code", [socket.EAI_AGAIN, socket.EAI_FAIL])
def test_a_silent_name_server_is_said_as_such(code):
    text = explain(socket.gaierror(code, "Temporary failure in name resolution"),
                   host="lab-07", port=9000)
    assert text.startswith("The name server did not answer about 'lab-07'")
    assert "spelling" not in text and "IP address" in text


def test_a_name_that_does_not_exist_is_an_unknown_host():
    text = explain(socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
                   host="lab-o7", port=9000)
    assert text.startswith("Unknown host 'lab-o7'") and "spelling" in text


def test_a_real_lookup_of_an_impossible_name_says_unknown_host():
    try:
        socket.getaddrinfo(UNRESOLVABLE_HOST, 80)
    except socket.gaierror as exc:  # fails locally: no query leaves the machine
        assert explain(exc, host=UNRESOLVABLE_HOST).startswith("Unknown host")
    else:
        pytest.skip("this resolver answers for anything")


def test_a_name_the_idna_codec_refuses_is_an_unknown_host():
    assert explain(UnicodeError("label empty or too long"), host="bad..host") \
        .startswith("Unknown host 'bad..host'")


@pytest.mark.parametrize("code, words", [
    (errno.ECONNREFUSED, "Nothing is listening at 127.0.0.1 port 9"),
    (errno.ECONNRESET, "was closed by the other side"),
    (errno.EHOSTUNREACH, "cannot be reached"),
])
def test_connection_failures_are_one_sentence(code, words):
    assert words in explain(OSError(code, "x"), host="127.0.0.1", port=9)


def test_a_net_error_keeps_its_own_sentence():
    assert explain(NetError("Already explained.")) == "Already explained."


def test_binding_a_taken_port_says_so():
    text = explain(OSError(errno.EADDRINUSE, "in use"), port=8080, action="bind")
    assert text == "Port 8080 is already in use by another program; choose another port."
