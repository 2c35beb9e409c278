"""A results cache on disk, keyed by what the data *is*, safe for read-only stores.

Some results depend only on the data and a few parameters and are expensive on a big store:
the company forecast of a quarter (load ten million history rows, backtest four methods to pick
one, simulate) is the same for the company pack and for each of 120 team packs of the same
week. Writing it into the store is impossible when the store is open read-only (the benchmark,
a shared warehouse replica, a second reader of a DuckDB file), so it goes to files instead:

``$SALESORG_CACHE_DIR`` (default ``$XDG_CACHE_HOME/salesorg``, i.e. ``~/.cache/salesorg``),
one folder per entry, named by a SHA-256 of

- the store's location (path or URL) and the entry's name and parameters,
- a :func:`data_fingerprint`: the ``imports`` audit trail (every import through salesorg
  appends to it) and cheap aggregates of the tables the result reads (row counts; for the
  history also the latest change and the sum of amounts; for small tables their whole content).

A change to the data therefore changes the key and the result is recomputed; an entry never
has to be invalidated. The aggregates also catch most edits made outside salesorg (rows added,
deleted or re-valued); an edit that keeps every count, date and sum equal would go unseen —
use ``SALESORG_CACHE_DIR=off`` (no cache) or delete the folder after editing tables by hand.

Entries are Parquet tables plus one JSON file (no pickle: a cache folder is data, not code).
Writes go to a temporary folder renamed into place, so concurrent writers and readers never
see half an entry. ``:memory:`` stores are never cached.

The cache does not grow without bound: a read marks an entry as used (its folder's mtime),
and writing a new entry of a kind deletes that kind's least recently used entries beyond
:data:`KEEP_PER_KIND` — never one used in the last day, so a reader is not pulled from under
(a long-running web server reviewing a new date every week keeps the recent ones).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "CacheEntry",
    "cache_dir",
    "cached",
    "cached_file",
    "data_fingerprint",
    "prune",
    "store_location",
]

#: Bump when the meaning of a cached entry changes, so old entries are ignored.
FORMAT = 1
OFF = ("off", "0", "none", "")

#: Tables small enough to hash in full (their whole content is part of the fingerprint).
SMALL_TABLES = ("stages", "units", "assignments", "fx_rates", "people")

#: Entries kept per kind (``name``) when a new one is written: the most recently used.
KEEP_PER_KIND = 16
#: An entry used more recently than this is never deleted: an entry read back loads its
#: tables lazily, so a review or pack that read it may still open its files.
MIN_IDLE_SECONDS = 86400.0


def cache_dir() -> Path | None:
    """Where entries live, or None when caching is switched off (``SALESORG_CACHE_DIR=off``)."""
    given = os.environ.get("SALESORG_CACHE_DIR")
    if given is not None:
        return None if given.strip().lower() in OFF else Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "salesorg"


def _frame_digest(frame: pd.DataFrame) -> str:
    """A stable digest of a small table's content, independent of row order."""
    if frame.empty:
        return f"empty:{','.join(frame.columns)}"
    text = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _table_part(store: Any, name: str) -> str:
    """One table's share of :func:`data_fingerprint`."""
    t = store.table(name)
    if name in SMALL_TABLES:
        return f"{name}:{_frame_digest(t.to_pandas())}"
    if name == "opportunity_history":
        # the decimal sum is exact; a float sum in parallel differs in its last bits
        agg = t.aggregate(n=t.count(), last=t.changed_at.max(), total=t.amount.sum())
        return f"{name}:{agg.to_pandas().iloc[0].to_dict()}"
    if name == "opportunities":
        agg = t.aggregate(n=t.count(), first=t.created_on.min(), last=t.created_on.max())
        return f"{name}:{agg.to_pandas().iloc[0].to_dict()}"
    return f"{name}:{t.count().to_pyarrow().as_py()}"


def _imports_part(store: Any) -> str:
    try:
        imports = store.table("imports").select("import_id", "sha256", "status").to_pandas()
        return _frame_digest(imports)
    except Exception:  # a warehouse holding only the CRM tables has no audit trail
        return "no imports table"


def data_fingerprint(store: Any, tables: Iterable[str] = ()) -> str:
    """A digest that changes whenever the data a result reads changes (see the module doc).

    On a store with a ``memo`` method (a :class:`~salesorg.review.source.ReviewSource`, which
    lives for one review and its pack and already assumes the data holds still meanwhile) each
    table's part is computed once, so the several cache entries a pack reads share the one
    aggregate over the history.
    """
    remember = getattr(store, "memo", None)

    def part(key: str, compute: Callable[[], str]) -> str:
        if callable(remember):
            return str(remember(("datacache.fingerprint", key), compute))
        return compute()

    parts = [part("imports", lambda: _imports_part(store))]
    parts += [part(name, lambda name=name: _table_part(store, name)) for name in tables]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class _TablesOnDisk(Mapping[str, pd.DataFrame]):
    """An entry's tables read from its folder when first asked for (a pack reading the
    company forecast needs only one unit's rows of its deals: see :meth:`CacheEntry.rows`)."""

    def __init__(self, folder: Path, names: Iterable[str]) -> None:
        self.folder = folder
        self._names = list(names)
        self._loaded: dict[str, pd.DataFrame] = {}

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"

    def loaded(self, name: str) -> bool:
        return name in self._loaded

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = pd.read_parquet(self.path(name))
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass
class CacheEntry:
    """What a cached computation returns: named tables plus JSON-able metadata.

    An entry read back from disk reads each table when it is first used.
    """

    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def rows(self, name: str, column: str, values: Iterable[Any]) -> pd.DataFrame:
        """The rows of table ``name`` whose ``column`` is one of ``values`` (order kept, new
        index); read from disk with the filter applied, unless the table is already loaded."""
        wanted = sorted(set(values))
        t = self.tables
        if wanted and isinstance(t, _TablesOnDisk) and not t.loaded(name) and name in t:
            return pd.read_parquet(t.path(name), filters=[(column, "in", wanted)])
        frame = t[name]
        return frame[frame[column].isin(wanted)].reset_index(drop=True)

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "meta.json").write_text(
            json.dumps({"format": FORMAT, "tables": sorted(self.tables), "meta": self.meta})
        )

    @classmethod
    def read(cls, folder: Path) -> CacheEntry | None:
        try:
            head = json.loads((folder / "meta.json").read_text())
            if head.get("format") != FORMAT:
                return None
            tables = _TablesOnDisk(folder, head["tables"])
            if not all(tables.path(n).is_file() for n in tables):
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return cls(tables=tables, meta=head["meta"])


