"""The "Show the code" scripts: short, standard library only, and they really work.

Every test runs exactly the text ``labsuite code`` prints (``script_text``), as a
subprocess: each client against labsuite's own server, each server with labsuite's
clients and hostile raw sockets.
"""

from __future__ import annotations

import ast
import contextlib
import http.client
import io
import os
import queue
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import tokenize
from pathlib import Path

import pytest

from labsuite.net import ports, scripts
from labsuite.net.chat import ChatClient, ChatServer
from labsuite.net.daytime import DaytimeQuery, DaytimeServer
from labsuite.net.echo import EchoClient, EchoServer
from labsuite.net.events import Kind
from labsuite.net.fetch import FetchQuery
from labsuite.net.web import WebServer
from labsuite.protocols import chat
from tests.net.conftest import started  # noqa: F401  (the fixture that stops services)
from tests.support import ChatPeer, Recorder, closed_port

pytestmark = pytest.mark.timeout(30)

#: Output the tests can decode, whatever this computer's locale.
UTF8 = {**os.environ, "PYTHONIOENCODING": "utf-8"}
DEFAULT_PORTS = {"daytime": ports.DAYTIME, "echo": ports.ECHO, "chat": ports.CHAT,
                 "web": ports.WEB, "get": ports.WEB}


# -- helpers --------------------------------------------------------------------------------
def code_lines(text: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    layout = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
              tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    code = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in layout:
            code.update(range(token.start[0], token.end[0] + 1))
    return len(code - docstrings)


def imported_modules(text: str) -> set:
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a script must not import relative to a package"
            names.add(node.module.split(".")[0])
    return names


class Script:
    """A generated script running as a subprocess; a thread collects its output lines."""

    def __init__(self, path: Path, *args: str, cwd=None):
        self.proc = subprocess.Popen([sys.executable, "-u", str(path), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=cwd, env=UTF8)
        self.seen = []
        self._lines: "queue.Queue" = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for raw in self.proc.stdout:
                self._lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        except (OSError, ValueError):  # closed by kill()
            pass
        self._lines.put(None)

    def send(self, text: str) -> None:
        self.proc.stdin.write(text.encode("utf-8"))
        self.proc.stdin.flush()

    def close_input(self) -> None:
        self.proc.stdin.close()

    def expect(self, wanted: str, timeout: float = 10.0) -> str:
        """The next output line containing ``wanted`` (earlier lines are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            else:
                if line is not None:
                    self.seen.append(line)
                    if wanted in line:
                        return line
                    continue
            raise AssertionError(f"no line with {wanted!r}; the script printed {self.seen}")

    def finish(self, timeout: float = 10.0) -> int:
        """Wait for the script to end by itself; its exit status (all output is in seen)."""
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        while not self._lines.empty():
            line = self._lines.get()
            if line is not None:
                self.seen.append(line)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.seen)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(10)  # the output ends with the process
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


@pytest.fixture
def run_script(tmp_path):
    """run_script(kind, *args, host=, port=, cwd=) -> a running Script; all killed after."""
    running = []

    def run(kind: str, *args: str, host: str = "127.0.0.1", port=None, cwd=None) -> Script:
        path = tmp_path / f"{kind.replace('-', '_')}_{len(running)}.py"
        path.write_text(scripts.script_text(kind, host, port), encoding="utf-8")
        script = Script(path, *args, cwd=cwd or tmp_path)
        running.append(script)
        return script

    yield run
    for script in running:
        script.kill()


@pytest.fixture
def serve_script(run_script):
    """serve_script(kind, host=, cwd=) -> (Script, port) once the server accepts."""

    def serve(kind: str, host: str = "127.0.0.1", cwd=None):
        port = closed_port(host)
        script = run_script(kind, host=host, port=port, cwd=cwd)
        wait_accepting(script, host, port)
        return script, port

    return serve


def wait_accepting(script: Script, host: str, port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if script.proc.poll() is not None:
            script.finish()
            raise AssertionError(f"the server script ended: {script.output}")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)  # polling for the port, bounded by the deadline
    raise AssertionError(f"the server script never accepted on port {port}: {script.seen}")


def run_to_end(path: Path, *args: str, input: bytes = b"", cwd=None, timeout: float = 20):
    return subprocess.run([sys.executable, str(path), *args], input=input, cwd=cwd,
                          capture_output=True, timeout=timeout, env=UTF8)


def written(tmp_path: Path, kind: str, port: int, host: str = "127.0.0.1") -> Path:
    path = tmp_path / f"{kind.replace('-', '_')}.py"
    path.write_text(scripts.script_text(kind, host, port), encoding="utf-8")
    return path


@contextlib.contextmanager
def serving_one_client(handle):
    """A hand-made server: ``handle(conn)`` serves its first client on a thread."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def serve():
            conn, _ = listener.accept()
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.settimeout(10)
                handle(conn)

        helper = threading.Thread(target=serve, daemon=True)
        helper.start()
        yield listener.getsockname()[1]
        helper.join(10)


def wait_until(condition, timeout: float = 5.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} never came true"
        time.sleep(0.01)


def plain_failure(result) -> str:
    """A script's failure: exit status 1 and one plain line, no traceback."""
    err = result.stderr.decode()
    assert result.returncode == 1, (result.stdout, err)
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


# -- the files ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", scripts.KINDS)
def test_each_script_compiles_and_reads_in_class(kind):
    text = scripts.script_text(kind)
    compile(text, f"{kind}.py", "exec")
    assert code_lines(text) <= 60, f"{kind}: {code_lines(text)} lines of code"
    assert text.isascii()  # prints on any console, saves under any encoding
    assert max(len(line) for line in text.splitlines()) <= 100
    assert ast.get_docstring(ast.parse(text)), "the first line says what it does"


@pytest.mark.parametrize("kind", scripts.KINDS)
def test_each_script_uses_only_the_standard_library(kind):
    modules = imported_modules(scripts.script_text(kind))
    assert modules and modules <= set(sys.stdlib_module_names), modules


@pytest.mark.parametrize("kind", scripts.KINDS)
def test_host_and_port_are_plain_constants_near_the_top(kind):
    lines = scripts.script_text(kind).splitlines()
    host = [n for n, line in enumerate(lines) if line.startswith("HOST = ")]
    port = [n for n, line in enumerate(lines) if line.startswith("PORT = ")]
    assert len(host) == len(port) == 1 and host[0] < 15 and port[0] == host[0] + 1
    assert lines[host[0]] == 'HOST = "127.0.0.1"'
    assert lines[port[0]] == f"PORT = {DEFAULT_PORTS[kind.split('-')[0]]}"


def test_there_is_one_file_for_each_kind_and_nothing_else():
    files = sorted(path.name for path in scripts.scripts_folder().glob("*.py"))
    assert files == sorted(f"{kind.replace('-', '_')}.py" for kind in scripts.KINDS)
    assert scripts.script_text("echo-server") == (
        scripts.scripts_folder() / "echo_server.py").read_text(encoding="utf-8")


def test_server_comments_use_the_words_of_the_step_log():
    for kind in ("daytime-server", "echo-server", "chat-server", "web-server"):
        text = scripts.script_text(kind)
        for words in ("Opened", "Bound", "Listening", "Accepted connection"):
            assert words in text, (kind, words)
    daytime = scripts.script_text("daytime-server")
    for words in ("Opened server socket", "Bound server socket to port", "Listening",
                  "Accepted connection", "Wrote to client"):
        assert f'print("{words}' in daytime


def test_the_course_bugs_are_explained_where_the_safer_line_is():
    assert "recv(1024)" in scripts.script_text("daytime-client")  # Fig. 1 reads once
    assert "read once and closed" in scripts.script_text("echo-server")  # Fig. 2
    assert "took each recv() as one message" in scripts.script_text("chat-server")  # Fig. 4
    assert 'split each recv() on "\\n"' in scripts.script_text("chat-client")  # Fig. 5


def test_descriptions_for_the_list():
    for kind in scripts.KINDS:
        description = scripts.describe(kind)
        assert 20 < len(description) < 90 and ":" not in description[:12], description
    assert scripts.describe("echo-server").startswith("sends back every byte")


# -- substitution -----------------------------------------------------------------------------
ODD_HOSTS = ["10.0.0.5", "::1", "fe80::1%eth0", "localhost", "my-pc.local", "bücher.example",
             "", " spaced ", "a'b", 'a"b', "a'\"b", "back\\slash", "\\1\\g<0>", "new\nline",
             "\x00\x1b[31m", "\u202eevil", "x" * 1000, '"; import os; os.remove("x"); "',
             "HOST = 'evil'\nPORT = 1", "\ud800"]


@pytest.mark.parametrize("kind", scripts.KINDS)
@pytest.mark.parametrize("host", ODD_HOSTS)
def test_the_host_is_a_python_string_literal_and_nothing_else_changes(kind, host):
    original = scripts.script_text(kind).splitlines()
    text = scripts.script_text(kind, host, 4242)
    lines = text.splitlines()
    assert len(lines) == len(original)
    changed = [n for n, (old, new) in enumerate(zip(original, lines)) if old != new]
    at = original.index('HOST = "127.0.0.1"')
    assert changed == [at, at + 1] or (changed == [at + 1] and host == "127.0.0.1")
    assert ast.literal_eval(lines[at][len("HOST = "):]) == host
    assert lines[at + 1] == "PORT = 4242"
    tree = ast.parse(text)  # still the same program: the same statements in the same order
    assert [type(node) for node in tree.body] == [type(node) for node in
                                                  ast.parse("\n".join(original)).body]


def test_hosts_are_written_in_double_quotes_when_they_can_be():
    assert scripts.python_string("10.0.0.5") == '"10.0.0.5"'
    assert scripts.python_string("::1") == '"::1"'
    assert scripts.python_string("a'b") == '"a\'b"'
    assert scripts.python_string('a"b') == "'a\"b'"
    for text in ODD_HOSTS:
        assert ast.literal_eval(scripts.python_string(text)) == text


def test_ports_are_checked_and_defaults_kept():
    for port in (0, 1, 65535):
        assert f"PORT = {port}\n" in scripts.script_text("echo-client", port=port)
    for port in (-1, 65536, "80", 8.5, True):
        with pytest.raises((ValueError, TypeError)):
            scripts.script_text("echo-client", port=port)
    with pytest.raises(TypeError):
        scripts.script_text("echo-client", host=b"127.0.0.1")
    with pytest.raises(ValueError, match="no script called"):
        scripts.script_text("telnet")
    kept = scripts.script_text("chat-server", host="10.0.0.5")
    assert 'HOST = "10.0.0.5"\nPORT = 9000\n' in kept
    assert 'HOST = "127.0.0.1"\nPORT = 1234\n' in scripts.script_text("chat-server", port=1234)


# -- daytime ----------------------------------------------------------------------------------
def test_daytime_client_prints_the_answer_of_labsuite_daytime_server(started, tmp_path):
    recorder = Recorder()
    server = started(DaytimeServer("127.0.0.1", 0, on_event=recorder))
    result = run_to_end(written(tmp_path, "daytime-client", server.address[1]))
    assert result.returncode == 0, result.stderr
    sent = recorder.wait_for(Kind.WROTE)[0].data.decode().strip()
    assert result.stdout.decode().strip() == sent and sent.endswith("-UTC")


def test_daytime_client_reads_until_the_server_closes(tmp_path):
    """A reply in two pieces (one recv() would print only the first) comes out whole."""
    def answer(conn):
        conn.sendall(b"Wednesday, February 11, ")
        threading.Event().wait(0.2)  # a pause, so the pieces arrive apart
        conn.sendall(b"2026 21:30:43-UTC\r\n")

    with serving_one_client(answer) as port:
        result = run_to_end(written(tmp_path, "daytime-client", port))
    assert result.stdout.decode().strip() == "Wednesday, February 11, 2026 21:30:43-UTC"


@pytest.mark.parametrize("kind, message", [
    ("daytime-client", "Could not get the time from 127.0.0.1 port"),
    ("echo-client", "Could not talk to the echo server at 127.0.0.1 port"),
    ("chat-client", "Lost the chat server at 127.0.0.1 port")])
def test_clients_explain_a_refused_connection(tmp_path, kind, message):
    result = run_to_end(written(tmp_path, kind, closed_port()), input=b"ann\n")
    assert message in plain_failure(result)


def test_daytime_server_answers_labsuite_time_client(serve_script):
    server, port = serve_script("daytime-server")
    result = DaytimeQuery("127.0.0.1", port, timeout=5).run()
    assert result.problem is None and result.format == "rfc867"
    assert abs(result.offset) < 5
    server.expect("Wrote to client:")
    assert "Opened server socket" in server.seen[0]


def test_daytime_server_survives_resets_and_chatter_and_many_clients(serve_script):
    server, port = serve_script("daytime-server")
    for _ in range(3):  # connect and reset at once
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as talker:
        talker.sendall(b"hello?\r\n" * 100)  # a client that talks first still gets the time
        assert b"-UTC" in talker.recv(1024)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(20)]
    for sock in clients:
        with sock:
            assert DaytimeServerLine.fullmatch(read_all(sock))
    assert DaytimeQuery("127.0.0.1", port, timeout=5).run().problem is None


DaytimeServerLine = re.compile(rb"[A-Z][a-z]+day, [A-Z][a-z]+ \d\d, \d{4} \d\d:\d\d:\d\d-UTC\r\n")


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


# -- echo -------------------------------------------------------------------------------------
def test_echo_client_prints_each_echo_from_labsuite_echo_server(started, tmp_path):
    server = started(EchoServer("127.0.0.1", 0))
    long_line = b"x" * 300_000 + b"\n"  # far more than one recv(), sent in pieces
    lines = [b"Hello, COS 333.\n", "h\u00e9llo w\u00f6rld\n".encode(), b"\xff\xfe bad\n",
             long_line, b"no newline at the end"]
    result = run_to_end(written(tmp_path, "echo-client", server.address[1]),
                        input=b"".join(lines))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8").splitlines() == [
        "Hello, COS 333.", "h\u00e9llo w\u00f6rld", "\ufffd\ufffd bad", "x" * 300_000,
        "no newline at the end"]


