"""The buttons for your turn at the poker table, and the line under them.

Fold, Check or Call (with the amount), Bet or Raise to a total (typed, or chosen with a
slider over the legal range), All in. The bar decides nothing itself: the
:class:`~labsuite.protocols.poker.Choices` it is shown are the very rules the table
enforces, so it refuses plainly, and sends nothing, what the table would refuse, and
hands a legal action to ``send``. After sending it waits for the table (the buttons are
disabled) until the tab says the game moved on (:meth:`ActionBar.moved_on`) or the
table refused (:meth:`ActionBar.refused`).
"""

from __future__ import annotations

import re
import tkinter as tk
from contextlib import contextmanager
from tkinter import ttk
from typing import Callable, Iterator, Optional

from labsuite.protocols.poker import Action, AllIn, Bet, Call, Check, Choices, Fold, Raise

from .. import style
from .fields import on_change, on_return
from .keys import relabel
from .panels import WrapLabel
from .tooltip import tips

#: Amounts are typed as whole numbers of chips (ASCII digits, at most ten of them).
WHOLE = re.compile(r"[0-9]{1,10}")
SENT = "Sent; waiting for the table…"


def amount_in(text: str) -> Optional[int]:
    """The whole number of chips typed ("1,200" too), or None."""
    text = text.strip().replace(",", "")
    return int(text) if WHOLE.fullmatch(text) else None


