"""A :class:`~salesorg.report.document.Document` as one self-contained HTML file.

Everything is inline: the CSS, and every chart as an ``<svg>`` rendered from its Vega-Lite spec
by ``vl_convert`` (no browser, no network). The page reads on a phone (viewport meta, tables
scroll sideways, charts shrink to the screen). Text is escaped by Jinja2's autoescape; only the
SVG produced by ``vl_convert`` is inserted raw.

The PDF renderer (:mod:`salesorg.report.pdf`) prints the same HTML with extra ``@page`` CSS, so
the two outputs agree by construction.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path
from typing import Any

import jinja2

from salesorg.report._format import format_cell, format_delta, format_kpi, is_missing
from salesorg.report.document import (
    Chart,
    Document,
    KpiBlock,
    Note,
    Paragraph,
    TableBlock,
)

__all__ = ["CSS", "chart_svg", "document_context", "render_html", "write_html"]

#: Screen CSS: system fonts, fluid width, tables scroll on narrow screens.
CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dde5; --accent:#2f5aa8; --bad:#b3261e; --good:#1e7b34; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif;
       color: var(--ink); margin: 0 auto; padding: 1rem; max-width: 72rem; line-height: 1.45; font-size: 16px; }
h1 { font-size: 1.6rem; margin: .2rem 0; }
h2 { font-size: 1.25rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.subtitle { color: var(--muted); margin: 0 0 .5rem; }
.toc ol { padding-left: 1.2rem; columns: 2; color: var(--muted); font-size: .9rem; }
.toc a { color: var(--accent); text-decoration: none; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr)); gap: .6rem; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; break-inside: avoid; }
.kpi-label { font-size: .8rem; color: var(--muted); }
.kpi-value { font-size: 1.3rem; font-weight: 600; }
.kpi-delta { font-size: .8rem; }
.kpi-delta.up { color: var(--good); } .kpi-delta.down { color: var(--bad); }
.kpi-note { font-size: .75rem; color: var(--muted); }
.note { padding: .4rem .7rem; border-left: 4px solid var(--line); background: #f6f7f9; font-size: .9rem; }
.note-warning { border-color: #d08b00; background: #fff8e6; }
.note-assumption { border-color: var(--accent); }
.chart { margin: .8rem 0; overflow-x: auto; break-inside: avoid; }
.chart figcaption { font-weight: 600; font-size: .95rem; margin-bottom: .3rem; }
.chart svg { max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin: .6rem 0; }
table { border-collapse: collapse; font-size: .85rem; min-width: 50%; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f2f6; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.empty { color: var(--muted); font-style: italic; }
.more { font-size: .8rem; color: var(--muted); }
.doc-footer { margin-top: 2rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); padding-top: .4rem; }
@media (max-width: 600px) { body { padding: .6rem; font-size: 15px; } h1 { font-size: 1.3rem; } }
"""

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("salesorg.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def chart_svg(spec: Any) -> str:
    """Render a Vega-Lite spec (an Altair chart or a dict) to an SVG string, offline."""
    import vl_convert as vlc

    if hasattr(spec, "to_dict"):
        spec = spec.to_dict()
    # inline data may hold dates or decimals, which vl_convert's JSON parser refuses
    spec = json.loads(json.dumps(spec, default=_json_default))
    svg = vlc.vegalite_to_svg(spec)
    # drop the XML prolog if any: the SVG goes inline into HTML
    start = svg.find("<svg")
    return svg[start:] if start > 0 else svg


def _table_context(block: TableBlock) -> dict[str, Any]:
    frame = block.frame
    columns = [str(c) for c in frame.columns]
    total = len(frame)
    shown = frame if block.max_rows is None else frame.head(block.max_rows)
    money, percent = set(block.money), set(block.percent)
    align = []
    for c in frame.columns:
        numeric = (
            c in money or c in percent or str(frame[c].dtype)[:3] in ("int", "flo", "Int", "Flo")
        )
        if not numeric and str(frame[c].dtype) == "object":
            sample = [v for v in frame[c].head(20) if not is_missing(v)]
            numeric = bool(sample) and all(
                hasattr(v, "as_tuple") or isinstance(v, (int, float)) for v in sample
            )
        align.append("num" if numeric else "")
    rows = [
        [
            format_cell(v, money=c in money, percent=c in percent)
            for c, v in zip(frame.columns, rec, strict=True)
        ]
        for rec in shown.itertuples(index=False, name=None)
    ]
    return {
        "kind": "table",
        "title": block.title,
        "columns": columns,
        "rows": rows,
        "align": align,
        "hidden": total - len(shown),
    }


def _block_context(block: Any, svgs: dict[int, str] | None = None) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text}
    if isinstance(block, Note):
        label = {"warning": "Warning", "assumption": "Assumption"}.get(
            block.kind, block.kind.title()
        )
        return {"kind": "note", "text": block.text, "note_kind": block.kind, "label": label}
    if isinstance(block, KpiBlock):
        kpis = []
        for k in block.kpis:
            delta = format_delta(k.delta, k.unit)
            cls = ""
            if delta.startswith("+"):
                cls = "up"
            elif delta.startswith("-"):
                cls = "down"
            kpis.append(
                {
                    "label": k.label,
                    "value": format_kpi(k.value, k.unit),
                    "delta": delta,
                    "delta_label": k.delta_label,
                    "delta_class": cls,
                    "note": k.note,
                }
            )
        return {"kind": "kpis", "kpis": kpis}
    if isinstance(block, Chart):
        svg = (svgs or {}).get(id(block)) or chart_svg(block.spec)
        return {"kind": "chart", "title": block.title, "svg": svg}
    if isinstance(block, TableBlock):
        return _table_context(block)
    raise TypeError(f"unknown report block {type(block).__name__}")


def document_context(doc: Document) -> dict[str, Any]:
    """Template context of a document: title, subtitle and sections of rendered blocks.

    Shared by :func:`render_html` and the web app's pages, so a page and a downloaded report
    show the same thing.
    """
    svgs = _render_charts([b for s in doc.sections for b in s.blocks if isinstance(b, Chart)])
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "sections": [
            {"title": s.title, "blocks": [_block_context(b, svgs) for b in s.blocks]}
            for s in doc.sections
        ],
    }


def _render_charts(charts: list[Chart]) -> dict[int, str]:
    """SVG of each chart by ``id``, rendered side by side.

    ``vl_convert`` renders in native code without holding the GIL, and a pack has several
    charts of about 0.2 s each, so threads cut the wait on a multi-core machine.
    """
    if len(charts) < 2:
        return {}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(4, len(charts))) as pool:
        rendered = list(pool.map(lambda c: chart_svg(c.spec), charts))
    return {id(c): svg for c, svg in zip(charts, rendered, strict=True)}


def render_html(doc: Document, *, print_css: str = "") -> str:
    """The whole document as one HTML string (CSS and SVG charts inline).

    ``print_css`` is appended to the stylesheet; the PDF renderer passes its ``@page`` rules.
    """
    sections = document_context(doc)["sections"]
    template = _env.get_template("report.html.j2")
    return template.render(doc=doc, sections=sections, css=CSS, print_css=print_css)


def write_html(doc: Document, path: str | Path) -> Path:
    """Write ``doc`` as a self-contained HTML file at ``path`` (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(doc), encoding="utf-8")
    return path