def test_echo_client_waits_for_an_echo_that_comes_back_in_pieces(tmp_path):
    """One recv() per line would print the first piece and show the rest with the next line."""
    def echo_in_pieces(conn):
        while data := conn.recv(65536):
            for start in range(0, len(data), 4):
                conn.sendall(data[start:start + 4])
                threading.Event().wait(0.005)  # pauses, so the pieces arrive apart

    with serving_one_client(echo_in_pieces) as port:
        result = run_to_end(written(tmp_path, "echo-client", port),
                            input=b"first line\nsecond one\n")
    assert result.stdout.decode().splitlines() == ["first line", "second one"]


def test_echo_server_echoes_until_the_client_closes(serve_script):
    server, port = serve_script("echo-server")
    client = EchoClient("127.0.0.1", port, timeout=5).start()
    try:
        for text in ("Hello, COS 333.\n", "again\n", "and again\n"):
            assert client.request(text).text == text
        big = bytes(range(256)) * 4096  # 1 MiB of every byte value, while reading back
        assert client.request(big, timeout=20).data == big
    finally:
        client.stop()
    server.expect("Read ")
    server.expect("Closed connection with 127.0.0.1")


def test_echo_server_serves_two_clients_at_once_and_pieces(serve_script):
    server, port = serve_script("echo-server")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as idle, \
            socket.create_connection(("127.0.0.1", port), timeout=5) as busy:
        idle.sendall(b"first ")
        busy.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in (b"Hel", b"lo", b"\n"):
            busy.sendall(piece)
        echoed = b""
        while len(echoed) < 6:
            echoed += busy.recv(100)
        assert echoed == b"Hello\n"
        assert idle.recv(100) == b"first "  # the first client was served too


