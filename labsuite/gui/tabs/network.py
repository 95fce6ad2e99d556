"""The Network tab: how one computer finds another, and why a connection fails.

Four pages: this computer's name and addresses (which one to give a lab partner), a
name look-up (DNS), the connection doctor (step by step: why can't my client connect?)
and the raw console (telnet in a window). Below them, like every tab, the log of what
each tool did.
"""

from __future__ import annotations

from tkinter import ttk
from typing import Dict

from ..pump import EventPump
from ..settings import Settings
from ..widgets import LogView, Tab, VerticalPanes
from .network_addresses import ComputerPage, LookupPage
from .network_console import ConsolePanel
from .network_doctor import DoctorPage


class NetworkTab(Tab):
    title = "Network"
    hint = ("Names, addresses and ports: how one computer finds another, and why a "
            "connection fails. Try each tool on this computer first (127.0.0.1).")

    def __init__(self, parent, pump: EventPump, settings: Settings):
        super().__init__(parent)
        self.panes = VerticalPanes(self.body)
        self.panes.pack(fill="both", expand=True)
        self.pages = ttk.Notebook(self.panes)
        self.log = LogView(self.panes, title="What happened", height=3)
        self.panes.add_part(self.pages, weight=3)
        self.panes.add_part(self.log, weight=1)
        self.computer = ComputerPage(self.pages, pump, self.log)
        self.lookup = LookupPage(self.pages, pump, settings, self.log)
        self.doctor = DoctorPage(self.pages, pump, settings, self.log)
        self.console = ConsolePanel(self.pages, pump, settings, self.log)
        for page, text in ((self.computer, "This computer"), (self.lookup, "Look-up"),
                           (self.doctor, "Connection doctor"), (self.console, "Raw console")):
            self.pages.add(page, text=text)
        saved = settings.get("network.page")
        if 0 <= saved < len(self.pages.tabs()):
            self.pages.select(saved)

    def show_page(self, page: ttk.Frame) -> ttk.Frame:
        self.pages.select(page)
        return page

    def running_services(self) -> list:
        queries = [page.runner.query for page in (self.lookup, self.doctor)]
        return [query for query in queries if query is not None] + \
            self.console.running_services()

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"network.page": self.pages.index(self.pages.select())}
        for page in (self.lookup, self.doctor, self.console):
            values.update(page.settings())
        return values
