"""The connection doctor page: why can't my client connect? Steps as they happen, then
the verdict in large coloured text with what to try next."""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import Dict, List, Optional

from labsuite.net import ports
from labsuite.net.doctor import Diagnosis, DoctorQuery, Step
from labsuite.net.events import Event, Kind

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..look import follow_look, palette_of
from ..widgets import HostPortField, LatestQuery, LogView, ResultPanel, WrapLabel, intro, tip

THIS_COMPUTER = {f"this computer ({ports.LOCAL_ONLY})": ports.LOCAL_ONLY}
VERDICT_FONT = "LabsuiteVerdictFont"


def verdict_font(widget: tk.Misc) -> tkfont.Font:
    """One named font per window for every verdict (styles are shared per window too)."""
    exists = VERDICT_FONT in tkfont.names(root=widget)
    return tkfont.Font(root=widget, name=VERDICT_FONT, exists=exists)


class DoctorPage(ttk.Frame):
    """Host and port in, steps as they happen, then the verdict in large coloured text."""

    def __init__(self, parent, pump: EventPump, settings: Settings, log: LogView):
        super().__init__(parent, padding=style.PAD)
        self.log = log
        self.runner = LatestQuery(pump, self.doctor_events)
        self.diagnosis: Optional[Diagnosis] = None
        intro(self, "Why can't my client connect? The doctor does what a client does, one step "
                    "at a time (look the name up, then connect to each address), and says "
                    "what went wrong and what to try next.")
        row = ttk.Frame(self)
        row.pack(side="top", fill="x")
        self.check_button = ttk.Button(row, text="Check", width=11, command=self.check,
                                       style="Accent.TButton")
        self.check_button.pack(side="right")
        tip(self.check_button, "Look the name up and try to connect, step by step, then say "
                               "what went wrong and what to try.")
        self.target = HostPortField(row, host=settings.get("network.doctor.host"),
                                    port=settings.get("network.doctor.port"),
                                    presets=THIS_COMPUTER, host_width=18, on_enter=self.check,
                                    host_tip="The computer your client cannot reach (a name "
                                             "or an address); Enter checks it.")
        self.target.pack(side="left", fill="x", expand=True, padx=(0, style.PAD))

        verdict = ttk.LabelFrame(self, text="Verdict", padding=style.PAD)
        verdict.pack(side="bottom", fill="x", pady=(style.PAD, 0))
        self._verdict_font = verdict_font(self)
        follow_look(self, self._fit_font)
        self.verdict_label = WrapLabel(verdict, text="Type a host and a port, then press Check.",
                                       style="Waiting.Verdict.TLabel")
        self.verdict_label.pack(side="top", fill="x")
        self.advice_label = WrapLabel(verdict, text="")
        self.advice_label.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))

        self.steps = ResultPanel(self, title="Steps", height=3, empty="No check yet.")
        self.steps.pack(side="top", fill="both", expand=True, pady=(style.PAD, 0))

    def _fit_font(self) -> None:
        """The verdict is the heading font, a third larger (it follows the scale), in the
        theme's colours."""
        heading = tkfont.nametofont("TkHeadingFont", root=self).actual()
        self._verdict_font.configure(family=heading["family"], weight="bold",
                                     size=round(abs(heading["size"]) * 4 / 3))
        palette = palette_of(self)
        for name, colour in (("Works", palette.running), ("Fails", palette.error),
                             ("Waiting", palette.muted)):
            ttk.Style(self).configure(f"{name}.Verdict.TLabel", foreground=colour,
                                      font=self._verdict_font)

    def check(self) -> None:
        """The doctor judges the input itself: a bad host or port is a verdict too."""
        if self.runner.busy:
            return
        host, port = self.target.host_text, self.target.port_box.variable.get()
        self.diagnosis = None
        self.steps.show_rows([])
        self._show_verdict(f"Checking {host or '?'} port {port or '?'}…", "Waiting", "")
        self.check_button.state(["disabled"])
        self.runner.start(lambda on_event: DoctorQuery(host, port, on_event=on_event))

    def doctor_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        for event in events:
            if event.kind is Kind.INFO and isinstance(event.result, Step):
                step = event.result
                self.steps.add_row(step.line(), "ok" if step.ok else "error")
            elif event.kind is Kind.RESULT and isinstance(event.result, Diagnosis):
                self.diagnosis = diagnosis = event.result
                self._show_verdict(diagnosis.headline(), "Works" if diagnosis.works else "Fails",
                                   "\n".join(f"•  {sentence}" for sentence in diagnosis.advice))
            elif event.kind is Kind.ERROR:
                self._show_verdict("The check could not be done", "Fails", event.text)
        if not self.runner.busy:
            self.check_button.state(["!disabled"])

    def _show_verdict(self, headline: str, kind: str, advice: str) -> None:
        self.verdict_label.configure(text=headline, style=f"{kind}.Verdict.TLabel")
        self.advice_label.configure(text=advice)

    @property
    def verdict_text(self) -> str:
        return str(self.verdict_label.cget("text"))

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"network.doctor.host": self.target.host_text}
        try:
            values["network.doctor.port"] = self.target.port_box.get_port()
        except ValueError:
            pass
        return values
