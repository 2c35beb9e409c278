"""The on-disk results cache: computed once per data, recomputed when the data change."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from salesorg import datacache
from salesorg.datacache import CacheEntry, cached, data_fingerprint
from salesorg.store import Store

TABLES = ("opportunities", "opportunity_history", "stages")


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> CacheEntry:
        self.calls += 1
        return CacheEntry(tables={"t": pd.DataFrame({"x": [1.5, 2.5]})}, meta={"n": self.calls})


@pytest.fixture
def tiny(tiny: Store, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny company's database file (closed), with a cache folder of its own."""
    path = Path(tiny.path)
    tiny.close()
    monkeypatch.setenv("SALESORG_CACHE_DIR", str(path.parent / "cache"))
    return path


def test_a_result_is_computed_once_and_read_back_from_a_read_only_store(tiny: Path) -> None:
    compute = Counter()
    with Store.open(tiny, read_only=True) as s:
        first, hit1 = cached(s, "demo", {"a": 1}, compute, tables=TABLES)
        again, hit2 = cached(s, "demo", {"a": 1}, compute, tables=TABLES)
    assert (hit1, hit2, compute.calls) == (False, True, 1)
    assert again.meta == {"n": 1}
    pd.testing.assert_frame_equal(again.tables["t"], first.tables["t"])


def test_other_parameters_are_another_entry(tiny: Path) -> None:
    compute = Counter()
    with Store.open(tiny, read_only=True) as s:
        cached(s, "demo", {"a": 1}, compute, tables=TABLES)
        _, hit = cached(s, "demo", {"a": 2}, compute, tables=TABLES)
    assert not hit and compute.calls == 2


def test_a_new_history_row_changes_the_fingerprint_and_the_result_is_recomputed(
    tiny: Path,
) -> None:
    compute = Counter()
    with Store.open(tiny) as s:
        before = data_fingerprint(s, TABLES)
        cached(s, "demo", {}, compute, tables=TABLES)
        row = s.table("opportunity_history").limit(1).to_pandas()
        row["changed_at"] = pd.Timestamp(dt.datetime(2026, 12, 30, 9))
        row["valid_to"] = pd.Timestamp(dt.datetime(9999, 12, 31))
        s.insert_frame("opportunity_history", row)
        assert data_fingerprint(s, TABLES) != before
        _, hit = cached(s, "demo", {}, compute, tables=TABLES)
    assert not hit and compute.calls == 2


def test_a_changed_amount_changes_the_fingerprint(tiny: Path) -> None:
    with Store.open(tiny) as s:
        before = data_fingerprint(s, TABLES)
        s.con.execute("UPDATE opportunity_history SET amount = amount + 1 WHERE amount > 0")
        assert data_fingerprint(s, TABLES) != before


