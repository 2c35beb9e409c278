"""analyse(): point in time, errors that say what to do, and the verdict's wording."""

from __future__ import annotations

import datetime as dt

import pytest

from salesorg.errors import DataError
from salesorg.impact.analysis import analyse
from salesorg.impact.report import format_effect, to_document, verdict
from salesorg.store import Store


def test_an_earlier_as_of_sees_only_the_weeks_known_then(company):
    db, facts = company
    start = facts["start"]
    with Store.open(db, read_only=True) as s:
        early = analyse(s, "solution-selling", as_of=start + dt.timedelta(days=34), replicates=49)
        late = analyse(s, "solution-selling", replicates=49)
    # start is a Monday; day 34 is the Sunday ending the 5th week: weeks e = 0..4 are complete
    assert early.effect.event_study.e.max() == 4
    assert late.effect.event_study.e.max() > 20
    assert early.effect.path.period.max() < late.effect.path.period.max()


def test_a_programme_that_has_not_started_points_to_plan(company):
    db, facts = company
    with Store.open(db, read_only=True) as s, pytest.raises(DataError, match="impact plan"):
        analyse(s, "solution-selling", as_of=facts["start"] - dt.timedelta(days=1))


def test_the_verdict_names_effect_interval_and_checks(company):
    db, _ = company
    with Store.open(db, read_only=True) as s:
        r = analyse(s, "solution-selling", replicates=199)
    text = verdict(r)
    lo, hi = r.effect.ci90
    assert f"[{format_effect(lo, 'share')}, {format_effect(hi, 'share')}]" in text
    assert "since" in text and "Checks:" in text
    doc = to_document(r)
    assert [sec.title for sec in doc.sections] == [
        "Verdict",
        "Effect over time",
        "Comparison group",
        "Checks",
        "Method",
    ]


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.0423, "share", "+4.2 pp"),
        (-1250.4, "money", "-1,250"),
        (3.26, "days", "+3.3 days"),
        (float("nan"), "share", "n/a"),
    ],
)
def test_effects_are_written_in_the_metrics_unit(value, unit, text):
    assert format_effect(value, unit) == text
