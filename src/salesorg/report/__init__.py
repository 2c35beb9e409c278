"""Reports: a :class:`Document` model and renderers to HTML, PDF and Excel.

``write(doc, path)`` picks the format from the suffix (``.html``, ``.pdf``, ``.xlsx``).
"""

from __future__ import annotations

from pathlib import Path

from salesorg.errors import ConfigError
from salesorg.report.document import (
    Chart,
    Document,
    Kpi,
    KpiBlock,
    Note,
    Paragraph,
    Section,
    TableBlock,
)

__all__ = [
    "Chart",
    "Document",
    "Kpi",
    "KpiBlock",
    "Note",
    "Paragraph",
    "Section",
    "TableBlock",
    "write",
]


def write(doc: Document, path: str | Path) -> Path:
    """Render ``doc`` to ``path``; the suffix chooses HTML, PDF or XLSX."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".html", ".htm"):
        from salesorg.report.html import write_html

        write_html(doc, path)
    elif suffix == ".pdf":
        from salesorg.report.pdf import write_pdf

        write_pdf(doc, path)
    elif suffix == ".xlsx":
        from salesorg.report.xlsx import write_xlsx

        write_xlsx(doc, path)
    else:
        raise ConfigError(f"{path}: unknown report format {suffix!r} — use .html, .pdf or .xlsx")
    return path
