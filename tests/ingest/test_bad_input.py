"""The bad-input corpus: every file breaks one rule, is located exactly, and writes nothing."""

from __future__ import annotations

import pytest
from ingest_helpers import BAD, run_cli, table_counts

#: case folder -> (extra CLI options, the location that must be reported, words of the rule)
CASES = {
    "missing_required_column": ((), "opportunities.csv:1:created_on:", "missing required column"),
    "unknown_column_strict": (("--strict",), "people.csv:1:nickname:", "unknown column"),
    "duplicate_id": ((), "people.csv:3:person_id: value 'P9'", "duplicate ID"),
    "negative_amount": ((), "opportunity_history.csv:2:amount: value '-5.00'", "below 0"),
    "non_numeric_amount": ((), "opportunity_history.csv:3:amount: value 'N/A'", "not a number"),
    "unparseable_date": (
        (),
        "opportunities.csv:2:created_on: value '2026-02-30'",
        "not a valid date",
    ),
    "close_before_created": (
        (),
        "opportunity_history.csv:2:close_date: value '2025-12-31'",
        "before the opportunity was created",
    ),
    "unknown_stage": ((), "opportunity_history.csv:2:stage: value 'Negotiation'", "unknown stage"),
    "unknown_owner": ((), "opportunities.csv:2:owner_id: value 'ZZ'", "unknown people.person_id"),
    "unknown_account": (
        (),
        "opportunities.csv:2:account_id: value 'ACME'",
        "unknown accounts.account_id",
    ),
    "history_unknown_opportunity": (
        (),
        "opportunity_history.csv:2:opportunity_id: value 'O99'",
        "unknown opportunities",
    ),
    "history_duplicate_timestamp": (
        (),
        "opportunity_history.csv:3:changed_at: value 'O1/2026-01-21 10:00:00'",
        "duplicate timestamp",
    ),
    "history_out_of_order": (
        (),
        "opportunity_history.csv:2:changed_at: value '2026-01-04 10:00:00'",
        "out of order",
    ),
    "unknown_choice": ((), "units.csv:2:kind: value 'galaxy'", "not one of"),
    "truncated_row": ((), "people.csv:3: value 'P9,Pia,,AM'", "truncated row"),
    "negative_cost_decimal_comma": ((), "people.csv:2:cost_per_year: value '-1000.50'", "below 0"),
    "wrong_encoding": ((), "people.csv:3: not valid UTF-8", "--encoding"),
    "empty_file": ((), "people.csv: empty file", "header row"),
}


def test_every_case_folder_has_an_expected_location():
    assert {p.name for p in BAD.iterdir() if p.is_dir()} == set(CASES)


def _import_fails_located_writing_nothing(case: str, db) -> None:
    opts, location, rule = CASES[case]
    before = table_counts(db)
    code, _out, err = run_cli("import", "native", str(BAD / case), "--db", str(db), *opts)
    assert code == 1, err
    assert location in err, err
    assert rule in err, err
    assert table_counts(db) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_located_exits_1_and_writes_nothing(case, tiny_db):
    _import_fails_located_writing_nothing(case, tiny_db)


@pytest.mark.parametrize("case", ["unknown_owner", "wrong_encoding"])
def test_validate_reports_the_same_problem_without_writing(case, tiny_db):
    opts, location, _rule = CASES[case]
    before = table_counts(tiny_db)
    code, _out, err = run_cli("validate", "native", str(BAD / case), "--db", str(tiny_db), *opts)
    assert code == 1 and location in err
    assert table_counts(tiny_db) == before


#: the cases whose bad value sits in the history and breaks a value or reference rule
_HISTORY_RULES = sorted(
    case
    for case, (_opts, location, _rule) in CASES.items()
    if location.startswith("opportunity_history.csv")
    and case not in ("history_duplicate_timestamp", "history_out_of_order")
)


@pytest.mark.parametrize("case", _HISTORY_RULES)
def test_a_first_history_load_checks_its_rules_while_inserting(case, tiny_db):
    """Into an empty history the rules are checked by the insert itself (issue #3's speed);
    the bad value is still located and nothing is written."""
    from salesorg.store import Store

    with Store.open(tiny_db) as s:
        s.con.execute("DELETE FROM opportunity_history")
    _import_fails_located_writing_nothing(case, tiny_db)
