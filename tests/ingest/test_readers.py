"""Readers and formats: BOM, CRLF, ';' with decimal comma, --encoding, .xlsx, Parquet, mapping."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from salesorg.errors import ConfigError, InputError
from salesorg.ingest import Options, import_files, load_mapping
from salesorg.ingest.readers import sniff_delimiter

P_HEAD = "person_id,name,email,role,cost_per_year,currency,hired_on,left_on,country"


def _people(tiny):
    return tiny.query(
        "SELECT person_id, name, cost_per_year FROM people WHERE person_id LIKE 'P%' ORDER BY 1"
    )


def test_sniffing_picks_semicolon_only_when_it_dominates_outside_quotes():
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter('a,"x;y;z",c') == ","


def test_utf8_bom_and_crlf_are_accepted(tiny, tmp_path):
    f = tmp_path / "people.csv"
    f.write_bytes(("\ufeff" + P_HEAD + "\r\nP1,Jürgen,,AM,1000.5,EUR,,,\r\n").encode("utf-8"))
    import_files(tiny, "native", [f])
    df = _people(tiny)
    assert list(df.name) == ["Jürgen"] and df.cost_per_year[0] == Decimal("1000.50")


def test_semicolon_file_reads_decimal_comma_and_thousands_dot(tiny, tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(P_HEAD.replace(",", ";") + "\nP1;Ann;;AM;120.000,75;EUR;2020-01-01;;DE\n")
    import_files(tiny, "native", [f])
    assert _people(tiny).cost_per_year[0] == Decimal("120000.75")


def test_other_encodings_import_with_the_encoding_option(tiny, tmp_path):
    f = tmp_path / "people.csv"
    f.write_bytes((P_HEAD + "\nP1,Groß,,AM,,,,,\n").encode("cp1252"))
    with pytest.raises(InputError, match=r"people\.csv:2: not valid UTF-8"):
        import_files(tiny, "native", [f])
    import_files(tiny, "native", [f], options=Options(encoding="cp1252"))
    assert list(_people(tiny).name) == ["Groß"]


def test_xlsx_rows_are_located_by_their_sheet_row(tiny, tmp_path):
    f = tmp_path / "people.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(P_HEAD.split(","))
    ws.append(["P1", "Ann", None, "AM", 1000, "EUR", None, None, None])
    ws.append(["P2", "Bob", None, "AM", "lots", "EUR", None, None, None])
    wb.save(f)
    with pytest.raises(InputError) as exc:
        import_files(tiny, "native", [f])
    assert str(exc.value.problems[0]).startswith("people.xlsx:3:cost_per_year: value 'lots'")
    ws.cell(row=3, column=5, value=2000)
    wb.save(f)
    import_files(tiny, "native", [f])
    assert list(_people(tiny).cost_per_year) == [Decimal("1000.00"), Decimal("2000.00")]


def test_parquet_keeps_its_types(tiny, tmp_path):
    f = tmp_path / "people.parquet"
    pd.DataFrame(
        {"person_id": ["P1"], "name": ["Ann"], "role": ["AM"], "cost_per_year": [1.5]}
    ).to_parquet(f)
    import_files(tiny, "native", [f])
    assert _people(tiny).cost_per_year[0] == Decimal("1.50")


def test_mapping_renames_columns_sets_defaults_and_recodes_values(tiny, tmp_path):
    (tmp_path / "staff.csv").write_text("ID,Full name,Title\nP1,Ann,Account Manager\n")
    m = tmp_path / "map.toml"
    m.write_text(
        '[people]\nfile = "staff.csv"\n[people.columns]\nperson_id = "ID"\nname = "Full name"\n'
        'role = "Title"\n[people.defaults]\ncurrency = "EUR"\n'
        '[people.values.role]\n"Account Manager" = "AM"\n'
    )
    import_files(tiny, "native", [tmp_path / "staff.csv"], options=Options(mapping=load_mapping(m)))
    row = tiny.query("SELECT role, currency FROM people WHERE person_id = 'P1'")
    assert (row.role[0], row.currency[0]) == ("AM", "EUR")


def test_mapping_with_an_unknown_column_is_a_config_error(tmp_path):
    m = tmp_path / "map.toml"
    m.write_text('[people.columns]\nnmae = "Name"\n')
    with pytest.raises(ConfigError, match="unknown column 'nmae'"):
        load_mapping(m)


def test_a_corrected_file_updates_rows_by_natural_key(tiny, tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(P_HEAD + "\nP1,Ann,,AM,,,,,\n")
    import_files(tiny, "native", [f])
    f.write_text(P_HEAD + "\nP1,Ann Smith,,AM,,,,,\n")
    r = import_files(tiny, "native", [f])
    assert r.status == "ok" and list(_people(tiny).name) == ["Ann Smith"]


def test_history_upsert_recomputes_valid_to_of_the_opportunity(tiny, tmp_path):
    f = tmp_path / "opportunity_history.csv"
    f.write_text(
        "opportunity_id,changed_at,stage,amount,close_date\n"
        "O3,2026-02-20 09:00:00,Propose,210,2026-03-31\n"
    )
    import_files(tiny, "native", [f])
    rows = tiny.query(
        "SELECT changed_at, valid_to FROM opportunity_history WHERE opportunity_id = 'O3' ORDER BY 1"
    )
    assert [str(v) for v in rows.valid_to] == [
        "2026-02-20 09:00:00",
        "2026-03-15 09:00:00",
        "9999-12-31 00:00:00",
    ]


def test_a_corrected_history_row_replaces_the_stored_one_under_the_same_key(tiny, tmp_path):
    f = tmp_path / "opportunity_history.csv"
    f.write_text(
        "opportunity_id,changed_at,stage,amount,close_date\n"
        "O3,2026-03-15 09:00:00,Qualify,250,2026-05-15\n"
    )
    import_files(tiny, "native", [f])
    rows = tiny.query(
        "SELECT changed_at, amount FROM opportunity_history WHERE opportunity_id = 'O3' ORDER BY 1"
    )
    assert [float(a) for a in rows.amount] == [200.0, 250.0]


def test_a_corrected_opportunity_replaces_the_stored_one(tiny, tmp_path):
    f = tmp_path / "opportunities.csv"
    f.write_text("opportunity_id,owner_id,created_on,currency,name\nO1,A1,2026-01-05,EUR,Renamed\n")
    before = tiny.count("opportunities")
    import_files(tiny, "native", [f])
    names = tiny.query("SELECT name FROM opportunities WHERE opportunity_id = 'O1'").name
    assert list(names) == ["Renamed"] and tiny.count("opportunities") == before


@pytest.mark.parametrize("order", ["sorted", "unsorted"])
def test_duplicate_opportunity_ids_in_an_empty_store_are_located(store, tmp_path, order):
    (tmp_path / "people.csv").write_text("person_id,name,role\nA1,Ann,AM\n")
    ids = ["O1", "O2", "O2"] if order == "sorted" else ["O2", "O1", "O2"]
    (tmp_path / "opportunities.csv").write_text(
        "opportunity_id,owner_id,created_on,currency\n"
        + "".join(f"{i},A1,2026-01-05,EUR\n" for i in ids)
    )
    with pytest.raises(InputError) as exc:
        import_files(store, "native", [tmp_path])
    assert [str(p) for p in exc.value.problems] == [
        "opportunities.csv:4:opportunity_id: value 'O2' — duplicate ID (first on row "
        + ("3)" if order == "sorted" else "2)")
    ]
    assert store.count("opportunities") == 0 and store.count("imports") == 0


def test_problems_are_all_reported_not_only_the_first(tiny, tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(P_HEAD + "\n" + "".join(f"P{i},N,,AM,-{i},,,,\n" for i in range(1, 300)))
    with pytest.raises(InputError) as exc:
        import_files(tiny, "native", [f])
    problems = exc.value.problems
    assert len(problems) == 201  # 200 located, then a count of the rest
    assert problems[-1].rule.startswith("... and 99 more row(s)")
    text = str(exc.value)
    assert "... and 151 more problem(s) not shown" in text and text.count("\n") == 51


def test_a_broken_row_in_one_file_is_not_blamed_on_the_next(tiny, tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id,name\nK1,Kappa\nK2\n")
    (tmp_path / "people.csv").write_text(P_HEAD + "\nP1,Ann,,AM,,,,,\n")
    with pytest.raises(InputError) as exc:
        import_files(tiny, "native", [tmp_path / "accounts.csv", tmp_path / "people.csv"])
    assert [str(p) for p in exc.value.problems] == [
        "accounts.csv:3: value 'K2' — truncated row: fewer fields than the header"
    ]


def test_clean_csv_fast_path_trims_text_like_the_careful_path(tiny, tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(P_HEAD + "\n P1 , Ann ,,AM, 10.5 ,EUR,2020-01-01,,\n")
    import_files(tiny, "native", [f])
    row = tiny.query("SELECT person_id, name, cost_per_year FROM people WHERE name = 'Ann'")
    assert (row.person_id[0], row.cost_per_year[0]) == ("P1", Decimal("10.50"))


@pytest.mark.parametrize("order", ["sorted", "interleaved"])
def test_first_history_load_computes_valid_to_whatever_the_row_order(store, tmp_path, order):
    (tmp_path / "people.csv").write_text("person_id,name,role\nA1,Ann,AM\n")
    (tmp_path / "stages.csv").write_text(
        "stage,ordinal,is_closed,is_won,default_probability\nQ,1,false,false,0.1\n"
    )
    (tmp_path / "opportunities.csv").write_text(
        "opportunity_id,owner_id,created_on,currency\nX,A1,2026-01-01,EUR\nY,A1,2026-01-01,EUR\n"
    )
    rows = [
        ("X", "2026-01-01 10:00:00"),
        ("X", "2026-01-03 10:00:00"),
        ("Y", "2026-01-02 10:00:00"),
        ("Y", "2026-01-05 10:00:00"),
        ("X", "2026-01-04 10:00:00"),
    ]
    if order == "sorted":
        rows.sort()
    (tmp_path / "opportunity_history.csv").write_text(
        "opportunity_id,changed_at,stage,amount\n" + "".join(f"{o},{t},Q,1\n" for o, t in rows)
    )
    import_files(store, "native", [tmp_path])
    got = store.query(
        "SELECT opportunity_id, changed_at::VARCHAR AS c, valid_to::VARCHAR AS v "
        "FROM opportunity_history ORDER BY 1, 2"
    )
    assert list(zip(got.opportunity_id, got.c, got.v, strict=True)) == [
        ("X", "2026-01-01 10:00:00", "2026-01-03 10:00:00"),
        ("X", "2026-01-03 10:00:00", "2026-01-04 10:00:00"),
        ("X", "2026-01-04 10:00:00", "9999-12-31 00:00:00"),
        ("Y", "2026-01-02 10:00:00", "2026-01-05 10:00:00"),
        ("Y", "2026-01-05 10:00:00", "9999-12-31 00:00:00"),
    ]


def test_a_bad_byte_deep_in_a_large_file_is_located_by_duckdb(tiny, tmp_path):
    f = tmp_path / "people.csv"
    n = 80_000  # > 4 MB, beyond the part checked in Python
    body = "".join(f"P{i:06d},Person number {i:06d} with a long name,,AM,,,,,\n" for i in range(n))
    f.write_bytes((P_HEAD + "\n" + body).encode() + "P9,Groß,,AM,,,,,\n".encode("cp1252"))
    assert f.stat().st_size > 4 * 1024 * 1024
    with pytest.raises(InputError) as exc:
        import_files(tiny, "native", [f])
    first = exc.value.problems[0]
    assert (first.file, first.row) == ("people.csv", n + 2)
    assert "--encoding" in first.rule


def test_duplicate_ids_are_listed_with_the_other_problems_of_the_file(tiny, tmp_path):
    f = tmp_path / "people.csv"
    f.write_text(P_HEAD + "\nP1,Ann,,AM,-1,,,,\nP1,Ann,,AM,,,,,\n")
    with pytest.raises(InputError) as exc:
        import_files(tiny, "native", [f])
    assert [(p.row, p.column) for p in exc.value.problems] == [
        (2, "cost_per_year"),
        (3, "person_id"),
    ]


@pytest.mark.parametrize("target", ["empty", "filled"])
def test_duplicate_history_rows_are_located_whether_or_not_the_table_is_empty(
    tiny, store, tmp_path, target
):
    s = store if target == "empty" else tiny
    (tmp_path / "opportunity_history.csv").write_text(
        "opportunity_id,changed_at,stage,amount\n"
        "O1,2026-01-22 09:00:00,Propose,1\nO1,2026-01-22 09:00:00,Propose,2\n"
    )
    paths = [tmp_path / "opportunity_history.csv"]
    if target == "empty":  # the header and stage list come with the import
        (tmp_path / "people.csv").write_text("person_id,name,role\nA1,Ann,AM\n")
        (tmp_path / "stages.csv").write_text(
            "stage,ordinal,is_closed,is_won,default_probability\nPropose,1,false,false,0.5\n"
        )
        (tmp_path / "opportunities.csv").write_text(
            "opportunity_id,owner_id,created_on,currency\nO1,A1,2026-01-05,EUR\n"
        )
        paths = [tmp_path]
    before = s.count("opportunity_history")
    with pytest.raises(InputError) as exc:
        import_files(s, "native", paths)
    assert str(exc.value.problems[0]).startswith(
        "opportunity_history.csv:3:changed_at: value 'O1/2026-01-22 09:00:00' — duplicate timestamp"
    )
    assert s.count("opportunity_history") == before and s.count("imports") == 0
