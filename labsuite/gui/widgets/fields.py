"""Input fields shared by the tabs: a port box and a host + port pair, both validated.

A host + port pair's list holds presets ("this computer") and, live, whatever else the
window offers it (:meth:`HostPortField.set_found`: the servers found on the network);
the list opens wide enough to show each choice whole, however narrow the box.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable, Dict, Iterable, Optional, Tuple

from .. import style
from .tooltip import tip

PORT_TIP = ("The port picks one program on that computer (1 to 65535). Only one program "
            "can listen on a port at a time.")

PORT_RANGE_TEXT = "The port must be a whole number from 1 to 65535."
#: The host box's style (a TCombobox): :func:`widen_list` sets its -postoffset just
#: before a list opens.
WIDE_LIST_STYLE = "Wide.TCombobox"


def parse_port(text: str) -> int:
    """The port typed by the student, or ValueError with a plain sentence."""
    text = str(text).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(PORT_RANGE_TEXT)
    return int(text)


def parse_host(text: str) -> str:
    host = str(text).strip()
    if not host:
        raise ValueError("Type a host name or an IP address (for example 127.0.0.1).")
    if any(ch.isspace() for ch in host):
        raise ValueError(f"{host!r} is not a host name: it contains a space.")
    return host


class PortBox(ttk.Spinbox):
    """A port spinbox that only accepts digits (at most five) as the student types."""

    def __init__(self, parent, value: int = 1, width: int = 6,
                 on_enter: Optional[Callable[[], object]] = None, **options):
        self.variable = tk.StringVar(parent, str(value))
        check = (parent.register(_digits_only), "%P")
        super().__init__(parent, from_=1, to=65535, increment=1, width=width,
                         textvariable=self.variable, validate="key",
                         validatecommand=check, **options)
        tip(self, PORT_TIP)
        if on_enter is not None:
            on_return(self, on_enter)

    def get_port(self) -> int:
        return parse_port(self.variable.get())

    def set_port(self, port: int) -> None:
        self.variable.set(str(port))


def _digits_only(proposed: str) -> bool:
    return proposed == "" or (proposed.isdigit() and len(proposed) <= 5)


class HostPortField(ttk.Frame):
    """"Host: [combobox]  Port: [box]"; presets may show a friendlier label than the host.

    ``presets`` maps what is shown in the list to the host it stands for, e.g.
    ``{"this computer (127.0.0.1)": "127.0.0.1"}``; anything typed is used as a host.
    Found choices (:meth:`set_found`) come after the presets; choosing one fills in its
    host and port.
    """

    def __init__(self, parent, host: str = "127.0.0.1", port: int = 1,
                 presets: Optional[Dict[str, str]] = None, host_width: int = 26,
                 on_enter: Optional[Callable[[], object]] = None,
                 host_tip: str = "The computer to connect to: a name (time.nist.gov) or an "
                                 "IP address (127.0.0.1 is this computer)."):
        super().__init__(parent)
        self.presets: Dict[str, str] = dict(presets or {})
        #: Shown label -> (host, port), after the presets (see :meth:`set_found`).
        self.found: Dict[str, Tuple[str, int]] = {}
        self._on_found: Optional[Callable[[str], object]] = None
        # packed port first, so a narrow window shrinks the host box, never the port
        self.port_box = PortBox(self, value=port, on_enter=on_enter)
        self.port_box.pack(side="right", padx=(style.SMALL_PAD, 0))
        ttk.Label(self, text="Port:").pack(side="right")
        ttk.Label(self, text="Host:").pack(side="left")
        self.host_variable = tk.StringVar(self, self.label_for(host))
        self.host_box = ttk.Combobox(self, textvariable=self.host_variable,
                                     values=list(self.presets), width=host_width,
                                     style=WIDE_LIST_STYLE,
                                     postcommand=lambda: widen_list(self.host_box))
        self.host_box.pack(side="left", fill="x", expand=True,
                           padx=(style.SMALL_PAD, style.PAD))
        tip(self.host_box, host_tip)
        # a trace, not a binding: a tab's own <<ComboboxSelected>> binding may replace ours
        on_change(self.host_variable, self, self._found_chosen)
        if on_enter is not None:
            on_return(self.host_box, on_enter)

    def label_for(self, host: str) -> str:
        for label, preset_host in self.presets.items():
            if preset_host == host:
                return label
        return host

    def set_presets(self, presets: Dict[str, str]) -> None:
        self.presets = dict(presets)
        self._show_choices()

    def set_found(self, choices: Dict[str, Tuple[str, int]],
                  on_chosen: Optional[Callable[[str], object]] = None) -> None:
        """Offer ``choices`` (shown label -> (host, port)) after the presets, replacing
        the last ones, also while the list is open; choosing one fills in the host and
        the port and then calls ``on_chosen(label)``."""
        self.found = {label: target for label, target in choices.items()
                      if label not in self.presets}
        self._on_found = on_chosen
        self._show_choices()

    def _show_choices(self) -> None:
        self.host_box.configure(values=[*self.presets, *self.found])
        refresh_open_list(self.host_box)

    def _found_chosen(self) -> None:
        label = self.host_variable.get()
        target = self.found.get(label)
        if target is None:
            return
        host, port = target
        self.host_variable.set(host)  # the address itself, never the name, stays typed
        self.port_box.set_port(port)
        # again once the tab's own handlers of the choice have run (the Time tab's sets
        # the protocol's usual port for a host picked from its list)
        self.after_idle(lambda: self._keep_port(host, port))
        if self._on_found is not None:
            self._on_found(label)

    def _keep_port(self, host: str, port: int) -> None:
        if self.winfo_exists() and self.host_variable.get() == host:
            self.port_box.set_port(port)

    @property
    def host_text(self) -> str:
        """The host as typed or picked (a preset label is turned into its host)."""
        text = self.host_variable.get().strip()
        return self.presets.get(text, text)

    def get(self) -> Tuple[str, int]:
        """``(host, port)``, or ValueError with a plain sentence."""
        return parse_host(self.host_text), self.port_box.get_port()

    def set(self, host: Optional[str] = None, port: Optional[int] = None) -> None:
        if host is not None:
            self.host_variable.set(self.label_for(host))
        if port is not None:
            self.port_box.set_port(port)

    def set_enabled(self, enabled: bool) -> None:
        set_enabled(self, enabled)


def widen_list(box: ttk.Combobox) -> None:
    """Before ``box``'s list opens: make it wide enough for its longest choice (within
    the screen), so a narrow box still shows "cool cat's room on lab-pc-12 — 10.0.0.5
    port 9000" whole. (Tk sizes the list to the box, plus its style's -postoffset.)"""
    try:
        listbox = f"{box.tk.call('ttk::combobox::PopdownWindow', box)}.f.l"
        font = box.tk.call(listbox, "cget", "-font")

        def measure(text: str) -> int:
            return int(box.tk.call("font", "measure", font, "-displayof", box, text))

        values = box.tk.splitlist(box.cget("values"))
        widest = max((measure(str(value)) for value in values), default=0)
        # room for the list's border, padding and scroll bar
        needed = widest + measure("00") + 24
    except tk.TclError:  # another Tk's combobox: its list keeps the box's width
        return
    have = box.winfo_width()
    room = box.winfo_screenwidth() - box.winfo_rootx() - have
    extra = max(0, min(needed - have, room))
    if str(box.cget("style")) == WIDE_LIST_STYLE:
        ttk.Style(box).configure(WIDE_LIST_STYLE, postoffset=(0, 0, extra, 0))


