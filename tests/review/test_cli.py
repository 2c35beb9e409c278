from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesorg.cli import app, main
from salesorg.store import Store

runner = CliRunner()

TOP_KEYS = {
    "as_of",
    "since",
    "unit_id",
    "currency",
    "window",
    "changes",
    "bridge",
    "exceptions",
    "suppressed",
    "suppressed_reasons",
    "kpis",
    "settings",
}
CHANGE_KEYS = {
    "opportunity_id",
    "owner_id",
    "flags",
    "amount_before",
    "amount_after",
    "close_date_before",
    "close_date_after",
    "stage_before",
    "stage_after",
    "materiality",
}


@pytest.fixture
def db(tiny: Store) -> str:
    path = tiny.path
    tiny.close()
    return str(path)


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_review_json_has_the_documented_keys(db: str) -> None:
    data = _json(
        ["review", "--db", db, "--as-of", "2026-03-31", "--since", "2026-03-17", "-f", "json"]
    )
    assert set(data) == TOP_KEYS
    assert data["as_of"] == "2026-03-31" and data["since"] == "2026-03-17"
    assert data["unit_id"] is None
    assert all(set(c) >= CHANGE_KEYS for c in data["changes"])
    assert {
        "start",
        "end",
        "new",
        "won",
        "lost",
        "amount_up",
        "amount_down",
        "pulled_in",
        "slipped_out",
    } <= set(data["bridge"])
    b = data["bridge"]
    assert (
        round(b["start"] + sum(v for k, v in b.items() if k not in ("start", "end")), 2) == b["end"]
    )
    assert [e["opportunity_id"] for e in data["exceptions"]] == ["O4", "O5"]
    assert data["suppressed"] == 0
    assert data["kpis"]["current"]["booked_qtd"] == 210


def test_review_defaults_to_the_last_day_with_data_and_a_week_before(db: str) -> None:
    data = _json(["review", "--db", db, "-f", "json"])
    assert (data["as_of"], data["since"]) == ("2026-03-25", "2026-03-18")


def test_review_of_a_unit_and_csv_output(db: str) -> None:
    data = _json(["review", "--db", db, "--as-of", "2026-03-31", "--unit", "T1", "-f", "json"])
    assert data["unit_id"] == "T1"
    result = runner.invoke(app, ["review", "--db", db, "--as-of", "2026-03-31", "-f", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("opportunity_id,name,owner_id")


def test_review_writes_a_pack_and_one_per_unit(db: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.xlsx"
    result = runner.invoke(app, ["review", "--db", db, "--as-of", "2026-03-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    folder = tmp_path / "packs"
    result = runner.invoke(
        app, ["review", "--db", db, "--as-of", "2026-03-31", "--out", f"{folder}/", "--per-unit"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "review-T1-2026-03-31.html",
        "review-T2-2026-03-31.html",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "NOPE"], "unit 'NOPE' not found"),
        (["--as-of", "2026-03-31", "--since", "2026-04-02"], "must be before"),
        (["--as-of", "31/03/2026"], "is not a date"),
        (["--per-unit"], "--per-unit needs --out"),
    ],
)
def test_review_user_errors_exit_1_with_a_message(db: str, args, message, capsys) -> None:
    assert main(["review", "--db", db, *args]) == 1
    assert message in capsys.readouterr().err


def test_pause_is_stored_and_audited(db: str) -> None:
    result = runner.invoke(
        app,
        ["review", "pause", "O3", "--until", "2099-12-31", "--reason", "budget freeze", "--db", db],
    )
    assert result.exit_code == 0, result.output
    with Store.open(db, read_only=True) as s:
        assert s.con.execute("SELECT opportunity_id, until, reason FROM deal_pauses").fetchall()[0][
            ::2
        ] == (
            "O3",
            "budget freeze",
        )
        audit = s.con.execute("SELECT action, target FROM audit_log").fetchall()
    assert audit == [("review.pause", "O3")]


def test_pause_of_an_unknown_deal_fails_cleanly(db: str, capsys) -> None:
    assert (
        main(["review", "pause", "NOPE", "--until", "2099-01-01", "--reason", "x", "--db", db]) == 1
    )
    assert "opportunity 'NOPE' not found" in capsys.readouterr().err


def test_every_review_command_help_ends_with_an_example() -> None:
    for args in (["review", "--help"], ["review", "pause", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "Example: salesorg review" in result.stdout
