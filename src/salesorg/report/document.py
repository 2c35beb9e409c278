"""A report as data: the one structure every engine builds and every renderer reads.

Engines (review, forecast, org design, impact, comp) build a :class:`Document` of sections and
blocks; :func:`salesorg.report.write` renders it to a self-contained HTML file, a paginated PDF
(WeasyPrint) or an Excel workbook (one sheet per :class:`TableBlock`). Keeping the content
separate from the format is what makes the three outputs agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Chart",
    "Document",
    "Kpi",
    "KpiBlock",
    "Note",
    "Paragraph",
    "Section",
    "TableBlock",
]


@dataclass(frozen=True)
class Paragraph:
    """Plain text (a verdict, an explanation)."""

    text: str


@dataclass(frozen=True)
class Note:
    """A warning or an assumption shown next to the figures it qualifies.

    ``kind`` is ``warning`` (doubtful statistics: too few deals, weak comparison) or
    ``assumption`` (a default and its source).
    """

    text: str
    kind: str = "warning"


@dataclass(frozen=True)
class Kpi:
    """One headline figure with optional comparisons (``delta`` is a signed change)."""

    label: str
    value: Any
    unit: str = ""
    delta: Any = None
    delta_label: str = ""
    note: str = ""


@dataclass(frozen=True)
class KpiBlock:
    kpis: tuple[Kpi, ...]


@dataclass(frozen=True)
class TableBlock:
    """A table; ``name`` becomes the Excel sheet name (≤ 31 characters).

    ``frame`` is a pandas DataFrame. ``money`` and ``percent`` list columns to format as
    amounts (2 decimals, thousands separators) or shares (0..1 shown as %).
    """

    name: str
    frame: Any
    title: str = ""
    money: tuple[str, ...] = ()
    percent: tuple[str, ...] = ()
    max_rows: int | None = None


@dataclass(frozen=True)
class Chart:
    """A chart as a Vega-Lite spec (an Altair chart or a dict); rendered to inline SVG."""

    spec: Any
    title: str = ""


Block = Paragraph | Note | KpiBlock | TableBlock | Chart


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> Section:
        self.blocks.append(block)
        return self


@dataclass
class Document:
    """A whole report: title, subtitle (scope, as-of date, currency) and sections."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    footer: str = "salesorg"

    def section(self, title: str) -> Section:
        s = Section(title)
        self.sections.append(s)
        return s

    def tables(self) -> list[TableBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]
