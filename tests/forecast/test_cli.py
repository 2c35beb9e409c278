"""The CLI: JSON keys of `forecast` and `backtest`, overrides, errors, and documentation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesorg.cli import app, main

DOC = Path(__file__).resolve().parents[2] / "docs" / "forecasting.md"
FORECAST_KEYS = {"p10", "p50", "p90", "mean", "booked", "open_pipeline", "method"}
BACKTEST_KEYS = {
    "method",
    "points",
    "forecasts",
    "wape",
    "bias",
    "coverage_p10_p90",
    "pinball",
    "by_week_of_quarter",
}


def _run(args):
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return r


@pytest.mark.parametrize(
    ("by", "key"), [("company", "company"), ("unit", "unit_id"), ("owner", "owner_id")]
)
def test_forecast_json_has_the_group_key_and_the_documented_fields(synth_path, by, key):
    r = _run(
        [
            "forecast",
            "--period",
            "2025Q2",
            "--as-of",
            "2025-05-14",
            "--by",
            by,
            "--method",
            "weighted",
            "--format",
            "json",
            "--db",
            str(synth_path),
        ]
    )
    rows = json.loads(r.stdout)
    assert rows and all(set(row) == FORECAST_KEYS | {key} for row in rows)


def test_backtest_json_has_one_object_per_method(synth_path, tmp_path):
    out = tmp_path / "bt.html"
    r = _run(
        [
            "backtest",
            "--method",
            "markov",
            "--method",
            "weighted",
            "--from",
            "2025-04-01",
            "--to",
            "2025-05-31",
            "--every",
            "month",
            "--trials",
            "300",
            "--format",
            "json",
            "--db",
            str(synth_path),
            "--out",
            str(out),
        ]
    )
    rows = json.loads(r.stdout)
    assert [x["method"] for x in rows] == ["markov", "weighted"]
    assert all(set(x) == BACKTEST_KEYS for x in rows)
    assert all(set(w) == {"week", "wape"} for x in rows for w in x["by_week_of_quarter"])
    assert out.read_text().count("<script") >= 1


def test_override_then_list_shows_the_call(synth, tmp_path):
    db = synth.path
    synth.close()
    _run(
        [
            "forecast",
            "override",
            "--unit",
            "T2",
            "--period",
            "2026Q1",
            "--amount",
            "123",
            "--comment",
            "hunch",
            "--author",
            "m@x",
            "--db",
            db,
        ]
    )
    r = _run(["forecast", "overrides", "--format", "json", "--db", db])
    (row,) = json.loads(r.stdout)
    assert (row["holder_id"], row["amount"], row["author"]) == ("T2", 123.0, "m@x")


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "--as-of", "2025-05-14"],
        ["forecast", "--period", "2025Q9"],
        ["forecast", "--period", "2025Q2", "--method", "crystal-ball"],
        ["forecast", "--period", "2025Q2", "--by", "planet"],
        [
            "forecast",
            "override",
            "--unit",
            "NOPE",
            "--period",
            "2025Q2",
            "--amount",
            "1",
            "--comment",
            "x",
        ],
    ],
)
def test_user_errors_exit_1_with_a_message(synth, args, capsys):
    db = synth.path
    synth.close()
    assert main([*args, "--db", db]) == 1
    assert "error:" in capsys.readouterr().err


def test_thin_data_warnings_are_named_on_stderr(tiny, capsys):
    db = tiny.path
    tiny.close()
    assert (
        main(
            [
                "forecast",
                "--period",
                "2026Q2",
                "--as-of",
                "2026-03-31",
                "--method",
                "weighted-learned",
                "--db",
                db,
            ]
        )
        == 0
    )
    assert "warning: ThinHistoryWarning" in capsys.readouterr().err


def test_every_json_key_and_command_is_documented():
    text = DOC.read_text()
    for key in FORECAST_KEYS | BACKTEST_KEYS | {"company", "unit_id", "owner_id", "week"}:
        assert re.search(rf"`{key}`", text), key
    for cmd in (
        "salesorg forecast",
        "salesorg backtest",
        "salesorg forecast override",
        "salesorg forecast overrides",
    ):
        assert cmd in text
