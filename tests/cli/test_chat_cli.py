"""``labsuite serve chat`` and ``labsuite chat`` reproducing the paper's sample session."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ChatPeer, ServerProcess, closed_port, read_lines_until, run_cli

pytestmark = pytest.mark.timeout(60)


def chat_client(port, *args):
    return subprocess.Popen([sys.executable, "-m", "labsuite", "chat", "127.0.0.1",
                             "--port", str(port), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


def read_until(proc, wanted):
    """Lines read up to and including the line ``wanted``."""
    return read_lines_until(proc, lambda line: line == wanted)[1]


def test_sample_session_of_figure_6():
    with ServerProcess("chat", "--port", "0") as server:
        address = ("127.0.0.1", server.port)
        me = chat_client(server.port)
        me.stdin.write("cool cat\n")
        assert read_until(me, "==> cool cat has joined the chat room") == \
            ["What is your name: cool cat", "==> cool cat has joined the chat room"]
        turkey = ChatPeer(address, "cold turkey")
        assert read_until(me, "==> cold turkey has joined the chat room")
        turkey.send("MESSAGE Hi everyone!\n")
        assert read_until(me, "==> cold turkey: Hi everyone!")
        me.stdin.write("Hi turkey\n")
        assert read_until(me, "==> cool cat: Hi turkey")
        dog = ChatPeer(address, "hot dog")
        assert read_until(me, "==> hot dog has joined the chat room")
        dog.send("MESSAGE How's everyone doing?\n")
        assert read_until(me, "==> hot dog: How's everyone doing?")
        turkey.send("MESSAGE pretty good\n")
        assert read_until(me, "==> cold turkey: pretty good")
        me.stdin.write("I'm okay\n")
        assert read_until(me, "==> cool cat: I'm okay")
        me.stdin.write("private hot dog: Are you hungry?\n")
        dog.expect("PRIVATE cool cat")
        assert dog.line() == "Are you hungry?"
        dog.send("PRIVATE cool cat\nSure. Wanna eat?\n")
        assert read_until(me, "==> [private] hot dog: Sure. Wanna eat?")
        me.stdin.write("private hot dog: Yep\n")
        dog.expect("Yep")
        dog.send("QUIT\n")
        assert read_until(me, "==> hot dog has left the chat room")
        me.stdin.write("quit\n")
        assert read_until(me, "==> cool cat has left the chat room")
        out, err = me.communicate(timeout=10)
        assert me.returncode == 0, err
        assert "Traceback" not in err
        assert server.stop()[0] == 0


def test_end_of_input_leaves_the_room():
    with ServerProcess("chat", "--port", "0", "--quiet") as server:
        watcher = ChatPeer(("127.0.0.1", server.port), "watcher")
        result = run_cli("chat", "127.0.0.1", "--port", str(server.port), "--name", "brief",
                         input="just one thing\n")
        assert result.returncode == 0, result.stderr
        assert "==> brief: just one thing" in result.stdout
        assert watcher.expect("LEFT brief")[-2:] == ["MESSAGE brief", "just one thing"]


def test_taken_name_asks_again():
    with ServerProcess("chat", "--port", "0", "--quiet") as server:
        first = ChatPeer(("127.0.0.1", server.port), "cool cat")  # noqa: F841
        result = run_cli("chat", "127.0.0.1", "--port", str(server.port), "--name", "Cool Cat",
                         input="cool kitten\nmeow\n")
        assert result.returncode == 0, result.stderr
        assert "already taken" in result.stdout
        assert "==> cool kitten: meow" in result.stdout


def test_unreachable_server_is_a_plain_error():
    result = run_cli("chat", "127.0.0.1", "--port", str(closed_port()), "--name", "x", input="")
    assert result.returncode == 1
    assert "Nothing is listening" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # said once


def test_server_going_away_ends_the_client_with_status_1():
    server = ServerProcess("chat", "--port", "0", "--quiet")
    with server:
        me = chat_client(server.port, "--name", "stranded")
        assert read_until(me, "==> stranded has joined the chat room")
        server.stop()
        out, err = me.communicate(timeout=10)
    assert me.returncode == 1
    assert "The host closed the room." in err and "Traceback" not in err


def test_the_hosts_terminal_never_shows_other_peoples_private_text():
    """A teacher runs ``labsuite serve chat`` on the projector: the log says who wrote to
    whom and how much, never what, in the step lines or the bytes read and written."""
    secret = "my exam answers are 42"
    with ServerProcess("chat", "--port", "0") as server:
        address = ("127.0.0.1", server.port)
        cat, dog = ChatPeer(address, "cool cat"), ChatPeer(address, "hot dog")
        cat.expect("NEW hot dog")
        cat.send(f"PRIVATE hot dog\n{secret}\nMESSAGE everyone sees this\n")
        dog.expect("PRIVATE cool cat")
        assert dog.line() == secret
        dog.expect("MESSAGE cool cat")
        assert dog.line() == "everyone sees this"
        code, out, err = server.stop()
    assert code == 0
    assert "everyone sees this" in out  # the log is on, and shows public text
    assert "private" in out.lower()  # it says a private message went by
    assert secret not in out and secret not in err
    assert "exam" not in out  # not even a part of it, in a preview cut short
