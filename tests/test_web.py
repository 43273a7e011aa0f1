"""Per-version memoisation: one build per key, however many requests ask at once."""
import threading
import time

from craftmap import datasets
from craftmap.web import MEMO_ENTRIES, memo


def test_concurrent_requests_share_one_build():
    snap = datasets.Snapshot(1, [], [], [])
    builds, results = [], []

    def build():
        builds.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while it runs
        return object()

    threads = [threading.Thread(target=lambda: results.append(memo(snap, "geojson", build))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len(results) == 8 and len({id(r) for r in results}) == 1
    assert memo(snap, "other", lambda: "b") == "b" and len(builds) == 1


def test_a_full_memo_drops_the_least_recently_used_result_only():
    snap = datasets.Snapshot(1, [], [], [])
    builds = []
    for i in range(2 * MEMO_ENTRIES):
        memo(snap, "map", lambda: builds.append("map"))  # asked for between every rare key
        memo(snap, ("search", i), lambda: None)
    assert builds == ["map"] and len(snap.memo) == MEMO_ENTRIES
    memo(snap, ("search", 0), lambda: builds.append("first search"))  # the oldest went
    assert builds == ["map", "first search"]
