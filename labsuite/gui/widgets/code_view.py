"""Show the code: the short program for what a tab is set to, highlighted, ready to run.

A tab says which scripts fit it through :meth:`Tab.code_kinds` (a list of
:class:`CodeChoice`: the script's kind with the tab's host and port filled in); its Code
button opens the window's one :class:`CodeWindow` on them. The window shows the script
in a large fixed-width font that follows the scale, with keywords, strings, comments and
numbers in the theme's colours (found by the standard library's ``tokenize``, so the
colours are Python's own reading of the text), a choice between the tab's scripts, Copy,
Save as .py and the line that runs it.
"""

from __future__ import annotations

import io
import keyword
import sys
import token
import tokenize
import tkinter as tk
from dataclasses import dataclass
from tkinter import filedialog, ttk
from tkinter import font as tkfont
from typing import List, Optional, Sequence, Tuple

from labsuite.net.scripts import describe, script_path, script_text

from .. import style
from ..look import LOOK_CHANGED, palette_of
from .keys import Mnemonics, relabel
from .panels import WrapLabel, copy_text
from .tooltip import tips

#: The code's font is this much larger than the fixed font (read from the back of a room).
CODE_FONT_RATIO = 1.3
CODE_FONT = "LabsuiteCodeFont"
#: Wide enough for the longest line of every script (narrower screens scroll sideways).
CODE_COLUMNS = 96
COPIED_MS = 1500

#: (tag, start (line, column), end (line, column)); lines count from 1, as in Tk.
Span = Tuple[str, Tuple[int, int], Tuple[int, int]]
#: The highlighted kinds of text, with the palette colour each takes (see _colours).
TAGS = ("keyword", "string", "comment", "number", "name")

