"""The Check tab's two views: the checklist, one line per check filled in as each ends,
and what happened in the check chosen (explanation, hint, transcript as text or hex).

:class:`Checklist` shows the checks a run will make before it starts, marks the one
running, and turns each line into ✓ / ✗ / – with its title as the check ends, coloured
from the look's palette; a summary line follows the last. Choosing a line (a click, the
arrow keys, Enter) *opens* it: :class:`CheckDetails` shows that check's explanation, hint and
transcript. Transcripts are bounded by the checker, and each is drawn with one insert,
so a long one never holds up the window.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import Callable, Dict, List, Optional, Sequence

from labsuite.protocols.check.model import CheckSpec, Outcome, Report, subject
from labsuite.protocols.check.report import MARKS, summary_line

from .. import style
from ..look import follow_look, palette_of
from . import check_transcript as shown
from .logview import LogView
from .panels import WrapLabel
from .tooltip import tip

COLUMNS = (("mark", "", 3, "center"), ("check", "Check", 40, "w"), ("id", "Id", 20, "w"))
RUNNING_MARK = "…"
NOTHING_CHOSEN = "Choose a check in the list to see what happened in it."
#: Transcript entries drawn at most (the checker keeps fewer; this bounds any Outcome).
MAX_ENTRIES = 400
#: The colour tag of a line (the table's shared tags) and of a summary, by ``passed``.
LINE_TAGS = {True: "ok", False: "error", None: "muted"}
SUMMARY_STYLES = {True: "Running.TLabel", False: "Error.TLabel", None: "Muted.TLabel"}

Opened = Callable[[CheckSpec, Optional[Outcome]], None]


def title_of(spec: CheckSpec) -> str:
    return spec.title + ("" if spec.required else " (optional)")


def verdict_line(report: Report) -> str:
    """The summary ``labsuite check`` prints, without the program (the fields above say
    which; a client's whole command would take lines): "Passed: all 8 checks passed."."""
    return summary_line(report).replace(f"{subject(report.kind, report.target)}: ", "", 1)


class Checklist(ttk.Frame):
    """The checks of one run, a line each, and a summary line; ``on_open(spec, outcome)``
    is told the line chosen (``outcome`` None for a check that has not run)."""

    def __init__(self, parent, on_open: Opened, height: int = 3):
        super().__init__(parent)
        self.on_open = on_open
        table = ttk.Frame(self)
        table.pack(side="top", fill="both", expand=True)
        self.tree = style.make_table(table, COLUMNS, height=height, stretch="check")
        self.tree.configure(show="")  # the lines say what they are: no headings to take room
        tip(self.tree, "One line per check, in the order they run: ✓ passed, ✗ failed, "
                       "– not run. Choose a line to see what happened in that check.")
        self.summary = WrapLabel(self, text="", style="Muted.TLabel")
        self.summary.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        self.specs: Sequence[CheckSpec] = ()
        self.outcomes: Dict[str, Outcome] = {}
        # choosing a line opens it; so do a click and Enter on the line chosen already
        for sequence in ("<<TreeviewSelect>>", "<ButtonRelease-1>", "<Return>", "<KP_Enter>"):
            self.tree.bind(sequence, lambda _event: self._chosen(), add="+")

    # -- filling in -------------------------------------------------------------------
    def show_plan(self, specs: Sequence[CheckSpec], summary: str) -> None:
        """The checks a run will make, none run yet."""
        self.specs = tuple(specs)
        self.outcomes = {}
        self.tree.delete(*self.tree.get_children())
        for spec in self.specs:
            self.tree.insert("", "end", iid=spec.id, values=("", title_of(spec), spec.id),
                             tags=("muted",))
        self.set_summary(summary)

    def begin(self, specs: Sequence[CheckSpec], summary: str) -> None:
        self.show_plan(specs, summary)
        self._mark_running()

    def add(self, outcome: Outcome) -> None:
        """A check has ended: its line gets its mark and colour; the next one runs."""
        spec = outcome.spec
        self.outcomes[spec.id] = outcome
        if not self.tree.exists(spec.id):
            self.tree.insert("", "end", iid=spec.id)
        self.tree.item(spec.id, values=(MARKS[outcome.passed], title_of(spec), spec.id),
                       tags=(LINE_TAGS[outcome.passed],))
        self._mark_running()
        if outcome.passed is False and not self.tree.selection():
            self.open(spec.id)  # the first failure opens by itself, unless one is chosen
        elif self.chosen_id == spec.id:
            self._chosen()  # the line being read has just ended: show how

    def finish(self, report: Report, summary: Optional[str] = None) -> None:
        """The run is over: every line and the summary (:func:`verdict_line` by default)."""
        for outcome in report.outcomes:
            if self.outcomes.get(outcome.spec.id) != outcome:
                self.add(outcome)
        self.set_summary(summary or verdict_line(report), report.passed)

    def _mark_running(self) -> None:
        waiting = [spec for spec in self.specs if spec.id not in self.outcomes]
        if waiting:
            self.tree.set(waiting[0].id, "mark", RUNNING_MARK)
            self.tree.item(waiting[0].id, tags=("result",))

    def set_summary(self, text: str, passed: Optional[bool] = None) -> None:
        self.summary.configure(text=text, style=SUMMARY_STYLES[passed])

    # -- reading ----------------------------------------------------------------------
    @property
    def summary_text(self) -> str:
        return str(self.summary.cget("text"))

    def lines(self) -> List[str]:
        """Each line as shown: "✗ Echoes a line of text"."""
        return [" ".join(filter(None, self.tree.item(iid, "values")[:2]))
                for iid in self.tree.get_children()]

    @property
    def chosen_id(self) -> Optional[str]:
        chosen = self.tree.selection()
        return chosen[0] if chosen else None

    def open(self, check_id: str) -> None:
        """Choose the line of ``check_id`` (its details show at once)."""
        self.tree.selection_set(check_id)
        self.tree.focus(check_id)
        self.tree.see(check_id)
        self._chosen()

    def _chosen(self) -> None:
        check_id = self.chosen_id
        spec = next((spec for spec in self.specs if spec.id == check_id), None)
        if spec is not None:
            self.on_open(spec, self.outcomes.get(check_id))


class CheckDetails(LogView):
    """What happened in the check chosen: its line, the explanation, the hint, then the
    transcript of both sides in the course's log words, as text or (``hex_mode``) as
    bytes with offsets. Save… keeps it as text."""

    def __init__(self, parent, height: int = 3, hex_view: bool = False):
        super().__init__(parent, title="What happened", height=height)
        self.hex_mode = tk.BooleanVar(self, hex_view)
        self.hex_check = ttk.Checkbutton(self.bar, text="Hex with offsets",
                                         variable=self.hex_mode, command=self.redraw)
        self.hex_check.pack(side="right", padx=(0, style.PAD))
        self.legend = ttk.Label(self.bar, text="(blue: what labsuite sent or typed)",
                                style="Result.TLabel")
        self.legend.pack(side="left", padx=(style.PAD, 0))
        tip(self.hex_check, "Show the bytes of each transfer as hex digits, sixteen to a row, "
                            "with their offset in that side's stream: invisible characters, "
                            "\\r and \\n, and bytes that are not text show exactly.")
        self.sideways = ttk.Scrollbar(self.body, orient="horizontal", command=self.text.xview)
        self.text.configure(xscrollcommand=self.sideways.set)
        self.outcome: Optional[Outcome] = None
        self.client_check = False
        self._message = ""
        follow_look(self, self._colour_parts)
        tip(self.clear_button, "Close this check's details (choose a line to open it again).")
        self.show_message(NOTHING_CHOSEN)

    def _colour_parts(self) -> None:
        palette = palette_of(self)
        fixed = tkfont.nametofont("TkFixedFont", root=self)
        hang = fixed.measure(" " * 9)
        text = self.text
        for tag, colour in ((shown.OURS, palette.result), (shown.THEIRS, palette.text),
                            (shown.STDERR, palette.error), (shown.NOTE_TAG, palette.muted),
                            (shown.TIME, palette.muted)):
            text.tag_configure(tag, foreground=colour)
        for tag in LINE_TAGS.values():
            text.tag_configure(f"heading-{tag}", font="TkHeadingFont", spacing3=4,
                               foreground=getattr(palette, style.TEXT_TAGS[tag]))
        text.tag_configure("prose", font="TkTextFont", spacing3=4)
        text.tag_configure("hint", font="TkTextFont", background=palette.notice, spacing3=4,
                           lmargin1=4, lmargin2=4, rmargin=4)
        text.tag_configure("part", font="TkHeadingFont", spacing1=6, spacing3=2)
        text.tag_configure("transfer", lmargin2=hang)
        text.tag_configure(shown.ROWS, wrap="none", lmargin1=hang)

    # -- what is shown ----------------------------------------------------------------
    def show(self, outcome: Outcome, client_check: bool) -> None:
        self.outcome, self.client_check, self._message = outcome, client_check, ""
        self.redraw()

    def clear(self) -> None:
        """Clear closes the check shown."""
        self.show_message(NOTHING_CHOSEN)

    def show_message(self, text: str) -> None:
        """A line instead of a check (nothing chosen, or a check not run yet)."""
        self.outcome, self._message = None, text
        self.redraw()

    def redraw(self) -> None:
        """Draw the chosen check again (after the hex switch or a new check)."""
        hex_view = bool(self.hex_mode.get())
        if hex_view and self.outcome is not None and self.outcome.transcript:
            self.sideways.grid(row=1, column=0, sticky="ew")
        else:
            self.sideways.grid_remove()
        chunks: list = []
        if self.outcome is None:
            chunks += [self._message + "\n", "prose"]
        else:
            chunks += self._chunks(self.outcome, hex_view)
        super().clear()
        self.text.configure(state="normal")
        try:
            self.text.insert("end", *chunks)
        finally:
            self.text.configure(state="disabled")
        self.text.yview_moveto(0.0)
        self.text.xview_moveto(0.0)
        self.following = False

    def _chunks(self, outcome: Outcome, hex_view: bool) -> list:
        tag = LINE_TAGS[outcome.passed]
        line = (f"{MARKS[outcome.passed]} {title_of(outcome.spec)}  [{outcome.spec.id}] "
                f"— {outcome.status}\n")
        chunks = [line, f"heading-{tag}"]
        if outcome.explanation:
            chunks += [outcome.explanation + "\n", "prose"]
        if outcome.hint:
            chunks += [f"Hint: {outcome.hint}\n", "hint"]
        if not outcome.transcript:
            return chunks + ["Nothing was sent or received in this check.\n", "prose"]
        what = "typed, sent, received and printed" if self.client_check else "sent and received"
        chunks += [f"What was {what} (seconds since the check began):\n", "part"]
        entries = list(outcome.transcript[:MAX_ENTRIES])
        lines = (shown.hex_lines if hex_view else shown.text_lines)(entries, self.client_check)
        for text, tags in lines:
            chunks += [text, (*tags, "transfer")]
        hidden = len(outcome.transcript) - len(entries)
        if hidden > 0:
            chunks += [f"… {hidden:,} more entries not shown (Save report… keeps them all)\n",
                       (shown.NOTE_TAG, "transfer")]
        return chunks

    def append(self, text: str, error: bool = False, source: str = "",
               tag: Optional[str] = None) -> None:
        """A line of the window's own (e.g. "Saved the log to ..."), after what is shown."""
        self.text.configure(state="normal")
        try:
            self.text.insert("end", text + "\n", ("error" if error else tag or "prose",))
        finally:
            self.text.configure(state="disabled")
        self.text.see("end")
