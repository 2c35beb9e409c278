"""The result cache: one computation per key under concurrency, LRU bound, TTL, per-scope keys."""

from __future__ import annotations

import threading
import time

from salesorg.web.cache import ResultCache


def test_concurrent_requests_for_one_key_compute_it_once():
    cache = ResultCache()
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8 and len(calls) == 1
    assert (cache.misses, cache.hits) == (1, 7)


def test_least_recently_used_entries_are_evicted_beyond_the_bound():
    cache = ResultCache(max_items=2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("a", lambda: 0)  # touch a
    cache.get_or_compute("c", lambda: 3)
    assert cache.get_or_compute("a", lambda: -1) == 1
    assert cache.get_or_compute("b", lambda: -2) == -2  # b was evicted


def test_entries_expire_after_the_ttl_and_clear_empties():
    cache = ResultCache(ttl_s=0.05)
    cache.get_or_compute("a", lambda: 1)
    time.sleep(0.08)
    assert cache.get_or_compute("a", lambda: 2) == 2
    cache.clear()
    assert len(cache) == 0 and cache.get_or_compute("a", lambda: 3) == 3


def test_cached_pages_do_not_leak_between_scopes(logged_in):
    # same page, same date, two managers: each must get their own rows from the cache
    m1, m2 = logged_in("m1@tiny.example"), logged_in("m2@tiny.example")
    for _ in range(2):
        assert m1.get("/api/opportunities").json()["total"] == 4
        assert m2.get("/api/opportunities").json()["total"] == 1


def test_at_most_max_computing_different_keys_are_computed_at_once():
    cache = ResultCache(max_computing=2)
    running, peak = [0], [0]
    lock = threading.Lock()

    def work() -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return 1

    threads = [threading.Thread(target=cache.get_or_compute, args=(k, work)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2 and len(cache) == 8
