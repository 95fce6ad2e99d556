"""The Chat tab: host a room with one button, or join a partner's, and talk.

The conversation reads like the course paper's sample session (``==> cold turkey: Hi
everyone!``); the people list comes from the server's NEW/HERE/LEFT lines, and choosing a
person there makes the next message private to them.
"""

from __future__ import annotations

import getpass
import tkinter as tk
from tkinter import ttk
from typing import Dict, List, Optional

from labsuite.net import ports
from labsuite.net.chat import ChatClient, ChatServer, Members
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.protocols import chat

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..widgets import ClientSlot, HostPortField, LogView, ServerControls, Tab, WrapLabel

EVERYONE = "everyone"
NOT_JOINED = "Not in a room"


def default_name() -> str:
    try:
        return getpass.getuser()[:chat.MAX_NAME] or "student"
    except Exception:  # no user name on this system
        return "student"


def describe_room(server: ChatServer) -> str:
    return f"port {server.address[1]}"


class ChatTab(Tab):
    title = "Chat"
    hint = ("A chat room over TCP with the course's protocol (ADD, MESSAGE, PRIVATE, QUIT): "
            "one server relays each line to everyone. Host a room for the lab, or join one.")

    def __init__(self, parent, pump: EventPump, settings: Settings):
        super().__init__(parent)
        self.pump = pump
        self.slot = ClientSlot(pump, self.client_events, self._connected, self._failed,
                               name="chat client")
        self.joined_as: Optional[str] = None
        self._answered = False
        self.people: List[str] = []
        self.unread = 0
        self.on_unread_changed = lambda count: None  # the window shows it in the tab title

        self._build_host(settings)
        self._build_join(settings)
        self._build_conversation()
        self._build_people()
        self.log = LogView(self.body, title="What happened", height=4)
        self.log.grid(row=2, column=0, columnspan=2, sticky="nsew", pady=(style.PAD, 0))
        self.body.columnconfigure(0, weight=3, uniform="sides")
        self.body.columnconfigure(1, weight=1, uniform="sides")
        self.body.rowconfigure(1, weight=3)
        self.body.rowconfigure(2, weight=1)
        self._show_state(NOT_JOINED)

    # -- hosting ----------------------------------------------------------------------
    def _build_host(self, settings: Settings) -> None:
        top = ttk.Frame(self.body)
        top.grid(row=0, column=0, columnspan=2, sticky="nsew")
        top.columnconfigure(0, weight=1, uniform="top")
        top.columnconfigure(1, weight=1, uniform="top")
        self.server = ServerControls(
            top, self.pump, self._make_server, self.server_events, title="Host a room",
            port=settings.get("chat.server.port"), scope=settings.get("chat.server.scope"),
            describe=describe_room, start_text="Host a room", stop_text="Close the room",
            before_stop=self._leave_own_room)
        self.server.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        self.room_label = WrapLabel(self.server.options, text="", style="Muted.TLabel")
        self.room_label.pack(side="left", fill="x", expand=True)
        self._top = top

    def _make_server(self, host: str, port: int, on_event: EventCallback) -> ChatServer:
        server = ChatServer(host=host, port=port, on_event=on_event)
        # join our own room as soon as the pump has shown that it is listening
        self.after_idle(lambda: self._join_own_room(server))
        return server

    def _join_own_room(self, server: ChatServer) -> None:
        if self.server.service is not server or self.client is not None:
            return
        self.target.set(host=ports.LOCAL_ONLY, port=server.address[1])
        self.connect()

    def _leave_own_room(self) -> None:
        if self.client is not None and self.target.get()[0] == ports.LOCAL_ONLY:
            self.leave()

    def server_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        for event in events:
            if isinstance(event.result, Members):
                count = len(event.result.names)
                self.room_label.configure(
                    text=f"{count} {'person' if count == 1 else 'people'} in the room")
            elif event.kind is Kind.STOPPED:
                self.room_label.configure(text="")

    # -- joining ----------------------------------------------------------------------
    def _build_join(self, settings: Settings) -> None:
        box = ttk.LabelFrame(self._top, text="Join a room", padding=style.PAD)
        box.grid(row=0, column=1, sticky="nsew")
        self.target = HostPortField(box, host=settings.get("chat.client.host"),
                                    port=settings.get("chat.client.port"),
                                    presets={f"this computer ({ports.LOCAL_ONLY})": ports.LOCAL_ONLY},
                                    host_width=20)
        self.target.pack(side="top", anchor="w")
        row = ttk.Frame(box)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        ttk.Label(row, text="Your name:").pack(side="left")
        self.name = tk.StringVar(self, settings.get("chat.name") or default_name())
        self.name_entry = ttk.Entry(row, textvariable=self.name, width=18)
        self.name_entry.pack(side="left", padx=(style.SMALL_PAD, style.PAD))
        self.name_entry.bind("<Return>", lambda _event: self.join_or_leave())
        self.join_button = ttk.Button(row, text="Join", width=10, command=self.join_or_leave)
        self.join_button.pack(side="left")
        self.state_label = WrapLabel(box, text=NOT_JOINED, style="Muted.TLabel")
        self.state_label.pack(side="top", fill="x", pady=(style.PAD, 0))

    @property
    def client(self) -> Optional[ChatClient]:
        return self.slot.client

    def join_or_leave(self) -> None:
        if self.slot.connecting:
            return
        if self.client is None:
            self.connect()
        elif self.joined_as is None:
            self._send_name()  # connected, but the last name was refused
        else:
            self.leave()

    def connect(self) -> None:
        """Connect and join (the client sends ADD as soon as it is connected)."""
        try:
            host, port = self.target.get()
        except ValueError as exc:
            self._show_state(str(exc), error=True)
            return
        name = self.name.get().strip()
        if not name:
            self._show_state("Type your name first.", error=True)
            return
        self.joined_as = None
        self._answered = False  # has the server accepted or refused our name yet?
        self.slot.connect(lambda on_event: ChatClient(host, port, name=name, on_event=on_event))
        self._set_people([])
        self._show_state(f"Connecting to {host} port {port}…")

    def _connected(self, client: ChatClient) -> None:
        if not self._answered:  # the server's answer may have come first
            self._show_state(f"Joining as {client.name}…")

    def _failed(self, text: str) -> None:
        self._show_state(text, error=True, can_retry=True)

    def _send_name(self) -> None:
        name = self.name.get()
        self.slot.send(lambda client: client.join(name), self._send_failed)

    def _send_failed(self, text: str) -> None:
        self._show_state(text, error=True)

    def leave(self) -> None:
        """QUIT politely (the others see us leave), on a helper thread."""
        if self.client is None:
            return
        self.joined_as = None
        self.slot.disconnect(self._left, stop=lambda client: client.leave())
        self._show_state("Leaving…")

    def _left(self) -> None:
        if self.client is None:
            self._set_people([])
            self._show_state(NOT_JOINED)

    # -- what arrives -----------------------------------------------------------------
    def client_events(self, events: List[Event], current: bool) -> None:
        self.log.append_events(e for e in events if e.kind is not Kind.RESULT)
        if not current:
            return
        for event in events:
            if event.kind is Kind.RESULT:
                self._chat_event(event.result)
            elif event.kind is Kind.ERROR and not self.slot.connecting:
                self.slot.forget()
                self.joined_as = None
                self._set_people([])
                self.conversation.append(f"==> {event.text}", error=True)
                self._show_state(f"Connection lost: {event.text}", error=True, can_retry=True)

    def _chat_event(self, event) -> None:
        line = chat.transcript_line(event)
        if isinstance(event, (chat.Joined, chat.Present)):
            if isinstance(event, chat.Joined) and self.client is not None and \
                    chat.fold(event.name) == chat.fold(self.client.name) and self.joined_as is None:
                self.joined_as = event.name
                self._answered = True
                host, port = self.target.get()
                self._show_state(f"In the room as {event.name} ({host} port {port})", joined=True)
                self.message_entry.focus_set()
            self._set_people([*self.people, event.name])
        elif isinstance(event, chat.Left):
            self._set_people([p for p in self.people if chat.fold(p) != chat.fold(event.name)])
        elif isinstance(event, chat.Refused) and self.joined_as is None:
            self._answered = True
            self._show_state(f"{event.reason} Change your name and press Join.", error=True)
        if line:
            tag = "result" if isinstance(event, chat.Private) else (
                "muted" if isinstance(event, (chat.Joined, chat.Left, chat.Refused)) else None)
            self.conversation.append(line, tag=tag)
            if isinstance(event, (chat.Message, chat.Private)):
                self._count_unread()

    # -- talking ----------------------------------------------------------------------
    def _build_conversation(self) -> None:
        box = ttk.Frame(self.body)
        box.grid(row=1, column=0, sticky="nsew", pady=(style.PAD, 0), padx=(0, style.PAD))
        row = ttk.Frame(box)  # packed first, at the bottom: it must never be squeezed out
        row.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.conversation = LogView(box, title="Conversation", height=6)
        self.conversation.pack(side="top", fill="both", expand=True)
        ttk.Label(row, text="To:").pack(side="left")
        self.recipient = tk.StringVar(self, EVERYONE)
        self.recipient_box = ttk.Combobox(row, textvariable=self.recipient, width=14,
                                          values=[EVERYONE], state="readonly")
        self.recipient_box.pack(side="left", padx=(style.SMALL_PAD, style.PAD))
        self.message = tk.StringVar(self, "")
        self.message_entry = ttk.Entry(row, textvariable=self.message)
        self.message_entry.pack(side="left", fill="x", expand=True, padx=(0, style.SMALL_PAD))
        self.message_entry.bind("<Return>", lambda _event: self.send())
        self.send_button = ttk.Button(row, text="Send", command=self.send)
        self.send_button.pack(side="left")

    def _build_people(self) -> None:
        box = ttk.LabelFrame(self.body, text="People in the room", padding=style.SMALL_PAD)
        box.grid(row=1, column=1, sticky="nsew", pady=(style.PAD, 0))
        self.people_list = tk.Listbox(box, height=6, exportselection=False, activestyle="none",
                                      font="TkTextFont", relief="flat", highlightthickness=1)
        self.people_list.pack(side="top", fill="both", expand=True)
        self.people_list.bind("<<ListboxSelect>>", self._person_chosen)
        WrapLabel(box, text="Choose a person to send them a private message.",
                  style="Muted.TLabel", wraplength=160).pack(side="top", fill="x",
                                                            pady=(style.SMALL_PAD, 0))

    def _set_people(self, people: List[str]) -> None:
        unique: Dict[str, str] = {}
        for person in people:
            unique.setdefault(chat.fold(person), person)
        self.people = list(unique.values())
        self.people_list.delete(0, "end")
        for person in self.people:
            me = self.joined_as and chat.fold(person) == chat.fold(self.joined_as)
            self.people_list.insert("end", f"{person} (you)" if me else person)
        others = [p for p in self.people if not (self.joined_as and chat.fold(p) == chat.fold(self.joined_as))]
        self.recipient_box.configure(values=[EVERYONE, *others])
        if self.recipient.get() != EVERYONE and self.recipient.get() not in others:
            self.recipient.set(EVERYONE)

    def _person_chosen(self, _event=None) -> None:
        chosen = self.people_list.curselection()
        if chosen:
            person = self.people[chosen[0]]
            mine = self.joined_as and chat.fold(person) == chat.fold(self.joined_as)
            self.recipient.set(EVERYONE if mine else person)

    def send(self) -> None:
        text = self.message.get().strip()
        client = self.client
        if not text or client is None or self.joined_as is None:
            return
        recipient = self.recipient.get()
        if recipient == EVERYONE:
            self.slot.send(lambda chat_client: chat_client.say(text), self._send_failed)
        else:
            self.slot.send(lambda chat_client: chat_client.whisper(recipient, text),
                           self._send_failed)
            # the server does not echo private messages: show what we sent
            self.conversation.append(f"==> [private to {recipient}] {self.joined_as}: {text}",
                                     tag="result")
        self.message.set("")

    # -- state, unread count ------------------------------------------------------------
    def _show_state(self, text: str, error: bool = False, joined: bool = False,
                    can_retry: bool = False) -> None:
        self.state_label.configure(text=text, style="Error.TLabel" if error else (
            "Running.TLabel" if joined else "Muted.TLabel"))
        connected = self.client is not None
        self.join_button.configure(text="Leave" if joined else (
            "Reconnect" if can_retry and not connected else "Join"))
        self.target.set_enabled(not connected)
        self.name_entry.state(["disabled"] if joined else ["!disabled"])
        for widget in (self.message_entry, self.send_button, self.recipient_box):
            widget.state(["!disabled"] if joined else ["disabled"])
        if joined:
            self.recipient_box.state(["readonly"])

    def _count_unread(self) -> None:
        if not self._visible():
            self.unread += 1
            self.on_unread_changed(self.unread)

    def seen(self) -> None:
        """The student is looking at the tab: nothing is unread any more."""
        if self.unread:
            self.unread = 0
            self.on_unread_changed(0)

    def _visible(self) -> bool:
        try:
            return self.winfo_ismapped() and str(self.master.select()) == str(self)
        except tk.TclError:
            return False

    # -- window hooks -----------------------------------------------------------------
    def running_services(self) -> list:
        return [service for service in (self.client, self.server.service) if service is not None]

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"chat.client.host": self.target.host_text,
                                     "chat.name": self.name.get().strip()}
        try:
            values["chat.client.port"] = self.target.port_box.get_port()
        except ValueError:
            pass
        values.update(self.server.settings("chat.server"))
        return values
