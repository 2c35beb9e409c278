"""Importers: read CSV/Excel/Parquet exports, validate every value, land them all or nothing.

``import_files(store, preset, paths, options=Options(...))`` is the entry point (the CLI's
``salesorg import``); ``dry_run=True`` is ``salesorg validate``. See ``docs/data-format.md``.
"""

from __future__ import annotations

from salesorg.ingest.load import ImportResult, Options, import_files
from salesorg.ingest.mapping import Mapping, load_mapping
from salesorg.ingest.presets import PRESETS

__all__ = ["PRESETS", "ImportResult", "Mapping", "Options", "import_files", "load_mapping"]