def test_echo_server_survives_a_client_that_resets(serve_script):
    server, port = serve_script("echo-server")
    rude = socket.create_connection(("127.0.0.1", port))
    rude.sendall(b"x" * 100_000)  # unread echo waiting, then a reset
    rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    rude.close()
    client = EchoClient("127.0.0.1", port, timeout=5).start()
    try:
        assert client.request("still here\n").text == "still here\n"
    finally:
        client.stop()
    assert server.proc.poll() is None


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 on this computer")
def test_echo_server_and_client_on_ipv6_loopback(serve_script, tmp_path):
    try:
        closed_port("::1")
    except OSError:
        pytest.skip("::1 is not available here")
    server, port = serve_script("echo-server", host="::1")
    result = run_to_end(written(tmp_path, "echo-client", port, host="::1"), input=b"six\n")
    assert result.stdout == b"six\n", result.stderr


# -- chat -------------------------------------------------------------------------------------
def test_chat_clients_talk_whisper_and_leave_through_labsuite_chat_server(started, run_script):
    server = started(ChatServer("127.0.0.1", 0))
    port = server.address[1]
    cat = run_script("chat-client", port=port)
    cat.send("cool cat\n")
    joined = cat.expect("==> cool cat has joined the chat room")
    assert joined == "What is your name: ==> cool cat has joined the chat room"
    turkey = run_script("chat-client", port=port)
    turkey.send("cold turkey\n")
    turkey.expect("==> cold turkey has joined the chat room")
    cat.expect("==> cold turkey has joined the chat room")
    turkey.send("Hi everyone!\n")
    assert cat.expect("==> cold turkey: ") == "==> cold turkey: Hi everyone!"
    turkey.expect("==> cold turkey: Hi everyone!")
    cat.send("private cold turkey: Are you hungry?\n")
    assert turkey.expect("[private]") == "==> [private] cool cat: Are you hungry?"
    cat.send("private nobody\n")  # no colon: a hint, nothing sent
    cat.expect("To whisper, type: private <name>: <message>")
    cat.send("quit\n")
    cat.expect("==> cool cat has left the chat room")
    assert cat.finish() == 0
    assert not any("[private]" in line for line in cat.seen)
    turkey.expect("==> cool cat has left the chat room")
    turkey.close_input()  # the end of input leaves the room too
    turkey.expect("==> cold turkey has left the chat room")
    assert turkey.finish() == 0
    wait_until(lambda: server.members == (), what="an empty room")


