"""A check report as terminal lines, a JSON object, JUnit XML and a self-contained HTML page.

The text is what a student reads as each check finishes; JSON is for scripts; JUnit XML
is what CodeGrade, GitLab and GitHub Actions show as test results; the HTML page is for a
teacher (summary, then each check with its explanation, hint and transcript). Every
rendering escapes what the server sent, so a hostile server cannot inject markup.
"""

from __future__ import annotations

import codecs
import html
import re
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional, Sequence

from .model import NOTE, Outcome, Report, TranscriptEntry, count, subject

Marks = Dict[Optional[bool], str]
MARKS = {True: "\u2713", False: "\u2717", None: "\u2013"}  # ✓ ✗ –
ASCII_MARKS = {True: "ok", False: "FAIL", None: "skip"}
INDENT = "    "


def marks_for(encoding: Optional[str]) -> Marks:
    """The check marks, or ASCII words when ``encoding`` cannot write them."""
    try:
        "".join(MARKS.values()).encode(codecs.lookup(encoding or "ascii").name)
    except (LookupError, UnicodeError):
        return ASCII_MARKS
    return MARKS


# -- terminal lines ---------------------------------------------------------------------------
def heading(kind: str, target: str, checks: int) -> str:
    return f"Checking {subject(kind, target)} ({count(checks, 'check')})"


def outcome_lines(outcome: Outcome, marks: Marks = MARKS, transcript: bool = False) -> List[str]:
    """The check's line, then (unless it passed) what happened and the hint, indented."""
    optional = "" if outcome.spec.required else " (optional)"
    lines = [f"{marks[outcome.passed]} {outcome.spec.title}{optional}  [{outcome.spec.id}]"]
    if outcome.passed is not True:
        if outcome.explanation:  # a crash's last lines of stderr stay lines, indented
            lines.extend(INDENT + line for line in outcome.explanation.split("\n"))
        if outcome.hint:
            lines.append(f"{INDENT}Hint: {outcome.hint}")
        if transcript and outcome.transcript:
            lines.append(f"{INDENT}What was sent:")
            lines.extend(INDENT * 2 + line for line in transcript_lines(outcome.transcript))
    return lines


def transcript_lines(entries: Sequence[TranscriptEntry]) -> List[str]:
    """``  0.012 checker: GET / HTTP/1.0\\r\\n\\r\\n`` for each entry."""
    return [f"{entry.at:7.3f} {_who(entry)}: {entry.text}" for entry in entries]


def _who(entry: TranscriptEntry) -> str:
    """"checker", or "server (client 2)" when a check used several connections."""
    return entry.side + (f" ({entry.connection})" if entry.connection else "")


def summary_line(report: Report) -> str:
    if report.passed:
        return f"Passed: {report.headline()}"
    return (f"Not passed yet: {report.headline()} Fix the first failure above, then run the "
            "check again.")


# -- JSON -------------------------------------------------------------------------------------
def report_dict(report: Report) -> dict:
    """The report as plain JSON-ready data (the shape ``labsuite check --json`` prints)."""
    return {
        "kind": report.kind,
        "target": report.target,
        "passed": report.passed,
        "counts": report.counts(),
        "checks": [outcome_dict(outcome) for outcome in report.outcomes],
    }


def outcome_dict(outcome: Outcome) -> dict:
    return {
        "id": outcome.spec.id,
        "title": outcome.spec.title,
        "required": outcome.spec.required,
        "passed": outcome.passed,
        "explanation": outcome.explanation,
        "hint": outcome.hint,
        "seconds": round(outcome.duration, 3),
        "transcript": [entry_dict(entry) for entry in outcome.transcript],
    }


def entry_dict(entry: TranscriptEntry) -> dict:
    found = {"from": entry.side, "text": entry.text, "at": entry.at}
    if entry.side != NOTE:
        found["bytes"] = entry.size
    if entry.connection:
        found["connection"] = entry.connection
    return found


# -- JUnit XML --------------------------------------------------------------------------------
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold at all written as escapes."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def junit_xml(report: Report) -> str:
    """One ``<testsuite>`` with a ``<testcase>`` per check.

    A failed required check is a ``<failure>``; a skipped check, and an optional check
    that did not pass, is ``<skipped>`` (it must not turn a pipeline red).
    """
    counts = report.counts()
    optional_failed = sum(1 for o in report.outcomes if o.passed is False and not o.spec.required)
    suites = ET.Element("testsuites", name="labsuite check")
    suite = ET.SubElement(suites, "testsuite", {
        "name": f"labsuite check {report.kind} {xml_safe(report.target)}",
        "tests": str(len(report.outcomes)),
        "failures": str(counts["failed"] - optional_failed),
        "errors": "0",
        "skipped": str(counts["skipped"] + optional_failed),
        "time": f"{report.duration:.3f}",
    })
    for outcome in report.outcomes:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"labsuite.check.{report.kind}",
            "name": f"{outcome.spec.id}: {outcome.spec.title}",
            "time": f"{outcome.duration:.3f}",
        })
        message = xml_safe(outcome.explanation)
        details = xml_safe("\n".join(filter(None, [
            outcome.explanation, outcome.hint and f"Hint: {outcome.hint}"])))
        if outcome.passed is False and outcome.spec.required:
            failure = ET.SubElement(case, "failure", message=message, type="check failed")
            failure.text = details
        elif outcome.passed is not True:
            prefix = "" if outcome.passed is None else "Optional check not passed: "
            skipped = ET.SubElement(case, "skipped", message=prefix + message)
            skipped.text = details
        if outcome.transcript:
            out = ET.SubElement(case, "system-out")
            out.text = xml_safe("\n".join(transcript_lines(outcome.transcript)))
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


