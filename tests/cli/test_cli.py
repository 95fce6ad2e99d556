"""The command line as a student uses it: real subprocesses talking on loopback."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from tests.support import UNRESOLVABLE_HOST, ServerProcess, closed_port, run_cli

pytestmark = pytest.mark.timeout(60)


def assert_plain_failure(result, phrase):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert phrase in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_version():
    from labsuite import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize("args", [["serve"], ["serve", "gopher"], ["echo"],
                                  ["serve", "echo", "--port", "70000"],
                                  ["time", "127.0.0.1", "--timeout", "-1"],
                                  ["time", "127.0.0.1", "--timeout", "1e308"], ["--bogus"]])
def test_usage_errors_exit_2(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("mode", ["selector", "threaded", "sequential"])
def test_echo_server_and_client(mode):
    with ServerProcess("echo", "--port", "0", "--mode", mode) as server:
        result = run_cli("echo", "127.0.0.1", "--port", str(server.port), "Hello,", "COS", "333.")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "Hello, COS 333.\n"
        code, log, _ = server.stop()
    assert code == 0
    for step in ("Opened server socket", "Bound server socket", "Listening",
                 "Accepted connection", "Read 16 bytes", "Hello, COS 333.", "Wrote 16 bytes",
                 "Closed connection", "Stopped"):
        assert step in log, step


def test_echo_client_reads_lines_from_stdin_and_shows_round_trips():
    with ServerProcess("echo", "--port", "0", "--quiet") as server:
        result = run_cli("echo", "127.0.0.1", "--port", str(server.port), "-v",
                         input="first line\nsecond, ünïcode\n\nlast")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["first line", "second, ünïcode", "", "last"]
        assert result.stderr.count("round trip") == 4
        code, log, _ = server.stop()
    assert code == 0
    assert "Read" not in log  # --quiet keeps only the listening line and errors


def test_echo_client_never_lets_a_server_drive_the_terminal():
    """A hostile "echo server" answers with terminal escapes (set the window title, clear
    the screen): the client shows them as text."""
    import socket
    import threading

    with socket.create_server(("127.0.0.1", 0)) as listener:
        def answer():
            conn, _ = listener.accept()
            with conn:
                conn.recv(100)
                conn.sendall(b"\x1b]0;pwned\x07\x1b[2J\r\n")  # "hi there, you\n": 14 bytes
        threading.Thread(target=answer, daemon=True).start()
        result = run_cli("echo", "127.0.0.1", "--port", str(listener.getsockname()[1]),
                         "hi", "there,", "you", timeout=20)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout == "\\x1b]0;pwned\\x07\\x1b[2J\n", result.stderr


def test_daytime_server_and_time_client_in_both_formats():
    for fmt in ("rfc867", "nist"):
        with ServerProcess("daytime", "--port", "0", "--format", fmt) as server:
            result = run_cli("time", "127.0.0.1", "--port", str(server.port))
            assert result.returncode == 0, result.stderr
            assert str(time.gmtime().tm_year) in result.stdout
            code, log, _ = server.stop()
        assert code == 0
        assert "Wrote" in log


def test_sntp_server_and_client():
    with ServerProcess("sntp", "--port", "0") as server:
        result = run_cli("time", "127.0.0.1", "--sntp", "--port", str(server.port))
        assert result.returncode == 0, result.stderr
        assert "offset" in result.stdout.lower()
        assert server.stop()[0] == 0


def test_ctrl_c_stops_the_server_cleanly_and_frees_the_port():
    with ServerProcess("echo", "--port", "0") as server:
        code, log, err = server.stop(signal.SIGINT)
        assert code == 0, err
        assert "Traceback" not in err
        with socket.create_server(("127.0.0.1", server.port)):
            pass  # the port is free again at once


def test_server_shows_where_partners_connect_when_open_to_others():
    with ServerProcess("echo", "--port", "0", "--host", "0.0.0.0") as server:
        assert server.stop()[0] == 0
    assert "other computers" in "".join(server.lines)


def test_nothing_listening():
    port = closed_port()
    assert_plain_failure(run_cli("time", "127.0.0.1", "--port", str(port)), "Nothing is listening")
    assert_plain_failure(run_cli("echo", "127.0.0.1", "--port", str(port), "hi"),
                         "Nothing is listening")


def test_unknown_host():
    assert_plain_failure(run_cli("time", UNRESOLVABLE_HOST, "--timeout", "2"), "Unknown host")


def test_no_answer_within_the_timeout():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (backlog) but never speaks
        port = silent.getsockname()[1]
        result = run_cli("time", "127.0.0.1", "--port", str(port), "--timeout", "0.5")
    assert_plain_failure(result, "no time arrived within 0.5 seconds")


def test_port_in_use():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_cli("serve", "echo", "--port", str(port))
    assert_plain_failure(result, "already in use")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX users")
def test_port_below_1024_needs_administrator_rights():
    if os.geteuid() != 0:
        result = run_cli("serve", "echo", "--port", "7")
        assert_plain_failure(result, "administrator rights")
        return
    # As root (CI), drop to an ordinary user in a forked child, as a student would be;
    # the interpreter is already loaded, so nothing under /root needs to be readable.
    from labsuite.net.echo import EchoServer
    from labsuite.net.errors import NetError

    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        message = "started"
        try:
            os.setgid(65534)
            os.setuid(65534)
            EchoServer(port=7).start().stop()
        except NetError as exc:
            message = exc.explanation
        except BaseException as exc:
            message = repr(exc)
        os.write(writer, message.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        message = pipe.read()
    os.waitpid(child, 0)
    assert "below 1024, which needs administrator rights" in message


@pytest.mark.parametrize("command", [["time"], ["time", "--sntp"], ["echo"], ["chat", "--name", "x"]])
def test_a_malformed_host_name_is_a_plain_error(command):
    # "bad..host" is refused by the IDNA codec before any look-up: no traffic at all
    result = run_cli(command[0], "bad..host", *command[1:], "--port", "9", input="")
    assert_plain_failure(result, "Unknown host 'bad..host'")


def test_an_ipv6_address_may_be_typed_in_brackets():
    result = run_cli("echo", "[::1]", "--port", str(closed_port("::1")), "hi")
    assert_plain_failure(result, "Nothing is listening at ::1 port")


def test_a_terminal_that_stops_reading_never_stalls_the_server():
    # ServerProcess reads up to the listening line; after that nobody reads the server's
    # output, as with a paused pager or Ctrl+S, while it logs every read and write.
    with ServerProcess("echo", "--port", "0") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
            for _ in range(3000):  # several hundred KB of log lines: far past a pipe's buffer
                client.sendall(b"x" * 60 + b"\n")
                got = b""
                while len(got) < 61:
                    got += client.recv(100)
                assert got == b"x" * 60 + b"\n"
        server.proc.send_signal(signal.SIGINT)
        assert server.proc.wait(timeout=15) == 0  # and Ctrl+C still stops it
