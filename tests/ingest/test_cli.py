"""`salesorg import` / `salesorg validate` through the CLI: summaries, JSON, exit codes."""

from __future__ import annotations

import json

from ingest_helpers import run_cli, table_counts

P_HEAD = "person_id,name,email,role,cost_per_year,currency,hired_on,left_on,country"


def test_validate_of_a_good_file_reports_rows_and_creates_no_database(tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(P_HEAD + "\nP1,Ann,,AM,,,,,\nP2,Bob,,SM,,,,,\n")
    db = tmp_path / "none.duckdb"
    code, out, err = run_cli("validate", "native", str(f), "--db", str(db), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["rows"] == {"people": 2} and json.loads(out)["status"] == "valid"
    assert not db.exists()


def test_import_json_lists_rows_and_ignored_columns(tmp_path):
    f = tmp_path / "people.csv"
    f.write_text("person_id,name,role,nickname\nP1,Ann,AM,annie\n")
    db = tmp_path / "s.duckdb"
    code, out, err = run_cli("import", "native", str(f), "--db", str(db), "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["rows"] == {"people": 1}
    assert payload["report"]["ignored_columns"] == {"people.csv": ["nickname"]}


def test_every_problem_of_a_file_is_printed_and_nothing_written(tiny_db, tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(P_HEAD + "\nP1,,,AM,-1,,2020-13-01,,\nP2,Bob,,AM,,,,,\n")
    before = table_counts(tiny_db)
    code, _, err = run_cli("import", "native", str(f), "--db", str(tiny_db))
    assert code == 1
    assert "3 problem(s) found; nothing was written" in err
    for loc in ("people.csv:2:name:", "people.csv:2:cost_per_year:", "people.csv:2:hired_on:"):
        assert loc in err
    assert table_counts(tiny_db) == before


def test_unknown_preset_and_bad_as_of_are_clear_errors(tmp_path):
    code, _, err = run_cli("import", "pipedrive", str(tmp_path), "--db", str(tmp_path / "x.duckdb"))
    assert code == 1 and "unknown preset 'pipedrive'" in err
    code, _, err = run_cli(
        "import",
        "snapshot",
        str(tmp_path),
        "--as-of",
        "last week",
        "--db",
        str(tmp_path / "x.duckdb"),
    )
    assert code == 1 and "--as-of 'last week': not a date" in err
