"""The student programs the checks are proven on, and a way to run one.

Each ``KIND_*.py`` file is a small server written the way students write them, taking
``[HOST] PORT`` from the command line and printing ``Listening on HOST:PORT`` once it
listens: for each kind a correct one and several with one classic bug each (see each
file's docstring). :class:`StudentProgram` starts one on a free loopback port.
``clients/KIND_*.py`` are clients written the same way, taking ``HOST PORT``:
:func:`client_command` is the command ``labsuite check KIND-client`` runs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import read_lines_until, stop_process

PROGRAMS = Path(__file__).resolve().parent
CLIENTS = PROGRAMS / "clients"
LISTENING = re.compile(r"listening on (\S+):(\d+)", re.IGNORECASE)


class StudentProgram:
    """``python PROGRAM.py 127.0.0.1 0`` in a subprocess, ready once it says where it listens.

    ``cwd`` is the folder it runs in (the web servers serve it); its stderr goes to a file
    there, so a program that prints tracebacks never blocks on a full pipe.
    """

    def __init__(self, name: str, cwd: Path):
        self.name = name
        self.stderr_path = Path(cwd) / f"{name}.stderr"
        self._stderr = open(self.stderr_path, "w")
        command = [sys.executable, str(PROGRAMS / f"{name}.py"), "127.0.0.1", "0"]
        self.proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True)
        try:
            match, _lines = read_lines_until(self.proc, LISTENING.search, timeout=20)
        except BaseException:
            self.stop()
            raise
        self.port = int(match.group(2))

    @property
    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc.stdout.close()
        self._stderr.close()

    def __enter__(self) -> "StudentProgram":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def names(kind: str, folder: Path = PROGRAMS) -> list:
    """The programs of one kind, correct one first."""
    found = sorted(path.stem for path in folder.glob(f"{kind}_*.py"))
    return sorted(found, key=lambda name: not name.endswith("_correct"))


def client_names(kind: str) -> list:
    """The client programs of one kind ("echo"), correct one first."""
    return names(kind, CLIENTS)


def client_command(name: str) -> list:
    """``python clients/NAME.py {host} {port}``, as a student would give it."""
    return [sys.executable, str(CLIENTS / f"{name}.py"), "{host}", "{port}"]
