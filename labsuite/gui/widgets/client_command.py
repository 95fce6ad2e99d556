"""The command that runs a student's client, as the Check tab asks for it.

A line to edit, with Browse… to pick the program: for a ``.py`` file the command is built
as the Python chosen, the file, ``{host} {port}``, and built again when another Python is
chosen (until the student edits it). The Pythons offered are the one labsuite runs on
(not in the standalone program, which is no Python) and python3 or py on the PATH; with
none, it says so. When the command lacks what a check needs ({port}, or a Python for a
.py file) a line under it says plainly what and why; otherwise the rule is in its tooltip.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tkinter as tk
from tkinter import filedialog, ttk
from typing import Callable, List, Optional, Tuple

from labsuite.net.check.student import (HOST, NAME, PORT, ClientCommand, CommandProblem,
                                        prepare_command, shown_command)

from .. import style
from .fields import on_change, on_return
from .panels import WrapLabel
from .tooltip import tip, tips

_WINDOWS = sys.platform == "win32"

RULE = (f"For each check labsuite starts a server of its own on a free port and runs this "
        f"command with {HOST} and {PORT} replaced, so your client must take them from its "
        "command line: host = sys.argv[1], port = int(sys.argv[2]).")
CHAT_RULE = (f" The name is typed first, as the paper's client asks for it (or put {NAME} "
             "in the command).")
NO_COMMAND = ("Type the command that runs your client, or choose its .py file with "
              f"Browse…: {HOST} and {PORT} in it are replaced for each check.")
NO_PORT = (f"The command has no {PORT}. labsuite's server listens on a new free port for "
           "each check, and your client's command line is the only way to tell it which: "
           f"make your client read it (port = int(sys.argv[2])) and put {HOST} {PORT} at "
           "the end of the command.")
NO_PYTHON = ("No Python found on this computer's PATH (python3 or py), so a .py file cannot "
             "be run: install Python, or type the command that runs your client.")
NO_PYTHON_SHORT = "No Python found on the PATH"


def python_choices() -> List[Tuple[str, str]]:
    """(label, first word of the command) for each Python a .py file can run with: the one
    labsuite runs on, then python3 and py on the PATH (plain "python" only when neither
    is there)."""
    choices = []
    if not getattr(sys, "frozen", False) and sys.executable:
        version = ".".join(map(str, sys.version_info[:2]))
        choices.append((f"labsuite's Python {version}", sys.executable))
    found = [name for name in ("python3", "py") if shutil.which(name)] or \
        [name for name in ("python",) if shutil.which(name)]
    return choices + [(f"{name} from the PATH", name) for name in found]


def command_text(words: List[str]) -> str:
    """The words as one line to edit, quoted as this system's shell would read them."""
    return subprocess.list2cmdline(words) if _WINDOWS else shown_command(words)


def command_words(text: str) -> List[str]:
    """A typed command line as words (quotes group words; on Windows backslashes are
    folder separators); ValueError with a plain sentence for an unfinished quote."""
    try:
        words = shlex.split(text, posix=not _WINDOWS)
    except ValueError:
        raise ValueError("The command has a quotation mark that is not closed.") from None
    if _WINDOWS:
        words = [word[1:-1] if len(word) > 1 and word[0] == word[-1] == '"' else word
                 for word in words]
    return words