def test_caching_can_be_switched_off(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESORG_CACHE_DIR", "off")
    compute = Counter()
    with Store.open(tiny, read_only=True) as s:
        cached(s, "demo", {}, compute, tables=TABLES)
        _, hit = cached(s, "demo", {}, compute, tables=TABLES)
    assert not hit and compute.calls == 2


def test_in_memory_stores_are_never_cached(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SALESORG_CACHE_DIR", str(tmp_path / "cache"))
    compute = Counter()
    with Store.open(":memory:") as s:
        cached(s, "demo", {}, compute, tables=TABLES)
        _, hit = cached(s, "demo", {}, compute, tables=TABLES)
    assert not hit and compute.calls == 2
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_folder_costs_time_not_the_result(tiny: Path, monkeypatch) -> None:
    blocker = tiny.parent / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SALESORG_CACHE_DIR", str(blocker / "cache"))
    with Store.open(tiny, read_only=True) as s:
        entry, hit = cached(s, "demo", {}, Counter(), tables=TABLES)
    assert not hit and entry.meta == {"n": 1}


def test_threads_asking_for_the_same_entry_wait_for_one_computation(tiny: Path) -> None:
    import threading
    import time

    compute = Counter()

    def slow() -> CacheEntry:
        time.sleep(0.2)
        return compute()

    with Store.open(tiny, read_only=True) as s:
        cursors = [s.con.cursor() for _ in range(4)]
        results: list[bool] = []

        def ask(i: int) -> None:
            view = Store(cursors[i], path=s.path, read_only=True)
            results.append(cached(view, "demo", {}, slow, tables=TABLES)[1])

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert compute.calls == 1 and sorted(results) == [False, True, True, True]


def test_rows_of_a_table_read_back_are_filtered_on_disk_and_keep_their_order(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame({"owner_id": ["b", "a", "c", "a"], "x": [1.0, 2.0, 3.0, 4.0]})
    CacheEntry(tables={"deals": frame}, meta={}).write(tmp_path / "e")
    entry = CacheEntry.read(tmp_path / "e")
    assert entry is not None
    got = entry.rows("deals", "owner_id", {"a", "c"})
    pd.testing.assert_frame_equal(got, frame.iloc[[1, 2, 3]].reset_index(drop=True))
    assert entry.rows("deals", "owner_id", []).empty
    pd.testing.assert_frame_equal(entry.tables["deals"], frame)
    in_memory = CacheEntry(tables={"deals": frame}).rows("deals", "owner_id", ["a"])
    pd.testing.assert_frame_equal(in_memory, frame.iloc[[1, 3]].reset_index(drop=True))


def test_a_review_source_computes_each_fingerprint_part_once(tiny: Path) -> None:
    from salesorg.review.source import ReviewSource

    with Store.open(tiny, read_only=True) as s:
        src = ReviewSource(s)
        calls: list[str] = []
        real = s.table

        def counting(name: str):
            calls.append(name)
            return real(name)

        s.table = counting  # type: ignore[method-assign]
        a = data_fingerprint(src, ("opportunity_history", "stages"))
        b = data_fingerprint(src, ("opportunity_history", "units"))
        assert a == data_fingerprint(s, ("opportunity_history", "stages"))
        assert b != a
    assert calls.count("opportunity_history") == 2  # once for src (memoised), once for s


def _age(folder: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(folder, (t, t))


def test_writing_an_entry_drops_the_least_recently_used_beyond_the_limit(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = tiny.parent / "cache" / "demo"
    with Store.open(tiny, read_only=True) as s:
        for a in range(4):
            cached(s, "demo", {"a": a}, Counter(), tables=TABLES)
            for i, folder in enumerate(sorted(kind.iterdir(), key=lambda p: p.stat().st_mtime)):
                _age(folder, 10 * 86400 - i)  # all idle for days, in the order written
        folders = sorted(kind.iterdir(), key=lambda p: p.stat().st_mtime)
        assert len(folders) == 4
        monkeypatch.setattr(datacache, "KEEP_PER_KIND", 3)
        oldest = folders[0]
        # reading the oldest entry makes it the most recently used
        _, hit = cached(s, "demo", {"a": 0}, Counter(), tables=TABLES)
        assert hit and oldest.stat().st_mtime > folders[-1].stat().st_mtime
        cached(s, "demo", {"a": 99}, Counter(), tables=TABLES)  # a 5th entry: 2 must go
        kept = set(kind.iterdir())
    assert len(kept) == 3 and oldest in kept
    assert folders[1] not in kept and folders[2] not in kept


def test_entries_used_within_the_day_are_never_pruned(tmp_path: Path) -> None:
    kind = tmp_path / "demo"
    for i in range(5):
        (kind / f"e{i}").mkdir(parents=True)
    (kind / ".tmp-writing").mkdir()
    _age(kind / "e0", 2 * 86400)
    _age(kind / "e1", 2 * 86400 - 100)
    gone = datacache.prune(kind, keep=2)
    assert sorted(p.name for p in gone) == ["e0", "e1"]
    assert sorted(p.name for p in kind.iterdir()) == [".tmp-writing", "e2", "e3", "e4"]