def test_chat_client_frames_by_lines_and_shows_no_control_characters(run_script):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = run_script("chat-client", port=listener.getsockname()[1])
        client.send("ann\n")
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            assert conn.recv(100) == b"ADD ann\n"
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for piece in (b"NEW ann\nMESS", b"AGE bob\nhi ", b"there\n"):
                conn.sendall(piece)
                threading.Event().wait(0.05)  # pauses, so the pieces arrive apart
            conn.sendall(b"MESSAGE eve\n\x1b[2Jred\x07\nHERE bob\nERROR no such person\n")
            client.expect("==> ann has joined the chat room")
            assert client.expect("==> bob") == "==> bob: hi there"
            assert client.expect("==> eve") == "==> eve: ?[2Jred?"
            assert client.expect("[server]") == "==> [server] no such person"
            client.close_input()
            assert conn.recv(100) == b"QUIT\n"
            conn.sendall(b"LEFT ann\nGOODBYE\n")
            client.expect("==> ann has left the chat room")
            assert client.finish() == 0


def chat_client(port: int, name: str, recorder: Recorder) -> ChatClient:
    client = ChatClient("127.0.0.1", port, name=name, timeout=5, on_event=recorder)
    client.start()
    return client


def transcript(recorder: Recorder, line: str, timeout: float = 5.0) -> None:
    """Wait until the client's transcript shows ``line``."""
    wait_until(lambda: line in [chat.transcript_line(e.result) for e in
                                list(recorder.events) if e.kind == Kind.RESULT],
               timeout, what=repr(line))


