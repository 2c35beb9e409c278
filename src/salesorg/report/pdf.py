"""A :class:`~salesorg.report.document.Document` as a paginated PDF, through WeasyPrint.

The PDF is the HTML of :mod:`salesorg.report.html` with print rules added: A4 pages, the
document title as a running header (CSS ``string-set`` from the ``<h1>``), the footer text and
``Page N of M`` at the bottom (``@page`` margin boxes with ``counter(page)``/``counter(pages)``),
and no page breaks inside a KPI card, chart or table row. WeasyPrint renders inline ``<svg>``
itself, so charts stay vector graphics and no browser is needed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from salesorg.report.document import Document
from salesorg.report.html import render_html

__all__ = ["PRINT_CSS", "render_pdf", "write_pdf"]

#: Print rules appended to the screen CSS.
PRINT_CSS = """
@page {
  size: A4; margin: 18mm 14mm 18mm 14mm;
  @top-left { content: string(doctitle); font-size: 8pt; color: #5b6475; font-family: "DejaVu Sans", sans-serif; }
  @top-right { content: string(docsubtitle); font-size: 8pt; color: #5b6475; font-family: "DejaVu Sans", sans-serif; }
  @bottom-left { content: string(docfooter); font-size: 8pt; color: #5b6475; font-family: "DejaVu Sans", sans-serif; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #5b6475; font-family: "DejaVu Sans", sans-serif; }
}
@page :first { @top-left { content: none; } @top-right { content: none; } }
body { max-width: none; padding: 0; font-size: 10pt; }
h1.doc-title { string-set: doctitle content(); }
.subtitle { string-set: docsubtitle content(); }
.doc-footer { string-set: docfooter content(); border: none; }
h2 { break-after: avoid; }
h3 { break-after: avoid; }
.kpis { display: flex; flex-wrap: wrap; }
.kpi { width: 31%; margin: 0 1% .5rem 0; }
.table-wrap { overflow: visible; }
table { width: 100%; font-size: 7.5pt; }
th, td { overflow-wrap: anywhere; padding: .15rem .3rem; }
td.num, th.num { white-space: normal; }
tr, .kpi, .chart, .note { break-inside: avoid; }
thead { display: table-header-group; }
th { position: static; }
.chart svg { max-width: 100%; height: auto; }
"""


def render_pdf(doc: Document) -> bytes:
    """The document as PDF bytes."""
    import weasyprint

    # WeasyPrint logs every unsupported CSS property (e.g. position: sticky) as a warning
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = render_html(doc, print_css=PRINT_CSS)
    return weasyprint.HTML(string=html).write_pdf()


def write_pdf(doc: Document, path: str | Path) -> Path:
    """Write ``doc`` as a PDF at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_pdf(doc))
    return path
