"""The raw console page: telnet / nc in a window.

Connect to any server over TCP (or UDP), type lines, and watch every byte that comes
back, in order (see :mod:`labsuite.gui.widgets.console_view`). Enter ends a line with
\\r\\n by default, as telnet does; the course's line-based servers accept that as well
as \\n.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Dict, List, Optional

from labsuite.net import ports
from labsuite.net.console import ConsoleSession
from labsuite.net.events import Event, Kind, format_address
from labsuite.protocols.console import LineEnding

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..widgets import ClientSlot, HostPortField, LogView, WrapLabel, intro, on_return, relabel, tips
from ..widgets.code_view import CodeChoice
from ..widgets.console_view import ERROR, NOTE, RECEIVED, SENT, ConsoleView

NOT_CONNECTED = "Not connected"
#: The client program a port suggests (a TCP console on a course server's port).
CLIENT_FOR_PORT = {ports.ECHO: "echo-client", 7: "echo-client", ports.CHAT: "chat-client",
                   ports.DAYTIME: "daytime-client", ports.DAYTIME_WELL_KNOWN: "daytime-client",
                   ports.WEB: "get", 80: "get"}
CONSOLE_NO_CODE = ("The raw console speaks any protocol by hand, so it has no one program. "
                   "Set it to a course server's port over TCP (echo 8007, chat 9000, daytime "
                   "8013, web 8080) and press Code again for that client.")
INTRO = ("Talk to any server by hand, as telnet or nc do: type a line and press Enter. "
         "Every byte the server sends is shown as it arrives, control characters as \\r, "
         "\\t or \\xNN. Enter ends your line with \\r\\n, as telnet does (servers that "
         "expect \\n, like the chat server, accept it too).")


class ConsolePanel(ttk.Frame):
    """Connect, type, watch: one ConsoleSession at a time."""

    def __init__(self, parent, pump: EventPump, settings: Settings, log: LogView):
        super().__init__(parent, padding=style.PAD)
        self.pump = pump
        self.log = log
        self.slot = ClientSlot(pump, self.session_events, self._connected, self._failed,
                               name="console")
        self.history: List[str] = []
        self._recalled = 0  # how far back Up has gone in the history

        intro(self, INTRO)
        self._build_connection(settings)
        self._build_input(settings)  # packed before the view, at the bottom: never squeezed
        self.view = ConsoleView(self, height=3, hex_view=settings.get("network.console.hex"))
        self.view.pack(side="top", fill="both", expand=True, pady=(style.PAD, 0))
        self._show_state(NOT_CONNECTED, connected=False)

    def _build_connection(self, settings: Settings) -> None:
        row = ttk.Frame(self)
        row.pack(side="top", fill="x")
        self.connect_button = ttk.Button(row, text="Connect", width=11, command=self.toggle,
                                         style="Accent.TButton")
        self.connect_button.pack(side="right")
        self.udp = tk.BooleanVar(self, settings.get("network.console.udp"))
        self.protocol_buttons = [ttk.Radiobutton(row, text=text, variable=self.udp, value=value)
                                 for text, value in (("UDP", True), ("TCP", False))]
        for button in self.protocol_buttons:
            button.pack(side="right", padx=(0, style.PAD))
        self.target = HostPortField(
            row, host=settings.get("network.console.host"),
            port=settings.get("network.console.port"), host_width=14,
            presets={f"this computer ({ports.LOCAL_ONLY})": ports.LOCAL_ONLY},
            on_enter=self.connect, host_tip="The server to talk to by hand; Enter connects.")
        self.target.pack(side="left", fill="x", expand=True)
        tips(self.connect_button, "Open the connection (TCP) or get ready to send datagrams "
                                  "(UDP); press again to close it.",
             self.protocol_buttons[0], "UDP: each line you send is one datagram.",
             self.protocol_buttons[1], "TCP: one connection, bytes in order, like telnet.")
        self.state_label = WrapLabel(self, text=NOT_CONNECTED, style="Muted.TLabel")
        self.state_label.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))

    def _build_input(self, settings: Settings) -> None:
        row = ttk.Frame(self)
        row.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        ttk.Label(row, text="Line:").pack(side="left")
        self.line = tk.StringVar(self, "")
        self.line_entry = ttk.Entry(row, textvariable=self.line, font="TkFixedFont")
        self.line_entry.pack(side="left", fill="x", expand=True, padx=(style.SMALL_PAD, style.PAD))
        on_return(self.line_entry, self.send)
        self.line_entry.bind("<Up>", lambda _event: self._recall(+1))
        self.line_entry.bind("<Down>", lambda _event: self._recall(-1))
        ttk.Label(row, text="Ending:").pack(side="left")
        try:
            ending = LineEnding.parse(settings.get("network.console.ending"))
        except ValueError:
            ending = LineEnding.CRLF
        self.ending_label = tk.StringVar(self, ending.label)
        self.ending_box = ttk.Combobox(row, textvariable=self.ending_label, state="readonly",
                                       values=[choice.label for choice in LineEnding.choices()],
                                       width=16)
        self.ending_box.pack(side="left", padx=(style.SMALL_PAD, style.PAD))
        self.send_button = ttk.Button(row, text="Send", command=self.send)
        self.send_button.pack(side="left")
        tips(self.line_entry, "A line to send; Enter sends it with the chosen ending. Up and "
                              "Down bring back earlier lines.",
             self.ending_box, "What Enter adds at the end of the line: \\r\\n as telnet "
                              "does, \\n as Unix programs do, or nothing.",
             self.send_button, "Send the line.")

    @property
    def ending(self) -> LineEnding:
        label = self.ending_label.get()
        return next((choice for choice in LineEnding if choice.label == label), LineEnding.CRLF)

    def set_ending(self, ending) -> None:
        self.ending_label.set(LineEnding.parse(ending).label)

    # -- connecting ---------------------------------------------------------------------
    @property
    def session(self) -> Optional[ConsoleSession]:
        return self.slot.client

    @property
    def connected(self) -> bool:
        return self.slot.connected

    def toggle(self) -> None:
        if self.slot.connecting:
            return
        if self.session is None:
            self.connect()
        else:
            self.disconnect()

    def connect(self) -> None:
        if self.session is not None:
            return
        try:
            host, port = self.target.get()
        except ValueError as exc:
            self._show_state(str(exc), connected=False, error=True)
            return
        udp = bool(self.udp.get())
        self.view.transcript.begin()
        self._show_state(f"Connecting to {host} port {port} ({'UDP' if udp else 'TCP'})…",
                         connected=False, busy=True)
        self.slot.connect(lambda on_event: ConsoleSession(host, port, udp=udp, on_event=on_event))

    def _connected(self, session: ConsoleSession) -> None:
        what = "Ready to send UDP datagrams to" if session.udp else "Connected to"
        self._show_state(f"{what} {format_address(session.peer)} from "
                         f"{format_address(session.local)} ({session.protocol})", connected=True)
        self.line_entry.focus_set()

    def _failed(self, text: str) -> None:
        self._show_state(text, connected=False, error=True)

    def disconnect(self) -> None:
        """Close on a helper thread; the session's last words still reach the view."""
        if self.session is None or self.slot.connecting:
            return
        self._show_state("Disconnecting…", connected=False, busy=True)
        self.slot.disconnect(lambda: self._show_state(NOT_CONNECTED, connected=False))

    # -- talking ------------------------------------------------------------------------
    def send(self) -> None:
        text, ending = self.line.get(), self.ending
        if not self.slot.send(lambda session: session.send_line(text, ending), self._send_failed):
            return
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-100]
        self._recalled = 0
        self.line.set("")

    def _send_failed(self, text: str) -> None:
        self.state_label.configure(text=text, style="Error.TLabel")

    def _recall(self, step: int) -> str:
        """Up and Down walk through the lines sent before, as in a shell."""
        if not self.history:
            return "break"
        self._recalled = max(0, min(len(self.history), self._recalled + step))
        self.line.set(self.history[-self._recalled] if self._recalled else "")
        self.line_entry.icursor("end")
        return "break"

    def session_events(self, events: List[Event], current: bool) -> None:
        """Everything from one tick goes to the view first, then is drawn once."""
        self.log.append_events(events)
        transcript = self.view.transcript
        run: List[bytes] = []
        run_direction = RECEIVED
        for event in events:
            direction = {Kind.READ: RECEIVED, Kind.WROTE: SENT}.get(event.kind)
            if direction is not None and direction == run_direction:
                run.append(event.data)
                continue
            transcript.add_bytes(run_direction, run)
            run, run_direction = [], direction or RECEIVED
            if direction is not None:
                run.append(event.data)
            else:
                self._note(event, current)
        transcript.add_bytes(run_direction, run)
        self.view.show()

    def _note(self, event: Event, current: bool) -> None:
        transcript = self.view.transcript
        if event.kind is Kind.CLOSED:
            transcript.end()
        if event.text and event.kind is not Kind.STOPPED:
            transcript.note(event.text, ERROR if event.kind is Kind.ERROR else NOTE, event.time)
        if not current or self.slot.connecting:
            return
        if event.kind is Kind.CLOSED:  # the server ended it; the session stops itself
            self.slot.forget()
            self._show_state(f"Disconnected: {event.text}", connected=False)
        elif event.kind is Kind.ERROR:  # the session stays open (a refused datagram)
            self.state_label.configure(text=event.text, style="Error.TLabel")

    def _show_state(self, text: str, connected: bool, error: bool = False,
                    busy: bool = False) -> None:
        self.state_label.configure(text=text, style="Error.TLabel" if error else (
            "Running.TLabel" if connected else "Muted.TLabel"))
        relabel(self.connect_button, "Disconnect" if connected else "Connect")
        self.connect_button.state(["disabled"] if busy else ["!disabled"])
        self.target.set_enabled(not (connected or busy))
        for button in self.protocol_buttons:
            button.state(["disabled"] if connected or busy else ["!disabled"])
        for widget in (self.line_entry, self.send_button):
            widget.state(["!disabled"] if connected else ["disabled"])

    # -- window hooks -------------------------------------------------------------------
    def code_kinds(self) -> list:
        """The client of the course server the console talks to, when its port says
        which (over TCP: the scripts do not speak UDP)."""
        session = self.session
        if session is not None:
            host, port, udp = session.host, session.port, session.udp
        else:
            host, udp = self.target.host_text, bool(self.udp.get())
            try:
                port = self.target.port_box.get_port()
            except ValueError:
                return []
        kind = CLIENT_FOR_PORT.get(port)
        if kind is None or udp:
            return []
        return [CodeChoice(kind, host or None, port)]

    def running_services(self) -> list:
        return [self.session] if self.session is not None else []

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"network.console.host": self.target.host_text,
                                     "network.console.udp": bool(self.udp.get()),
                                     "network.console.ending": self.ending.name,
                                     "network.console.hex": bool(self.view.hex_mode.get())}
        try:
            values["network.console.port"] = self.target.port_box.get_port()
        except ValueError:
            pass
        return values