# -- HTML ---------------------------------------------------------------------------------------
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin: 0; }
.summary { padding: .6em 1em; border-radius: .4em; font-weight: bold; }
.passed { background: #e3f4e1; } .failed { background: #fbe4e4; } .skipped { background: #eee; }
table.checks { border-collapse: collapse; width: 100%; margin: 1em 0; }
table.checks td, table.checks th { border-bottom: 1px solid #ddd; padding: .3em .5em;
       text-align: left; vertical-align: top; }
section { border: 1px solid #ddd; border-radius: .4em; margin: 1em 0; padding: .8em 1em; }
.hint { background: #fff8dc; padding: .4em .6em; border-radius: .3em; }
.explanation { white-space: pre-wrap; }
table.transcript { border-collapse: collapse; font-family: ui-monospace, monospace;
       font-size: .85em; width: 100%; }
table.transcript td { padding: .1em .5em; vertical-align: top; white-space: pre-wrap;
       word-break: break-all; }
tr.checker td.text, tr.typed td.text { color: #0645ad; }
tr.server td.text { color: #8b1a1a; } tr.client td.text { color: #1a6b1a; }
tr.printed td.text { color: #222; background: #f4f4f4; } tr.stderr td.text { color: #b35900; }
tr.note td.text { color: #555; font-style: italic; }
td.at, td.who { white-space: nowrap; color: #666; }
"""


def html_report(report: Report, generated: str = "") -> str:
    """A self-contained page (no scripts, no outside links): summary, then every check."""
    e = _escape
    state = "passed" if report.passed else "failed"
    rows = "".join(
        f'<tr class="{o.status}"><td>{_mark_word(o)}</td><td><a href="#{e(o.spec.id)}">'
        f"{e(o.spec.title)}</a></td><td><code>{e(o.spec.id)}</code></td>"
        f"<td>{'required' if o.spec.required else 'optional'}</td></tr>"
        for o in report.outcomes)
    sections = "".join(_section(outcome) for outcome in report.outcomes)
    when = f"<p>Made {e(generated)} by labsuite check.</p>" if generated else ""
    title = f"labsuite check: {subject(report.kind, report.target)}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{e(title)}</h1>{when}"
        f'<p class="summary {state}">{e(report.headline())}</p>'
        '<table class="checks"><tr><th>result</th><th>check</th><th>id</th><th></th></tr>'
        f"{rows}</table>{sections}</body></html>\n")


def _section(outcome: Outcome) -> str:
    e = _escape
    parts = [f'<section id="{e(outcome.spec.id)}" class="{outcome.status}-check">',
             f'<h2 class="{outcome.status}">{_mark_word(outcome)}: {e(outcome.spec.title)} '
             f"<code>{e(outcome.spec.id)}</code></h2>"]
    if outcome.explanation:
        parts.append(f'<p class="explanation">{e(outcome.explanation)}</p>')
    if outcome.hint:
        parts.append(f'<p class="hint"><b>Hint:</b> {e(outcome.hint)}</p>')
    if outcome.transcript:
        rows = "".join(
            f'<tr class="{e(entry.side)}"><td class="at">{entry.at:.3f}</td>'
            f'<td class="who">{e(_who(entry))}</td>'
            f'<td class="text">{_transcript_text(entry)}</td></tr>'
            for entry in outcome.transcript)
        parts.append(f'<table class="transcript">{rows}</table>')
    parts.append("</section>")
    return "".join(parts)


def _transcript_text(entry: TranscriptEntry) -> str:
    """The escaped text, broken after each ``\\n`` escape so lines read as lines."""
    text = _escape(entry.text)
    if entry.side != NOTE:
        text = re.sub(r"((?<!\\)(?:\\\\)*\\n)", r"\1<br>", text)
    return text


def _mark_word(outcome: Outcome) -> str:
    return {True: "\u2713 passed", False: "\u2717 failed", None: "\u2013 skipped"}[outcome.passed]


def _escape(text: str) -> str:
    return html.escape(xml_safe(text), quote=True)
