"""The org, scenario and cells commands in-process: exit codes, JSON keys, reports, docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from salesorg.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs" / "org-design.md"
QUANTITY_KEYS = ("bookings", "cost_of_sales_pct", "coaching_hours_per_am_month",
                 "selling_hours_per_am_week", "reporting_hours_per_manager_week", "share_above_quota")  # fmt: skip
COMPARE_KEYS = {"scenario", "managers", "front_line_managers", "layers", "mean_span", "headcount",
                "cost", "automated_reporting", *QUANTITY_KEYS, "p_beats_baseline", "p_more_bookings"}  # fmt: skip


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_scenario_compare_json_is_a_list_with_the_documented_keys(company_db, capsys):
    out = _json(
        capsys,
        [
            "scenario",
            "compare",
            "baseline",
            "span:14",
            "cells",
            "--trials",
            "200",
            "--seed",
            "3",
            "--format",
            "json",
            "--db",
            str(company_db),
        ],
    )
    assert [o["scenario"] for o in out] == ["baseline", "span:14", "cells"]
    for o in out:
        assert set(o) == COMPARE_KEYS
        for q in QUANTITY_KEYS:
            assert set(o[q]) == {"p10", "p50", "p90"}
    assert out[1]["managers"] == out[0]["managers"] - 6 and out[1]["front_line_managers"] == 8
    assert out[0]["p_beats_baseline"] is None and 0 <= out[2]["p_beats_baseline"] <= 1
    assert out[2]["layers"] == 2 and "manager" not in out[2]["headcount"]


def test_scenario_compare_is_deterministic_with_a_seed(company_db, capsys):
    argv = [
        "scenario",
        "compare",
        "span:14",
        "--trials",
        "100",
        "--seed",
        "9",
        "--format",
        "json",
        "--db",
        str(company_db),
    ]
    assert _json(capsys, argv) == _json(capsys, argv)


def test_scenario_run_adds_the_baseline_and_prints_a_table(company_db, capsys):
    assert main(["scenario", "run", "cells", "--trials", "100", "--db", str(company_db)]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out and "cells" in out and "P50 [P10–P90]" in out


def test_scenario_compare_writes_an_html_report_with_tornado_and_assumptions(
    company_db, tmp_path, capsys
):
    out = tmp_path / "report.html"
    assert (
        main(
            [
                "scenario",
                "compare",
                "span:14",
                "cells",
                "--trials",
                "100",
                "--out",
                str(out),
                "--db",
                str(company_db),
            ]
        )
        == 0
    )
    html = out.read_text()
    assert "Tornado: cells" in html and html.count("<svg") >= 2
    assert "Albers, Mantrala" in html and "DOMAIN.md #2c" in html
    assert "cannot be estimated" in html  # calibration says the data cannot tell


def test_bad_scenario_file_exits_1_with_the_key(company_db, tmp_path, capsys):
    f = tmp_path / "bad.toml"
    f.write_text('base = "span"\nspan = 0\n')
    assert main(["scenario", "run", str(f), "--db", str(company_db)]) == 1
    assert "key 'span'" in capsys.readouterr().err


def test_org_show_json_flags_spans_outside_the_range(company_db, capsys):
    out = _json(
        capsys,
        [
            "org",
            "show",
            "--min-span",
            "9",
            "--max-span",
            "15",
            "--format",
            "json",
            "--db",
            str(company_db),
        ],
    )
    assert out["layers"] == 3 and out["front_line_managers"] == 14
    flags = {s["manager_id"]: s["flag"] for s in out["spans"]}
    assert flags["SM000"] == "below" and flags["D0"] == "above"
    assert out["cost_of_sales_pct"] == pytest.approx(100 * out["cost"] / out["bookings"], rel=1e-3)


def test_org_show_rejects_a_bad_date_and_swapped_range(company_db, capsys):
    assert main(["org", "show", "--as-of", "June", "--db", str(company_db)]) == 1
    assert main(["org", "show", "--min-span", "9", "--max-span", "3", "--db", str(company_db)]) == 1


def test_cells_plan_json_reports_objective_gap_and_reasons(company_db, capsys):
    out = _json(
        capsys, ["cells", "plan", "--max-seconds", "5", "--format", "json", "--db", str(company_db)]
    )
    assert out["n_cells"] == 14 and out["gap"] >= 0 and out["status"] in ("OPTIMAL", "FEASIBLE")
    assert all(a["reason"] for a in out["assignments"])
    assert sum(c["n_se"] for c in out["cells"]) == 14


def test_every_json_key_is_documented():
    text = DOCS.read_text()
    documented = set(re.findall(r"`([a-z_0-9]+)`", text))
    missing = (
        COMPARE_KEYS
        | {
            "p10",
            "p50",
            "p90",
            "spans",
            "flag",
            "n_cells",
            "objective",
            "bound",
            "gap",
            "status",
            "cells",
            "assignments",
            "reason",
        }
    ) - documented
    assert not missing, f"docs/org-design.md does not document {sorted(missing)}"


def test_every_default_is_documented_with_its_source():
    from salesorg.orgdesign import DEFAULTS

    text = DOCS.read_text()
    for name, a in DEFAULTS.items():
        line = next((x for x in text.splitlines() if x.startswith(f"| `{name}` |")), None)
        assert line is not None, f"{name} is not in the defaults table of docs/org-design.md"
        assert a.confidence in line
