"""docs/comp.md documents every comp command and every JSON key they print."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from salesorg.cli import app
from salesorg.store import Store

from .conftest import add_deal, base_company

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "comp.md").read_text()
EXAMPLES = ROOT / "src" / "salesorg" / "comp" / "examples"
runner = CliRunner()


def _keys(obj: object) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


def _json(args: list[str]) -> object:
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_every_json_key_of_every_comp_command_is_documented(tmp_path: Path) -> None:
    db = str(tmp_path / "d.duckdb")
    with Store.open(db) as s:
        base_company(s)
        for q in range(1, 4):
            add_deal(
                s, f"A{q}", "A1", "90000.00", f"2026-{3 * q - 1:02d}-10", created_on="2025-12-01"
            )
            add_deal(
                s,
                f"B{q}",
                "A2",
                "60000.00",
                f"2026-{3 * q - 1:02d}-11",
                created_on="2025-12-01",
                lost_on=f"2026-{3 * q:02d}-20" if q == 2 else None,
            )
    common = ["--db", db]
    outputs = [
        _json(["comp", "plan", "add", str(EXAMPLES / "am_individual.toml"), *common]),
        _json(["comp", "plan", "add", str(EXAMPLES / "cell_team.toml"), *common]),
        _json(
            [
                "comp",
                "plan",
                "assign",
                "am-individual",
                "--people",
                "A1,A2",
                "--from",
                "2026-01-01",
                *common,
            ]
        ),
        _json(["comp", "plan", "list", *common]),
        _json(["comp", "split", "A3", "--shares", "A1:50,A2:50", *common]),
        _json(["comp", "payouts", "--period", "2026Q3", *common]),
        _json(["comp", "quota", "propose", "--period", "2026Q4", "--history", "3", *common]),
        _json(["comp", "whatif", "am-individual", "--period", "2026Q4", "--sims", "50", *common]),
        _json(
            [
                "comp",
                "compare",
                "am-individual",
                "cell-team",
                "--period",
                "2026Q3",
                "--sims",
                "50",
                *common,
            ]
        ),
        _json(["comp", "behaviour", "--period", "2026", *common]),
    ]
    keys = set().union(*(_keys(o) for o in outputs))
    metrics = {r["metric"] for r in outputs[8]["rows"]}  # type: ignore[index]
    documented = set(re.findall(r"`([a-z_0-9]+)`", DOC))
    undocumented = sorted(k for k in keys if k not in documented)
    assert not undocumented, f"add to docs/comp.md: {undocumented}"
    assert all(m.rsplit("_", 1)[0] + "_*" in DOC or m in documented for m in metrics)


def test_every_comp_command_is_in_the_docs() -> None:
    for cmd in (
        "plan add",
        "plan assign",
        "plan list",
        "split",
        "payouts",
        "quota propose",
        "whatif",
        "compare",
        "behaviour",
    ):
        assert f"salesorg comp {cmd}" in DOC, cmd


def test_statement_renders_to_html_xlsx_and_pdf(tmp_path: Path) -> None:
    db = str(tmp_path / "d.duckdb")
    with Store.open(db) as s:
        base_company(s)
        add_deal(s, "O1", "A1", "120000.00", "2026-08-03")
    assert (
        runner.invoke(
            app, ["comp", "plan", "add", str(EXAMPLES / "am_individual.toml"), "--db", db]
        ).exit_code
        == 0
    )
    runner.invoke(
        app,
        [
            "comp",
            "plan",
            "assign",
            "am-individual",
            "--people",
            "A1",
            "--from",
            "2026-01-01",
            "--db",
            db,
        ],
    )
    for suffix in ("html", "xlsx", "pdf"):
        out = tmp_path / f"statement.{suffix}"
        res = runner.invoke(
            app, ["comp", "payouts", "--period", "2026Q3", "--db", db, "--out", str(out)]
        )
        assert res.exit_code == 0, res.output
        assert out.stat().st_size > 0
    html = (tmp_path / "statement.html").read_text()
    assert "O1" in html and "120,000.00" in html
