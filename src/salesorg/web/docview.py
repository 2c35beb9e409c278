"""Showing a report :class:`~salesorg.report.Document` inside a web page.

Engine pages build the same Document the CLI writes to HTML/PDF/Excel, and the page shows it
with :func:`document_context` and the ``_document.html`` partial (KPIs, notes, tables and
charts as inline SVG), so the page, the downloads and the CLI report always agree. Text is
escaped by Jinja2; only the SVG that vl-convert renders from our own chart specs is inserted
as markup.
"""

from __future__ import annotations

from salesorg.report.html import document_context

__all__ = ["document_context"]
