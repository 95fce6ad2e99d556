"""Running a student's client: its command line, its environment, a process tree that always ends.

The command is a list of words, never run through a shell (on Windows neither): ``{host}``,
``{port}`` and ``{name}`` in them are replaced for each run, a ``.py`` file named first is run
with Python, and the program runs in the folder of the ``.py`` file the command names (so
it finds the files next to it). It gets a copy of this environment, cleaned of what a
frozen labsuite sets for itself, with Python's output unbuffered so what it prints
arrives as it prints it. Its standard input is a pipe the check types into; its standard
output and error are read by threads as they come. :meth:`ClientProcess.kill` ends the
whole process tree, whatever the program started.
"""

from __future__ import annotations

import codecs
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

HOST, PORT, NAME = "{host}", "{port}", "{name}"
#: The most of each output stream a run keeps (a client may print for ever).
MAX_OUTPUT = 1024 * 1024
READ_SIZE = 65536
#: How long, after the client ended, its last output may take to be read: at once, unless
#: a process it started still holds its pipes open (that one is killed at the end).
OUTPUT_GRACE = 0.25
_WINDOWS = sys.platform == "win32"
_WAIT_WITHOUT_REAPING = not _WINDOWS and all(
    hasattr(os, name) for name in ("waitid", "P_PID", "WEXITED", "WNOWAIT", "CLD_EXITED"))


class CommandProblem(ValueError):
    """The command cannot be run as given; the message is one plain sentence."""


class ClientUnstartable(Exception):
    """The system refused to start the client (not executable, wrong format...)."""

    def __init__(self, explanation: str, hint: str):
        super().__init__(explanation)
        self.explanation = explanation
        self.hint = hint


@dataclass(frozen=True)
class ClientCommand:
    """A student's command, ready to run: ``words`` as given (for reports), ``template``
    the words to run (program found, script path made absolute), ``cwd`` where."""

    words: Tuple[str, ...]
    template: Tuple[str, ...]
    cwd: str

    @property
    def text(self) -> str:
        return shown_command(self.words)

    @property
    def takes_name(self) -> bool:
        return any(NAME in word for word in self.words)

    def argv(self, host: str, port: int, name: str = "") -> List[str]:
        return [word.replace(HOST, host).replace(PORT, str(port)).replace(NAME, name)
                for word in self.template]


_PLAIN_WORD = re.compile(r"[\w@%+=:,./{}\\-]+")


def shown_command(words: Sequence[str]) -> str:
    """The words as one line to read (and paste into a shell): quoted only where needed,
    so {host} and {port} stay as typed."""
    return " ".join(word if _PLAIN_WORD.fullmatch(word) else shlex.quote(word) for word in words)


def prepare_command(words: Sequence[str], kind: str) -> ClientCommand:
    """Check ``words`` and find what to run; CommandProblem with a plain sentence if not."""
    words = tuple(words)
    example = f"labsuite check {kind} -- python3 my_client.py {HOST} {PORT}"
    if not words:
        raise CommandProblem(f"give the client to check after --, e.g. {example}")
    if not any(PORT in word for word in words):
        raise CommandProblem(
            f"your command has no {PORT}. labsuite starts its reference server on a free port "
            "each time, and your client's command line is the only way to tell it which one: "
            f"make your client take the port as an argument (port = int(sys.argv[2])) and put "
            f"{PORT} (and {HOST}) where they go, e.g. {example}")
    template = list(words)
    if template[0].lower().endswith(".py"):
        template.insert(0, python_program())
    program = shutil.which(template[0])
    if program is None:
        raise CommandProblem(f"cannot run {template[0]!r}: there is no such program here (is it "
                             "installed, and on the PATH?)")
    # absolute: a program named by a relative path (venv/bin/python, ./client) must still
    # be found once the client runs in its script's folder
    template[0] = os.path.abspath(program) if os.path.dirname(program) else program
    cwd = os.getcwd()
    for number, word in enumerate(template[1:], start=1):
        if word.lower().endswith(".py") and not word.startswith("-"):
            script = Path(word)
            if not script.is_file():
                raise CommandProblem(f"there is no file {word!r} (looked in {cwd})")
            script = script.resolve()
            template[number], cwd = str(script), str(script.parent)
            break
    return ClientCommand(words, tuple(template), cwd)


def python_program() -> str:
    """The Python to run a bare ``my_client.py`` with: labsuite's own, or (frozen, where
    labsuite is not a Python) the first one on the PATH."""
    if not getattr(sys, "frozen", False) and sys.executable:
        return sys.executable
    for name in ("python3", "python", "py"):
        if shutil.which(name):
            return name
    raise CommandProblem("no Python found to run the .py file with: name it, e.g. "
                         f"-- python3 my_client.py {HOST} {PORT}")


