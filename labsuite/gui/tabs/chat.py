"""The Chat tab: host a room with one button, or join a partner's, and talk.

The conversation reads like the course paper's sample session (``==> cold turkey: Hi
everyone!``); the people list comes from the server's NEW/HERE/LEFT lines.

A private message is a choice made each time, as in a chat app: choosing a person in
the list puts the message box in a visible "private to X" mode that ends once the
message is sent (Escape ends it too). If X leaves first, the box says so and nothing is
sent until the student chooses again: private text never goes to everyone by surprise.
The host's window never shows other people's private text (the server logs only who
wrote to whom and how much, unless the teacher's debugging switch is on).
"""

from __future__ import annotations

import getpass
import tkinter as tk
from tkinter import ttk
from typing import Callable, Dict, List, Optional

from labsuite.net import ports
from labsuite.net.chat import ChatClient, ChatServer, Members
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.protocols import chat

from .. import style
from ..look import follow_look, palette_of
from ..pump import EventPump
from ..settings import Settings
from ..widgets import (LogView, ServerControls, Tab, WrapLabel, confirm, on_return, relabel,
                       tip, tips)
from ..widgets.code_view import client_choice, server_choice
from ..widgets.room_join import JoinBox, JoinWords

EVERYONE = "everyone"
NOT_JOINED = "Not in a room"
TO_EVERYONE = "To everyone in the room."
WORDS = JoinWords(idle=NOT_JOINED, seated="In the room as {name} ({host} port {port})",
                  asking="Joining as {name}…")
#: ``ask(parent, title, question, yes, no, on_answer, details)`` (dialogs.confirm).
Ask = Callable[..., object]


def default_name() -> str:
    try:
        return getpass.getuser()[:chat.MAX_NAME] or "student"
    except Exception:  # no user name on this system
        return "student"


def room_name(name: str) -> str:
    """What a hosted room is called on the network: "cool cat's room"."""
    return f"{name.strip() or default_name()}'s room"


def describe_room(server: ChatServer) -> str:
    return f"port {server.address[1]}"


