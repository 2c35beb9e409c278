"""Plan files: the examples load, bad files give located ConfigErrors, storage round-trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from salesorg.comp.plan import load_plan, parse_plan
from salesorg.comp.registry import add_plan, assign_plan, get_plan, list_plans
from salesorg.errors import ConfigError, NotFoundError
from salesorg.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "salesorg" / "comp" / "examples"

GOOD = """
plan_id = "x"
ote = 100000
pay_mix = [60, 40]
[[components]]
id = "b"
weight = 100
tiers = [{from = 0, rate = 1}]
"""


@pytest.mark.parametrize("name", ["am_individual.toml", "cell_team.toml", "capped.toml"])
def test_every_example_plan_is_valid(name: str) -> None:
    plan = load_plan(EXAMPLES / name)
    assert sum(c.weight for c in plan.components) == 100


def test_cell_example_puts_a_quarter_of_variable_pay_on_the_team() -> None:
    plan = load_plan(EXAMPLES / "cell_team.toml")
    team = [c for c in plan.components if c.measure == "team_bookings"]
    assert [c.weight for c in team] == [Decimal(25)]


@pytest.mark.parametrize(
    ("change", "key", "rule"),
    [
        (("pay_mix = [60, 40]", "pay_mix = [60, 30]"), "pay_mix", "summing to 100"),
        (("weight = 100", "weight = 90"), "(plan)", "weights must sum to 100"),
        (("rate = 1}", "rate = -1}"), "components[0].tiers[0].rate", "greater than or equal to 0"),
        (("from = 0", "from = 10"), "components[0]", "first tier must start at from = 0"),
        (("rate = 1}", "rate = 1.00001}"), "components[0].tiers[0].rate", "multiple of 0.0001"),
        (
            ('id = "b"', 'id = "b"\nmeasure = "margin"'),
            "components[0].measure",
            "no deal cost or margin",
        ),
        (("ote = 100000", "ote = 100000.001"), "ote", "whole number of cents"),
        (("ote = 100000", ""), "ote", "required key is missing"),
        (("weight = 100", "weight = 100\nwat = 1"), "components[0].wat", "Extra inputs"),
    ],
)
def test_bad_plan_names_file_key_value_and_rule(
    change: tuple[str, str], key: str, rule: str
) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(ConfigError) as err:
        parse_plan(text, source="plan.toml")
    msg = str(err.value)
    assert f"plan.toml: {key}:" in msg
    assert rule in msg


def test_invalid_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_plan("plan_id = ", source="p.toml")


def test_stored_plan_round_trips_through_its_toml(store: Store) -> None:
    plan = load_plan(EXAMPLES / "am_individual.toml")
    add_plan(store, plan)
    assert get_plan(store, "am-individual") == plan
    with pytest.raises(ConfigError, match="already exists"):
        add_plan(store, plan)


def test_assigning_unknown_people_or_plans_writes_nothing(tiny: Store) -> None:
    add_plan(tiny, parse_plan(GOOD))
    with pytest.raises(NotFoundError, match="ZZ"):
        assign_plan(tiny, "x", ["A1", "ZZ"], valid_from=dt.date(2026, 1, 1))
    with pytest.raises(NotFoundError, match="no plan 'nope'"):
        assign_plan(tiny, "nope", ["A1"], valid_from=dt.date(2026, 1, 1))
    assert tiny.count("plan_assignments") == 0


def test_a_new_assignment_ends_the_previous_one(tiny: Store) -> None:
    add_plan(tiny, parse_plan(GOOD))
    add_plan(tiny, parse_plan(GOOD.replace('"x"', '"y"')))
    assign_plan(tiny, "x", ["A1"], valid_from=dt.date(2026, 1, 1))
    assign_plan(tiny, "y", ["A1"], valid_from=dt.date(2026, 4, 1), ote=Decimal("90000"))
    rows = tiny.con.execute(
        "SELECT plan_id, valid_from, valid_to, ote FROM plan_assignments ORDER BY valid_from"
    ).fetchall()
    assert rows == [
        ("x", dt.date(2026, 1, 1), dt.date(2026, 4, 1), None),
        ("y", dt.date(2026, 4, 1), None, Decimal("90000.00")),
    ]
    assert {r["plan_id"]: r["people"] for r in list_plans(tiny)} == {"x": 1, "y": 1}
