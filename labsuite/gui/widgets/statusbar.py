"""The bottom line: this computer's name and the addresses a lab partner can use."""

from __future__ import annotations

from tkinter import ttk
from typing import List, Optional

from labsuite.net import addresses as net_addresses
from labsuite.net import ports

from .. import style
from .panels import WrapLabel, copy_text
from .tooltip import tip

ONLY_THIS_COMPUTER = f"only this computer ({ports.LOCAL_ONLY})"
#: More addresses than this would not fit on one line; Copy still copies them all.
SHOWN_ADDRESSES = 3


class StatusBar(ttk.Frame):
    """``addresses=None`` means "not looked up yet": call :meth:`show_addresses` later
    (the window looks them up off the Tk thread, so they never delay its opening)."""

    def __init__(self, parent, host_name: Optional[str] = None,
                 addresses: Optional[List[str]] = None):
        super().__init__(parent, style="Status.TFrame", padding=(style.PAD, style.SMALL_PAD))
        self.host_name = host_name if host_name is not None else _safe(net_addresses.host_name, "?")
        self.addresses = addresses
        self.label = WrapLabel(self, text=self.describe())
        self.label.pack(side="left", fill="x", expand=True)
        self.copy_button = ttk.Button(self, text="Copy", width=6, command=self.copy)
        self.copy_button.pack(side="right")
        tip(self.copy_button, "Copy this computer's name and addresses, ready to paste in a "
                              "chat or an e-mail to a lab partner.")
        self.copied_label = ttk.Label(self, text="", style="Muted.TLabel")
        self.copied_label.pack(side="right", padx=style.PAD)
        self._said = None

    @staticmethod
    def look_up() -> List[str]:
        """This computer's shareable addresses ([] if they cannot be read)."""
        return _safe(net_addresses.shareable_addresses, [])

    def show_addresses(self, addresses: Optional[List[str]], _error=None) -> None:
        self.addresses = list(addresses or [])
        self.label.configure(text=self.describe())

    def reachable_at(self) -> str:
        return ", ".join(self.addresses) if self.addresses else ONLY_THIS_COMPUTER

    def describe(self) -> str:
        if self.addresses is None:
            where = "(looking up this computer's addresses…)"
        elif not self.addresses:
            where = ONLY_THIS_COMPUTER
        else:
            where = ", ".join(self.addresses[:SHOWN_ADDRESSES])
            if len(self.addresses) > SHOWN_ADDRESSES:
                where += f" (+{len(self.addresses) - SHOWN_ADDRESSES} more)"
        return f"This computer: {self.host_name}    Other lab machines can reach it at: {where}"

    def say(self, text: str, seconds: float = 4.0) -> None:
        """A short note at the right (e.g. "That is the largest size that fits")."""
        self.copied_label.configure(text=text)
        if self._said is not None:
            self.after_cancel(self._said)
        self._said = self.after(int(seconds * 1000), self._unsay)

    def _unsay(self) -> None:
        self._said = None
        if self.copied_label.winfo_exists():
            self.copied_label.configure(text="")

    @property
    def note(self) -> str:
        return str(self.copied_label.cget("text"))

    def copy(self) -> str:
        """Put the name and every address on the clipboard, ready to paste in a chat."""
        text = f"{self.host_name}: {self.reachable_at()}"
        copy_text(self, text)
        self.say("Copied", 2.0)
        return text


def _safe(function, fallback):
    """Addresses are a nicety: a broken interface list must not stop the window."""
    try:
        return function()
    except Exception:
        return fallback
