"""Rendering a report: terminal lines, JSON, JUnit XML and the teacher's HTML page."""

from __future__ import annotations

import html.parser
import json
import xml.etree.ElementTree as ET

import pytest

from labsuite.protocols.check import report as render
from labsuite.protocols.check.model import (CHECKER, SERVER, CheckSpec, Outcome, Report,
                                            TranscriptLog, fail, ok, skip)

pytestmark = pytest.mark.timeout(30)

HOSTILE = "<script>alert('x')</script> & \x00\x1b[2J"


def transcript(*items):
    log = TranscriptLog()
    for side, data, at in items:
        log.add(side, data, at, "client 1" if side == SERVER else None)
    return log.entries()


def sample() -> Report:
    return Report("web", "127.0.0.1:8080", (
        Outcome.of(CheckSpec("connects", "Accepts a connection"), ok("Connected in 1 ms."),
                   duration=0.001),
        Outcome.of(CheckSpec("status-line", "Starts with a status line"),
                   fail("The status line ends with '\\n' alone.", "Write '\\r\\n'."),
                   transcript((CHECKER, b"GET / HTTP/1.0\r\n\r\n", 0.0),
                              (SERVER, b"HTTP/1.0 200 OK\n\n" + HOSTILE.encode(), 0.01)),
                   duration=0.25),
        Outcome.of(CheckSpec("head", "Answers HEAD", required=False), fail("Body sent.", "Don't.")),
        Outcome.of(CheckSpec("traversal", "No files from outside"),
                   skip("Not run: the server stopped answering.")),
    ))


# -- terminal -------------------------------------------------------------------------------
def test_a_passed_check_is_one_line_and_a_failure_says_what_and_what_to_do():
    outcomes = sample().outcomes
    assert render.outcome_lines(outcomes[0]) == ["\u2713 Accepts a connection  [connects]"]
    failed = render.outcome_lines(outcomes[1])
    assert failed == ["\u2717 Starts with a status line  [status-line]",
                      "    The status line ends with '\\n' alone.",
                      "    Hint: Write '\\r\\n'."]
    assert render.outcome_lines(outcomes[2])[0] == "\u2717 Answers HEAD (optional)  [head]"
    assert render.outcome_lines(outcomes[3], render.ASCII_MARKS) == [
        "skip No files from outside  [traversal]", "    Not run: the server stopped answering."]


def test_verbose_lines_show_the_transcript_escaped():
    lines = render.outcome_lines(sample().outcomes[1], transcript=True)
    assert lines[3] == "    What was sent:"
    assert lines[4].endswith("checker: GET / HTTP/1.0\\r\\n\\r\\n")
    assert "server (client 1): HTTP/1.0 200 OK\\n\\n<script>" in lines[5]
    assert "\x1b" not in "".join(lines) and "\\x1b[2J" in lines[5]


@pytest.mark.parametrize("encoding, marks", [
    ("utf-8", render.MARKS), ("UTF8", render.MARKS), ("ascii", render.ASCII_MARKS),
    ("cp1252", render.ASCII_MARKS), (None, render.ASCII_MARKS),
    ("no-such-codec", render.ASCII_MARKS)])
def test_the_marks_fall_back_to_words_when_the_terminal_cannot_show_them(encoding, marks):
    assert render.marks_for(encoding) is marks


def test_heading_and_summary():
    assert render.heading("echo", "127.0.0.1:8007", 8) == \
        "Checking the echo server at 127.0.0.1:8007 (8 checks)"
    assert render.heading("chat-client", "python3 chat.py {host} {port}", 6) == \
        'Checking the chat client "python3 chat.py {host} {port}" (6 checks)'
    summary = render.summary_line(sample())
    assert summary.startswith("Not passed yet: the web server at 127.0.0.1:8080: 1 of 4 checks")
    passing = Report("echo", "h:1", (Outcome.of(CheckSpec("a", "A"), ok("fine")),))
    assert render.summary_line(passing) == "Passed: the echo server at h:1: all 1 checks passed."


