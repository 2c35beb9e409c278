"""The CP-SAT cell optimiser on instances small enough to solve by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from salesorg.errors import ConfigError
from salesorg.orgdesign.cells import plan_cells, read_fixed
from salesorg.orgdesign.orgmodel import OrgModel


def _org(rows):
    cols = [
        "person_id",
        "family",
        "unit_id",
        "country",
        "attainment",
        "tenure_years",
        "quota",
        "bookings",
    ]
    p = pd.DataFrame(rows, columns=cols)
    p["manager_id"] = "D"
    p["cell_id"] = None
    return OrgModel(as_of=dt.date(2026, 6, 30), currency="EUR", people=p)


# L1 (team A, DE) is the stronger lead; team A has SE1 and IS1, team B (AT) SE2 and IS2.
SMALL = [
    ("L1", "senior_am", "A", "DE", 1.3, 10.0, 100.0, 130.0),
    ("L2", "senior_am", "B", "AT", 0.9, 4.0, 100.0, 90.0),
    ("L3", "senior_am", "B", "AT", 0.7, 2.0, 100.0, 70.0),
    ("SE1", "se", "A", "DE", np.nan, 3.0, np.nan, 0.0),
    ("SE2", "se", "B", "AT", np.nan, 3.0, np.nan, 0.0),
    ("IS1", "inside_sales", "A", "DE", np.nan, 3.0, np.nan, 0.0),
    ("IS2", "inside_sales", "B", "AT", np.nan, 3.0, np.nan, 0.0),
]


def _cell_of(plan):
    return dict(zip(plan.assignments["person_id"], plan.assignments["cell_lead_id"], strict=True))


def test_two_cells_take_the_two_best_leads_and_keep_teams_together():
    plan = plan_cells(_org(SMALL), n_cells=2, max_seconds=5)
    cell = _cell_of(plan)
    assert set(plan.cells["cell_lead_id"]) == {"L1", "L2"}
    assert cell["SE1"] == cell["IS1"] == "L1" and cell["SE2"] == cell["IS2"] == "L2"
    assert plan.status == "OPTIMAL" and plan.gap == pytest.approx(0)
    assert "same team" in plan.assignments.set_index("person_id").loc["SE1", "reason"]


def test_fixed_assignments_are_honoured_and_the_minimum_mix_still_holds():
    plan = plan_cells(_org(SMALL), n_cells=2, fixed={"SE1": "L2"}, max_seconds=5)
    cell = _cell_of(plan)
    assert cell["SE1"] == "L2"
    assert cell["SE2"] == "L1"  # one SE per cell: the other SE must move
    fams = plan.assignments.groupby("cell_lead_id")["family"].apply(list)
    for members in fams:
        assert members.count("se") == 1 and members.count("inside_sales") == 1
    assert plan.assignments.set_index("person_id").loc["SE1", "reason"].endswith("fixed by user")


def test_a_fixed_lead_is_chosen_even_if_weaker():
    plan = plan_cells(_org(SMALL), n_cells=2, fixed={"IS2": "L3"}, max_seconds=5)
    assert "L3" in set(plan.cells["cell_lead_id"])


def test_one_cell_takes_everyone_under_the_best_lead():
    plan = plan_cells(_org(SMALL), n_cells=1, max_seconds=5)
    assert list(plan.cells["cell_lead_id"]) == ["L1"]
    assert plan.cells.iloc[0]["members"] == 4


def test_capacity_is_a_hard_limit():
    plan = plan_cells(_org(SMALL), n_cells=2, capacity=2, max_seconds=5)
    assert plan.assignments.groupby("cell_lead_id").size().max() <= 3  # lead + 2


def test_too_few_senior_ams_and_impossible_plans_are_config_errors():
    with pytest.raises(ConfigError, match="senior AM"):
        plan_cells(_org(SMALL), n_cells=4)
    with pytest.raises(ConfigError, match="not a senior AM"):
        plan_cells(_org(SMALL), n_cells=2, fixed={"SE1": "IS1"})
    with pytest.raises(ConfigError, match="no cell plan"):
        plan_cells(_org(SMALL), n_cells=2, capacity=1)


def test_fixed_file_is_read_and_checked(tmp_path):
    f = tmp_path / "fixed.csv"
    f.write_text("person_id,cell_lead_id\nSE1,L2\n")
    assert read_fixed(f) == {"SE1": "L2"}
    f.write_text("person_id,cell_lead_id\nSE1,\n")
    with pytest.raises(ConfigError, match=r"fixed\.csv:2"):
        read_fixed(f)
