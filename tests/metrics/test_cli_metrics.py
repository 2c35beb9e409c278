"""``salesorg metrics``: JSON keys, groupings, defaults and errors, run in-process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from salesorg.cli import main
from salesorg.metrics.run import METRICS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
BY = [None, "owner", "unit", "month", "quarter"]


@pytest.fixture
def db(tiny) -> str:
    path = tiny.path
    tiny.close()
    return path


def _json(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["metrics", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_win_rate_json_by_owner_has_the_documented_keys(db, capsys) -> None:
    rows = _json(capsys, "win-rate", "--by", "owner", "--as-of", "2026-03-31", "--db", db)
    assert [r["owner_id"] for r in rows] == ["A1", "A3"]
    a1 = rows[0]
    assert {"won", "lost", "win_rate", "won_amount"} <= set(a1)
    assert (a1["won"], a1["lost"], a1["win_rate"], a1["won_amount"]) == (1, 1, 0.5, 120.0)


@pytest.mark.parametrize(("by", "key"), [("owner", "owner_id"), ("unit", "unit_id"),
                                         ("month", "month"), ("quarter", "quarter")])  # fmt: skip
def test_the_group_key_is_named_after_by(db, capsys, by: str, key: str) -> None:
    rows = _json(capsys, "bookings", "--by", by, "--as-of", "2026-03-31", "--db", db)
    assert rows and all(key in r for r in rows)


def test_as_of_defaults_to_the_last_day_with_data(db, capsys) -> None:
    # the last change in the tiny company is O5's reassignment on 2026-03-25
    default = _json(capsys, "pipeline", "--by", "owner", "--db", db)
    explicit = _json(capsys, "pipeline", "--by", "owner", "--as-of", "2026-03-25", "--db", db)
    assert default == explicit and {r["owner_id"] for r in default} == {"A1", "A2"}


def test_period_option_selects_the_window(db, capsys) -> None:
    rows = _json(capsys, "bookings", "--period", "2026-03", "--as-of", "2026-03-31", "--db", db)
    assert rows == [{"won": 1, "won_amount": 90.0}]
    rows = _json(capsys, "bookings", "--from", "2026-02-01", "--to", "2026-02-28", "--db", db)
    assert rows == [{"won": 1, "won_amount": 120.0}]


def test_csv_and_table_formats_print(db, capsys) -> None:
    assert main(["metrics", "attainment", "--by", "owner", "--format", "csv", "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("owner_id,period_start,period_end,quota,bookings,attainment")
    assert main(["metrics", "win-rate", "--db", db]) == 0
    assert "win_rate" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bookings", "--period", "2026Q7"], "not understood"),
        (["bookings", "--as-of", "31.03.2026"], "not a date"),
    ],
)
def test_bad_options_exit_1_with_a_message(db, capsys, args: list[str], message: str) -> None:
    assert main(["metrics", *args, "--db", db]) == 1
    assert message in capsys.readouterr().err


def test_unknown_metric_name_is_a_usage_error(db) -> None:
    assert main(["metrics", "velocity", "--db", db]) == 2


def test_a_missing_database_exits_1(tmp_path: Path, capsys) -> None:
    assert main(["metrics", "pipeline", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "salesorg demo" in capsys.readouterr().err


def test_every_metric_name_and_json_key_is_documented(tiny) -> None:
    from salesorg.metrics.run import compute

    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_0-9-]+)`", text))
    for name in METRICS:
        assert f"`{name}`" in text, f"metric {name} is not documented in {DOCS}"
        for by in BY:
            cols = compute(tiny, name, as_of="2026-03-31", by=by).columns
            missing = set(cols) - documented
            assert not missing, f"{name} --by {by}: keys {sorted(missing)} not in {DOCS}"
