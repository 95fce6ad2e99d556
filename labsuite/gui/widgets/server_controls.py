"""One-button server control shared by every tab that runs a server.

Who may connect (this computer only, or other computers too), the port, one
Start/Stop button and a state line that says where others can reach the server. The
tab gives a factory ``(host, port, on_event) -> Service``; a failure to start is shown
as the service's one plain sentence, never as a traceback, and stopping happens off
the Tk thread so the window never waits for it.
"""

from __future__ import annotations

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
from .fields import PortBox, set_enabled
from .panels import WrapLabel

Factory = Callable[[str, int, Callable[[Event], None]], Service]
Describe = Callable[[Service], str]

STOPPED_TEXT = "Stopped"
SCOPES = (("this computer only", ports.LOCAL_ONLY), ("other computers too", ports.EVERYONE))


def describe_port(service: Service) -> str:
    """The default "where": ``port 8007`` with the real bound port."""
    return f"port {service.address[1]}"


class ServerControls(ttk.LabelFrame):
    """Start/stop one server built by ``factory``; ``options`` holds the tab's own choices."""

    def __init__(self, parent, pump: EventPump, factory: Factory,
                 on_events: Callable[[List[Event]], None], title: str = "Server",
                 port: int = 8000, scope: str = ports.LOCAL_ONLY,
                 describe: Describe = describe_port, start_text: str = "Start",
                 stop_text: str = "Stop", before_stop: Optional[Callable[[], None]] = None):
        super().__init__(parent, text=title, padding=style.PAD)
        self.pump = pump
        self.factory = factory
        self.on_events = on_events
        self.describe = describe
        self.start_text, self.stop_text = start_text, stop_text
        #: Called on the Tk thread just before the server is stopped (e.g. to leave it).
        self.before_stop = before_stop
        self.service: Optional[Service] = None
        self._subscription: Optional[Subscription] = None
        self._stopping = False

        known = [host for _label, host in SCOPES]
        self.scope = tk.StringVar(self, scope if scope in known else ports.LOCAL_ONLY)
        grid = ttk.Frame(self)
        grid.pack(side="top", fill="x")
        ttk.Label(grid, text="Who can connect:").grid(row=0, column=0, sticky="w")
        self.scope_buttons = []
        for row, (label, host) in enumerate(SCOPES):
            button = ttk.Radiobutton(grid, text=f"{label} ({host})", value=host,
                                     variable=self.scope)
            button.grid(row=row, column=1, sticky="w", padx=(style.PAD, 0))
            self.scope_buttons.append(button)
        ttk.Label(grid, text="Port:").grid(row=2, column=0, sticky="w",
                                           pady=(style.SMALL_PAD, 0))
        self.port_box = PortBox(grid, value=port)
        self.port_box.grid(row=2, column=1, sticky="w", padx=(style.PAD, 0),
                           pady=(style.SMALL_PAD, 0))
        #: The tab puts its own choices (mode, format, UDP...) here.
        self.options = ttk.Frame(self)
        self.options.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))

        row = ttk.Frame(self)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        self.toggle_button = ttk.Button(row, text=start_text,
                                        width=max(8, len(start_text), len(stop_text)),
                                        command=self.toggle)
        self.toggle_button.pack(side="left", anchor="n")
        self.state_label = WrapLabel(row, text=STOPPED_TEXT, style="Muted.TLabel")
        self.state_label.pack(side="left", padx=(style.PAD, 0), fill="x", expand=True)

    # -- state ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.service is not None

    @property
    def state_text(self) -> str:
        return str(self.state_label.cget("text"))

    def _show(self, text: str, label_style: str) -> None:
        self.state_label.configure(text=text, style=label_style)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in [*self.scope_buttons, self.port_box]:
            widget.state(["!disabled"] if enabled else ["disabled"])
        set_enabled(self.options, enabled)

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
        self.toggle_button.configure(text=self.stop_text)
        self._set_inputs_enabled(False)
        self._show(self._running_text(service), "Running.TLabel")
        return service

    def _failed(self, text: str) -> None:
        """Show why the server did not start, next to the button and in the log."""
        self._show(text, "Error.TLabel")
        self.on_events([Event(Kind.ERROR, "server", text)])

    def stop(self) -> None:
        """Stop on a helper thread; the button comes back when the port is released."""
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
        self.toggle_button.configure(text=self.start_text)
        self._set_inputs_enabled(True)
        self._show(STOPPED_TEXT, "Muted.TLabel")

    def _running_text(self, service: Service) -> str:
        where = self.describe(service)
        if self.scope.get() == ports.LOCAL_ONLY:
            return f"Running — only this computer can connect: {ports.LOCAL_ONLY} {where}"
        address = partner_address()
        if address is None:
            return ("Running — this computer has no network address right now, so only it "
                    f"can connect: {ports.LOCAL_ONLY} {where}")
        return f"Running — other machines connect to {address} {where}"

    # -- settings ---------------------------------------------------------------------
    def settings(self, prefix: str) -> dict:
        values = {f"{prefix}.scope": self.scope.get()}
        try:
            values[f"{prefix}.port"] = self.port_box.get_port()
        except ValueError:
            pass
        return values
