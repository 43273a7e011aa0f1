"""Memory of each app-server worker: RSS and PSS from /proc/<pid>/smaps_rollup.

    python bench/memory.py 100000        (one size, printed; bench/run.py records every size)

A worker is measured right after start and again after it has served what a visitor and a planner
ask for: the map page and its script, both GeoJSON variants (gzip, brotli and plain), the route list
and the planner pages. Each request goes to the server twice per worker count, so every worker has
served each of them at least once with high likelihood; the figure kept is each worker's own.
Every centre beyond the real 41 is SYNTHETIC (bench/synthetic.py).
"""
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATHS = ("/?lang=en", "/api/v1/centres?fields=map", "/api/v1/centres", "/api/v1/routes", "/centres",
         "/planner/", "/planner/coverage", "/planner/gaps", "/planner/report")
ENCODINGS = ("br, gzip", "gzip", "identity")


def workers(pid):
    """The worker processes of a server: its children (granian and gunicorn fork them from the master)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found += [int(c) for c in children]
    return sorted(found)


def rollup(pid):
    """(RSS, PSS) of one process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def snapshot(pid):
    return [rollup(w) for w in workers(pid)]


def serve_everything(url, rounds=4):
    """Every path in every encoding, ``rounds`` times, so each worker has likely built each body; the
    slowest answer of each path, in seconds."""
    slowest = dict.fromkeys(PATHS, 0.0)
    for _ in range(rounds):
        for path in PATHS:
            for enc in ENCODINGS:
                req = urllib.request.Request(url + path, headers={"Accept-Encoding": enc, "Cookie": "lang=en"})
                start = time.perf_counter()
                with urllib.request.urlopen(req, timeout=600) as r:
                    r.read()
                slowest[path] = max(slowest[path], time.perf_counter() - start)
    return slowest


def measure(app):
    """{"start": [(rss, pss) per worker], "served": [...]} for a running bench.run.App."""
    time.sleep(2)
    start = snapshot(app.proc.pid)
    slowest = serve_everything(app.url)
    time.sleep(1)
    return {"start": start, "served": snapshot(app.proc.pid), "slowest": slowest}


def ceiling(work):
    """The same figures for bench/ceiling.py (bytes from memory, nothing else) serving one small answer."""
    from bench.run import Ceiling
    c = Ceiling({"x": (b"x" * 1000, [("Content-Type", "text/plain")])}, work)
    try:
        time.sleep(2)
        for _ in range(20):
            urllib.request.urlopen(c.url + "/x").read()
        return snapshot(c.proc.pid)
    finally:
        c.stop()


def main(n):
    from bench.run import App
    from bench.synthetic import synthetic_data_dir
    keep = os.environ.get("BENCH_WORK")  # a folder to keep the seeded database in between runs
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(keep or tmp)
        work.mkdir(exist_ok=True)
        (work / "ceiling").exists() and shutil.rmtree(work / "ceiling")
        data = work / "data"
        if not data.exists():
            synthetic_data_dir(data, n, ROOT / "data") if n else shutil.copytree(ROOT / "data", data)
        app = App(data, work)
        try:
            figures = measure(app)
        finally:
            app.stop()
        figures["ceiling"] = ceiling(work)
    slowest = figures.pop("slowest")
    for stage, per_worker in figures.items():
        print(stage, ", ".join(f"RSS {r:.0f} MB PSS {p:.0f} MB" for r, p in per_worker))
    print("slowest answers:", ", ".join(f"{p} {s:.2f} s" for p, s in slowest.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
