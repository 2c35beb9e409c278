"""Presets: how each kind of export becomes the native tables.

Every preset is a function ``(store, paths, options) -> Prepared`` (see
:mod:`salesorg.ingest.load`). ``native`` reads the native files as they are; the others map a
CRM's export onto the native tables and report what they mapped or dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from salesorg.ingest.load import Options, Prepared
from salesorg.store import Store

__all__ = ["PRESETS"]

Preset = Callable[[Store, list[Path], Options], Prepared]


def _lazy(module: str) -> Preset:
    def run(store: Store, paths: list[Path], options: Options) -> Prepared:
        import importlib

        return importlib.import_module(f"salesorg.ingest.presets.{module}").prepare(
            store, paths, options
        )

    run.__name__ = module
    return run


PRESETS: dict[str, Preset] = {
    "native": _lazy("native"),
    "maven-crm": _lazy("maven_crm"),
    "salesforce": _lazy("salesforce"),
    "hubspot": _lazy("hubspot"),
    "snapshot": _lazy("snapshot"),
}