def refresh_open_list(box: ttk.Combobox) -> None:
    """New choices show at once in a list that is open (Tk fills it only as it opens)."""
    popdown = f"{box}.popdown"
    try:
        if not (box.tk.call("winfo", "exists", popdown)
                and box.tk.call("winfo", "ismapped", popdown)):
            return
        box.tk.call("ttk::combobox::ConfigureListbox", box)
        widen_list(box)
        box.tk.call("ttk::combobox::PlacePopdown", box, popdown)
    except tk.TclError:  # another Tk's combobox: the next opening shows them
        pass


def on_change(variable: tk.Variable, owner: tk.Misc, action: Callable[[], object]) -> None:
    """Run ``action()`` whenever ``variable`` is written, until ``owner`` is destroyed.

    The trace is removed with its owner: Tcl holds a trace's callback where the garbage
    collector cannot see it, so a trace left behind keeps the whole closed window alive
    (and fires into it)."""
    name = variable.trace_add("write", lambda *_args: action())

    def forget(event) -> None:
        if event.widget is owner:
            try:
                variable.trace_remove("write", name)
            except tk.TclError:
                pass

    owner.bind("<Destroy>", forget, add="+")


def on_return(widget: tk.Misc, action: Callable[[], object]) -> None:
    """Enter (and the keypad's Enter) in ``widget`` runs ``action``."""
    def run(_event=None):
        action()
        return "break"

    for sequence in ("<Return>", "<KP_Enter>"):
        widget.bind(sequence, run, add="+")


def set_enabled(widget: tk.Misc, enabled: bool, skip: Iterable[tk.Misc] = ()) -> None:
    """Enable or disable every ttk input inside ``widget`` (labels and frames stay)."""
    skipped = set(map(str, skip))
    for child in _descendants(widget):
        if (str(child) in skipped or not isinstance(child, ttk.Widget)
                or isinstance(child, _PASSIVE)):
            continue
        child.state(["!disabled"] if enabled else ["disabled"])


_PASSIVE = (ttk.Frame, ttk.Label, ttk.LabelFrame, ttk.Scrollbar, ttk.Separator)


def _descendants(widget: tk.Misc):
    for child in widget.winfo_children():
        yield child
        yield from _descendants(child)
