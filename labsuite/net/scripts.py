"""The course's programs as short scripts a student can read and run: "Show the code".

Each script is a real file in ``labsuite/scripts/`` (package data, also inside the frozen
program) that runs as it stands, so the tests run exactly the text a student is shown.
Its host and port are two plain lines near the top (``HOST = "127.0.0.1"``, ``PORT =
8007``); :func:`script_text` replaces just those two lines and nothing else. Used by
``labsuite code`` and by the window's Code buttons. Not in ``protocols``: it reads files.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Optional

#: Every script, in the order a course meets them.
KINDS = ("daytime-client", "daytime-server", "echo-client", "echo-server",
         "chat-client", "chat-server", "web-server", "get")

_HOST_LINE = re.compile(r"^HOST = .*$", re.MULTILINE)
_PORT_LINE = re.compile(r"^PORT = .*$", re.MULTILINE)


def scripts_folder() -> Path:
    return Path(__file__).resolve().parent.parent / "scripts"


def script_path(kind: str) -> Path:
    """The file of ``kind`` (``echo-server`` is ``echo_server.py``); ValueError if unknown."""
    if kind not in KINDS:
        raise ValueError(f"There is no script called {kind!r}; choose one of {', '.join(KINDS)}.")
    return scripts_folder() / f"{kind.replace('-', '_')}.py"


def script_text(kind: str, host: Optional[str] = None, port: Optional[int] = None) -> str:
    """The script for ``kind`` with ``host`` and ``port`` filled in (None keeps its own).

    The host becomes a Python string literal, never pasted raw, so whatever was typed
    (quotes, backslashes, a newline) cannot change the program around it.
    """
    text = script_path(kind).read_text(encoding="utf-8")
    if host is not None:
        if not isinstance(host, str):
            raise TypeError(f"the host must be text, not {type(host).__name__}")
        text = _replace_line(text, _HOST_LINE, f"HOST = {python_string(host)}")
    if port is not None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"{port!r} is not a port number (0 to 65535)")
        text = _replace_line(text, _PORT_LINE, f"PORT = {port}")
    return text


def describe(kind: str) -> str:
    """What the script does, for ``labsuite code --list``: the first line of its docstring
    after the name ("Echo client: sends each line ..." gives "sends each line ...")."""
    docstring = ast.get_docstring(ast.parse(script_path(kind).read_text(encoding="utf-8")))
    first = (docstring or "").split("\n", 1)[0]
    return first.split(": ", 1)[-1]


def python_string(text: str) -> str:
    """``text`` as a Python string literal, in double quotes when repr() allows it."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        return f'"{literal[1:-1]}"'  # no quote of either kind inside: only the ends change
    return literal


def _replace_line(text: str, line: "re.Pattern[str]", new: str) -> str:
    # A function, not a replacement string: re would read the backslashes in ``new``.
    replaced, count = line.subn(lambda match: new, text)
    if count != 1:
        raise RuntimeError(f"a script must have exactly one {line.pattern!r} line, not {count}")
    return replaced
