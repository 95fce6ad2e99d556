"""What the check tests assert about a report, shared by the server and the client checks."""

from __future__ import annotations

from labsuite.protocols.check.model import Report, specs_for


def statuses(report: Report) -> dict:
    return {outcome.spec.id: outcome.passed for outcome in report.outcomes}


def assert_fails_exactly(report: Report, failing: set) -> None:
    """Every check of the kind ran, in order; exactly ``failing`` failed, each with an
    explanation and a hint; all the others passed."""
    assert [o.spec.id for o in report.outcomes] == [s.id for s in specs_for(report.kind)]
    wrong = {o.spec.id: o.explanation for o in report.outcomes
             if o.passed is not (o.spec.id not in failing)}
    assert not wrong, wrong
    for outcome in report.outcomes:
        if outcome.passed is False:
            assert outcome.explanation and outcome.hint, outcome


def assert_causes(report: Report, program: str, causes: dict) -> None:
    """Each failure's explanation or hint holds the words ``causes[(program, id)]``."""
    for outcome in report.outcomes:
        cause = causes.get((program, outcome.spec.id))
        if cause:
            assert cause in outcome.explanation + outcome.hint, outcome