def people_phrase(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


class ChatTab(Tab):
    title = "Chat"
    hint = ("A chat room over TCP with the course's protocol (ADD, MESSAGE, PRIVATE, QUIT): "
            "one server relays each line to everyone. Host a room for the lab, or join one.")

    def __init__(self, parent, pump: EventPump, settings: Settings, ask: Ask = confirm,
                 show_private: Callable[[], bool] = lambda: False):
        super().__init__(parent)
        self.pump = pump
        self.ask = ask
        #: The teacher's debugging switch (never on a projector): private text in the log.
        self.show_private = show_private
        self._notice_shown = False
        self.people: List[str] = []
        self.members: List[str] = []  # who is in our own room (hosting)
        self.private_to: Optional[str] = None
        self.gone: Optional[str] = None  # the chosen person left: nothing goes out
        self.unread = 0
        self.on_unread_changed = lambda count: None  # the window shows it in the tab title

        self._build_top(settings)
        talk = self.parts_over_log((3, 1), weight=3)
        self._build_conversation(talk)
        self._build_people(talk)
        self.join.show(NOT_JOINED)

    # -- hosting ----------------------------------------------------------------------
    def _build_top(self, settings: Settings) -> None:
        top = self.top_row((1, 1))
        self.server = ServerControls(
            top, self.pump, self._make_server, self.server_events, title="Host a room",
            port=settings.get("chat.server.port"), scope=settings.get("chat.server.scope"),
            describe=describe_room, start_text="Host a room", stop_text="Close the room",
            before_stop=self._leave_own_room, big=True,
            start_tip="Start a chat server on this computer and join it yourself. Others "
                      "type the address shown below it.")
        self.server.confirm_stop = self._confirm_close
        self.server.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        self.room_label = ttk.Label(self.server.options, text="", style="Muted.TLabel")
        self.server.option(self.room_label)
        self._top = top
        self._build_join(settings)

    def _make_server(self, host: str, port: int, on_event: EventCallback) -> ChatServer:
        server = ChatServer(host=host, port=port, on_event=on_event,
                            show_private=bool(self.show_private()))
        server.announce_name = room_name(self.name.get())  # partners see it in their lists
        # join our own room as soon as the pump has shown that it is listening
        self.after_idle(lambda: self._join_own_room(server))
        return server

    def private_switch_changed(self) -> None:
        """The debugging switch moved: a running room follows it at once."""
        if self.server.service is not None:
            self.server.service.show_private = bool(self.show_private())

    def _join_own_room(self, server: ChatServer) -> None:
        if self.server.service is not server or self.client is not None:
            return
        self.target.set(host=ports.LOCAL_ONLY, port=server.address[1])
        self.connect()

    def _leave_own_room(self) -> None:
        if self.client is not None and self.target.get()[0] == ports.LOCAL_ONLY:
            self.leave()

    def others_in_room(self) -> List[str]:
        me = chat.fold(self.joined_as) if self.joined_as else None
        return [name for name in self.members if chat.fold(name) != me]

    def _confirm_close(self, go_on: Callable[[], None]) -> None:
        """Closing a room with people in it asks first; an empty room just closes."""
        others = self.others_in_room()
        if not others:
            go_on()
            return
        shown = ", ".join(others[:5]) + (" and others" if len(others) > 5 else "")
        self.ask(self, "Close the room?",
                 f"{people_phrase(len(others))} still in your room: {shown}.",
                 "Close the room", "Keep it open",
                 lambda yes: go_on() if yes else None,
                 details="Closing it ends their chat: they will see “The host closed the "
                         "room.”")

    def servers_with_people(self) -> List[str]:
        if self.server.service is None:
            return []
        others = self.others_in_room()
        return [f"your chat room ({people_phrase(len(others))} in it)" if others
                else "your chat room"]

    def server_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        for event in events:
            if isinstance(event.result, Members):
                self.members = list(event.result.names)
                self.room_label.configure(
                    text=f"{people_phrase(len(self.members))} in the room")
            elif event.kind is Kind.STOPPED:
                self.members = []
                self.room_label.configure(text="")

    # -- joining ----------------------------------------------------------------------
    def _build_join(self, settings: Settings) -> None:
        self.join = JoinBox(
            self._top, self.pump, self.client_events,
            lambda host, port, name, on_event: ChatClient(host, port, name=name,
                                                          on_event=on_event),
            lambda client, name: client.join(name), WORDS, title="Join a room",
            host=settings.get("chat.client.host"), port=settings.get("chat.client.port"),
            name=settings.get("chat.name") or default_name(), client_name="chat client",
            host_tip="The computer hosting the room: the address its Chat tab shows in "
                     "large letters.",
            name_tip="The name the others see (1 to 32 characters; it must not be taken in "
                     "the room). Enter joins.",
            join_tip="Join the room at that address with your name, or leave it.")
        self.join.grid(row=0, column=1, sticky="nsew")
        self.join.on_changed = self._joined_changed
        self.join.on_left = lambda: self._set_people([])
        join = self.join
        #: The box's parts, by the names the window and the tests use on every tab.
        self.target, self.name, self.slot = join.target, join.name, join.slot
        self.join_button, self.name_entry, self.state_label = (
            join.join_button, join.name_entry, join.state_label)

    @property
    def client(self) -> Optional[ChatClient]:
        return self.join.client

    @property
    def joined_as(self) -> Optional[str]:
        """The name the room accepted (None: not in it)."""
        return self.join.joined_as

    def join_or_leave(self) -> None:
        self.join.join_or_leave()

    def connect(self) -> None:
        """Connect and join (the client sends ADD as soon as it is connected)."""
        self._notice_shown = False
        if self.join.connect():
            self._set_people([])

    def leave(self) -> None:
        """QUIT politely (the others see us leave), on a helper thread."""
        self.join.leave()

    def _joined_changed(self, joined: bool) -> None:
        for widget in (self.message_entry, self.send_button):
            widget.state(["!disabled"] if joined else ["disabled"])
        if not joined:
            self.to_everyone()

    # -- what arrives -----------------------------------------------------------------
    def client_events(self, events: List[Event], current: bool) -> None:
        self.log.append_events(e for e in events if e.kind is not Kind.RESULT)
        if not current:
            return
        for event in events:
            if event.kind is Kind.RESULT:
                self._chat_event(event.result)
            elif event.kind is Kind.ERROR and not self.slot.connecting:
                if event.text == chat.ROOM_CLOSED:
                    if not self._notice_shown:
                        self.conversation.append(f"==> {event.text}", tag="notice")
                    self.join.lost(event.text)
                else:
                    self.conversation.append(f"==> {event.text}", error=True)
                    self.join.lost(f"Connection lost: {event.text}")
                self._set_people([])

    def _chat_event(self, event) -> None:
        line = chat.transcript_line(event)
        if isinstance(event, (chat.Joined, chat.Present)):
            if isinstance(event, chat.Joined) and self.client is not None and \
                    self.join.is_wanted(event.name):
                self.join.seated(event.name)
                self.message_entry.focus_set()
            self._set_people([*self.people, event.name])
        elif isinstance(event, chat.Left):
            self._set_people([p for p in self.people if chat.fold(p) != chat.fold(event.name)])
        elif isinstance(event, chat.Refused) and self.joined_as is None:
            self.join.refused(event.reason)
        elif isinstance(event, chat.Notice):
            self._notice_shown = True
            self.conversation.append(line, tag="notice")
            return
        if line:
            tag = "result" if isinstance(event, chat.Private) else (
                "muted" if isinstance(event, (chat.Joined, chat.Left, chat.Refused)) else None)
            self.conversation.append(line, tag=tag)
            if isinstance(event, (chat.Message, chat.Private)):
                self._count_unread()

    # -- talking ----------------------------------------------------------------------
    def _build_conversation(self, parent) -> None:
        box = ttk.Frame(parent)
        box.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        row = ttk.Frame(box)  # packed first, at the bottom: it must never be squeezed out
        row.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.to_row = ttk.Frame(box)
        self.to_row.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.to_label = WrapLabel(self.to_row, text=TO_EVERYONE, style="Muted.TLabel")
        self.everyone_button = ttk.Button(self.to_row, text="To everyone",
                                          command=self.to_everyone)
        self.everyone_button.pack(side="right")
        self.to_label.pack(side="left", fill="x", expand=True)
        self.conversation = LogView(box, title="Conversation", height=5)
        self.conversation.pack(side="top", fill="both", expand=True)
        ttk.Label(row, text="Message:").pack(side="left")
        self.message = tk.StringVar(self, "")
        self.send_button = ttk.Button(row, text="Send", command=self.send, width=14,
                                      style="Accent.TButton")
        self.send_button.pack(side="right")
        self.message_entry = ttk.Entry(row, textvariable=self.message, width=10)
        self.message_entry.pack(side="left", fill="x", expand=True,
                                padx=(style.SMALL_PAD, style.SMALL_PAD))
        on_return(self.message_entry, self.send)
        self.message_entry.bind("<Escape>", lambda _event: self.to_everyone())
        tips(self.message_entry, "Type a message; Enter sends it. Escape: back to everyone.",
             self.send_button, "Send the message (to everyone, or to the person chosen "
                               "in the list).",
             self.everyone_button, "Write to everyone again instead of one person (Escape).")

    def _build_people(self, parent) -> None:
        box = ttk.LabelFrame(parent, text="People in the room", padding=style.SMALL_PAD)
        box.grid(row=0, column=1, sticky="nsew")
        WrapLabel(box, text="Choose a person to write to them alone.",
                  style="Muted.TLabel").pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.people_list = tk.Listbox(box, height=3, width=8, exportselection=False,
                                      activestyle="dotbox", font="TkTextFont", relief="flat",
                                      highlightthickness=2, borderwidth=0)
        self.people_list.pack(side="top", fill="both", expand=True)
        self.people_list.bind("<<ListboxSelect>>", self._person_chosen)
        for sequence in ("<Return>", "<KP_Enter>", "<space>"):
            self.people_list.bind(sequence, self._person_entered)
        tip(self.people_list, "Everyone in the room. Choose a person (click, or arrows "
                              "and Enter) to send them the next message privately.")
        follow_look(self.people_list, lambda: style.colour_tags(self.people_list,
                                                                palette_of(self)))

    def _set_people(self, people: List[str]) -> None:
        unique: Dict[str, str] = {}
        for person in people:
            unique.setdefault(chat.fold(person), person)
        self.people = list(unique.values())
        self.people_list.delete(0, "end")
        for person in self.people:
            self.people_list.insert("end", f"{person} (you)" if self._is_me(person) else person)
        if self.private_to is not None and not any(
                chat.fold(p) == chat.fold(self.private_to) for p in self.people):
            if self.joined_as is not None:  # they left: say so, send nothing
                self.gone, self.private_to = self.private_to, None
            else:
                self.private_to = None
        self._show_to()

    def _is_me(self, person: str) -> bool:
        return bool(self.joined_as) and chat.fold(person) == chat.fold(self.joined_as)

    def _person_chosen(self, _event=None) -> None:
        chosen = self.people_list.curselection()
        if chosen:
            person = self.people[chosen[0]]
            if self._is_me(person):
                self.to_everyone()
            else:
                self.write_privately(person)

    def _person_entered(self, _event=None) -> str:
        self._person_chosen()
        self.message_entry.focus_set()
        return "break"

    def write_privately(self, person: str) -> None:
        """The next message goes to ``person`` only (then back to everyone)."""
        self.private_to, self.gone = person, None
        self._show_to()

    def to_everyone(self) -> None:
        self.private_to = self.gone = None
        self.people_list.selection_clear(0, "end")
        self._show_to()

    @property
    def recipient(self) -> str:
        """Who the next message goes to: a name, EVERYONE, or '' (the chosen one left)."""
        if self.gone:
            return ""
        return self.private_to or EVERYONE

    def _show_to(self) -> None:
        if self.gone:
            text = (f"{self.gone} has left the room, so nothing was sent. Choose someone in "
                    "the list, or press To everyone.")
            self.to_label.configure(text=text, style="Error.TLabel")
            relabel(self.send_button, "Send")
        elif self.private_to:
            self.to_label.configure(text=f"Private to {self.private_to}: only they will see "
                                         "the next message.", style="Result.TLabel")
            relabel(self.send_button, "Send privately")
        else:
            self.to_label.configure(text=TO_EVERYONE, style="Muted.TLabel")
            relabel(self.send_button, "Send")
        private = bool(self.gone or self.private_to)
        self.everyone_button.state(["!disabled"] if private else ["disabled"])

    def send(self) -> None:
        text = self.message.get().strip()
        client = self.client
        if not text or client is None or self.joined_as is None or self.gone:
            return
        recipient = self.private_to
        if recipient is None:
            if not self.slot.send(lambda chat_client: chat_client.say(text),
                                  self.join.send_failed):
                return
        else:
            if not self.slot.send(lambda chat_client: chat_client.whisper(recipient, text),
                                  self.join.send_failed):
                return
            # the server does not echo private messages: show what we sent
            self.conversation.append(f"==> [private to {recipient}] {self.joined_as}: {text}",
                                     tag="result")
            self.to_everyone()  # one message: the next goes to everyone unless chosen again
        self.message.set("")

    # -- unread count -------------------------------------------------------------------
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
    def code_kinds(self) -> list:
        server = server_choice("chat-server", self.server)
        client = client_choice("chat-client", self.target)
        return [client, server] if self.client is not None and not self.server.running \
            else [server, client]

    def running_services(self) -> list:
        return [service for service in (self.client, self.server.service) if service is not None]

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = self.join.settings("chat")
        values.update(self.server.settings("chat.server"))
        return values
