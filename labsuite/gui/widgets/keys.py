"""The keyboard all the way: a mnemonic (Alt + an underlined letter) for every button,
check box and radio button of a tab, and keys to move between tabs.

Letters are given per tab, in the order the controls were made, preferring the first
letter of a word; two controls get the same letter only when they can never be on screen
together (pages of an inner notebook). The menu bar's letters stay free for the menus.
A button whose text changes (Start / Stop) keeps its letter: :func:`relabel` underlines
it again in the new text.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Dict, Iterable, List, Optional, Set, Tuple

#: Alt + these open the menus (File, View, Settin_g_s, Help): "s" stays for the buttons
#: (Start, Stop, Send, Save are everywhere).
MENU_LETTERS = frozenset("fvgh")
CONTROLS = (ttk.Button, ttk.Checkbutton, ttk.Radiobutton)
_LETTER = "_labsuite_letter"


def _candidates(text: str) -> List[int]:
    """Positions worth underlining: first letters of words, then the other letters."""
    starts = [i for i, ch in enumerate(text) if ch.isalpha() and (i == 0 or not text[i - 1].isalnum())]
    rest = [i for i, ch in enumerate(text) if ch.isalnum() and i not in starts]
    return starts + rest


def underline_mnemonic(widget: tk.Misc, used: Iterable[str] = ()) -> str:
    """Give ``widget`` a letter not in ``used`` (nor a menu's); '' when none is left."""
    taken = set(used) | MENU_LETTERS
    text = str(widget.cget("text"))
    for index in _candidates(text):
        letter = text[index].lower()
        if letter not in taken and letter.isascii():
            setattr(widget, _LETTER, letter)
            widget.configure(underline=index)
            return letter
    setattr(widget, _LETTER, "")
    widget.configure(underline=-1)
    return ""


def _preferences(widget: tk.Misc) -> List[str]:
    text = str(widget.cget("text"))
    letters: List[str] = []
    for index in _candidates(text):
        letter = text[index].lower()
        if letter.isascii() and letter.isalpha() and letter not in MENU_LETTERS \
                and letter not in letters:
            letters.append(letter)
    return letters


def _match(widgets: List[tk.Misc], taken: Set[str]) -> Dict[tk.Misc, str]:
    """The most widgets each with a different letter of its own text (none in
    ``taken``), each trying its preferred letters first (augmenting paths)."""
    owner: Dict[str, tk.Misc] = {}

    def place(widget, seen: Set[str]) -> bool:
        for letter in _preferences(widget):
            if letter in taken or letter in seen:
                continue
            seen.add(letter)
            if letter not in owner or place(owner[letter], seen):
                owner[letter] = widget
                return True
        return False

    for widget in widgets:
        place(widget, set())
    return {widget: letter for letter, widget in owner.items()}


def _underline(widget: tk.Misc, letter: str) -> None:
    setattr(widget, _LETTER, letter)
    text = str(widget.cget("text"))
    index = next((i for i in _candidates(text) if text[i].lower() == letter), -1) \
        if letter else -1
    widget.configure(underline=index)


def letter_of(widget: tk.Misc) -> str:
    return getattr(widget, _LETTER, "")


def relabel(widget: tk.Misc, text: str) -> None:
    """New text, same letter (underlined where it occurs; still working where it does not)."""
    widget.configure(text=text)
    letter = letter_of(widget)
    index = text.lower().find(letter) if letter else -1
    widget.configure(underline=index)


def _pages(widget: tk.Misc, scope: tk.Misc) -> Tuple[Tuple[str, str], ...]:
    """The (inner notebook, page) pairs between ``widget`` and ``scope``."""
    pages = []
    child, parent = widget, widget.master
    while parent is not None and child is not scope:
        if isinstance(parent, ttk.Notebook):
            pages.append((str(parent), str(child)))
        child, parent = parent, parent.master
    return tuple(pages)


def controls(scope: tk.Misc) -> List[tk.Misc]:
    """The buttons, check boxes and radio buttons in ``scope``, in the order made
    (a panel that floats over the others, marked ``no_letters``, keeps its own keys)."""
    found, stack = [], list(reversed(scope.winfo_children()))
    while stack:
        widget = stack.pop()
        if getattr(widget, "no_letters", False):
            continue
        if isinstance(widget, CONTROLS):
            found.append(widget)
        stack.extend(reversed(widget.winfo_children()))
    return found


class Mnemonics:
    """Alt+letter presses the control with that letter on the tab being shown."""

    def __init__(self, root: tk.Misc, shown_scope):
        self.root = root
        self.shown_scope = shown_scope  # () -> the tab on screen
        self.letters: Dict[str, Dict[str, List[tk.Misc]]] = {}
        root.bind("<Alt-KeyPress>", self._pressed, add="+")

    def assign(self, scope: tk.Misc) -> Dict[str, List[tk.Misc]]:
        """Give every control of ``scope`` a letter of its text, as many as can have one
        (a matching, not first come first served). Controls outside inner notebooks are
        matched first; each page then shares what is left with nobody but itself."""
        found = controls(scope)
        groups: Dict[tuple, List[tk.Misc]] = {}
        for widget in found:
            groups.setdefault(_pages(widget, scope), []).append(widget)
        common = groups.pop((), [])
        letters = _match(common, set())
        taken = set(letters.values())
        for members in groups.values():
            letters.update(_match(members, taken))
        table: Dict[str, List[tk.Misc]] = {}
        for widget in found:
            letter = letters.get(widget, "")
            _underline(widget, letter)
            if letter:
                table.setdefault(letter, []).append(widget)
        self.letters[str(scope)] = table
        return table

    def target(self, letter: str) -> Optional[tk.Misc]:
        scope = self.shown_scope()
        for widget in self.letters.get(str(scope), {}).get(letter, []):
            if widget.winfo_exists() and widget.winfo_viewable():
                return widget
        return None

    def _pressed(self, event) -> Optional[str]:
        letter = (event.keysym or "").lower()
        if len(letter) != 1:
            return None
        widget = self.target(letter)
        if widget is None:
            return None  # a menu's letter, or nothing: Tk's menu traversal decides
        if not widget.instate(["disabled"]):
            widget.focus_set()
            widget.invoke()
        return "break"
