"""The Echo tab: run an echo server (RFC 862) in one of three designs, watch its clients,
and talk to it (or a partner's) with the client panel."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Dict, List, Optional

from labsuite.net import ports
from labsuite.net.echo import EchoClient, EchoServer
from labsuite.net.events import Event, EventCallback, Kind, format_address

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..widgets import (ClientSlot, ConnectionTable, HostPortField, ServerControls, Tab,
                       WrapLabel, on_return, relabel, tip, tips)
from ..widgets.code_view import client_choice, server_choice

MODE_LABELS = {
    "selector": "non-blocking (fast)",
    "threaded": "a thread per client",
    "sequential": "one client at a time",
}
MODE_TIP = ("Non-blocking: one thread serves every client as soon as it is ready. A thread "
            "per client: each connection has its own blocking thread. One client at a time: "
            "a second client waits until the first leaves (try it with two clients).")
#: Replies kept in the client's list (older ones are in the log).
MAX_REPLIES = 500
NOT_CONNECTED = "Not connected"
REPLY_COLUMNS = (("number", "#", 4, "e"), ("echo", "Echo", 16, "w"),
                 ("ms", "Round trip (ms)", 10, "e"))


def describe_echo(server: EchoServer) -> str:
    where = f"port {server.address[1]}"
    udp = server.udp_address
    if udp:
        where += " (TCP and UDP)" if udp[1] == server.address[1] else f", UDP port {udp[1]}"
    return where


class EchoTab(Tab):
    title = "Echo"
    hint = ("The echo protocol (RFC 862): the server sends back every byte it reads. "
            "Compare the three server designs, watch each client's bytes, and time round trips.")

    def __init__(self, parent, pump: EventPump, settings: Settings):
        super().__init__(parent)
        self.pump = pump
        self.slot = ClientSlot(pump, self.client_events, self._connected, self._failed,
                               name="echo client")
        self._reply_count = 0

        top = self.top_row((11, 9))  # the server side has the wider table
        tables = self.parts_over_log((11, 9), weight=1)
        self._build_server(top, settings)
        self._build_clients_table(tables)
        self._build_client(top, tables, settings)

    # -- server -----------------------------------------------------------------------
    def _build_server(self, parent, settings: Settings) -> None:
        self.server = ServerControls(
            parent, self.pump, self._make_server, self.server_events, title="Echo server",
            port=settings.get("echo.server.port"), scope=settings.get("echo.server.scope"),
            describe=describe_echo,
            start_tip="Start an echo server in the chosen design (Enter in the port box "
                      "does it too).")
        self.server.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        mode = settings.get("echo.server.mode")
        self.mode = tk.StringVar(self, MODE_LABELS.get(mode, MODE_LABELS["selector"]))
        design = ttk.Frame(self.server.options)
        ttk.Label(design, text="Design:").pack(side="left")
        self.mode_box = ttk.Combobox(design, textvariable=self.mode, width=18,
                                     values=list(MODE_LABELS.values()), state="readonly")
        self.mode_box.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.server.option(design)
        self.udp = tk.BooleanVar(self, settings.get("echo.server.udp"))
        self.udp_check = ttk.Checkbutton(self.server.options, text="UDP too", variable=self.udp)
        self.server.option(self.udp_check)
        tips(self.mode_box, MODE_TIP,
             self.udp_check, "Also echo UDP datagrams on the same port number.")

    @property
    def mode_name(self) -> str:
        label = self.mode.get()
        return next((name for name, text in MODE_LABELS.items() if text == label), "selector")

    def set_mode(self, name: str) -> None:
        self.mode.set(MODE_LABELS[name])

    def _make_server(self, host: str, port: int, on_event: EventCallback) -> EchoServer:
        return EchoServer(host=host, port=port, mode=self.mode_name, udp=self.udp.get(),
                          on_event=on_event)

    def _build_clients_table(self, parent) -> None:
        box = ttk.LabelFrame(parent, text="Connected clients", padding=style.SMALL_PAD)
        box.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        self.clients = ConnectionTable(box, height=3)
        self.clients.pack(fill="both", expand=True)
        tip(self.clients.tree, "Every client connected to the server now, with the bytes it "
                               "sent (in) and got back (out).")

    def server_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        self.clients.apply(events)

    # -- client -----------------------------------------------------------------------
    def _build_client(self, parent, tables, settings: Settings) -> None:
        box = ttk.LabelFrame(parent, text="Echo client", padding=style.PAD)
        box.grid(row=0, column=1, sticky="nsew")
        self.client_box = box
        self.target = HostPortField(box, host=settings.get("echo.client.host"),
                                    port=settings.get("echo.client.port"),
                                    presets={f"this computer ({ports.LOCAL_ONLY})": ports.LOCAL_ONLY},
                                    host_width=12, on_enter=self.toggle_connection,
                                    host_tip="The echo server to talk to (this computer, or a "
                                             "partner's address). Enter connects.")
        self.target.pack(side="top", fill="x")

        row = ttk.Frame(box)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        self.connect_button = ttk.Button(row, text="Connect", width=11,
                                         command=self.toggle_connection)
        self.connect_button.pack(side="left")
        tip(self.connect_button, "Open a TCP connection to the server, or close it.")
        self.client_state = WrapLabel(row, text=NOT_CONNECTED, style="Muted.TLabel")
        self.client_state.pack(side="left", padx=(style.PAD, 0), fill="x", expand=True)

        row = ttk.Frame(box)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        ttk.Label(row, text="Message:").pack(side="left")
        self.message = tk.StringVar(self, "Hello, echo!")
        self.message_entry = ttk.Entry(row, textvariable=self.message, width=10)
        self.send_button = ttk.Button(row, text="Send", command=self.send,
                                      style="Accent.TButton")
        self.send_button.pack(side="right")
        self.message_entry.pack(side="left", fill="x", expand=True,
                                padx=(style.SMALL_PAD, style.SMALL_PAD))
        on_return(self.message_entry, self.send)
        tips(self.message_entry, "The text to send; Enter sends it and times the echo.",
             self.send_button, "Send the message; the server should send the same bytes back.")

        table = ttk.LabelFrame(tables, text="Replies", padding=style.SMALL_PAD)
        table.grid(row=0, column=1, sticky="nsew")
        self.replies = style.make_table(table, REPLY_COLUMNS, height=3, stretch="echo")
        tip(self.replies, "Each reply the client got, and its round trip: from sending to "
                          "the whole echo being back.")
        self._show_client_state(NOT_CONNECTED, connected=False)

    @property
    def client(self) -> Optional[EchoClient]:
        return self.slot.client

    @property
    def connected(self) -> bool:
        return self.slot.connected

    def toggle_connection(self) -> None:
        if self.slot.connecting:
            return
        if self.client is None:
            self.connect()
        else:
            self.disconnect()

    def connect(self) -> None:
        if self.client is not None:
            return
        try:
            host, port = self.target.get()
        except ValueError as exc:
            self.client_state.configure(text=str(exc), style="Error.TLabel")
            return
        self.connect_button.state(["disabled"])
        self.target.set_enabled(False)
        self.client_state.configure(text=f"Connecting to {host} port {port}…",
                                    style="Muted.TLabel")
        self.slot.connect(lambda on_event: EchoClient(host, port, on_event=on_event))

    def _connected(self, client: EchoClient) -> None:
        self._show_client_state(f"Connected to {format_address(client.peer)} "
                                f"from {format_address(client.local)}", connected=True)
        self.message_entry.focus_set()

    def _failed(self, text: str) -> None:
        self._show_client_state(text, connected=False, error=True)

    def disconnect(self) -> None:
        """Stop the client on a helper thread; its last events only go to the log."""
        if self.client is None or self.slot.connecting:
            return
        self.connect_button.state(["disabled"])
        self.client_state.configure(text="Disconnecting…", style="Muted.TLabel")
        self.slot.disconnect(lambda: self._show_client_state(NOT_CONNECTED, connected=False))

    def send(self) -> None:
        """Queue the message (the client sends it on its own thread: a server that is
        not reading, like a sequential one busy with someone else, never freezes us)."""
        text = self.message.get()
        if not text or not self.slot.send(lambda client: client.send(text), self._send_failed):
            return
        self.message_entry.select_range(0, "end")

    def _send_failed(self, text: str) -> None:
        self.client_state.configure(text=text, style="Error.TLabel")

    def client_events(self, events: List[Event], current: bool) -> None:
        self.log.append_events(events)
        if not current:
            return  # an earlier connection: the log is enough
        for event in events:
            if event.kind is Kind.RESULT and event.result is not None:
                self._add_reply(event.result)
            elif event.kind is Kind.CLOSED and not self.slot.connecting:
                # the other side ended it; the client stops itself and says why first
                self.slot.forget()
                self._show_client_state(f"Disconnected: {event.text}", connected=False)
                return

    def _add_reply(self, reply) -> None:
        self._reply_count += 1
        shown = " ".join(reply.text.splitlines()) or repr(reply.data)
        self.replies.insert("", "end", values=(self._reply_count, shown,
                                               f"{reply.rtt * 1000:.2f}"))
        children = self.replies.get_children()
        if len(children) > MAX_REPLIES:
            self.replies.delete(*children[:len(children) - MAX_REPLIES])
        self.replies.see(self.replies.get_children()[-1])

    def reply_rows(self) -> List[tuple]:
        return [tuple(self.replies.item(iid, "values")) for iid in self.replies.get_children()]

    def _show_client_state(self, text: str, connected: bool, error: bool = False) -> None:
        self.client_state.configure(
            text=text, style="Error.TLabel" if error else
            ("Running.TLabel" if connected else "Muted.TLabel"))
        self.connect_button.state(["!disabled"])
        relabel(self.connect_button, "Disconnect" if connected else "Connect")
        self.target.set_enabled(not connected)
        for widget in (self.send_button, self.message_entry):
            widget.state(["!disabled"] if connected else ["disabled"])

    # -- window hooks -----------------------------------------------------------------
    def code_kinds(self) -> list:
        server = server_choice("echo-server", self.server)
        client = client_choice("echo-client", self.target)
        return [client, server] if self.connected and not self.server.running \
            else [server, client]

    def running_services(self) -> list:
        return [service for service in (self.server.service, self.client) if service is not None]

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"echo.server.mode": self.mode_name,
                                     "echo.server.udp": bool(self.udp.get()),
                                     "echo.client.host": self.target.host_text}
        try:
            values["echo.client.port"] = self.target.port_box.get_port()
        except ValueError:
            pass
        values.update(self.server.settings("echo.server"))
        return values
