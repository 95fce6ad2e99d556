"""The Network tab's address pages: this computer's addresses, and a name look-up."""

from __future__ import annotations

import ipaddress
import tkinter as tk
from tkinter import ttk
from typing import Dict, List, Optional

from labsuite.net import ports
from labsuite.net.addresses import InterfaceAddress, is_virtual
from labsuite.net.events import Event, Kind
from labsuite.net.lookup import LookupQuery, ThisComputer, this_computer

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..widgets import LatestQuery, LogView, ResultPanel, WrapLabel, copy_text, intro, on_return, tips

ADDRESS_COLUMNS = (("interface", "Interface", 8, "w"), ("version", "IP", 4, "w"),
                   ("address", "Address", 20, "w"), ("kind", "Kind", 10, "w"),
                   ("note", "Note", 30, "w"))
#: Names kept in the look-up box's list.
MAX_HISTORY = 10


def address_kind(entry: InterfaceAddress) -> str:
    """loopback, link-local, network or virtual network, in a word or two."""
    try:
        ip = ipaddress.ip_address(entry.address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    return "virtual network" if is_virtual(entry.interface) else "network"


# -- this computer ------------------------------------------------------------------------
class ComputerPage(ttk.Frame):
    """Host name, every interface's addresses, and the one to give a partner."""

    def __init__(self, parent, pump: EventPump, log: LogView):
        super().__init__(parent, padding=style.PAD)
        self.pump = pump
        self.log = log
        self.computer: Optional[ThisComputer] = None
        intro(self, "Every network interface of this computer and its IP addresses. Loopback "
                    "(127.0.0.1, ::1) reaches only this computer; a lab partner needs the "
                    "highlighted network address.")
        top = ttk.Frame(self)
        top.pack(side="top", fill="x")
        self.refresh_button = ttk.Button(top, text="Refresh", command=self.refresh)
        self.refresh_button.pack(side="right")
        self.name_label = ttk.Label(top, text="Host name: …", style="Title.TLabel")
        self.name_label.pack(side="left")

        row = ttk.Frame(self)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        self.copy_partner_button = ttk.Button(row, text="Copy partner address",
                                              command=self.copy_partner)
        self.copy_partner_button.pack(side="right")
        self.partner_label = WrapLabel(row, text="", style="Running.TLabel")
        self.partner_label.pack(side="left", fill="x", expand=True)

        bottom = ttk.Frame(self)  # packed before the table: never squeezed out
        bottom.pack(side="bottom", fill="x", pady=(style.PAD, 0))
        self.copy_button = ttk.Button(bottom, text="Copy selected address",
                                      command=self.copy_selected)
        self.copy_button.pack(side="left")
        self.copied_label = ttk.Label(bottom, text="", style="Muted.TLabel")
        self.copied_label.pack(side="left", padx=style.PAD)

        table = ttk.Frame(self)
        table.pack(side="top", fill="both", expand=True, pady=(style.PAD, 0))
        self.table = style.make_table(table, ADDRESS_COLUMNS, height=3, stretch="note")
        self.table.bind("<Double-1>", lambda _event: self.copy_selected())
        on_return(self.table, self.copy_selected)
        tips(self.refresh_button, "Read this computer's interfaces and addresses again.",
             self.copy_partner_button, "Copy the address a lab partner should use.",
             self.copy_button, "Copy the address chosen in the table (Enter or a double "
                               "click on a row does it too).",
             self.table, "One row per address of each network interface; the highlighted "
                         "one is the address to give a partner.")
        self._mapped = self.bind("<Map>", self._first_shown, add="+")

    def _first_shown(self, _event=None) -> None:
        self.unbind("<Map>", self._mapped)
        self.refresh()

    def refresh(self) -> None:
        """Read the interfaces again, off the Tk thread (no name server is asked)."""
        self.refresh_button.state(["disabled"])
        self.partner_label.configure(text="Reading this computer's addresses…",
                                     style="Muted.TLabel")
        self.pump.in_background(this_computer, self.show, name="this computer")

    def show(self, computer: Optional[ThisComputer], error: Optional[Exception] = None) -> None:
        self.refresh_button.state(["!disabled"])
        if computer is None:
            self.partner_label.configure(text=f"Could not read this computer's addresses: "
                                              f"{error}", style="Error.TLabel")
            return
        self.computer = computer
        self.name_label.configure(text=f"Host name: {computer.host_name}")
        self.table.delete(*self.table.get_children())
        for entry in computer.interfaces:
            partner = entry.address == computer.partner
            self.table.insert("", "end", values=(
                entry.interface, f"IPv{entry.version}", entry.address, address_kind(entry),
                computer.note(entry)), tags=("highlight",) if partner else ())
        self.log.append(f"This computer ({computer.host_name}) has "
                        f"{len(computer.interfaces)} addresses; give a partner "
                        f"{computer.partner or 'none of them (no network)'}", source="addresses")
        if computer.partner:
            self.partner_label.configure(
                text=f"Give your lab partner this address: {computer.partner}",
                style="Running.TLabel")
            self.copy_partner_button.state(["!disabled"])
        else:
            self.partner_label.configure(
                text="This computer has no address another computer can use: is it "
                     "connected to a network?", style="Error.TLabel")
            self.copy_partner_button.state(["disabled"])

    def rows(self) -> List[tuple]:
        return [tuple(self.table.item(iid, "values")) for iid in self.table.get_children()]

    def copy_partner(self) -> Optional[str]:
        partner = self.computer.partner if self.computer else None
        if partner:
            self._copied(partner)
        return partner

    def copy_selected(self) -> Optional[str]:
        chosen = self.table.selection()
        if not chosen:
            self.copied_label.configure(text="Choose an address in the table first.")
            return None
        address = str(self.table.item(chosen[0], "values")[2])
        self._copied(address)
        return address

    def _copied(self, address: str) -> None:
        copy_text(self, address)
        self.copied_label.configure(text=f"Copied {address}: paste it where you need it.")


# -- look-up ------------------------------------------------------------------------------
class LookupPage(ttk.Frame):
    """A name to its addresses (IPv4 and IPv6), or an address to its registered name."""

    def __init__(self, parent, pump: EventPump, settings: Settings, log: LogView):
        super().__init__(parent, padding=style.PAD)
        self.log = log
        self.runner = LatestQuery(pump, self.lookup_events)
        intro(self, "Before a client connects it looks the host name up (the hosts file, then "
                    "the name servers: DNS). Type a name to see its IP addresses, or an IP "
                    "address to find the name registered for it.")
        row = ttk.Frame(self)
        row.pack(side="top", fill="x")
        ttk.Label(row, text="Name or address:").pack(side="left")
        self.name = tk.StringVar(self, settings.get("network.lookup.name"))
        self.name_box = ttk.Combobox(row, textvariable=self.name, width=20,
                                     values=["localhost", ports.LOCAL_ONLY])
        self.name_box.pack(side="left", fill="x", expand=True, padx=(style.SMALL_PAD, style.PAD))
        on_return(self.name_box, self.look_up)
        self.lookup_button = ttk.Button(row, text="Look up", width=11, command=self.look_up,
                                        style="Accent.TButton")
        self.lookup_button.pack(side="left")
        tips(self.name_box, "A host name (localhost, a partner's computer name) or an IP "
                            "address; Enter looks it up.",
             self.lookup_button, "Ask this computer's resolver (hosts file, then DNS).")
        self.result = ResultPanel(self, title="Answer", height=3,
                                  empty="Type a name (for example localhost) and press Look up.")
        self.result.pack(side="top", fill="both", expand=True, pady=(style.PAD, 0))

    def look_up(self) -> None:
        name = self.name.get().strip()
        if not name:
            self.result.show_error("Type a host name or an IP address.")
            return
        history = [name] + [old for old in self.name_box.cget("values") if old != name]
        self.name_box.configure(values=history[:MAX_HISTORY])
        self.result.show_busy(f"Looking up {name!r}…")
        self.runner.start(lambda on_event: LookupQuery(name, on_event=on_event))

    def lookup_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        for event in events:
            if event.kind is Kind.RESULT and event.result is not None:
                self.result.show_lines(event.result.summary_lines())
            elif event.kind is Kind.ERROR:
                self.result.show_error(event.text)

    def settings(self) -> Dict[str, object]:
        return {"network.lookup.name": self.name.get().strip()}
