"""Input fields shared by the tabs: a port box and a host + port pair, both validated."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable, Dict, Iterable, Optional, Tuple

from .. import style
from .tooltip import tip

PORT_TIP = ("The port picks one program on that computer (1 to 65535). Only one program "
            "can listen on a port at a time.")

PORT_RANGE_TEXT = "The port must be a whole number from 1 to 65535."


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
    """

    def __init__(self, parent, host: str = "127.0.0.1", port: int = 1,
                 presets: Optional[Dict[str, str]] = None, host_width: int = 26,
                 on_enter: Optional[Callable[[], object]] = None,
                 host_tip: str = "The computer to connect to: a name (time.nist.gov) or an "
                                 "IP address (127.0.0.1 is this computer)."):
        super().__init__(parent)
        self.presets: Dict[str, str] = dict(presets or {})
        # packed port first, so a narrow window shrinks the host box, never the port
        self.port_box = PortBox(self, value=port, on_enter=on_enter)
        self.port_box.pack(side="right", padx=(style.SMALL_PAD, 0))
        ttk.Label(self, text="Port:").pack(side="right")
        ttk.Label(self, text="Host:").pack(side="left")
        self.host_variable = tk.StringVar(self, self.label_for(host))
        self.host_box = ttk.Combobox(self, textvariable=self.host_variable,
                                     values=list(self.presets), width=host_width)
        self.host_box.pack(side="left", fill="x", expand=True,
                           padx=(style.SMALL_PAD, style.PAD))
        tip(self.host_box, host_tip)
        if on_enter is not None:
            on_return(self.host_box, on_enter)

    def label_for(self, host: str) -> str:
        for label, preset_host in self.presets.items():
            if preset_host == host:
                return label
        return host

    def set_presets(self, presets: Dict[str, str]) -> None:
        self.presets = dict(presets)
        self.host_box.configure(values=list(self.presets))

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
