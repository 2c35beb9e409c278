from __future__ import annotations

from pathlib import Path

from salesorg.report import Document, write
from salesorg.report.html import render_html


def test_html_escapes_text_from_the_document(doc: Document) -> None:
    html = render_html(doc)
    assert "Pipeline review &lt;Team &amp; Co&gt;" in html
    assert "Deals said &lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34;" in html
    assert "O&lt;0&gt;" in html
    assert "<b>bold</b>" not in html


def test_html_inlines_every_chart_as_svg(doc: Document) -> None:
    html = render_html(doc)
    assert html.count("<svg") == 4
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_html_formats_money_percent_and_lists(doc: Document) -> None:
    html = render_html(doc)
    assert "1,000.50" in html and "2,001.00" in html
    assert "10.0 %" in html
    assert "won, slipped" in html
    assert "1,234,568 EUR" in html  # a KPI over a million drops the cents
    assert "37.5 %" in html and "+5.0 pp" in html


def test_html_truncates_long_tables_and_says_so(doc: Document) -> None:
    html = render_html(doc)
    assert "O&lt;2&gt;" in html and "O&lt;3&gt;" not in html
    assert "2 more row(s) not shown" in html


def test_html_is_readable_on_a_phone(doc: Document) -> None:
    html = render_html(doc)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media (max-width: 600px)" in html
    assert "overflow-x: auto" in html


def test_write_picks_html_by_suffix(doc: Document, tmp_path: Path) -> None:
    path = write(doc, tmp_path / "sub" / "pack.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_empty_document_renders() -> None:
    assert "<h1" in render_html(Document(title="Empty"))


def test_charts_rendered_side_by_side_land_in_their_own_places() -> None:
    from salesorg.report.document import Chart
    from salesorg.report.html import chart_svg, document_context

    def bars(n: int) -> dict:
        return {
            "data": {"values": [{"k": f"bar{i}", "v": i + 1} for i in range(n)]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "k", "type": "nominal"},
                "y": {"field": "v", "type": "quantitative"},
            },
        }

    doc = Document("Charts")
    first, second = doc.section("one"), doc.section("two")
    first.add(Chart(bars(2), "two bars")).add(Chart(bars(3), "three bars"))
    second.add(Chart(bars(5), "five bars"))
    ctx = document_context(doc)
    blocks = [b for s in ctx["sections"] for b in s["blocks"]]
    assert [b["title"] for b in blocks] == ["two bars", "three bars", "five bars"]
    for n, block in zip((2, 3, 5), blocks, strict=True):
        assert block["svg"] == chart_svg(bars(n))
        assert f"bar{n - 1}" in block["svg"] and f"bar{n}" not in block["svg"]
