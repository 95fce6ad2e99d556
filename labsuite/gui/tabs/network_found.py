"""The Network tab's "On this network" page: every labsuite server other computers
announce here, live, and a way to use one (its tab's field filled in, that tab shown)."""

from __future__ import annotations

from tkinter import ttk
from typing import Dict, List, Optional

from labsuite.net.discovery import Found

from .. import style
from ..widgets import LogView, WrapLabel, copy_text, intro, on_return, tips
from ..widgets.found import FoundServers

FOUND_COLUMNS = (("kind", "Kind", 14, "w"), ("name", "Name", 24, "w"),
                 ("address", "Address", 14, "w"), ("port", "Port", 5, "e"))
CHOOSE_FIRST = "Choose a server in the list first."


class FoundPage(ttk.Frame):
    """A table of what :class:`FoundServers` holds, with Use and Copy address."""

    def __init__(self, parent, found: FoundServers, log: Optional[LogView] = None):
        super().__init__(parent, padding=style.PAD)
        self.found = found
        self.rows: Dict[str, Found] = {}  # table row -> what it shows
        intro(self, "The labsuite servers other computers announce on this network (multicast "
                    "DNS, as printers do), as they come and go. Each name shows its address: "
                    "anyone can choose any name, so check the address with your partner.")
        self.status = WrapLabel(self, text="", style="Muted.TLabel")
        self.status.pack(side="top", fill="x")

        bottom = ttk.Frame(self)  # packed before the table: never squeezed out
        bottom.pack(side="bottom", fill="x", pady=(style.PAD, 0))
        self.use_button = ttk.Button(bottom, text="Use it", command=self.use_selected,
                                     style="Accent.TButton")
        self.use_button.pack(side="left")
        self.copy_button = ttk.Button(bottom, text="Copy address", command=self.copy_selected)
        self.copy_button.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.note = WrapLabel(bottom, text="", style="Muted.TLabel")
        self.note.pack(side="left", fill="x", expand=True, padx=style.PAD)

        table = ttk.Frame(self)
        table.pack(side="top", fill="both", expand=True, pady=(style.PAD, 0))
        self.table = style.make_table(table, FOUND_COLUMNS, height=3, stretch="name")
        self.table.bind("<Double-1>", lambda _event: self.use_selected(), add="+")
        self.table.bind("<<TreeviewSelect>>", lambda _event: self._show_buttons(), add="+")
        on_return(self.table, self.use_selected)
        tips(self.use_button, "Fill this server's address into its tab (a chat room into "
                              "Chat's Join box, a web server into Fetch...) and go there: "
                              "Enter in that field connects.",
             self.copy_button, "Copy the chosen server's address, to paste it anywhere.",
             self.table, "Every labsuite server announced on this network: choose one, then "
                         "Use it (or Enter, or a double click).")
        found.listen(self.refresh)
        if log is not None:
            found.watch(log.append_events)

    def refresh(self) -> None:
        """Show what is found now, keeping the row chosen if it is still there."""
        chosen = self.selected()
        self.table.delete(*self.table.get_children())
        self.rows = {}
        for found in self.found.services():
            # the whole name: its own column, so it cannot push the address out of view
            row = self.table.insert("", "end", values=(found.noun, found.name, found.address,
                                                       found.port))
            self.rows[row] = found
            if chosen is not None and found.key == chosen.key:
                self.table.selection_set(row)
        self.status.configure(text=self.found.message,
                              style="Error.TLabel" if self.found.trouble else "Muted.TLabel")
        self._show_buttons()

    def shown_rows(self) -> List[tuple]:
        """What the table shows (for tests and screen readers)."""
        return [tuple(self.table.item(row, "values")) for row in self.table.get_children()]

    def select(self, index: int) -> None:
        row = self.table.get_children()[index]
        self.table.selection_set(row)
        self.table.focus(row)

    def selected(self) -> Optional[Found]:
        chosen = self.table.selection()
        return self.rows.get(chosen[0]) if chosen else None

    def _show_buttons(self) -> None:
        found = self.selected()
        self.use_button.state(["!disabled"] if found is not None and self.found.can_use(found)
                              else ["disabled"])
        self.copy_button.state(["!disabled"] if found is not None else ["disabled"])

    def use_selected(self) -> None:
        found = self.selected()
        if found is None:
            self.note.configure(text=CHOOSE_FIRST)
        elif self.found.use(found):
            self.note.configure(text=f"Filled in {found.address} port {found.port}.")
        else:
            self.note.configure(text=f"Nothing in this window connects to a {found.noun}: "
                                     "copy its address instead.")

    def copy_selected(self) -> Optional[str]:
        found = self.selected()
        if found is None:
            self.note.configure(text=CHOOSE_FIRST)
            return None
        copy_text(self, found.address)
        self.note.configure(text=f"Copied {found.address} (port {found.port}): paste it "
                                 "where you need it.")
        return found.address
