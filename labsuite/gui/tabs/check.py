"""The Check tab: "check my program" in the window (``labsuite check`` with a checklist).

Choose a server (its kind, host and port) or a client (its kind and the command that
runs it, :mod:`~labsuite.gui.widgets.client_command`), press Check, and the checklist
fills in as each check ends; a line opens to show what happened. The run works on a
worker thread and reports through the pump (:class:`~labsuite.net.check.runner.CheckRun`,
``ClientCheckRun``); Stop abandons it at once. Save report writes the HTML page for a
teacher or the JSON for scripts. Other tabs' servers come here with "Check a server like
this" (:meth:`CheckTab.check_server_like`).
"""

from __future__ import annotations

import functools
import json
import tkinter as tk
from datetime import datetime
from pathlib import Path
from tkinter import filedialog, ttk
from typing import Callable, Dict, List, Optional, Tuple

from labsuite.net import ports
from labsuite.net.check.runner import STOPPED, CheckRun, ClientCheckRun
from labsuite.net.events import Event, EventCallback, Kind, format_address
from labsuite.net.service import BackgroundQuery
from labsuite.protocols.check import model
from labsuite.protocols.check.model import (SERVER_KINDS, Outcome, Report, describe, skip,
                                            specs_for)
from labsuite.protocols.check.report import html_report, report_dict

from .. import style
from ..pump import EventPump, Subscription
from ..settings import Settings
from ..widgets import Flow, HostPortField, Tab, WrapLabel, on_return, relabel, tip, tips
from ..widgets.checklist import NOTHING_CHOSEN, CheckDetails, Checklist
from ..widgets.client_command import ClientCommandField
from ..widgets.logview import LogView

SERVER, CLIENT = "server", "client"
CLIENT_SUFFIX = "-client"
#: The kinds of client there are checks for ("echo" stands for "echo-client").
CLIENT_KINDS = tuple(kind[:-len(CLIENT_SUFFIX)] for kind in model.CLIENT_KINDS)
DEFAULT_PORTS = {"daytime": ports.DAYTIME, "echo": ports.ECHO, "chat": ports.CHAT,
                 "web": ports.WEB}
THIS_COMPUTER = {f"this computer ({ports.LOCAL_ONLY})": ports.LOCAL_ONLY}
#: What ends a run's subscription besides its Report (a RESULT, told apart by its type).
RUN_ENDS = frozenset({Kind.STOPPED, Kind.ERROR})


def check_address(host: str) -> str:
    """Where to check a server listening on ``host``: every address means this computer."""
    return {"0.0.0.0": ports.LOCAL_ONLY, "::": "::1", "": ports.LOCAL_ONLY}.get(host, host)