def client_environment() -> Dict[str, str]:
    """A copy of this environment for the student's program.

    A frozen labsuite (PyInstaller) points the library search path and Tcl/Tk at its own
    unpacked files; the student's program must not inherit that. Python output is made
    unbuffered and UTF-8, so each print() arrives when it happens and decodes the same
    on every system.
    """
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        for name in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "LIBPATH"):
            original = env.pop(f"{name}_ORIG", None)
            if original is not None:
                env[name] = original
            else:
                env.pop(name, None)
        bundle = getattr(sys, "_MEIPASS", None)
        for name in ("TCL_LIBRARY", "TK_LIBRARY", "PYTHONHOME", "PYTHONPATH"):
            if bundle and env.get(name, "").startswith(bundle):
                env.pop(name)
    env.update(PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1")
    return env


class ClientProcess:
    """The student's client in a process group of its own, its output read as it comes.

    ``on_output(stream, data)`` gets each piece of "stdout" or "stderr" (up to
    :data:`MAX_OUTPUT` of each); ``on_exit(process)`` is called once it has ended.
    Both run on this object's threads.
    """

    def __init__(self, argv: Sequence[str], cwd: str, on_output: Callable[[str, bytes], None],
                 on_exit: Callable[["ClientProcess"], None]):
        options: dict = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=cwd, env=client_environment())
        if _WINDOWS:
            options["creationflags"] = (subprocess.CREATE_NEW_PROCESS_GROUP
                                        | subprocess.CREATE_NO_WINDOW)
        else:
            options["start_new_session"] = True  # its own group: kill() ends all of it
        try:
            self.proc = subprocess.Popen(list(argv), **options)
        except OSError as exc:
            raise ClientUnstartable(
                f"Your client could not be started ({exc.strerror or exc}): "
                f"{shown_command(argv)}",
                f"Run a Python program with Python: -- python3 my_client.py {HOST} {PORT}."
            ) from None
        self.killed = False
        self.exit_code: Optional[int] = None  # once it has ended
        self.finished = False  # it has ended and its output has been read
        self._on_output = on_output
        self._on_exit = on_exit
        self._threads = [threading.Thread(target=self._read, args=(stream, name), daemon=True,
                                          name=f"student client {name}")
                         for stream, name in ((self.proc.stdout, "stdout"),
                                              (self.proc.stderr, "stderr"))]
        self._threads.append(threading.Thread(target=self._wait, daemon=True,
                                              name="student client exit"))
        for thread in self._threads:
            thread.start()

    @property
    def returncode(self) -> Optional[int]:
        return self.exit_code

    @property
    def ended_by_itself(self) -> bool:
        """It ended without being killed, and all it wrote has been read."""
        return self.finished and not self.killed

    def write(self, data: bytes) -> bool:
        """Type ``data``; False when the client no longer reads its input."""
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (OSError, ValueError):  # BrokenPipeError; or already closed
            return False

    def close_input(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def kill(self) -> None:
        """End the whole process tree at once (also what is left of it after it ended).

        On POSIX the client is not reaped before this (see :meth:`_wait`): while it is a
        zombie its process id, which names its group, cannot go to another program.
        """
        if self.exit_code is None:
            self.killed = True
        if _WINDOWS:
            try:
                subprocess.run(["taskkill", "/F", "/T", "/PID", str(self.proc.pid)],
                               capture_output=True, timeout=10,
                               creationflags=subprocess.CREATE_NO_WINDOW)
            except (OSError, subprocess.SubprocessError):
                pass
        else:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:  # the group is gone already
                pass
        try:
            self.proc.kill()
            self.proc.wait(1.0)  # reaps it
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.close_input()

    def join(self, timeout: float) -> None:
        """Wait for the exit and for its output to be read (after :meth:`kill`)."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for thread, stream in zip(self._threads, (self.proc.stdout, self.proc.stderr)):
            if not thread.is_alive():  # (a grandchild that escaped may still hold a pipe)
                stream.close()

    def _read(self, stream, name: str) -> None:
        kept = 0
        fd = stream.fileno()
        while True:
            try:
                data = os.read(fd, READ_SIZE)
            except OSError:
                return
            if not data:
                return
            if kept < MAX_OUTPUT:
                data = data[:MAX_OUTPUT - kept]
                kept += len(data)
                self._on_output(name, data)

    def _wait(self) -> None:
        self.exit_code = self._wait_for_end()
        for reader in self._threads[:2]:  # what it wrote just before it ended, too
            reader.join(OUTPUT_GRACE)
        self.finished = True
        self._on_exit(self)

    def _wait_for_end(self) -> int:
        """Wait for the end; its exit status. On POSIX without reaping it, so that kill()
        can still end the processes it left behind, by its group, and nobody else's."""
        if not _WAIT_WITHOUT_REAPING:
            return self.proc.wait()
        try:
            info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:  # kill() reaped it meanwhile
            return self.proc.wait()
        if info.si_code == os.CLD_EXITED:
            return info.si_status
        return -info.si_status  # killed by a signal, as subprocess reports it


class TextBuffer:
    """Output as lenient UTF-8 text, decoded as its pieces arrive (a character split
    between two pieces is still one character)."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._parts: List[str] = []
        self._text: Optional[str] = ""

    def add(self, data: bytes) -> None:
        self._parts.append(self._decoder.decode(data))
        self._text = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self._parts)
            self._parts = [self._text]
        return self._text