def test_an_explanation_of_several_lines_keeps_its_lines_indented():
    crash = Outcome.of(CheckSpec("pieces", "Pieces"),
                       fail("It crashed:\n    Traceback\n    IndexError: x", "Fix it."))
    assert render.outcome_lines(crash, render.ASCII_MARKS) == [
        "FAIL Pieces  [pieces]", "    It crashed:", "        Traceback", "        IndexError: x",
        "    Hint: Fix it."]
    page = render.html_report(Report("echo-client", "c", (crash,)))
    assert '<p class="explanation">It crashed:\n    Traceback\n' in page  # shown as lines


# -- JSON ----------------------------------------------------------------------------------
def test_the_json_shape():
    data = json.loads(json.dumps(render.report_dict(sample())))
    assert (data["kind"], data["target"], data["passed"]) == ("web", "127.0.0.1:8080", False)
    assert data["counts"] == {"passed": 1, "failed": 2, "skipped": 1}
    ids = [check["id"] for check in data["checks"]]
    assert ids == ["connects", "status-line", "head", "traversal"]
    check = data["checks"][1]
    assert set(check) == {"id", "title", "required", "passed", "explanation", "hint", "seconds",
                          "transcript"}
    assert (check["required"], check["passed"], check["seconds"]) == (True, False, 0.25)
    assert check["transcript"][0] == {"from": "checker", "text": "GET / HTTP/1.0\\r\\n\\r\\n",
                                      "at": 0.0, "bytes": 18}
    assert check["transcript"][1]["connection"] == "client 1"
    assert data["checks"][3]["passed"] is None and data["checks"][2]["required"] is False


# -- JUnit ------------------------------------------------------------------------------------
def test_junit_has_one_suite_with_a_case_per_check():
    root = ET.fromstring(render.junit_xml(sample()))
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite"
    counts = [suite.get(key) for key in ("tests", "failures", "skipped", "errors")]
    assert counts == ["4", "1", "2", "0"]
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == [
        "connects: Accepts a connection", "status-line: Starts with a status line",
        "head: Answers HEAD", "traversal: No files from outside"]
    assert cases[0].find("failure") is None and cases[0].find("skipped") is None
    failure = cases[1].find("failure")
    assert failure.get("message") == "The status line ends with '\\n' alone."
    assert "Hint: Write '\\r\\n'." in failure.text
    assert "<script>" in cases[1].find("system-out").text  # escaped by XML, intact as text
    assert cases[2].find("skipped").get("message").startswith("Optional check not passed:")
    assert cases[3].find("skipped").get("message") == "Not run: the server stopped answering."
    assert cases[1].get("classname") == "labsuite.check.web" and cases[1].get("time") == "0.250"


def test_junit_survives_characters_xml_cannot_hold():
    odd = Report("echo", "h:1",
                 (Outcome.of(CheckSpec("a", "A"), fail("nul \x00 esc \x1b", "\ufffe")),))
    failure = ET.fromstring(render.junit_xml(odd)).find(".//failure")
    assert failure.get("message") == "nul \\u0000 esc \\u001b"


# -- HTML -------------------------------------------------------------------------------------
class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.attributes = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_report_is_self_contained_and_escapes_what_the_server_sent():
    page = render.html_report(sample(), generated="2026-02-11 21:30")
    parsed = Tags()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert not any(value and ("http:" in value or "https:" in value)
                   for _, value in parsed.attributes), "no outside resources or links"
    text = "".join(parsed.text)
    assert "<script>alert('x')</script>" in text  # shown as text, never run
    assert "\x00" not in page and "\x1b" not in page
    for check in ("connects", "status-line", "head", "traversal"):
        assert f'id="{check}"' in page
    assert "1 of 4 checks passed" in text and "Hint:" in text and "2026-02-11 21:30" in text
    assert "Write '\\r\\n'." in text


def test_html_breaks_transcript_lines_after_each_newline_escape():
    page = render.html_report(sample())
    assert "GET / HTTP/1.0\\r\\n<br>\\r\\n<br>" in page
    escaped = Report("echo", "h:1", (Outcome.of(
        CheckSpec("a", "A"), fail("x", "y"), transcript((SERVER, b"a\\nb\n", 0))),))
    # a backslash followed by n in the data is not a line end
    assert "a\\\\nb\\n<br>" in render.html_report(escaped)