def test_chat_server_with_labsuite_chat_clients(serve_script):
    server, port = serve_script("chat-server")
    heard_cat, heard_turkey = Recorder(), Recorder()
    cat = chat_client(port, "cool cat", heard_cat)
    transcript(heard_cat, "==> cool cat has joined the chat room")
    turkey = chat_client(port, "cold turkey", heard_turkey)
    try:
        transcript(heard_cat, "==> cold turkey has joined the chat room")
        turkey.say("Hi everyone!")
        transcript(heard_cat, "==> cold turkey: Hi everyone!")
        transcript(heard_turkey, "==> cold turkey: Hi everyone!")
        cat.whisper("cold turkey", "Are you hungry?")
        transcript(heard_turkey, "==> [private] cool cat: Are you hungry?")
        assert cat.leave() is True  # GOODBYE came
        transcript(heard_cat, "==> cool cat has left the chat room")
        transcript(heard_turkey, "==> cool cat has left the chat room")
        assert not any(isinstance(e.result, chat.Private) for e in heard_cat.of(Kind.RESULT))
    finally:
        cat.stop()
        turkey.stop()
    server.expect("'ADD cool cat'")


@pytest.fixture
def peer():
    """peer(address, name=None) -> a ChatPeer (joined as ``name``); all closed after."""
    made = []

    def connect(address, name=None):
        made.append(ChatPeer(address, name))
        return made[-1]

    yield connect
    for each in made:
        each.close()


