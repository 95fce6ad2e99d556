"""One-button server control shared by every tab that runs a server.

Who may connect (this computer only, or other computers too), the port, one
Start/Stop button and a state line that says where others can reach the server. The
tab gives a factory ``(host, port, on_event) -> Service``; a failure to start is shown
as the service's one plain sentence, never as a traceback, and stopping happens off
the Tk thread so the window never waits for it.

A failure says when it happened and is cleared as soon as the student changes the port
or who may connect, so "Port 9000 is already in use" never outlives the problem unseen.
With ``big=True`` the address others type is also shown in large letters, for a class
to read off a projector. A server that the Check tab has checks for offers "Check a
server like this" (:meth:`ServerControls.offer_check`).
"""

from __future__ import annotations

import time
import tkinter as tk
from tkinter import ttk
from typing import Callable, List, Optional

from labsuite.net import ports
from labsuite.net.addresses import partner_address
from labsuite.net.errors import NetError
from labsuite.net.events import Event, Kind
from labsuite.net.service import Service

from .. import style
from ..pump import EventPump, Subscription
from .fields import PortBox, on_change, set_enabled
from .keys import relabel
from .panels import Flow, WrapLabel
from .tooltip import tip

Factory = Callable[[str, int, Callable[[Event], None]], Service]
Describe = Callable[[Service], str]
#: ``(check kind, host, port, running)``: check a server like this one.
CheckThis = Callable[[str, str, int, bool], None]

STOPPED_TEXT = "Stopped"
SCOPES = (("this computer", ports.LOCAL_ONLY), ("everyone", ports.EVERYONE))
SCOPE_TIPS = {ports.LOCAL_ONLY: "Listen on 127.0.0.1 (loopback): only programs on this "
                                "computer can connect. Safe for trying things out.",
              ports.EVERYONE: "Listen on 0.0.0.0 (every address of this computer): other lab "
                              "machines can connect too, at this computer's network address "
                              "(and anyone else who can reach this computer)."}


def describe_port(service: Service) -> str:
    """The default "where": ``port 8007`` with the real bound port."""
    return f"port {service.address[1]}"


