"""The Check tab: checking servers and clients from the window, against real programs on
loopback (labsuite's own servers, the student programs of tests/check/programs)."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from labsuite.gui import style
from labsuite.gui.tabs import check as check_module
from labsuite.gui.tabs.check import CheckTab
from labsuite.gui.widgets import check_transcript as shown
from labsuite.gui.widgets import client_command as command_module
from labsuite.gui.widgets.client_command import (NO_COMMAND, NO_PORT, NO_PYTHON,
                                                 NO_PYTHON_SHORT, command_text, command_words,
                                                 python_choices)
from labsuite.gui.widgets.checklist import MAX_ENTRIES, NOTHING_CHOSEN
from labsuite.net.check.runner import STOPPED
from labsuite.protocols.check.model import (CHECKER, CLIENT, ERRORS, PRINTED, SERVER,
                                            TYPED, Outcome, TranscriptEntry, TranscriptLog,
                                            escape_bytes, ok, specs_for)
from tests.check.programs import CLIENTS, StudentProgram

from .conftest import screenshot, start_tab_server, wait_until

pytestmark = pytest.mark.timeout(30)

PASSED, FAILED = "\u2713", "\u2717"


def finished(app, tab, timeout=15.0):
    """Pump until the run under way has finished; its report."""
    wait_until(app.root, lambda: not tab.busy, timeout=timeout, message="the check to end")
    return tab.report


def press_enter(app, widget) -> None:
    widget.focus_force()
    app.root.update()
    widget.event_generate("<Return>")
    app.root.update()


def click_line(app, tree, iid) -> None:
    tree.see(iid)
    app.root.update()
    x, y, width, height = tree.bbox(iid)
    tree.event_generate("<ButtonPress-1>", x=x + width // 2, y=y + height // 2)
    tree.event_generate("<ButtonRelease-1>", x=x + width // 2, y=y + height // 2)
    app.root.update()


# -- "Check a server like this" on the other tabs ------------------------------------------
@pytest.mark.timeout(40)
def test_each_server_tab_checks_its_own_server_and_all_pass(app, tmp_path, monkeypatch):
    check = app.check_tab
    for title, kind in (("Echo", "echo"), ("Time", "daytime"), ("Web", "web"),
                        ("Chat", "chat")):
        tab = start_tab_server(app, title)
        button = tab.server.check_button
        assert button.instate(["!disabled"])  # a running server can be checked
        port = tab.server.service.address[1]
        button.invoke()
        assert app.current_tab is check
        assert (check.mode.get(), check.kind.get()) == ("server", kind)
        assert check.target.get() == ("127.0.0.1", port)
        assert check.busy and str(check.check_button.cget("text")) == "Stop"
        report = finished(app, check)
        assert report.passed, [(o.spec.id, o.explanation) for o in report.outcomes]
        lines = check.checklist.lines()
        assert len(lines) == len(specs_for(kind)) and all(
            line.startswith(PASSED) for line in lines)
        assert check.checklist.summary_text == f"Passed: all {len(lines)} checks passed."
        assert str(check.check_button.cget("text")) == "Check"
        if title == "Echo":
            saved_echo_reports(app, check, tmp_path, monkeypatch, port)
        tab.server.stop()
        wait_until(app.root, lambda server=tab.server: not server.running,
                   message=f"the {title} server to stop")


def saved_echo_reports(app, check, tmp_path, monkeypatch, port) -> None:
    """Save report: HTML for a teacher, JSON for scripts (the dialog's type when the name
    has no ending)."""
    answers = []

    def ask(**options):
        path, kind = answers.pop(0)
        options["typevariable"].set(kind)
        assert options["initialfile"] == "labsuite-check-echo.html"
        return path

    monkeypatch.setattr(check_module.filedialog, "asksaveasfilename", ask)
    answers[:] = [(str(tmp_path / "report.html"), "Page for a teacher (HTML)"),
                  (str(tmp_path / "report"), "Data for scripts (JSON)"), ("", "")]
    check.save_button.invoke()
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert f"the echo server at 127.0.0.1:{port}: all 8 checks passed." in page
    assert "Saved the report to" in check.state_text
    check.save_button.invoke()
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["kind"] == "echo" and data["passed"] is True
    assert [item["id"] for item in data["checks"]] == [spec.id for spec in specs_for("echo")]
    assert check.save_report() is None  # cancelled: nothing written
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("report")) \
        == ["report.html", "report.json"]


def test_a_stopped_server_is_only_filled_in(app):
    chat = app.select("Chat")
    chat.server.port_box.set_port(9123)
    chat.server.check_button.invoke()
    check = app.check_tab
    assert app.current_tab is check and not check.busy
    assert (check.kind.get(), check.target.get()) == ("chat", ("127.0.0.1", 9123))
    assert "not running" in check.state_text
    assert check.checklist.lines() == [spec.title for spec in specs_for("chat")]
    assert app.poker_tab.server.check_button is None  # no checks for poker: not offered


# -- a student's server ------------------------------------------------------------------
def test_a_broken_server_shows_its_failures_and_a_line_opens_with_text_and_hex(app, tmp_path):
    check = app.select("Check")
    with StudentProgram("echo_one_recv", tmp_path) as program:
        check.target.set(host="127.0.0.1", port=program.port)
        press_enter(app, check.target.port_box)  # Enter in a field runs Check
        assert check.busy
        report = finished(app, check)
    failed = {o.spec.id for o in report.outcomes if o.passed is False}
    assert failed == {"echoes-until-close", "large-message", "pieces"}
    tree = check.checklist.tree
    for outcome in report.outcomes:
        values = tree.item(outcome.spec.id, "values")
        assert values[0] == (FAILED if outcome.spec.id in failed else PASSED)
        assert tree.item(outcome.spec.id, "tags")[0] == ("error" if outcome.spec.id in failed
                                                         else "ok")
    assert check.checklist.summary_text == ("Not passed yet: 5 of 8 checks passed, 3 failed. "
                                            "Fix the first failure above, then run the check "
                                            "again.")

    # the first failure opened by itself: what happened, the hint, the transcript
    assert check.checklist.chosen_id == "echoes-until-close"
    details = check.details.content()
    first = report.outcomes[2]
    assert first.explanation in details and f"Hint: {first.hint}" in details
    assert "Wrote 14 bytes to your server: first message\\n" in details
    assert "Read 14 bytes from your server: first message\\n" in details
    assert "the server closed the connection" in details

    # a click opens another line; the hex view shows its bytes with offsets
    click_line(app, tree, "pieces")
    assert check.checklist.chosen_id == "pieces"
    assert "Wrote 3 bytes to your server: hel" in check.details.content()
    check.details.hex_check.invoke()
    hex_text = check.details.content()
    assert "00000000  68 65 6c" in hex_text and "|hel|" in hex_text
    assert "00000003  6c 6f 20 69 6e 20 73" in hex_text  # the next piece goes on counting
    screenshot(app.root, "check-tab-failure-hex")
    check.details.hex_check.invoke()
    # the arrow keys open the next line
    tree.focus_set()
    tree.event_generate("<Down>")
    app.root.update()
    assert check.checklist.chosen_id == "binary"
    assert "Echoes all 256 byte values unchanged" in check.details.content()
    # Clear closes it; Enter (or a click) on the line opens it again
    check.details.clear_button.invoke()
    assert check.details.content().strip() == NOTHING_CHOSEN
    tree.event_generate("<Return>")
    app.root.update()
    assert "Echoes all 256 byte values unchanged" in check.details.content()


def test_lines_take_their_colours_from_the_palette(app, tmp_path):
    check = app.select("Check")
    outcome = Outcome.of(specs_for("echo")[0], ok("It connected."))
    check.checklist.show_plan(specs_for("echo"), "")
    check.checklist.add(outcome)
    for theme, palette in (("light", style.LIGHT), ("dark", style.DARK)):
        app.set_theme(theme)
        app.root.update()
        tree = check.checklist.tree
        assert str(tree.tag_configure("ok", "foreground")) == palette.running
        assert str(tree.tag_configure("error", "foreground")) == palette.error
        text = check.details.text
        assert str(text.tag_cget(shown.OURS, "foreground")) == palette.result
        assert str(text.tag_cget("heading-error", "foreground")) == palette.error


def test_stop_abandons_a_check_at_once(app):
    check = app.select("Check")
    with socket.socket() as silent:  # connections are accepted by the kernel, never answered
        silent.bind(("127.0.0.1", 0))
        silent.listen(32)
        check.target.set(host="127.0.0.1", port=silent.getsockname()[1])
        run = check.check()
        assert run in app.running_services()  # closing the window would stop it
        wait_until(app.root, lambda: len(check._outcomes) == 1, message="the first check")
        check.check_button.invoke()  # Stop
        assert not check.busy and str(check.check_button.cget("text")) == "Check"
        assert run not in app.running_services()
        report = check.report
        assert [o.passed for o in report.outcomes] == [True] + [None] * 7
        assert all(o.explanation == STOPPED for o in report.outcomes[1:])
        assert check.checklist.summary_text == "Stopped after 1 of 8 checks: 1 passed."
        assert check.checklist.lines()[1].startswith("\u2013 Echoes a line of text")
        wait_until(app.root, lambda: not any(thread.is_alive() for thread in run._threads),
                   timeout=5, message="the abandoned run's thread to end")
        app.root.update()
        assert check.report is report and len(check._outcomes) == 1  # nothing more arrived
        assert check.save_button.instate(["!disabled"])  # what was checked can be saved


# -- a student's client --------------------------------------------------------------------
def test_browse_for_a_correct_client_builds_its_command_and_it_passes(app, monkeypatch):
    check = app.select("Check")
    check.client_radio.invoke()
    field = check.client_command
    assert check.kind_box.cget("values") == ("daytime", "echo", "chat")
    assert field.rule.winfo_manager() and str(field.rule.cget("text")) in (NO_COMMAND, NO_PYTHON)
    script = CLIENTS / "echo_correct.py"
    monkeypatch.setattr(command_module.filedialog, "askopenfilename",
                        lambda **options: str(script))
    field.python.set(next(label for label, word in field.pythons.items()
                          if word == sys.executable))
    field.browse_button.invoke()
    assert field.command.get() == command_text([sys.executable, str(script), "{host}",
                                                "{port}"])
    assert not field.rule.winfo_manager()  # nothing is missing: nothing to say
    press_enter(app, field.entry)
    assert check.busy
    assert field.entry.instate(["disabled"])  # nothing changes under a run
    report = finished(app, check)
    assert report.passed and report.kind == "echo-client"
    assert all(line.startswith(PASSED) for line in check.checklist.lines())
    click_line(app, check.checklist.tree, "pieces")
    details = check.details.content()
    assert "Typed 22 bytes into your client: Hello in small pieces\\n" in details
    assert "Your client printed" in details and "Read 22 bytes from your client" in details
    assert check.settings()["check.command"] == field.command.get()
    assert check.settings()["check.python"] == sys.executable


def test_the_command_says_what_it_lacks(app):
    check = app.select("Check")
    check.client_radio.invoke()
    field = check.client_command
    field.command.set("python3 my_client.py {host}")
    assert str(field.rule.cget("text")) == NO_PORT
    assert str(field.rule.cget("style")) == "Error.TLabel"
    check.check_button.invoke()
    assert not check.busy and check.state_text == NO_PORT
    field.command.set("python3 'my_client.py {host} {port}")
    check.check_button.invoke()
    assert check.state_text == "The command has a quotation mark that is not closed."
    field.command.set(f"{sys.executable} no_such_client.py {{host}} {{port}}")
    check.check_button.invoke()
    assert not check.busy and check.state_text.startswith("There is no file 'no_such_client.py'")


def test_another_python_rebuilds_the_command_until_it_is_edited(app):
    check = app.select("Check")
    check.client_radio.invoke()
    field = check.client_command
    field.pythons = {"first": "python-one", "second": "python-two"}
    field.python.set("first")
    field.use_script("/labs/my client.py")
    assert command_words(field.command.get()) == ["python-one", "/labs/my client.py", "{host}",
                                                  "{port}"]
    field.python.set("second")
    field.python_box.event_generate("<<ComboboxSelected>>")
    app.root.update()
    assert command_words(field.command.get())[0] == "python-two"
    field.command.set(field.command.get() + " {name}")  # edited by hand: left alone
    field.python.set("first")
    field.python_box.event_generate("<<ComboboxSelected>>")
    app.root.update()
    assert command_words(field.command.get())[0] == "python-two"


def test_the_standalone_program_offers_the_pythons_on_the_path(app, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(command_module.shutil, "which",
                        lambda name: "/usr/bin/py" if name == "py" else None)
    assert python_choices() == [("py from the PATH", "py")]
    monkeypatch.setattr(command_module.shutil, "which", lambda name: None)
    assert python_choices() == []
    tab = CheckTab(app.notebook, app.pump, app.settings)
    try:
        tab.client_radio.invoke()
        field = tab.client_command
        assert str(field.rule.cget("text")) == NO_PYTHON
        assert str(field.python_label.cget("text")) == NO_PYTHON_SHORT
        assert not field.python_box.winfo_manager()  # nothing to choose from
        tab.check_button.invoke()
        assert tab.state_text == NO_PYTHON
    finally:
        tab.destroy()


# -- the transcript as text and as hex (no window needed) ------------------------------------
def test_escaped_bytes_come_back_as_they_were():
    for data in (bytes(range(256)), "héllo ✓ \u200b\u202e end\r\n".encode(), b"\\n is not \n",
                 b"\xff\xfe\x00tail"):
        assert shown.unescape(escape_bytes(data)) == data


def test_each_side_in_the_words_of_the_log():
    def words(side, client_check, size=5):
        return shown.what_happened(TranscriptEntry(side, "hello", 0.0, size), client_check)

    assert words(CHECKER, False) == "Wrote 5 bytes to your server"
    assert words(SERVER, False) == "Read 5 bytes from your server"
    assert words(SERVER, True, 1) == "Wrote 1 byte to your client"
    assert words(CLIENT, True) == "Read 5 bytes from your client"
    assert words(TYPED, True) == "Typed 5 bytes into your client"
    assert words(PRINTED, True) == "Your client printed 5 bytes"
    assert words(ERRORS, True).startswith("Your client wrote 5 bytes to its error output")
    assert shown.tag_of(TranscriptEntry(SERVER, "", 0.0), True) == shown.OURS
    assert shown.tag_of(TranscriptEntry(SERVER, "", 0.0), False) == shown.THEIRS


def test_a_long_transfer_shows_what_was_kept_and_counts_the_rest():
    log = TranscriptLog()
    log.add(CHECKER, b"MESSAGE hi\nsecond line\n", 0.0, "client 2")
    log.add(SERVER, b"x" * 1000, 0.5)
    log.note("the server closed the connection", 0.6)
    log.add(SERVER, b"tail", 0.7)
    entries = list(log.entries())
    text = "".join(line for line, _tags in shown.text_lines(entries, client_check=False))
    assert "[client 2] Wrote 23 bytes to your server: MESSAGE hi\\n\nsecond line\\n\n" in text
    assert "Read 1,000 bytes from your server: " + "x" * 240 + " ... (1,000 bytes in all)" in text
    dump = "".join(line for line, _tags in shown.hex_lines(entries, client_check=False))
    assert "00000000  4d 45 53 53 41 47 45 20  68 69 0a 73 65 63 6f 6e  |MESSAGE hi.secon|" \
        in dump
    assert "… 760 bytes more, not kept in the transcript" in dump
    assert "000003e8  74 61 69 6c" in dump  # the server's stream goes on at 1,000
    rows = [tags for _line, tags in shown.hex_lines(entries, False) if shown.ROWS in tags]
    assert rows and all(tags[0] in (shown.OURS, shown.THEIRS, shown.NOTE_TAG) for tags in rows)


def test_a_huge_transcript_is_drawn_only_in_part(app):
    check = app.select("Check")
    entries = tuple(TranscriptEntry(SERVER if n % 2 else CHECKER, "line\\n" * 40, n / 1000, 240)
                    for n in range(20_000))
    outcome = Outcome(specs_for("echo")[1], False, "It broke.", "Fix it.", entries)
    check.details.show(outcome, client_check=False)
    check.details.hex_check.invoke()
    content = check.details.content()
    assert f"… {20_000 - MAX_ENTRIES:,} more entries not shown" in content
    assert content.count("Wrote 240 bytes") == MAX_ENTRIES // 2
    check.details.hex_check.invoke()


def test_command_words_and_text_round_trip():
    words = ["/usr/bin/python3", "/home/me/my lab/client's.py", "{host}", "{port}"]
    assert command_words(command_text(words)) == words
    with pytest.raises(ValueError):
        command_words('python3 "unfinished')


def test_the_tab_is_last_and_has_its_explanation(app):
    assert list(app.tabs)[-1] == "Check"
    check = app.check_tab
    assert check.hint in check.explainer.content
    assert "{host} and {port}" in check.explainer.content