class ClientCommandField(ttk.Frame):
    """"Command: [...] Browse…", the line that says what it lacks, and the Python choice
    (made in ``python_parent``: shown with :meth:`show_python`, it takes no room hidden).
    ``kind()`` is the client kind chosen ("chat" adds the name to the rule)."""

    def __init__(self, parent, python_parent: tk.Misc, command: str = "", python: str = "",
                 on_enter: Optional[Callable[[], object]] = None,
                 kind: Callable[[], str] = str):
        super().__init__(parent)
        self.kind = kind
        self._script = ""  # the program Browse… chose
        self._built = ""  # the command built from it (built again while not edited)
        line = ttk.Frame(self)
        line.pack(side="top", fill="x")
        ttk.Label(line, text="Command:").pack(side="left")
        self.browse_button = ttk.Button(line, text="Browse…", command=self.browse)
        self.browse_button.pack(side="right")
        self.command = tk.StringVar(self, command)
        self.entry = ttk.Entry(line, textvariable=self.command, width=20)
        self.entry.pack(side="left", fill="x", expand=True, padx=style.SMALL_PAD)

        choices = python_choices()
        self.pythons = dict(choices)  # label -> first word
        label = next((label for label, word in choices if word == python),
                     choices[0][0] if choices else "")
        self.python = tk.StringVar(self, label)
        self.python_label = ttk.Label(python_parent, text="Run .py with:" if choices
                                      else NO_PYTHON_SHORT,
                                      style="TLabel" if choices else "Error.TLabel")
        self.python_box = ttk.Combobox(python_parent, textvariable=self.python, width=20,
                                       state="readonly", values=list(self.pythons))
        self.python_box.bind("<<ComboboxSelected>>", lambda _event: self._python_changed(),
                             add="+")
        #: Says what the command lacks, only then.
        self.rule = WrapLabel(self, text="", style="Muted.TLabel")
        if on_enter is not None:
            on_return(self.entry, on_enter)
            on_return(self.python_box, on_enter)
        on_change(self.command, self, self.show_rule)
        tip(self.entry, lambda: (f"The command that runs your client. {RULE}"
                                 + (CHAT_RULE if self.kind() == "chat" else "")
                                 + " It runs directly, never through a shell, in the folder "
                                   "of its .py file. Enter checks it."))
        tips(self.browse_button, "Choose your client's .py file: the command is built for you "
                                 f"(the Python chosen above, the file, {HOST} {PORT}).",
             self.python_box, "The Python that runs a .py file: the one labsuite runs on, or "
                              "one found on the PATH (python3, or py on Windows).")
        self.show_rule()

    # -- the Python ---------------------------------------------------------------------
    @property
    def python_word(self) -> str:
        """The first word of a command built for a .py file ('' when there is none)."""
        return self.pythons.get(self.python.get(), "")

    def show_python(self, shown: bool) -> None:
        for widget in (self.python_label, self.python_box):
            widget.pack_forget()
        if shown:
            self.python_label.pack(side="left")
            if self.pythons:
                self.python_box.pack(side="left", padx=(style.SMALL_PAD, 0))

    def _python_changed(self) -> None:
        """Another Python: a command built by Browse… and not edited since is built again."""
        if self._script and self.command.get() == self._built:
            self.use_script(self._script)

    # -- the program --------------------------------------------------------------------
    def browse(self) -> Optional[str]:
        """Choose the client's file; the command is built from it."""
        current = self._script or next((word for word in self.words_or_none()
                                        if word.lower().endswith(".py")), "")
        path = filedialog.askopenfilename(
            parent=self, title="Your client program",
            initialdir=os.path.dirname(current) or None,
            filetypes=[("Python programs", "*.py"), ("All files", "*")])
        if not path:
            return None
        self.use_script(path)
        return path

    def use_script(self, path: str) -> str:
        """Check the client in ``path``: its command is built (and can be edited)."""
        self._script = str(path)
        words = [self._script, HOST, PORT]
        if self._script.lower().endswith(".py") and self.python_word:
            words.insert(0, self.python_word)
        self._built = command_text(words)
        self.command.set(self._built)
        self.entry.icursor("end")
        return self._built

    # -- what it says -------------------------------------------------------------------
    def words_or_none(self) -> List[str]:
        try:
            return command_words(self.command.get())
        except ValueError:
            return []

    def lacks(self) -> Tuple[str, bool]:
        """What the command lacks as a sentence ('' when nothing), and whether that is an
        error (an empty command is only waiting)."""
        text = self.command.get()
        words = self.words_or_none()
        if not self.pythons and (not words or words[0].lower().endswith(".py")):
            return NO_PYTHON, True
        if not text.strip():
            return NO_COMMAND, False
        if PORT not in text:
            return NO_PORT, True
        return "", False

    def show_rule(self) -> None:
        sentence, error = self.lacks()
        self.rule.configure(text=sentence, style="Error.TLabel" if error else "Muted.TLabel")
        if sentence:
            self.rule.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        else:
            self.rule.pack_forget()

    def prepare(self, kind: str) -> ClientCommand:
        """The command ready to run for client ``kind`` ("echo-client"), or ValueError
        with a plain sentence."""
        sentence, _error = self.lacks()
        if sentence:
            raise ValueError(sentence)
        try:
            return prepare_command(command_words(self.command.get()), kind)
        except CommandProblem as problem:
            text = str(problem)
            raise ValueError(text[:1].upper() + text[1:].rstrip(".") + ".") from None

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.entry, self.browse_button):
            widget.state(["!disabled"] if enabled else ["disabled"])
        self.python_box.state(["readonly", "!disabled"] if enabled else ["disabled"])