class ServerControls(ttk.LabelFrame):
    """Start/stop one server built by ``factory``; ``options`` holds the tab's own choices."""

    def __init__(self, parent, pump: EventPump, factory: Factory,
                 on_events: Callable[[List[Event]], None], title: str = "Server",
                 port: int = 8000, scope: str = ports.LOCAL_ONLY,
                 describe: Describe = describe_port, start_text: str = "Start",
                 stop_text: str = "Stop", before_stop: Optional[Callable[[], None]] = None,
                 big: bool = False, start_tip: str = "Start the server (Enter in the port "
                                                     "box does it too)."):
        super().__init__(parent, text=title, padding=style.SMALL_PAD)
        port_value = port
        self.pump = pump
        self.factory = factory
        self.on_events = on_events
        self.describe = describe
        self.start_text, self.stop_text = start_text, stop_text
        #: Called on the Tk thread just before the server is stopped (e.g. to leave it).
        self.before_stop = before_stop
        #: Asked before stopping: ``(go_on) -> None`` calls ``go_on()`` to really stop.
        self.confirm_stop: Optional[Callable[[Callable[[], None]], None]] = None
        self.service: Optional[Service] = None
        self._subscription: Optional[Subscription] = None
        self._stopping = False
        self._failed_text = ""
        #: The check kind of this server (echo, daytime, chat, web), once offered.
        self.check_kind = ""
        self.check_button: Optional[ttk.Button] = None
        self._on_check: Optional[CheckThis] = None

        known = [host for _label, host in SCOPES]
        self.scope = tk.StringVar(self, scope if scope in known else ports.LOCAL_ONLY)
        grid = ttk.Frame(self)
        grid.pack(side="top", fill="x")
        grid.columnconfigure(1, weight=1)
        ttk.Label(grid, text="Who can connect:").grid(row=0, column=0, sticky="nw")
        flow = Flow(grid)  # the choices wrap under each other when the column is narrow
        flow.grid(row=0, column=1, sticky="ew", padx=(style.PAD, 0))
        self.scope_buttons = []
        for label, host in SCOPES:
            button = ttk.Radiobutton(flow, text=f"{label} ({host})", value=host,
                                     variable=self.scope)
            flow.add(button, gap=2 * style.PAD)
            tip(button, SCOPE_TIPS[host])
            self.scope_buttons.append(button)
        port_row = Flow(grid)
        port_row.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(style.SMALL_PAD, 0))
        port = self._labelled(port_row, "Port:")
        self.port_box = PortBox(port, value=port_value, on_enter=self.start)
        self.port_box.pack(side="left", padx=(style.SMALL_PAD, 0))
        port_row.add(port, gap=0)
        #: The tab's own choices (mode, format, UDP...) go after the port: widgets made
        #: with ``options`` as their parent and handed to :meth:`option`.
        self.options = port_row
        for variable in (self.scope, self.port_box.variable):
            on_change(variable, self, self._input_changed)

        row = ttk.Frame(self)
        row.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        #: The Start/Stop row: a tab may pack buttons of its own at its right.
        self.button_row = row
        self.toggle_button = ttk.Button(row, text=start_text,
                                        width=max(8, len(start_text), len(stop_text)),
                                        command=self.toggle, style="Accent.TButton")
        self.toggle_button.pack(side="left", anchor="n")
        tip(self.toggle_button, start_tip)
        self.state_label = WrapLabel(row, text=STOPPED_TEXT, style="Muted.TLabel")
        self.state_label.pack(side="left", padx=(style.PAD, 0), fill="x", expand=True)
        #: The address to type, in large letters (``big``), while the server runs.
        self.big_label = ttk.Label(self, text="", style="Big.TLabel")
        self._big = big

    # -- state ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.service is not None

    @property
    def state_text(self) -> str:
        return str(self.state_label.cget("text"))

    def _show(self, text: str, label_style: str) -> None:
        self.state_label.configure(text=text, style=label_style)

    @staticmethod
    def _labelled(parent, text: str) -> ttk.Frame:
        """A frame holding a label: a control packed after it goes beside it."""
        frame = ttk.Frame(parent)
        ttk.Label(frame, text=text).pack(side="left")
        return frame

    def option(self, widget: tk.Misc) -> tk.Misc:
        """Show a choice of the tab's after the port (it moves to a new row if needed)."""
        return self.options.add(widget, gap=2 * style.PAD)

    def _input_changed(self) -> None:
        """A new port or scope: an earlier failure no longer describes anything."""
        if self._failed_text and self.service is None:
            self._failed_text = ""
            self._show(STOPPED_TEXT, "Muted.TLabel")

    @property
    def address_text(self) -> str:
        """What others type to reach the server ("10.0.0.5 port 9000"), or ''."""
        return str(self.big_label.cget("text"))

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in self.scope_buttons:
            widget.state(["!disabled"] if enabled else ["disabled"])
        # the port and the tab's own choices (checking it is for a running server too)
        set_enabled(self.options, enabled, skip=[self.check_button] if self.check_button else ())

    # -- checking a server like this --------------------------------------------------
    def offer_check(self, kind: str, on_check: CheckThis) -> ttk.Button:
        """Offer "Check a server like this" (after the tab's own choices): it calls
        ``on_check(kind, host, port, running)`` with this server's address (where it
        listens, or would), so the Check tab fills them in and checks a running one."""
        self.check_kind, self._on_check = kind, on_check
        self.check_button = ttk.Button(self.options, text="Check a server like this",
                                       command=self.check_like_this)
        self.option(self.check_button)
        tip(self.check_button, f"Open the Check tab with a {kind} server's checks and this "
                               "server's address filled in, and run them if it is running: "
                               "see what passing looks like, then check your own server.")
        return self.check_button

    def check_like_this(self) -> None:
        if self._on_check is None:
            return
        service = self.service
        if service is not None and not self._stopping:
            host, port = service.address[:2]
            running = True
        else:
            try:
                port = self.port_box.get_port()
            except ValueError as exc:
                self._show(str(exc), "Error.TLabel")
                return
            host, running = self.scope.get(), False
        self._on_check(self.check_kind, host, port, running)

    # -- the button -------------------------------------------------------------------
    def toggle(self) -> None:
        if self._stopping:
            return
        if self.service is None:
            self.start()
        else:
            self.stop()

    def start(self) -> Optional[Service]:
        """Build and start the server; on failure show the plain reason and stay stopped."""
        if self.service is not None or self._stopping:
            return self.service
        try:
            port = self.port_box.get_port()
        except ValueError as exc:
            self._show(str(exc), "Error.TLabel")
            return None
        host = self.scope.get()
        # a fresh subscription for every server: it closes once that one has stopped
        subscription = self.pump.subscribe(self.on_events)
        try:
            service = self.factory(host, port, subscription.on_event)
            service.start()
        except NetError as exc:
            subscription.close()  # a server that never started reports no STOPPED
            return self._failed(exc.explanation)
        except Exception as exc:  # a bug must still leave the window usable
            subscription.close()
            return self._failed(f"Could not start the server: {exc}")
        self.service, self._subscription = service, subscription
        self._failed_text = ""
        relabel(self.toggle_button, self.stop_text)
        self._set_inputs_enabled(False)
        text, address = self._running_text(service)
        self._show(text, "Running.TLabel")
        if self._big:
            self.big_label.configure(text=address)
            self.big_label.pack(side="top", anchor="w", pady=(style.SMALL_PAD, 0))
        return service

    def _failed(self, text: str) -> None:
        """Show why the server did not start (and when), next to the button and in the log."""
        self._failed_text = text
        self._show(f"{time.strftime('%H:%M:%S')}: {text}", "Error.TLabel")
        self.on_events([Event(Kind.ERROR, "server", text)])

    def stop(self) -> None:
        """Stop on a helper thread (after ``confirm_stop``, if the tab set one); the
        button comes back when the port is released."""
        if self.service is None or self._stopping:
            return
        if self.confirm_stop is not None:
            self.confirm_stop(self._stop_now)
        else:
            self._stop_now()

    def _stop_now(self) -> None:
        service = self.service
        if service is None or self._stopping:
            return
        self._stopping = True
        if self.before_stop is not None:
            self.before_stop()
        self.toggle_button.state(["disabled"])
        self._show("Stopping…", "Muted.TLabel")

        self.pump.in_background(service.stop, self._stopped, name="stop server")

    def _stopped(self, _result=None, _error=None) -> None:
        if self._subscription is not None:  # normally closed by the server's STOPPED already
            self._subscription.close()
        self.service = self._subscription = None
        self._stopping = False
        self.toggle_button.state(["!disabled"])
        relabel(self.toggle_button, self.start_text)
        self._set_inputs_enabled(True)
        self._show(STOPPED_TEXT, "Muted.TLabel")
        self.big_label.configure(text="")
        self.big_label.pack_forget()

    def _running_text(self, service: Service):
        """The state line, and the address others type (for the large label)."""
        where = self.describe(service)
        if self.scope.get() == ports.LOCAL_ONLY:
            return (f"Running — only this computer can connect: {ports.LOCAL_ONLY} {where}",
                    f"{ports.LOCAL_ONLY} {where}")
        address = partner_address()
        if address is None:
            return ("Running — this computer has no network address right now, so only it "
                    f"can connect: {ports.LOCAL_ONLY} {where}", f"{ports.LOCAL_ONLY} {where}")
        return f"Running — other machines connect to {address} {where}", f"{address} {where}"

    # -- settings ---------------------------------------------------------------------
    def settings(self, prefix: str) -> dict:
        values = {f"{prefix}.scope": self.scope.get()}
        try:
            values[f"{prefix}.port"] = self.port_box.get_port()
        except ValueError:
            pass
        return values