def test_chat_server_frames_lines_and_announces_a_vanished_client(serve_script, peer):
    server, port = serve_script("chat-server")
    address = ("127.0.0.1", port)
    listener = peer(address, "listener")
    split = peer(address)
    split.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for piece in (b"AD", b"D spl", b"it\r", b"\nMESSAGE o", b"ne\n"):
        split.send(piece)
        threading.Event().wait(0.02)  # pauses, so the pieces arrive apart
    assert listener.expect("NEW split") == []
    assert listener.line() == "MESSAGE split" and listener.line() == "one"
    merged = peer(address)
    merged.send(b"ADD merged\nMESSAGE two commands\nPRIVATE listener\nin one segment\n")
    assert listener.expect("NEW merged") == []
    assert [listener.line() for _ in range(4)] == [
        "MESSAGE merged", "two commands", "PRIVATE merged", "in one segment"]
    split.reset()  # vanishes without QUIT
    assert listener.expect("LEFT split") == []
    merged.send("QUIT\n")
    assert merged.expect("GOODBYE")[-2:] == ["LEFT split", "LEFT merged"]
    assert listener.expect("LEFT merged") == []
    listener.send("MESSAGE still serving\n")
    assert listener.expect("MESSAGE listener") == [] and listener.line() == "still serving"


def test_chat_server_refuses_what_it_cannot_do_and_keeps_serving(serve_script, peer):
    server, port = serve_script("chat-server")
    address = ("127.0.0.1", port)
    ann = peer(address, "ann")
    stranger = peer(address)
    stranger.send("MESSAGE before joining\nADD ann\n")  # ignored, then a name taken
    assert stranger.line().startswith("ERROR")
    stranger.send("ADD \n")  # empty
    assert stranger.line().startswith("ERROR")
    ann.send(b"MESSAGE \xff\xfe not UTF-8\n")
    assert ann.expect("MESSAGE ann") == []  # the stranger's message never came
    assert ann.line() == "\ufffd\ufffd not UTF-8"
    ann.send("PRIVATE nobody\nhello?\nPRIVATE ann\nto myself\n")  # nobody: dropped
    assert ann.line() == "PRIVATE ann" and ann.line() == "to myself"
    ann.send(b"MESSAGE " + b"x" * 20_000 + b"\n")  # over-long: cut, not fatal
    ann.send("MESSAGE after the flood\n")
    ann.expect("after the flood", timeout=10)
    bob = peer(address, "bob")
    assert ann.expect("NEW bob", timeout=10) is not None
    bob.send("QUIT\n")
    assert bob.expect("GOODBYE") == ["LEFT bob"]
    assert server.proc.poll() is None


# -- web --------------------------------------------------------------------------------------
@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "docs").mkdir(parents=True)
    (root / "hello.txt").write_bytes(b"Hello from the script.\n")
    (root / "page.html").write_text("<p>page</p>")
    (root / "docs" / "a b.txt").write_text("spaced")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    try:
        (root / "escape").symlink_to(tmp_path / "secret.txt")
    except OSError:
        pass  # no symbolic links here (Windows without the right)
    return root


def request(port: int, raw: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        return read_all(sock)


def test_web_server_answers_labsuite_downloader(serve_script, site):
    server, port = serve_script("web-server", cwd=site)
    result = FetchQuery(f"http://127.0.0.1:{port}/hello.txt", timeout=5).run()
    assert result.status == 200 and result.body_preview == "Hello from the script.\n"
    headers = dict(result.headers)
    assert headers["Content-Type"].startswith("text/plain")
    assert headers["Content-Length"] == str(len(b"Hello from the script.\n"))
    page = FetchQuery(f"http://127.0.0.1:{port}/docs/a%20b.txt", timeout=5).run()
    assert page.status == 200 and page.body_preview == "spaced"
    listing = FetchQuery(f"http://127.0.0.1:{port}/", timeout=5).run()
    assert listing.status == 200 and 'href="/hello.txt"' in listing.body_preview
    assert 'href="/docs/a%20b.txt"' in FetchQuery(f"http://127.0.0.1:{port}/docs/",
                                                  timeout=5).run().body_preview
    missing = FetchQuery(f"http://127.0.0.1:{port}/nothing.html", timeout=5).run()
    assert missing.status == 404
    server.expect("'GET /hello.txt HTTP/1.1'")


def test_web_server_head_and_status_lines(serve_script, site):
    server, port = serve_script("web-server", cwd=site)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("HEAD", "/page.html")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b""
    assert response.getheader("Content-Length") == str(len("<p>page</p>"))
    assert response.getheader("Content-Type") == "text/html"
    conn.close()
    answer = request(port, b"GET /page.html HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\n<p>page</p>")
    assert request(port, b"POST / HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 501 ")
    assert request(port, b"\x00\xff\xfe garbage\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert request(port, b"GET " + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n").startswith(
        b"HTTP/1.1 400 ")
    assert request(port, b"GET /hello.txt HTTP/1.1\r\n\r\n").endswith(b"the script.\n")


@pytest.mark.parametrize("target", ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                                    "/%2e%2e%2fsecret.txt", "/docs/../../secret.txt",
                                    "/..\\secret.txt", "/escape", "//etc/passwd"])
