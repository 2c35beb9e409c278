"""The salesforce preset on a small hand-made export folder (tests/data/salesforce)."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from ingest_helpers import DATA

from salesorg.errors import InputError
from salesorg.ingest import import_files
from salesorg.metrics.pit import opportunity_state

SF = DATA / "salesforce"
OPP2 = "0065g00000OPP0002AQ"
BERT, CARL = "0055g00000EEEEEEE5", "0055g00000FFFFFFF6"


def _state(store, as_of):
    return {r.opportunity_id: r for r in opportunity_state(store, as_of).execute().itertuples()}


def test_owner_change_moves_the_deal_on_its_date(store):
    import_files(store, "salesforce", [SF])
    assert _state(store, "2026-02-28")[OPP2].owner_id == BERT
    assert _state(store, "2026-03-01")[OPP2].owner_id == CARL
    s = _state(store, "2026-03-15")[OPP2]
    assert (s.stage, s.forecast_category, s.currency) == ("Negotiation/Review", "best_case", "CHF")


def test_stage_list_flags_and_won_amount_come_from_the_export(store):
    import_files(store, "salesforce", [SF])
    s = _state(store, "2026-03-31")
    won = {k: v for k, v in s.items() if v.is_won}
    assert list(won) == ["0065g00000OPP0001AQ"] and won["0065g00000OPP0001AQ"].amount == Decimal(
        "12000"
    )
    assert s["0065g00000OPP0003AQ"].is_closed and not s["0065g00000OPP0003AQ"].is_won
    probs = dict(
        store.query("SELECT stage, default_probability FROM stages").itertuples(index=False)
    )
    assert probs["Negotiation/Review"] == pytest.approx(0.75)


def test_ids_are_kept_as_given_and_roles_build_the_unit_tree(store):
    r = import_files(store, "salesforce", [SF])
    assert r.report["history_deleted_dropped"] == 1
    assert r.report["opportunities_without_history_given_one_row"] == 1
    units = dict(store.query("SELECT name, kind FROM units").itertuples(index=False))
    assert units == {
        "VP Sales": "company",
        "Sales Manager North": "team",
        "Sales Manager South": "team",
    }
    mgr = store.query("SELECT manager_id FROM assignments WHERE person_id = '0055g00000DDDDDDD4'")
    assert mgr.manager_id[0] == "0055g00000BBBBBBB2"


def test_a_bad_amount_is_located_in_the_history_file(store, tmp_path):
    folder = tmp_path / "sf"
    shutil.copytree(SF, folder)
    f = folder / "OpportunityHistory.csv"
    f.write_text(f.read_text().replace("Negotiation/Review,8000,", "Negotiation/Review,eight,", 1))
    with pytest.raises(InputError) as exc:
        import_files(store, "salesforce", [folder])
    assert str(exc.value.problems[0]).startswith("OpportunityHistory.csv:6:Amount: value 'eight'")
    assert store.count("opportunities") == 0
