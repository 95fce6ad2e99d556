"""Joining a room another computer hosts, with a name: the chat room, the poker table.

:class:`JoinBox` is the box ("Host: … Port: …", "Your name: … [Join]", and a line that
says how it goes) and the steps behind it: connect and ask for the name, show the
server's refusal and let the student change the name and ask again on the same
connection, leave politely, and offer Reconnect once the connection failed or ended.
The connection itself is the box's :class:`~.client_slot.ClientSlot` (``slot``); the tab
reads the server's lines from its events and tells the box what they mean:
:meth:`JoinBox.seated`, :meth:`JoinBox.refused`, :meth:`JoinBox.lost`.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk
from typing import Callable, List, Optional

from labsuite.net import ports
from labsuite.net.events import Event, EventCallback
from labsuite.net.service import Service
from labsuite.protocols.chat import fold

from .. import style
from ..pump import EventPump
from .client_slot import ClientSlot
from .fields import HostPortField, on_return
from .keys import relabel
from .panels import WrapLabel
from .tooltip import tips

#: ``(host, port, name, on_event) -> client``: a client that asks for ``name`` as soon as
#: it is connected.
MakeClient = Callable[[str, int, str, EventCallback], Service]
#: ``(client, name)``: ask for another name on the open connection.
AskAgain = Callable[[Service, str], object]


@dataclass(frozen=True)
class JoinWords:
    """What the box says, in the words of its room."""

    idle: str  # "Not in a room"
    seated: str  # "In the room as {name} ({host} port {port})"
    asking: str  # "Joining as {name}…"
    refused: str = "{reason} Change your name and press Join."
    no_name: str = "Type your name first."


class JoinBox(ttk.LabelFrame):
    """Join a room at a host and port under a name; Leave; Reconnect after a failure."""

    def __init__(self, parent, pump: EventPump, on_events: Callable[[List[Event], bool], None],
                 make_client: MakeClient, ask_again: AskAgain, words: JoinWords, *,
                 title: str, host: str, port: int, name: str, host_tip: str, name_tip: str,
                 join_tip: str, client_name: str = "client"):
        super().__init__(parent, text=title, padding=style.PAD)
        self.make_client, self.ask_again, self.words = make_client, ask_again, words
        self.slot = ClientSlot(pump, on_events, self._connected, self._failed,
                               name=client_name)
        #: The name the room accepted (None: not in it).
        self.joined_as: Optional[str] = None
        #: The name asked for last.
        self.wanted = ""
        #: Called on the Tk thread after every change of state, with whether we are in.
        self.on_changed: Callable[[bool], None] = lambda joined: None
        #: Called after leaving politely (the tab forgets the room's people).
        self.on_left: Callable[[], None] = lambda: None
        self._answered = False  # has the room accepted or refused the name asked for?

        self.target = HostPortField(
            self, host=host, port=port,
            presets={f"this computer ({ports.LOCAL_ONLY})": ports.LOCAL_ONLY}, host_width=14,
            on_enter=self.join_or_leave, host_tip=host_tip)
        self.target.pack(side="top", fill="x")
        row = ttk.Frame(self)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        ttk.Label(row, text="Your name:").pack(side="left")
        self.name = tk.StringVar(self, name)
        self.join_button = ttk.Button(row, text="Join", width=10, command=self.join_or_leave)
        self.join_button.pack(side="right")
        self.name_entry = ttk.Entry(row, textvariable=self.name, width=12)
        self.name_entry.pack(side="left", fill="x", expand=True,
                             padx=(style.SMALL_PAD, style.PAD))
        on_return(self.name_entry, self.join_or_leave)
        self.state_label = WrapLabel(self, text=words.idle, style="Muted.TLabel")
        self.state_label.pack(side="top", fill="x", pady=(style.PAD, 0))
        tips(self.name_entry, name_tip, self.join_button, join_tip)

    @property
    def client(self) -> Optional[Service]:
        return self.slot.client

    @property
    def state_text(self) -> str:
        return str(self.state_label.cget("text"))

    # -- the button -------------------------------------------------------------------
    def join_or_leave(self) -> None:
        if self.slot.connecting:
            return
        if self.client is None:
            self.connect()
        elif self.joined_as is None:
            self.ask_for_name()  # connected, but the last name was refused
        else:
            self.leave()

    def connect(self, host: Optional[str] = None, port: Optional[int] = None) -> bool:
        """Connect (to ``host`` and ``port`` if given, else what the fields say) and ask
        for the name; False, with the reason shown, if something is missing."""
        self.target.set(host=host, port=port)
        try:
            host, port = self.target.get()
        except ValueError as exc:
            self.show(str(exc), error=True)
            return False
        name = self.name.get().strip()
        if not name:
            self.show(self.words.no_name, error=True)
            return False
        self.joined_as, self.wanted, self._answered = None, name, False
        self.slot.connect(lambda on_event: self.make_client(host, port, name, on_event))
        self.show(f"Connecting to {host} port {port}…")
        return True

    def ask_for_name(self) -> None:
        name = self.name.get().strip()
        if not name:
            self.show(self.words.no_name, error=True)
            return
        self.wanted, self._answered = name, False
        if self.slot.send(lambda client: self.ask_again(client, name), self.send_failed):
            self.show(self.words.asking.format(name=name))

    def leave(self) -> None:
        """QUIT politely (the others see us leave), on a helper thread."""
        if self.client is None:
            return
        self.joined_as = None
        self.slot.disconnect(self._left, stop=lambda client: client.leave())
        self.show("Leaving…")

    def _left(self) -> None:
        if self.client is None:
            self.on_left()
            self.show(self.words.idle)

    # -- what the tab tells the box -------------------------------------------------------
    def _connected(self, client: Service) -> None:
        if not self._answered:  # the room's answer may have come first
            self.show(self.words.asking.format(name=self.wanted))

    def _failed(self, text: str) -> None:
        self.show(text, error=True, can_retry=True)

    def send_failed(self, text: str) -> None:
        """A send was refused (the connection's queue is full): say why."""
        self.show(text, error=True, joined=self.joined_as is not None)

    def is_wanted(self, name: str) -> bool:
        """Is ``name`` (a newcomer the room announces) the name we asked for? (Names are
        the same without regard to case, in the chat and at the poker table.)"""
        return self.joined_as is None and bool(self.wanted) and fold(name) == fold(self.wanted)

    def seated(self, name: str) -> None:
        """The room accepted us as ``name``."""
        self.joined_as, self._answered = name, True
        host, port = self.target.get()
        self.show(self.words.seated.format(name=name, host=host, port=port), joined=True)

    def refused(self, reason: str) -> None:
        """The room refused the name asked for, with this reason (and a suggestion)."""
        self._answered = True
        self.show(self.words.refused.format(reason=reason), error=True)

    def lost(self, text: str) -> None:
        """The connection ended without us leaving: say so, offer Reconnect."""
        self.slot.forget()
        self.joined_as = None
        self.show(text, error=True, can_retry=True)

    def show(self, text: str, error: bool = False, joined: bool = False,
             can_retry: bool = False) -> None:
        self.state_label.configure(text=text, style="Error.TLabel" if error else (
            "Running.TLabel" if joined else "Muted.TLabel"))
        connected = self.client is not None
        relabel(self.join_button, "Leave" if joined else (
            "Reconnect" if can_retry and not connected else "Join"))
        self.target.set_enabled(not connected)
        self.name_entry.state(["disabled"] if joined else ["!disabled"])
        self.on_changed(joined)

    def settings(self, prefix: str) -> dict:
        values = {f"{prefix}.client.host": self.target.host_text,
                  f"{prefix}.name": self.name.get().strip()}
        try:
            values[f"{prefix}.client.port"] = self.target.port_box.get_port()
        except ValueError:
            pass
        return values
