"""A table of a server's connected clients, kept up to date from its events alone."""

from __future__ import annotations

import time
from dataclasses import dataclass
from tkinter import ttk
from typing import Dict, Iterable, Set

from labsuite.net.events import Event, Kind, format_address

from .. import style

COLUMNS = (("number", "#", 4, "e"), ("address", "Address", 13, "w"),
           ("bytes_in", "Bytes in", 9, "e"), ("bytes_out", "Bytes out", 9, "e"),
           ("since", "Since", 9, "e"))


@dataclass
class _Row:
    address: str
    since: float
    bytes_in: int = 0
    bytes_out: int = 0


class ConnectionTable(ttk.Frame):
    """#, address, bytes in, bytes out, since: one row per open connection (``event.conn``).

    A batch of events changes the rows in memory first, then each changed row is drawn
    once, so a busy client costs one table update per tick, not one per read.
    """

    def __init__(self, parent, height: int = 6):
        super().__init__(parent)
        self.tree = style.make_table(self, COLUMNS, height=height, stretch="address")
        self.rows: Dict[int, _Row] = {}

    def apply(self, events: Iterable[Event]) -> None:
        changed: Set[int] = set()
        for event in events:
            if event.kind is Kind.STOPPED:
                changed.update(self.rows)
                self.rows.clear()
                continue
            conn = event.conn
            if conn is None:
                continue
            if event.kind is Kind.ACCEPTED:
                self.rows[conn] = _Row(format_address(event.peer), event.time)
            elif event.kind is Kind.CLOSED:
                self.rows.pop(conn, None)
            elif event.kind in (Kind.READ, Kind.WROTE) and conn in self.rows:
                row = self.rows[conn]
                if event.kind is Kind.READ:
                    row.bytes_in += event.size
                else:
                    row.bytes_out += event.size
            else:
                continue
            changed.add(conn)
        for conn in changed:
            self._draw(conn)

    def clear(self) -> None:
        self.rows.clear()
        self.tree.delete(*self.tree.get_children())

    def _draw(self, conn: int) -> None:
        iid = str(conn)
        row = self.rows.get(conn)
        if row is None:
            if self.tree.exists(iid):
                self.tree.delete(iid)
            return
        since = time.strftime("%H:%M:%S", time.localtime(row.since))
        values = (conn, row.address, row.bytes_in, row.bytes_out, since)
        if self.tree.exists(iid):
            self.tree.item(iid, values=values)
        else:
            self.tree.insert("", "end", iid=iid, values=values)

    def values(self) -> Dict[int, tuple]:
        """What the table shows, by connection number (for tests and screen readers)."""
        return {int(iid): tuple(self.tree.item(iid, "values"))
                for iid in self.tree.get_children()}
