"""A hosting box's line that says whether its server is announced on the network.

While a server for other computers runs, the student should know whether their partners
will see it in their lists or must type the address. The server's announcement reports
itself as INFO lines in the server's log (``labsuite.net.discovery.Announcer``); this
note follows those lines, and the window's "Announce my servers" switch.
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional

from labsuite.net.discovery import is_local_only
from labsuite.net.events import Event, Kind

from .. import style
from .panels import WrapLabel
from .server_controls import ServerControls

#: The Announcer's own lines (labsuite.net.discovery) that this note follows.
_ANNOUNCED = re.compile(r'^Announced on this network as "(?P<name>.+?)"(?= at | \(")')
_NOT_ANNOUNCED = "Not announced on this network"
_NO_LONGER = "No longer announced on this network"

ANNOUNCING = "Announcing it on this network, so other labsuite windows list it…"


def announced_text(name: str) -> str:
    return (f'Announced on this network as "{name}": other labsuite windows list it '
            "(partners can still type the address).")


class AnnouncedNote:
    """Under ``controls`` (a :class:`ServerControls`), while its server runs for other
    computers: announced as what, or why not. ``switched_off()`` is None while announcing
    is on, else the sentence that says why it is off.

    It reads the server's events by wrapping ``controls.on_events`` (before any start).
    """

    def __init__(self, controls: ServerControls, switched_off: Callable[[], Optional[str]]):
        self.controls = controls
        self.switched_off = switched_off
        self.label = WrapLabel(controls, text="", style="Muted.TLabel")
        self.for_others = False  # a server for other computers is running
        shown = controls.on_events

        def on_events(events: List[Event]) -> None:
            shown(events)
            self.apply(events)

        controls.on_events = on_events

    @property
    def text(self) -> str:
        """What the note says ('' while hidden)."""
        return str(self.label.cget("text")) if self.label.winfo_manager() else ""

    def apply(self, events: List[Event]) -> None:
        for event in events:
            if event.kind is Kind.LISTENING and not self.for_others:
                self.for_others = not is_local_only(self.controls.scope.get())
                if self.for_others:
                    self.refresh()
            elif event.kind is Kind.STOPPED:
                self.for_others = False
                self._show("")
            elif event.kind is Kind.INFO and self.for_others and event.text:
                self._announcer_said(event.text)

    def _announcer_said(self, text: str) -> None:
        announced = _ANNOUNCED.match(text)
        if announced:
            self._show(announced_text(announced["name"]))
        elif text.startswith(_NOT_ANNOUNCED):
            self._show(text)
        elif text.startswith(_NO_LONGER):
            self._show(self.switched_off() or text)

    def refresh(self) -> None:
        """The switch moved (or the server just started): say what happens now."""
        if self.for_others:
            self._show(self.switched_off() or ANNOUNCING)

    def _show(self, text: str) -> None:
        self.label.configure(text=text)
        if text and not self.label.winfo_manager():
            self.label.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        elif not text:
            self.label.pack_forget()


__all__ = ["AnnouncedNote", "ANNOUNCING", "announced_text"]