def store_location(store: Any) -> str | None:
    """The store's path (resolved) or URL, what entries are kept per; None for ``:memory:``."""
    where = str(getattr(store, "path", "") or "")
    if not where or where == ":memory:":
        return None
    if "://" in where:
        return where
    return str(Path(where).expanduser().resolve())


def cached(
    store: Any,
    name: str,
    params: dict[str, Any],
    compute: Callable[[], CacheEntry],
    *,
    tables: Iterable[str],
) -> tuple[CacheEntry, bool]:
    """``compute()`` once per (store, data, ``name``, ``params``); returns (entry, was_cached).

    ``tables`` lists the tables the computation reads (they make up the data fingerprint).
    """
    root = cache_dir()
    folder = _folder(store, name, params, tables)
    if root is None or folder is None:
        return compute(), False
    found = CacheEntry.read(folder)
    if found is not None:
        _mark_used(folder)
        return found, True
    # threads of one process (the web server) wait for one computation instead of each
    # running their own: on a big store each takes gigabytes
    with _lock_for(folder):
        found = CacheEntry.read(folder)
        if found is not None:
            return found, True
        return _compute_and_write(root, folder, compute), False


def _folder(store: Any, name: str, params: dict[str, Any], tables: Iterable[str]) -> Path | None:
    """The folder of an entry (None when caching is off or the store is in memory)."""
    root, where = cache_dir(), store_location(store)
    if root is None or where is None:
        return None
    key = json.dumps(
        {"where": where, "name": name, "params": params, "data": data_fingerprint(store, tables)},
        sort_keys=True,
        default=str,
    )
    return root / name / hashlib.sha256(key.encode()).hexdigest()[:32]


def cached_file(
    store: Any,
    name: str,
    params: dict[str, Any],
    write: Callable[[Path], None],
    *,
    tables: Iterable[str],
    filename: str = "data.parquet",
) -> Path | None:
    """A file written once per (store, data, ``name``, ``params``) by ``write(path)``: its
    path, or None when caching is off, the store is in memory or the write failed.

    For results too big to pass through pandas (a million-row state), which the database
    writes and reads itself; same key, same atomic rename as :func:`cached`.
    """
    folder = _folder(store, name, params, tables)
    if folder is None:
        return None
    path = folder / filename
    if path.is_file():
        _mark_used(folder)
        return path
    with _lock_for(folder):
        if path.is_file():
            return path
        tmp = None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
            write(tmp / filename)
            tmp.rename(folder)
            prune(folder.parent)
        except Exception:  # another writer won, or the folder or the write failed: no cache
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
    return path if path.is_file() else None


def _mark_used(folder: Path) -> None:
    """Record that an entry was just used (its folder's mtime: what :func:`prune` orders by).

    In a read-only cache folder the entry just ages as if unused."""
    with contextlib.suppress(OSError):
        os.utime(folder)


def prune(
    kind: Path, *, keep: int | None = None, min_idle_seconds: float | None = None
) -> list[Path]:
    """Delete the least recently used entries of one kind beyond ``keep`` (default
    :data:`KEEP_PER_KIND`); returns them.

    Entries used within ``min_idle_seconds`` (default :data:`MIN_IDLE_SECONDS`) stay whatever
    their number; temporary folders of writes in progress are never touched.
    """
    keep = KEEP_PER_KIND if keep is None else keep
    idle = MIN_IDLE_SECONDS if min_idle_seconds is None else min_idle_seconds
    try:
        entries = [p for p in kind.iterdir() if p.is_dir() and not p.name.startswith(".tmp-")]
        used = {p: p.stat().st_mtime for p in entries}
    except OSError:
        return []
    if len(entries) <= keep:
        return []
    now = time.time()
    newest_first = sorted(entries, key=lambda p: used[p], reverse=True)
    gone = [p for p in newest_first[keep:] if now - used[p] > idle]
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    return gone


_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(folder: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(folder, threading.Lock())


def _compute_and_write(root: Path, folder: Path, compute: Callable[[], CacheEntry]) -> CacheEntry:
    entry = compute()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        entry.write(tmp)
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            tmp.rename(folder)
        except OSError:  # another process wrote the same entry first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        prune(folder.parent)
    except OSError:
        pass  # an unwritable cache folder only costs time, never a result
    return entry