_STRING_TOKENS = {token.STRING} | {getattr(token, name) for name in (
    "FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(token, name)}


@dataclass(frozen=True)
class CodeChoice:
    """One script a tab offers: ``kind`` (see :data:`labsuite.net.scripts.KINDS`) with the
    host and port to fill in (None keeps the script's own); ``argument`` is added to the
    line that runs it (the URL for ``get``)."""

    kind: str
    host: Optional[str] = None
    port: Optional[int] = None
    argument: str = ""

    @property
    def label(self) -> str:
        """"echo server", "get" (what the choice buttons say)."""
        return self.kind.replace("-", " ")

    @property
    def file_name(self) -> str:
        return script_path(self.kind).name

    def text(self) -> str:
        return script_text(self.kind, self.host, self.port)

    def run_line(self) -> str:
        """How to run it once saved: ``python3 echo_server.py`` (``py`` on Windows)."""
        python = "py" if sys.platform == "win32" else "python3"
        return " ".join(part for part in (python, self.file_name, self.argument) if part)


def highlight(source: str) -> List[Span]:
    """Where the keywords, strings, comments, numbers and defined names are in ``source``.

    Code that does not tokenize to the end (an unclosed bracket or string) keeps the
    spans found before the problem: highlighting never fails.
    """
    spans: List[Span] = []
    defining = False
    try:
        for found in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text = found.type, found.string
            tag = None
            if kind in _STRING_TOKENS:
                tag = "string"
            elif kind == tokenize.COMMENT:
                tag = "comment"
            elif kind == tokenize.NUMBER:
                tag = "number"
            elif kind == tokenize.NAME:
                if defining:
                    tag = "name"
                elif keyword.iskeyword(text):  # (match, case: keywords only in a match)
                    tag = "keyword"
                defining = text in ("def", "class")
            if tag is not None:
                spans.append((tag, found.start, found.end))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return spans


def code_colours(palette: style.Palette) -> dict:
    """The colour of each highlighted kind in ``palette``'s theme (readable on its field)."""
    return {"keyword": palette.result, "string": palette.running, "comment": palette.muted,
            "number": palette.error, "name": palette.focus}


class CodeWindow(tk.Toplevel):
    """The window's one code window; :meth:`show` gives it a tab's choices.

    Closing only hides it (it is shown again, where it was, by the next Code button).
    """

    def __init__(self, owner: tk.Misc):
        super().__init__(owner)
        self.withdraw()
        self.owner = owner.winfo_toplevel()
        self.transient(self.owner)
        self.choices: List[CodeChoice] = []
        self.choice = tk.IntVar(self, 0)
        self._copied_id: Optional[str] = None
        self._font = tkfont.Font(root=self, name=f"{CODE_FONT}{id(self)}", exists=False)

        frame = ttk.Frame(self, padding=style.PAD)
        frame.pack(fill="both", expand=True)
        bar = ttk.Frame(frame)  # packed first, at the bottom: never squeezed out
        bar.pack(side="bottom", fill="x", pady=(style.PAD, 0))
        self.close_button = ttk.Button(bar, text="Close", command=self.hide)
        self.close_button.pack(side="right")
        self.save_button = ttk.Button(bar, text="Save as .py…", command=self.ask_save)
        self.save_button.pack(side="right", padx=(0, style.SMALL_PAD))
        self.copy_button = ttk.Button(bar, text="Copy", command=self.copy, width=8,
                                      style="Accent.TButton")
        self.copy_button.pack(side="right", padx=(0, style.SMALL_PAD))
        self.run_label = WrapLabel(bar, text="", style="Hint.TLabel")
        self.run_label.pack(side="left", fill="x", expand=True, padx=(0, style.PAD))

        self.choice_row = ttk.Frame(frame)
        self.choice_row.pack(side="top", fill="x", pady=(0, style.SMALL_PAD))
        self.about = WrapLabel(frame, text="", style="Muted.TLabel", wraplength=600)
        self.about.pack(side="top", fill="x", pady=(0, style.SMALL_PAD))
        body = ttk.Frame(frame)
        body.pack(side="top", fill="both", expand=True)
        self.text = tk.Text(body, wrap="none", font=self._font.name, relief="flat",
                            borderwidth=0, highlightthickness=1, padx=10, pady=6,
                            width=CODE_COLUMNS, height=28, undo=False)
        vertical = ttk.Scrollbar(body, orient="vertical", command=self.text.yview)
        horizontal = ttk.Scrollbar(body, orient="horizontal", command=self.text.xview)
        self.text.configure(yscrollcommand=vertical.set, xscrollcommand=horizontal.set)
        self.text.grid(row=0, column=0, sticky="nsew")
        vertical.grid(row=0, column=1, sticky="ns")
        horizontal.grid(row=1, column=0, sticky="ew")
        body.rowconfigure(0, weight=1)
        body.columnconfigure(0, weight=1)
        self.text.configure(state="disabled")
        tips(self.copy_button, "Copy the whole program, ready to paste into an editor.",
             self.save_button, "Save the program as a .py file you can run and change.",
             self.close_button, "Hide this window (Escape).")
        self.keys = Mnemonics(self, lambda: self)
        self.keys.assign(self)
        self.bind("<Escape>", lambda _event: self.hide())
        self.protocol("WM_DELETE_WINDOW", self.hide)
        # The window's look changes reach the main window only: follow them from there.
        self.owner.bind(LOOK_CHANGED, lambda _event: self._restyle(), add="+")
        self._restyle()
        self._placed = False
        self.bind("<Destroy>", self._destroyed, add="+")

    def _destroyed(self, event) -> None:
        if event.widget is self and self._copied_id is not None:
            self.after_cancel(self._copied_id)
            self._copied_id = None

    # -- what it shows ----------------------------------------------------------------
    def show(self, title: str, choices: Sequence[CodeChoice], chosen: int = 0) -> None:
        """Show the scripts ``choices`` (a choice button each when there are two or more)."""
        self.choices = list(choices)
        self.title(title)
        for widget in self.choice_row.winfo_children():
            widget.destroy()
        if len(self.choices) > 1:
            ttk.Label(self.choice_row, text="Program:").pack(side="left")
            for number, choice in enumerate(self.choices):
                button = ttk.Radiobutton(self.choice_row, text=choice.label, value=number,
                                         variable=self.choice, command=self._render)
                button.pack(side="left", padx=(style.PAD, 0))
                tips(button, f"Show the {choice.label} program.")
        self.keys.assign(self)
        self.choice.set(max(0, min(chosen, len(self.choices) - 1)))
        self._render()
        self._place()
        self.deiconify()
        self.lift()
        self.text.focus_set()

    @property
    def current(self) -> Optional[CodeChoice]:
        if not self.choices:
            return None
        return self.choices[max(0, min(self.choice.get(), len(self.choices) - 1))]

    @property
    def code(self) -> str:
        return self.text.get("1.0", "end-1c")

    def _render(self) -> None:
        choice = self.current
        source = choice.text() if choice is not None else ""
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        self.text.insert("1.0", source)
        for tag, (row, column), (end_row, end_column) in highlight(source):
            self.text.tag_add(tag, f"{row}.{column}", f"{end_row}.{end_column}")
        for number, line in enumerate(source.splitlines(), start=1):
            if line.startswith(("HOST = ", "PORT = ")):  # what the tab filled in
                self.text.tag_add("filled", f"{number}.0", f"{number + 1}.0")
        self.text.configure(state="disabled")
        self.text.yview_moveto(0)
        for button in (self.copy_button, self.save_button):
            button.state(["disabled"] if choice is None else ["!disabled"])
        if choice is None:
            self.about.configure(text="")
            self.run_label.configure(text="", style="Hint.TLabel")
            return
        self.about.configure(text=f"{choice.file_name}: {describe(choice.kind)} The "
                                  "highlighted HOST and PORT lines are this tab's.")
        self.run_label.configure(text=f"Save it, then run: {choice.run_line()}",
                                 style="Hint.TLabel")

    def _restyle(self) -> None:
        if not self.winfo_exists():
            return
        fixed = tkfont.nametofont("TkFixedFont", root=self).actual()
        size = abs(int(fixed["size"])) or 10
        self._font.configure(family=fixed["family"], size=int(round(size * CODE_FONT_RATIO)))
        palette = palette_of(self.owner)
        self.configure(background=palette.background)
        style.colour_tags(self.text, palette)
        for tag, colour in code_colours(palette).items():
            self.text.tag_configure(tag, foreground=colour)
        self.text.tag_configure("filled", background=palette.notice)
        self.text.tag_lower("filled")
        self.text.tag_configure("comment", font=(fixed["family"],
                                                 int(round(size * CODE_FONT_RATIO)), "italic"))

    def _place(self) -> None:
        if self._placed:
            return
        self._placed = True
        owner = self.owner
        self.update_idletasks()
        width = min(self.winfo_reqwidth(), max(480, owner.winfo_screenwidth() - 80))
        height = min(self.winfo_reqheight(), max(360, owner.winfo_screenheight() - 120))
        x = owner.winfo_rootx() + max(0, (owner.winfo_width() - width) // 2)
        y = max(0, owner.winfo_rooty() + max(0, (owner.winfo_height() - height) // 3))
        self.geometry(f"{width}x{height}+{x}+{y}")

    # -- the buttons --------------------------------------------------------------------
    def copy(self) -> str:
        copy_text(self, self.code)
        relabel(self.copy_button, "Copied")
        if self._copied_id is not None:
            self.after_cancel(self._copied_id)
        self._copied_id = self.after(COPIED_MS, self._copied_done)
        return self.code

    def _copied_done(self) -> None:
        self._copied_id = None
        if self.winfo_exists():
            relabel(self.copy_button, "Copy")

    def save_to(self, path: str) -> None:
        """Write the program shown to ``path`` (UTF-8, as Python reads source files)."""
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(self.code)

    def ask_save(self) -> Optional[str]:
        choice = self.current
        if choice is None:
            return None
        path = filedialog.asksaveasfilename(
            parent=self, title="Save the program", defaultextension=".py",
            initialfile=choice.file_name,
            filetypes=[("Python programs", "*.py"), ("All files", "*")])
        if not path:
            return None
        try:
            self.save_to(path)
        except OSError as exc:
            self.run_label.configure(text=f"Could not save {path}: {exc.strerror or exc}",
                                     style="Error.TLabel")
            return None
        self.run_label.configure(text=f"Saved. Run it: {choice.run_line()}",
                                 style="Hint.TLabel")
        return path

    def hide(self) -> None:
        self.withdraw()
        self.owner.focus_set()


def code_window(widget: tk.Misc) -> CodeWindow:
    """The one code window of ``widget``'s main window (made the first time)."""
    root = widget.winfo_toplevel()
    window = getattr(root, "_labsuite_code_window", None)
    if window is None or not window.winfo_exists():
        window = root._labsuite_code_window = CodeWindow(root)
    return window


def show_code(tab) -> CodeWindow:
    """Open the code window on what ``tab`` offers (its ``code_kinds()``)."""
    window = code_window(tab)
    choices = tab.code_kinds()
    window.show(f"labsuite: the code — {tab.title}", choices)
    if not choices:
        window.about.configure(text=getattr(tab, "no_code", "") or
                               "There is no short program for what this tab is set to.")
    return window


# -- what the tabs fill in ------------------------------------------------------------------
def server_choice(kind: str, controls) -> CodeChoice:
    """``kind`` with a ServerControls' address: who may connect, and the real port once
    the server runs (the port box's otherwise; the script's own if the box is wrong)."""
    service = controls.service
    port: Optional[int]
    if service is not None and getattr(service, "address", None):
        port = service.address[1]
    else:
        try:
            port = controls.port_box.get_port()
        except ValueError:
            port = None
    return CodeChoice(kind, controls.scope.get(), port)


def client_choice(kind: str, target, argument: str = "") -> CodeChoice:
    """``kind`` with a HostPortField's host and port (the script's own port when the
    port box holds no valid port; whatever host was typed, as a string literal)."""
    try:
        port: Optional[int] = target.port_box.get_port()
    except ValueError:
        port = None
    return CodeChoice(kind, target.host_text or None, port, argument)
