"""Showing a report :class:`~salesorg.report.Document` inside a web page.

Engine pages build the same Document the CLI writes to HTML/PDF/Excel, and the page shows it
with :func:`document_context` and the ``_document.html`` partial (KPIs, notes, tables and
charts as inline SVG), so the page, the downloads and the CLI report always agree. Text is
escaped by Jinja2; only the SVG that vl-convert renders from our own chart specs is inserted
as markup.
"""

from __future__ import annotations

from typing import Any

from salesorg.report import Document

__all__ = ["document_context"]


def document_context(doc: Document) -> dict[str, Any]:
    """Template context for ``_document.html``: title, subtitle, sections of block contexts."""
    from salesorg.report.html import _block_context

    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "sections": [
            {"title": s.title, "blocks": [_block_context(b) for b in s.blocks]}
            for s in doc.sections
        ],
    }