class ActionBar(ttk.Frame):
    """``ActionBar(parent, send)``; ``send(action)`` returns whether it went out."""

    def __init__(self, parent, send: Callable[[Action], bool]):
        super().__init__(parent)
        self.send = send
        self.choices: Optional[Choices] = None
        self.step = 1  # the slider moves by the big blind
        self.sent = False  # an action went out: wait for the table
        self.refusal = ""  # why the last action was not allowed, until the game moves on
        self._status = ""
        self._quiet = False  # the amount is being set by the bar itself

        row = ttk.Frame(self)
        row.pack(side="top", fill="x")
        self.fold_button = ttk.Button(row, text="Fold", command=lambda: self.act(Fold()))
        self.fold_button.pack(side="left")
        self.call_button = ttk.Button(row, text="Check", width=9, command=self.check_or_call)
        self.call_button.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.raise_button = ttk.Button(row, text="Raise to", width=11,
                                       command=self.bet_or_raise)
        self.raise_button.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.amount = tk.StringVar(self, "")
        self.amount_box = ttk.Entry(row, textvariable=self.amount, width=6)
        self.amount_box.pack(side="left", padx=(style.SMALL_PAD, 0))
        on_return(self.amount_box, self.bet_or_raise)
        self.allin_button = ttk.Button(row, text="All in", width=11,
                                       command=lambda: self.act(AllIn()))
        self.allin_button.pack(side="right")
        self.slider_value = tk.DoubleVar(self, 0.0)
        self.slider = ttk.Scale(row, orient="horizontal", from_=0, to=1, length=60,
                                variable=self.slider_value, command=self.slid)
        self.slider.pack(side="left", fill="x", expand=True, padx=style.SMALL_PAD)
        on_change(self.amount, self, self._typed)
        #: The line under the buttons: a tab may pack a control of its own at its right.
        self.below = ttk.Frame(self)
        self.below.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        self.info = WrapLabel(self.below, text="", style="Muted.TLabel")
        self.info.pack(side="left", fill="x", expand=True)
        tips(self.fold_button, "Give up this hand: your bets stay in the pot.",
             self.call_button, "Check (bet nothing more) when nobody has bet; call (match "
                               "the bet) when someone has.",
             self.raise_button, "Bet, or raise to the total in the box beside it (Enter "
                                "in the box does it too).",
             self.amount_box, "Your whole bet for this round after a bet or raise, in chips "
                              "(the legal range is written under the buttons). Enter bets.",
             self.slider, "Slide to choose the amount, from the smallest legal bet or raise "
                          "to all your chips.",
             self.allin_button, "Bet every chip you have.")
        self.show(None)

    @property
    def text(self) -> str:
        return str(self.info.cget("text"))

    # -- what the tab tells the bar ---------------------------------------------------------
    def show(self, choices: Optional[Choices], status: str = "", new_turn: bool = False,
             step: int = 1) -> None:
        """My legal moves now (None: not my turn), the line to show under the buttons,
        and whether my turn has just begun (the amount then starts at the smallest)."""
        self.choices, self.step = choices, max(1, step)
        mine = choices is not None and not self.sent
        can_open = mine and choices.can_open
        for button in (self.fold_button, self.call_button):
            _enable(button, mine)
        for widget in (self.raise_button, self.amount_box, self.slider):
            _enable(widget, can_open)
        _enable(self.allin_button, mine and choices.problem(AllIn()) is None)
        if mine:
            relabel(self.call_button, "Check" if choices.can_check else
                    f"Call {choices.call_amount:,}")
            relabel(self.allin_button, f"All in ({choices.all_in_total:,})")
        else:
            relabel(self.call_button, "Check")
            relabel(self.allin_button, "All in")
        if can_open:
            self.slider.configure(from_=choices.min_total, to=choices.max_total)
            if new_turn or not self.amount.get().strip():
                self._set_amount(choices.min_total)
        else:
            self._set_amount(None)
        self.status(status)

    def status(self, text: str) -> None:
        """The line under the buttons (a refusal stays until the game moves on)."""
        self._status = text
        if self.refusal:
            self.info.configure(text=self.refusal, style="Error.TLabel")
        else:
            mine = self.choices is not None and not self.sent
            self.info.configure(text=SENT if self.sent and self.choices is not None else text,
                                style="Running.TLabel" if mine else "Muted.TLabel")

    def moved_on(self) -> None:
        """The game moved on (a turn, an action, a hand): ready for my next turn."""
        self.sent, self.refusal = False, ""

    def refused(self, reason: str) -> None:
        """The table refused what was sent: say why; the turn is still mine."""
        self.sent, self.refusal = False, reason
        self.show(self.choices, self._status)

    # -- the buttons -----------------------------------------------------------------------
    def check_or_call(self) -> None:
        if self.choices is not None:
            self.act(Check() if self.choices.can_check else Call())

    def bet_or_raise(self) -> None:
        choices = self.choices
        if choices is None:
            return
        amount = amount_in(self.amount.get())
        if amount is None:
            self._refuse("Type the amount as a whole number of chips, like "
                         f"{choices.min_total or choices.all_in_total}.")
            return
        self.act(Bet(amount) if choices.current_bet == 0 else Raise(amount))

    def act(self, action: Action) -> bool:
        """Send ``action`` if the table would take it; otherwise say why."""
        choices = self.choices
        if choices is None or self.sent:
            return False
        problem = choices.problem(action)
        if problem is not None:
            self._refuse(problem)
            return False
        if not self.send(action):
            return False
        self.sent, self.refusal = True, ""
        self.show(choices, self._status)
        return True

    def _refuse(self, problem: str) -> None:
        self.refusal = problem
        self.status(self._status)

    # -- the amount ------------------------------------------------------------------------
    def slid(self, _value=None) -> None:
        """The slider moved: the amount follows, in steps of the big blind."""
        choices = self.choices
        if choices is None or self._quiet:
            return
        low, high = choices.min_total, choices.max_total
        value = float(self.slider_value.get())
        amount = high if value >= high else max(low, low + round((value - low) / self.step)
                                                * self.step)
        self._set_amount(min(high, int(amount)))

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """The amount and the slider are set by the bar itself: neither follows the other."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _set_amount(self, amount: Optional[int]) -> None:
        with self._quietly():
            self.amount.set("" if amount is None else str(amount))
            if amount is not None:
                self.slider_value.set(amount)
        self._label_raise()

    def _typed(self) -> None:
        if self._quiet:
            return
        choices, amount = self.choices, amount_in(self.amount.get())
        if choices is not None and amount is not None and \
                choices.min_total <= amount <= choices.max_total:
            with self._quietly():
                self.slider_value.set(amount)
        self._label_raise()

    def _label_raise(self) -> None:
        """"Bet 40" or "Raise to 120": what the button would send."""
        choices, amount = self.choices, amount_in(self.amount.get())
        word = "Bet" if choices is not None and choices.current_bet == 0 else "Raise to"
        relabel(self.raise_button, f"{word} {amount:,}" if amount is not None else word)


def _enable(widget: ttk.Widget, on: bool) -> None:
    widget.state(["!disabled"] if on else ["disabled"])