class CheckTab(Tab):
    title = "Check"
    hint = ("Check a program you wrote: labsuite runs every check of its kind against your "
            "server, or runs your client against its own servers, and explains each failure "
            "with a hint.")

    def __init__(self, parent, pump: EventPump, settings: Settings):
        super().__init__(parent)
        self.pump = pump
        #: The run under way (None when idle) and the last finished report.
        self.run: Optional[BackgroundQuery] = None
        self.report: Optional[Report] = None
        self._subscription: Optional[Subscription] = None
        self._token: Optional[object] = None
        self._outcomes: List[Outcome] = []
        self._running_kind = ""
        self._running_target = ""

        top = self.top_row((1,))
        box = ttk.LabelFrame(top, text="What to check", padding=style.PAD)
        box.grid(row=0, column=0, sticky="nsew")
        self._build_choice(box, settings)
        self._build_server_target(box, settings)
        self._build_client_command(box, settings)
        self._build_buttons(box)

        part = self.parts_over_log((1,), weight=0.5)
        self.checklist = Checklist(part, self._opened)
        self.checklist.grid(row=0, column=0, sticky="nsew")
        self.details = self.log
        self._mode_changed()

    def make_log(self, parent) -> LogView:
        """The lower pane: what happened in the check chosen (its transcript is its log)."""
        return CheckDetails(parent)

    # -- building ---------------------------------------------------------------------
    def _build_choice(self, box, settings: Settings) -> None:
        mode = settings.get("check.mode", SERVER)
        self.mode = tk.StringVar(self, mode if mode in (SERVER, CLIENT) else SERVER)
        kind = settings.get("check.kind", "echo")
        self.kind = tk.StringVar(self, kind if kind in SERVER_KINDS else "echo")
        row = Flow(box)
        row.pack(side="top", fill="x")
        label = ttk.Label(row, text="Check:")
        row.add(label, gap=0)
        self.server_radio = ttk.Radiobutton(row, text="a server you wrote", value=SERVER,
                                            variable=self.mode, command=self._mode_changed)
        self.client_radio = ttk.Radiobutton(row, text="a client you wrote", value=CLIENT,
                                            variable=self.mode, command=self._mode_changed)
        row.add(self.server_radio)
        row.add(self.client_radio, gap=2 * style.PAD)
        kind_row = ttk.Frame(row)
        ttk.Label(kind_row, text="Kind:").pack(side="left")
        self.kind_box = ttk.Combobox(kind_row, textvariable=self.kind, values=SERVER_KINDS,
                                     state="readonly", width=9)
        self.kind_box.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.kind_box.bind("<<ComboboxSelected>>", lambda _event: self._kind_changed(), add="+")
        on_return(self.kind_box, self.check)
        row.add(kind_row, gap=3 * style.PAD)
        #: The Python choice of a client (empty, so taking no room, for a server).
        self.python_holder = ttk.Frame(row)
        row.add(self.python_holder, gap=3 * style.PAD)
        self._last_kind = self.kind.get()
        tips(self.server_radio, "Check a server: labsuite connects to it as clients do, sends "
                                "messages whole, merged and in pieces, opens many connections "
                                "and, last, vanishes or sends garbage to see it keep serving.",
             self.client_radio, "Check a client: labsuite starts its own server for each check, "
                                "runs your client against it, types into it as you would, and "
                                "judges what it sends and prints.",
             self.kind_box, "What the program does: daytime, echo, chat or web (a client: "
                            "daytime, echo or chat). Enter checks it.")

    def _build_server_target(self, box, settings: Settings) -> None:
        self.server_row = ttk.Frame(box)
        kind = self.kind.get()
        self.target = HostPortField(
            self.server_row, host=settings.get("check.host", ports.LOCAL_ONLY),
            port=settings.get("check.port", DEFAULT_PORTS[kind]), presets=THIS_COMPUTER,
            host_width=18, on_enter=self.check,
            host_tip="Where your server runs: this computer (127.0.0.1) or a partner's "
                     "address. Enter checks it.")
        self.target.pack(side="left", fill="x", expand=True)
        tip(self.target.port_box, "The port your server listens on (1 to 65535). Enter "
                                  "checks it.")

    def _build_client_command(self, box, settings: Settings) -> None:
        self.client_command = ClientCommandField(
            box, self.python_holder, command=settings.get("check.command", ""),
            python=settings.get("check.python", ""), on_enter=self.check, kind=self.kind.get)

    def _build_buttons(self, box) -> None:
        row = ttk.Frame(box)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        self.buttons = row
        self.check_button = ttk.Button(row, text="Check", width=8, command=self.toggle,
                                       style="Accent.TButton")
        self.check_button.pack(side="left", anchor="n")
        self.save_button = ttk.Button(row, text="Save report…", command=self.save_report)
        self.save_button.pack(side="left", anchor="n", padx=(style.SMALL_PAD, 0))
        self.save_button.state(["disabled"])
        self.state_label = WrapLabel(row, text="", style="Muted.TLabel")
        self.state_label.pack(side="left", fill="x", expand=True, padx=(style.PAD, 0))
        tips(self.check_button, "Run every check (Enter in a field does it too); while they "
                                "run, Stop abandons them.",
             self.save_button, "Save the last report: a page for a teacher (HTML: every check "
                               "with its explanation, hint and transcript) or data for "
                               "scripts (JSON).")

    # -- the choices ------------------------------------------------------------------
    @property
    def kind_name(self) -> str:
        """The check kind: "echo", or "echo-client" for a client."""
        kind = self.kind.get()
        return kind + CLIENT_SUFFIX if self.mode.get() == CLIENT else kind

    def _mode_changed(self) -> None:
        client = self.mode.get() == CLIENT
        kinds = CLIENT_KINDS if client else SERVER_KINDS
        self.kind_box.configure(values=kinds)
        if self.kind.get() not in kinds:
            self.kind.set("echo")
        (self.server_row.pack_forget if client else self.client_command.pack_forget)()
        shown = self.client_command if client else self.server_row
        shown.pack(side="top", fill="x", pady=(style.PAD, 0), before=self.buttons)
        self.client_command.show_python(client)
        self.details.legend.configure(
            text="(blue: what labsuite's server sent, and what it typed)" if client
            else "(blue: what labsuite sent)")
        self._kind_changed()

    def _kind_changed(self) -> None:
        """A new kind: its checks are listed, and a server port still at the last kind's
        usual one moves to this kind's."""
        kind, last = self.kind.get(), self._last_kind
        self._last_kind = kind
        try:
            port = self.target.port_box.get_port()
        except ValueError:
            port = None
        if kind in DEFAULT_PORTS and port in (None, DEFAULT_PORTS.get(last)):
            self.target.set(port=DEFAULT_PORTS[kind])
        self.client_command.show_rule()
        if self.run is None:
            self._show_plan()

    def _show_plan(self) -> None:
        specs = specs_for(self.kind_name)
        self.report = None
        self.save_button.state(["disabled"])
        self.checklist.show_plan(specs, f"{len(specs)} checks of {describe(self.kind_name)}. "
                                        "Press Check to run them.")
        self.details.show_message(NOTHING_CHOSEN)

    # -- running ----------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.run is not None

    def toggle(self) -> None:
        if self.run is None:
            self.check()
        else:
            self.stop()

    def _what_to_check(self) -> Tuple[Callable[[EventCallback], BackgroundQuery], str]:
        """A builder of the run (given its ``on_event``) and the target's text, or
        ValueError with a plain sentence."""
        kind = self.kind_name
        if self.mode.get() == SERVER:
            host, port = self.target.get()
            return (lambda on_event: CheckRun(kind, host, port, on_event=on_event),
                    format_address((host, port)))
        command = self.client_command.prepare(kind)
        return (lambda on_event: ClientCheckRun(kind, command, on_event=on_event),
                command.text)

    def check(self) -> Optional[BackgroundQuery]:
        """Start every check of the kind chosen; the checklist fills in as they end."""
        if self.run is not None:
            return None
        try:
            build, target = self._what_to_check()
        except ValueError as exc:
            self._say(str(exc), error=True)
            return None
        kind = self.kind_name
        token = object()
        subscription = self.pump.subscribe(functools.partial(self._events, token),
                                           until=RUN_ENDS)
        try:
            run = build(subscription.on_event)
            run.start()
        except Exception as exc:  # a bug must still leave the tab usable
            subscription.close()
            self._say(f"The check could not start: {exc}", error=True)
            return None
        self.run, self._subscription, self._token = run, subscription, token
        self._running_kind, self._running_target = kind, target
        self._outcomes = []
        self.report = None
        specs = specs_for(kind)
        self.checklist.begin(specs, f"Checking {describe(kind)} ({len(specs)} checks)…")
        self.details.show_message("Choose a check in the list to see what happened in it; "
                                  "the first failure opens by itself.")
        self._set_busy(True)
        self._progress()
        return run

    def _events(self, token: object, events: List[Event]) -> None:
        if token is not self._token:
            return  # a run that was stopped: nothing more of it is shown
        for event in events:
            result = event.result
            if event.kind is Kind.RESULT and isinstance(result, Outcome):
                self._outcomes.append(result)
                self.checklist.add(result)
                self._progress()
            elif event.kind is Kind.RESULT and isinstance(result, Report):
                self._finished(result)
            elif event.kind is Kind.ERROR:
                self._finished(self._report_so_far(), f"The check ended early: {event.text}",
                               error=True)
            if self._token is not token:
                return

    def _progress(self) -> None:
        done, total = len(self._outcomes), len(self.checklist.specs)
        self._say(f"Checking… {done} of {total} checks done.")

    def _report_so_far(self) -> Report:
        """What has been checked, the checks not run marked as stopped."""
        done = {outcome.spec.id for outcome in self._outcomes}
        rest = [Outcome.of(spec, skip(STOPPED)) for spec in specs_for(self._running_kind)
                if spec.id not in done]
        return Report(self._running_kind, self._running_target,
                      tuple(self._outcomes) + tuple(rest))

    def stop(self) -> None:
        """Abandon the run now: the checks not done are marked as not run."""
        run = self.run
        if run is None:
            return
        report = self._report_so_far()
        passed = report.counts()["passed"]
        self._finished(report, f"Stopped after {len(self._outcomes)} of {len(report.outcomes)} "
                               f"checks: {passed} passed.")
        self.pump.in_background(run.stop, name="stop a check")

    def _finished(self, report: Report, summary: str = "", error: bool = False) -> None:
        """The run is over (or abandoned, with its own ``summary``)."""
        if self._subscription is not None:
            self._subscription.close()
        self.run = self._subscription = self._token = None
        self.report = report
        self.checklist.finish(report, summary or None)
        self._set_busy(False)
        self.save_button.state(["!disabled"])
        if error:
            self._say(summary, error=True)
        elif summary:
            self._say("Stopped.")
        else:
            self._say(f"Finished in {report.duration:.1f} s. Save report… keeps it for a "
                      "teacher.")
        chosen = self.checklist.chosen_id
        if chosen is not None:  # a line chosen while it waited: it has an outcome now
            self.checklist.open(chosen)

    def _set_busy(self, busy: bool) -> None:
        relabel(self.check_button, "Stop" if busy else "Check")
        for widget in (self.server_radio, self.client_radio):
            widget.state(["disabled"] if busy else ["!disabled"])
        self.kind_box.state(["disabled"] if busy else ["readonly", "!disabled"])
        self.target.set_enabled(not busy)
        self.client_command.set_enabled(not busy)
        self.save_button.state(["disabled"])

    def _say(self, text: str, error: bool = False) -> None:
        self.state_label.configure(text=text, style="Error.TLabel" if error else "Muted.TLabel")

    @property
    def state_text(self) -> str:
        return str(self.state_label.cget("text"))

    def _opened(self, spec, outcome: Optional[Outcome]) -> None:
        """A line was chosen (choosing it by code is also announced by the tree a moment
        later: what is shown already is not drawn again)."""
        if outcome is None:
            self.details.show_message(f"{spec.title}: not run yet.")
        elif outcome is not self.details.outcome:
            self.details.show(outcome, client_check=self._shown_kind.endswith(CLIENT_SUFFIX))

    @property
    def _shown_kind(self) -> str:
        """The kind of the checks in the list (a run's, or the one chosen)."""
        if self.report is not None:
            return self.report.kind
        return self._running_kind if self.run is not None else self.kind_name

    # -- from another tab's server ----------------------------------------------------
    def check_server_like(self, kind: str, host: str, port: int, running: bool) -> None:
        """Come to this tab with a server's ``kind``, host and port filled in, and check
        it at once if it is ``running`` (a tab's "Check a server like this")."""
        self.master.select(self)
        self.stop()
        self.mode.set(SERVER)
        self.kind.set(kind)
        self._mode_changed()
        self.target.set(host=check_address(host), port=port)
        self.checklist.tree.focus_set()  # the arrow keys open one line after another
        if running:
            self.check()
        else:
            self._say(f"That server is not running: start it (or a server of your own on port "
                      f"{port}), then press Check.")

    # -- saving -----------------------------------------------------------------------
    def save_report(self) -> Optional[str]:
        """Ask where, then write the last report: JSON for a .json file, else HTML."""
        report = self.report
        if report is None:
            return None
        chosen = tk.StringVar(self, "")
        path = filedialog.asksaveasfilename(
            parent=self, title="Save the check's report",
            initialfile=f"labsuite-check-{report.kind}.html", typevariable=chosen,
            filetypes=[("Page for a teacher (HTML)", "*.html"), ("Data for scripts (JSON)",
                                                                  "*.json")])
        if not path:
            return None
        return self.save_report_to(path, json_wanted="JSON" in chosen.get())

    def save_report_to(self, path: str, json_wanted: bool = False) -> Optional[str]:
        """Write the report to ``path`` (a name with no ending gets .json or .html)."""
        report = self.report
        if report is None:
            return None
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".json", ".html", ".htm"):
            suffix = ".json" if json_wanted else ".html"
            target = target.with_name(target.name + suffix)
        if suffix == ".json":
            text = json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
        else:
            text = html_report(report, generated=datetime.now().strftime("%Y-%m-%d %H:%M"))
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            self._say(f"Could not save the report to {target}: {exc.strerror or exc}.",
                      error=True)
            return None
        self._say(f"Saved the report to {target}.")
        return str(target)

    # -- window hooks -----------------------------------------------------------------
    def running_services(self) -> list:
        return [self.run] if self.run is not None else []

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"check.mode": self.mode.get(), "check.kind": self.kind.get(),
                                     "check.host": self.target.host_text,
                                     "check.command": self.client_command.command.get(),
                                     "check.python": self.client_command.python_word}
        try:
            values["check.port"] = self.target.port_box.get_port()
        except ValueError:
            pass
        return values
