"""The Time tab: ask a time server (daytime over TCP or SNTP over UDP) and run your own.

The local server button starts a daytime server and an SNTP server side by side, so
"this computer" answers both protocols even with no internet at all.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Dict, List, Optional

from labsuite.net import ports
from labsuite.net.daytime import DaytimeQuery, DaytimeServer
from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.service import Service
from labsuite.net.sntp import DEFAULT_PORT as SNTP_DEFAULT_PORT
from labsuite.net.sntp import SntpQuery, SntpServer

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..widgets import (Flow, HostPortField, PortBox, QueryRunner, ResultPanel,
                       ServerControls, Tab, WrapLabel, tip, tips)
from ..widgets.code_view import CodeChoice, client_choice, server_choice
from ..widgets.fields import on_change

THIS_COMPUTER = f"this computer ({ports.LOCAL_ONLY})"
#: The SNTP server's preferred UDP port, next to the daytime server (a setting).
LOCAL_SNTP_PORT = SNTP_DEFAULT_PORT
#: Seconds to wait for a time server's answer, and how much longer before giving up on
#: a query that has not even reported its own time-out.
QUERY_TIMEOUT = 5.0
QUERY_GRACE = 3.0

PROTOCOLS = {
    # name: (label, query class, well-known port)
    "daytime": ("Daytime (TCP, port 13)", DaytimeQuery, ports.DAYTIME_WELL_KNOWN),
    "sntp": ("SNTP (UDP, port 123)", SntpQuery, ports.SNTP_WELL_KNOWN),
}
FORMATS = (("RFC 867", "rfc867"), ("NIST", "nist"))


class LocalTimeServers:
    """A daytime server (TCP) and an SNTP server (UDP) started and stopped as one.

    If the SNTP port is taken the SNTP server takes any free port and says so; the
    daytime server keeps the port the student chose. Like any one service the pair
    reports one STOPPED, the daytime server's, last (the window's subscription ends there).
    """

    def __init__(self, host: str, port: int, fmt: str = "rfc867",
                 on_event: Optional[EventCallback] = None,
                 sntp_port: int = LOCAL_SNTP_PORT):
        self.on_event = on_event or (lambda event: None)
        self.host = host
        self.daytime = DaytimeServer(host=host, port=port, fmt=fmt, on_event=self.on_event)
        self.sntp_port = sntp_port if port else 0
        self.sntp: Optional[SntpServer] = None
        #: The port asked for when the SNTP server had to take another one.
        self.moved_from: Optional[int] = None

    @property
    def running(self) -> bool:
        return self.daytime.running

    @property
    def address(self):
        return self.daytime.address

    @property
    def sntp_address(self):
        return self.sntp.address if self.sntp is not None else None

    def start(self) -> "LocalTimeServers":
        self.daytime.start()
        self.sntp = self._start_sntp()
        return self

    def stop(self) -> None:
        sntp, self.sntp = self.sntp, None
        if sntp is not None:
            sntp.stop()
        self.daytime.stop()

    def _start_sntp(self) -> Optional[SntpServer]:
        preferred = SntpServer(host=self.host, port=self.sntp_port, on_event=self._sntp_event)
        try:
            return preferred.start()
        except NetError:
            pass
        fallback = SntpServer(host=self.host, port=0, on_event=self._sntp_event)
        try:
            fallback.start()
        except NetError as exc:  # the daytime server still runs
            self.on_event(Event(Kind.ERROR, fallback.source, exc.explanation))
            return None
        self.moved_from = self.sntp_port
        self.on_event(Event(Kind.INFO, fallback.source,
                            f"UDP port {self.sntp_port} is in use by another program, so the "
                            f"SNTP server answers on UDP port {fallback.address[1]} instead"))
        return fallback

    def _sntp_event(self, event: Event) -> None:
        """The SNTP server's own STOPPED is a note: the daytime server's ends the pair."""
        if event.kind is Kind.STOPPED:
            event = Event(Kind.INFO, event.source, event.text, time=event.time)
        self.on_event(event)


def describe_time_servers(servers: LocalTimeServers) -> str:
    where = f"daytime TCP port {servers.address[1]}"
    if servers.sntp_address:
        where += f", SNTP UDP port {servers.sntp_address[1]}"
    return where


class TimeTab(Tab):
    title = "Time"
    hint = ("The daytime protocol (RFC 867): connect, the server sends the time as text and "
            "closes. SNTP asks over UDP instead and also measures how far off your clock is.")

    def __init__(self, parent, pump: EventPump, settings: Settings):
        super().__init__(parent)
        self.pump = pump

        top = self.top_row((1, 1))
        self._build_client(top, settings)
        self._build_server(top, settings)
        self.result = ResultPanel(self.parts_over_log((1,), weight=1), title="Answer",
                                  height=4, empty="Pick a server and press Query (or Enter).")
        self.result.grid(row=0, column=0, sticky="nsew")
        self.queries = QueryRunner(self, pump, self.result, self.log, on_busy=lambda busy:
                                   self.query_button.state(["disabled" if busy else "!disabled"]))

    # -- layout -----------------------------------------------------------------------
    def _build_client(self, parent, settings: Settings) -> None:
        box = ttk.LabelFrame(parent, text="Ask a time server", padding=style.PAD)
        box.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        presets = {THIS_COMPUTER: ports.LOCAL_ONLY}
        presets.update({name: name for name in ports.TIME_SERVERS})
        self.target = HostPortField(box, host=settings.get("time.host"),
                                    port=settings.get("time.port"), presets=presets,
                                    host_width=18, on_enter=self.start_query,
                                    host_tip="The time server to ask: a public one (needs the "
                                             "internet) or this computer once its own server "
                                             "runs. Enter asks.")
        self.target.pack(side="top", fill="x")
        self.target.host_box.bind("<<ComboboxSelected>>", lambda _e: self._default_port())

        choice = ttk.Frame(box)
        choice.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        self.query_button = ttk.Button(choice, text="Query", command=self.start_query,
                                       style="Accent.TButton")
        self.query_button.pack(side="right", anchor="n")
        tip(self.query_button, "Ask the server for the time now (Enter in the host or port "
                               "box does it too). Public servers need the internet; this "
                               "computer answers once its own server (on the right) runs.")
        ttk.Label(choice, text="Protocol:").pack(side="left", anchor="n")
        protocol = settings.get("time.protocol")
        self.protocol = tk.StringVar(self, protocol if protocol in PROTOCOLS else "daytime")
        flow = Flow(choice)
        flow.pack(side="left", fill="x", expand=True, padx=(style.PAD, style.PAD))
        self.protocol_buttons = {}
        for name, (label, _query, _port) in PROTOCOLS.items():
            button = ttk.Radiobutton(flow, text=label, value=name, variable=self.protocol,
                                     command=self._default_port)
            flow.add(button, gap=2 * style.PAD)
            self.protocol_buttons[name] = button
        tips(self.protocol_buttons["daytime"], "Connect over TCP; the server sends the time "
                                               "as one line of text and closes.",
             self.protocol_buttons["sntp"], "Send one UDP datagram; the answer has four time "
                                            "stamps, enough to measure the round trip and "
                                            "your clock's offset.")

    def _build_server(self, parent, settings: Settings) -> None:
        self.server = ServerControls(
            parent, self.pump, self._make_servers, self.server_events,
            title="Your own time server", port=settings.get("time.server.port"),
            scope=settings.get("time.server.scope"), describe=describe_time_servers,
            start_tip="Start a daytime server (TCP) and an SNTP server (UDP) on this "
                      "computer, so the tab works without the internet.")
        self.server.grid(row=0, column=1, sticky="nsew")
        fmt = settings.get("time.server.format")
        known = [value for _label, value in FORMATS]
        self.format = tk.StringVar(self, fmt if fmt in known else "rfc867")
        sntp = ttk.Frame(self.server.options)
        ttk.Label(sntp, text="SNTP port:").pack(side="left")
        self.sntp_port_box = PortBox(sntp, value=settings.get("time.server.sntp_port"),
                                     on_enter=self.server.start)
        self.sntp_port_box.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.server.option(sntp)
        tip(self.sntp_port_box, "The UDP port the SNTP server listens on. If another program "
                                "has it, the server takes a free one and says which.")
        on_change(self.sntp_port_box.variable, self, self._show_sntp_port)
        formats = ttk.Frame(self.server.options)
        ttk.Label(formats, text="Format:").pack(side="left")
        for label, value in FORMATS:
            button = ttk.Radiobutton(formats, text=label, value=value, variable=self.format)
            button.pack(side="left", padx=(style.SMALL_PAD, 0))
            tip(button, "RFC 867 only says the text is the date and time; NIST's servers "
                        "send their own fixed format." if value == "nist" else
                        "A plain line of text, like most daytime servers send.")
        self.server.option(formats)
        # where SNTP answers, while it is not where the student asked (it had to move)
        self.sntp_note = WrapLabel(self.server, text="", style="Error.TLabel")
        self._show_sntp_port()

    def sntp_port_wanted(self) -> int:
        try:
            return self.sntp_port_box.get_port()
        except ValueError:
            return LOCAL_SNTP_PORT

    def _show_sntp_port(self) -> None:
        """The note says where SNTP answers: the real port once running."""
        servers: Optional[LocalTimeServers] = self.server.service
        real = servers.sntp_address[1] if servers is not None and servers.sntp_address else None
        if real is not None and servers.moved_from:
            text = (f"UDP port {servers.moved_from} was taken, so SNTP answers on UDP port "
                    f"{real}: \"{THIS_COMPUTER}\" uses that port.")
            self.sntp_note.configure(text=text)
            self.sntp_note.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        else:
            self.sntp_note.configure(text="")
            self.sntp_note.pack_forget()

    @property
    def sntp_note_text(self) -> str:
        return str(self.sntp_note.cget("text"))

    def server_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        if any(event.kind in (Kind.LISTENING, Kind.STOPPED, Kind.INFO) for event in events):
            self._show_sntp_port()
            self._default_port_if_local()

    def _default_port_if_local(self) -> None:
        if self.target.host_text == ports.LOCAL_ONLY:
            self._default_port()

    def _make_servers(self, host: str, port: int, on_event: EventCallback) -> LocalTimeServers:
        return LocalTimeServers(host, port, self.format.get(), on_event,
                                sntp_port=self.sntp_port_wanted())

    # -- the query --------------------------------------------------------------------
    def local_port(self, protocol: str) -> int:
        """Where this computer's own server answers ``protocol`` (the real port if running)."""
        servers: Optional[LocalTimeServers] = self.server.service
        if servers is not None:
            address = servers.address if protocol == "daytime" else servers.sntp_address
            if address:
                return address[1]
        if protocol == "sntp":
            return self.sntp_port_wanted()
        try:
            return self.server.port_box.get_port()
        except ValueError:
            return ports.DAYTIME

    def _default_port(self) -> None:
        protocol = self.protocol.get()
        if self.target.host_text == ports.LOCAL_ONLY:
            self.target.set(port=self.local_port(protocol))
        else:
            self.target.set(port=PROTOCOLS[protocol][2])

    @property
    def query(self) -> Optional[Service]:
        """The query waiting for its answer, if any."""
        return self.queries.query

    def start_query(self) -> Optional[Service]:
        try:
            host, port = self.target.get()
        except ValueError as exc:
            self.result.show_error(str(exc))
            return None
        _label, query_class, _port = PROTOCOLS[self.protocol.get()]
        return self.queries.start(
            lambda on_event: query_class(host, port, timeout=QUERY_TIMEOUT, on_event=on_event),
            busy_text=f"Asking {host} port {port}…", give_up_after=QUERY_TIMEOUT + QUERY_GRACE,
            give_up_text=f"No answer from {host} port {port}.")

    # -- window hooks -----------------------------------------------------------------
    def code_kinds(self) -> list:
        """The daytime client and server (there is no SNTP script: in SNTP mode, the
        daytime client asks the same host on its daytime port)."""
        client = client_choice("daytime-client", self.target)
        if self.protocol.get() != "daytime":
            host = self.target.host_text
            port = self.local_port("daytime") if host == ports.LOCAL_ONLY \
                else ports.DAYTIME_WELL_KNOWN
            client = CodeChoice("daytime-client", host or None, port)
        server = server_choice("daytime-server", self.server)
        return [server, client] if self.server.running else [client, server]

    def running_services(self) -> list:
        return [service for service in (self.server.service, self.query) if service is not None]

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"time.host": self.target.host_text,
                                     "time.protocol": self.protocol.get(),
                                     "time.server.format": self.format.get(),
                                     "time.server.sntp_port": self.sntp_port_wanted()}
        try:
            values["time.port"] = self.target.port_box.get_port()
        except ValueError:
            pass
        values.update(self.server.settings("time.server"))
        return values

    def close(self) -> None:
        self.queries.close()