def test_web_server_never_serves_outside_its_folder(serve_script, site, target):
    server, port = serve_script("web-server", cwd=site)
    answer = request(port, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status = answer.split(b"\r\n", 1)[0]
    assert status in (b"HTTP/1.1 403 Forbidden", b"HTTP/1.1 404 Not Found"), answer
    assert b"TOP SECRET" not in answer and b"root:" not in answer


def test_web_server_survives_a_client_that_vanishes(serve_script, site):
    server, port = serve_script("web-server", cwd=site)
    (site / "big.bin").write_bytes(b"\0" * 5_000_000)
    rude = socket.create_connection(("127.0.0.1", port))
    rude.sendall(b"GET /big.bin HTTP/1.1\r\n\r\n")
    rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    rude.close()
    silent = socket.create_connection(("127.0.0.1", port))  # sends nothing at all
    try:
        assert FetchQuery(f"http://127.0.0.1:{port}/hello.txt", timeout=5).run().status == 200
    finally:
        silent.close()
    assert server.proc.poll() is None


# -- get --------------------------------------------------------------------------------------
@pytest.fixture
def web(started, site):
    return started(WebServer("127.0.0.1", 0, root=str(site)))


@pytest.fixture
def downloads(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


def test_get_saves_a_page_and_shows_status_and_headers(web, tmp_path, downloads):
    port = web.address[1]
    script = written(tmp_path, "get", port)
    result = run_to_end(script, f"http://127.0.0.1:{port}/hello.txt", cwd=downloads)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode().splitlines()
    assert out[0] == "200 OK"
    assert "Content-Length: 23" in out
    assert out[-1] == "Saved 23 bytes to hello.txt"
    assert (downloads / "hello.txt").read_bytes() == b"Hello from the script.\n"
    again = run_to_end(script, f"http://127.0.0.1:{port}/hello.txt", cwd=downloads)
    assert plain_failure(again).startswith("hello.txt is already here")


def test_get_with_no_url_fetches_the_filled_in_server(web, tmp_path, downloads):
    result = run_to_end(written(tmp_path, "get", web.address[1]), cwd=downloads)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("200 OK")
    assert b"docs" in (downloads / "index.html").read_bytes()  # the site's folder listing


def test_get_never_saves_a_hidden_name_or_an_error_page(web, site, tmp_path, downloads):
    (site / ".profile").write_text("dotted")
    port = web.address[1]
    script = written(tmp_path, "get", port)
    result = run_to_end(script, f"http://127.0.0.1:{port}/.profile", cwd=downloads)
    assert result.returncode == 0 and (downloads / "profile").read_text() == "dotted"
    missing = run_to_end(script, f"http://127.0.0.1:{port}/missing.txt", cwd=downloads)
    assert missing.returncode == 1 and missing.stdout.decode().startswith("404 Not Found")
    assert sorted(path.name for path in downloads.iterdir()) == ["profile"]


def test_get_explains_what_went_wrong(tmp_path, downloads):
    script = written(tmp_path, "get", closed_port())
    assert "Could not download http://127.0.0.1:" in plain_failure(run_to_end(script,
                                                                              cwd=downloads))
    assert "Could not download" in plain_failure(run_to_end(script, "not a url", cwd=downloads))
    assert list(downloads.iterdir()) == []
