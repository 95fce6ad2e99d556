"""The Network tab: how one computer finds another, and why a connection fails.

Five pages: this computer's name and addresses (which one to give a lab partner), a
name look-up (DNS), the connection doctor (step by step: why can't my client connect?),
the raw console (telnet in a window) and the labsuite servers other computers announce
on this network (last, so the pages' remembered numbers stay as they were). Below them,
like every tab, the log of what each tool did.
"""

from __future__ import annotations

from tkinter import ttk
from typing import Dict, Optional

from ..pump import EventPump
from ..settings import Settings
from ..widgets import Tab, VerticalPanes
from ..widgets.found import FoundServers
from .network_addresses import ComputerPage, LookupPage
from .network_console import CONSOLE_NO_CODE, ConsolePanel
from .network_doctor import DoctorPage
from .network_found import FoundPage


class NetworkTab(Tab):
    title = "Network"
    hint = ("Names, addresses and ports: how one computer finds another, and why a "
            "connection fails. Try each tool on this computer first (127.0.0.1).")

    def __init__(self, parent, pump: EventPump, settings: Settings,
                 found: Optional[FoundServers] = None):
        super().__init__(parent)
        self.panes = VerticalPanes(self.body)
        self.panes.pack(fill="both", expand=True)
        self.pages = ttk.Notebook(self.panes)
        self.log = self.make_log(self.panes)
        self.panes.add_part(self.pages, weight=3)
        self.panes.add_part(self.log, weight=1)
        self.computer = ComputerPage(self.pages, pump, self.log)
        self.lookup = LookupPage(self.pages, pump, settings, self.log)
        self.doctor = DoctorPage(self.pages, pump, settings, self.log)
        self.console = ConsolePanel(self.pages, pump, settings, self.log)
        #: What other computers announce here (the window's search, when it is given one).
        self.found_page = FoundPage(self.pages, found, self.log) if found is not None else None
        for page, text in ((self.computer, "This computer"), (self.lookup, "Look-up"),
                           (self.doctor, "Connection doctor"), (self.console, "Raw console"),
                           (self.found_page, "On this network")):
            if page is not None:
                self.pages.add(page, text=text)
        saved = settings.get("network.page")
        if 0 <= saved < len(self.pages.tabs()):
            self.pages.select(saved)

    def show_page(self, page: ttk.Frame) -> ttk.Frame:
        self.pages.select(page)
        return page

    def code_kinds(self) -> list:
        """A client program only for the raw console, when what it talks to is clear."""
        if str(self.pages.select()) != str(self.console):
            return []
        return self.console.code_kinds()

    @property
    def no_code(self) -> str:
        """Why Code shows no program here."""
        if str(self.pages.select()) != str(self.console):
            return ("These tools have no short program of their own: see the Echo, Chat, "
                    "Time and Web tabs, or the raw console connected to one of their servers.")
        return CONSOLE_NO_CODE

    def running_services(self) -> list:
        queries = [page.runner.query for page in (self.lookup, self.doctor)]
        return [query for query in queries if query is not None] + \
            self.console.running_services()

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"network.page": self.pages.index(self.pages.select())}
        for page in (self.lookup, self.doctor, self.console):
            values.update(page.settings())
        return values
