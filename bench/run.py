"""craftmap's benchmark: every figure a ratio to a baseline measured in the same run.

    make bench          (needs nginx, wrk and chromium from Debian: apt-get install nginx-light wrk chromium)

Writes bench/RESULTS.md. All centres beyond the real 41 are SYNTHETIC (bench/synthetic.py).
"""
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_data_dir  # noqa: E402
from craftmap import coverage  # noqa: E402

APP_PORT, NGINX_PORT = 18080, 18081
WRK = ["wrk", "-t2", "-c16"]
SIZES = (1_000, 10_000, 100_000)
OUT = ROOT / "bench" / "RESULTS.md"


def wrk_rps(url, gzip=True, seconds=5):
    cmd = WRK + [f"-d{seconds}s"] + (["-H", "Accept-Encoding: gzip"] if gzip else []) + [url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def wait_for(url, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read()
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def fetch(url, gzip=False):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    with urllib.request.urlopen(req) as r:
        return r.read()


SERVERS = {  # the two production set-ups the README documents, each with 2 worker processes
    "granian": lambda port: ["granian", "--interface", "wsgi", "--workers", "2", "--blocking-threads", "8",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                             "--factory", "app:create_app"],
    "gunicorn": lambda port: ["gunicorn", "--workers", "2", "--threads", "8", "--worker-class", "gthread",
                              "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
}


class App:
    """craftmap under one of the production servers, on a SQLite database seeded from ``data_dir``."""

    def __init__(self, data_dir, work, server="granian"):
        env = os.environ | {"DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}", "CRAFTMAP_DATA_DIR": str(data_dir),
                            "CRAFTMAP_TILE_URL": "", "SECRET_KEY": "bench"}
        subprocess.run([sys.executable, "-c", "from craftmap import create_app; create_app()"], env=env,
                       cwd=ROOT, check=True)  # seed once before the workers start
        cmd = SERVERS[server](APP_PORT)
        cmd[0] = str(Path(sys.executable).parent / cmd[0])
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{APP_PORT}"
        wait_for(self.url + "/api/v1/routes")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Nginx:
    """nginx serving given files (and their .gz twins) as the baseline."""

    def __init__(self, files, work):
        root = work / "www"
        root.mkdir()
        for name, (plain, gz) in files.items():
            (root / name).write_bytes(plain)
            (root / (name + ".gz")).write_bytes(gz)
        conf = work / "nginx.conf"
        conf.write_text(f"""
daemon off; worker_processes 2; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; gzip_static on; sendfile on; types {{ text/html html; application/geo+json geojson; }}
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work};
  scgi_temp_path {work};
  server {{ listen 127.0.0.1:{NGINX_PORT}; root {root}; }} }}
""")
        self.proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)])
        self.url = f"http://127.0.0.1:{NGINX_PORT}"
        wait_for(self.url + "/" + next(iter(files)))

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def naive_folium_seconds(data_dir, n=1000):
    """The naive pattern: build a folium map with a marker and popup per centre, on every request."""
    import csv

    import folium
    from folium.plugins import MarkerCluster
    with open(data_dir / "centres.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["lat"]][:n]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        m = folium.Map(location=[56.1, 24.6], zoom_start=8)
        cluster = MarkerCluster().add_to(m)
        for r in rows:
            folium.Marker([float(r["lat"]), float(r["lon"])], popup=r["name"]).add_to(cluster)
        m.get_root().render()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def first_clusters_seconds(url):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        times = []
        for _ in range(3):
            page = browser.new_page()
            page.goto(url + "/?lang=en")
            page.wait_for_selector(".marker-cluster", timeout=60_000)
            times.append(page.evaluate("performance.now()") / 1000)
            page.close()
        browser.close()
    return statistics.median(times)


def synthetic_routes(municipalities, n=11, seed=3):
    """SYNTHETIC routes: lines through random points of the study region."""
    import random
    rng = random.Random(seed)
    region = shapely.union_all(municipalities.geometry.values)
    minx, miny, maxx, maxy = region.bounds
    lines = []
    while len(lines) < n:
        pts = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(8)]
        lines.append(shapely.LineString(pts))
    return gpd.GeoDataFrame({"id": [f"synthetic-route-{i}" for i in range(n)]}, geometry=lines, crs="EPSG:4326")


def coverage_ms(data_dir):
    centres = gpd.read_file(data_dir / "centres.csv")
    located = centres[centres["lat"] != ""]
    points = gpd.GeoDataFrame(located[["id", "wheelchair"]], crs="EPSG:4326",
                              geometry=gpd.points_from_xy(located["lon"].astype(float), located["lat"].astype(float)))
    accessible = points[points["wheelchair"] == "yes"]
    routes = synthetic_routes(gpd.read_file(data_dir / "municipalities.geojson"))

    def ours():
        return coverage.route_length_coverage(routes, accessible, 10_000)

    def merged_buffer():  # the baseline: one merged buffer of every accessible centre
        merged = shapely.union_all(accessible.to_crs(3035).buffer(10_000).values)
        metric = routes.to_crs(3035)
        return metric.intersection(merged).length / metric.length

    def timed(fn):
        fn()
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs) * 1000
    return timed(ours), timed(merged_buffer), len(points), len(accessible)


RESPONSES = {"map page": "/?lang=en",
             "centres GeoJSON, all fields": "/api/v1/centres?lang=en",
             "centres GeoJSON, the map's fields": "/api/v1/centres?lang=en&fields=map"}
TARGETS = {"map page": 0.3, "centres GeoJSON, all fields": 0.8, "centres GeoJSON, the map's fields": 0.8}
ROUNDS = 3


def main():
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed: apt-get install nginx-light wrk")
    rows, speeds, notes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tmp.chmod(0o755)  # nginx's workers run as an unprivileged user
        real_work = tmp / "real"
        real_work.mkdir()
        app = App(ROOT / "data", real_work)
        real_html = len(fetch(app.url + "/?lang=en"))
        app.stop()
        for n in SIZES:
            work = tmp / str(n)
            work.mkdir()
            data = synthetic_data_dir(work / "data", n, ROOT / "data")
            measure(n, work, data, real_html, rows, speeds)
        rows.append(concurrent_edits(tmp, notes))
    write(rows, speeds, notes)


def throughput(app, nginx, files):
    """Median req/s of the app and of nginx for each response, over interleaved rounds."""
    for path in RESPONSES.values():
        wrk_rps(app.url + path, seconds=1)  # warm up: the first request builds the response
    runs = {label: ([], []) for label in RESPONSES}
    for _ in range(ROUNDS):
        for label, path in RESPONSES.items():
            runs[label][0].append(wrk_rps(app.url + path))
            runs[label][1].append(wrk_rps(nginx.url + "/" + files[label]))
    return {label: (statistics.median(a), statistics.median(b)) for label, (a, b) in runs.items()}


def measure(n, work, data, real_html, rows, speeds):
    app = App(data, work, "granian")
    names = dict(zip(RESPONSES, ("page.html", "all.geojson", "map.geojson")))
    bodies = {label: (fetch(app.url + path), fetch(app.url + path, gzip=True)) for label, path in RESPONSES.items()}
    nginx = Nginx({names[label]: b for label, b in bodies.items()}, work)
    try:
        by_server = {"granian": throughput(app, nginx, names)}
        if n == 1_000:
            naive = naive_folium_seconds(data)
            page = by_server["granian"]["map page"][0]
            rows.append(("map page vs naive per-request folium build, 1,000 centres", "≥ 1000×",
                         f"{page:,.0f} vs {1 / naive:,.1f} req/s", page * naive))
        if n in (10_000, 100_000):
            seconds = first_clusters_seconds(app.url)
            target = 1.0 if n == 10_000 else 3.0
            rows.append((f"first clusters visible in headless chromium, {n:,} centres", f"≤ {target} s",
                         f"{seconds:.2f} s", seconds / target))
        app.stop()
        app = App(data, work, "gunicorn")
        for label, path in RESPONSES.items():  # the same bytes from either server
            assert fetch(app.url + path, gzip=True) == bodies[label][1], label
        by_server["gunicorn"] = throughput(app, nginx, names)
    finally:
        app.stop()
        nginx.stop()
    for label in RESPONSES:
        size = f"{len(bodies[label][1]) / 1024:,.0f} KB gzip, {len(bodies[label][0]) / 1024:,.0f} KB plain"
        ours, base = by_server["granian"][label]
        rows.append((f"{label} throughput vs nginx, same bytes ({n:,} centres; {size})",
                     f"≥ {TARGETS[label]}×", f"{ours:,.0f} vs {base:,.0f} req/s", ours / base))
        speeds.append((n, label, size, {server: r[label] for server, r in by_server.items()}))
    if n == 100_000:
        rows.append(("map page HTML at 100,000 centres vs at the real data", "within 5 %",
                     f"{len(bodies['map page'][0]):,} vs {real_html:,} bytes", len(bodies["map page"][0]) / real_html))
    if n == 10_000:
        ours, baseline, located, acc = coverage_ms(data)
        rows.append((f"coverage analysis, {located:,} centres ({acc:,} accessible) × 11 routes",
                     "≤ 100 ms", f"{ours:.1f} ms (one merged buffer: {baseline:.1f} ms)", ours / 100))


PG = os.environ.get("CRAFTMAP_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _edit_loop(urls, token, edits, queue):
    import json as _json
    landed = refused = 0
    for i in range(edits):
        base = urls[i % len(urls)]
        with urllib.request.urlopen(base + "/api/v1/centres/dobele-crafts-house") as r:
            etag, count = r.headers["ETag"], _json.load(r)["properties"]["visitors"].get("2025", 0)
        req = urllib.request.Request(base + "/api/v1/centres/dobele-crafts-house", method="PATCH",
                                     data=_json.dumps({"visitors": {"2025": count + 1}}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "If-Match": etag,
                                              "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req).close()
            landed += 1
        except urllib.error.HTTPError as exc:
            if exc.code != 412:
                raise
            refused += 1
    queue.put((landed, refused))


def concurrent_edits(tmp, notes, processes=4, edits=100):
    """4 client processes × 100 read-then-PATCH edits across two app servers on one PostgreSQL."""
    import multiprocessing
    import uuid

    import sqlalchemy as sa
    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = sa.create_engine(PG, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{PG}?options=-csearch_path%3D{schema}"
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": "bench", "CRAFTMAP_TILE_URL": ""}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app"]
    subprocess.run(flask + ["user", "add", "bench@example.test", "--role", "editor", "--municipality",
                            "Dobeles novads"], input="synthetic bench password\n", text=True, env=env, cwd=ROOT,
                   check=True, capture_output=True)
    token = subprocess.run(flask + ["token", "create", "bench@example.test"], env=env, cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.strip()
    servers = [subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--threads", "4",
                                 "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                                 "app:create_app()"], cwd=ROOT, env=env) for port in (18082, 18083)]
    urls = [f"http://127.0.0.1:{port}" for port in (18082, 18083)]
    try:
        for u in urls:
            wait_for(u + "/api/v1/routes")
        queue = multiprocessing.get_context("spawn").Queue()
        workers = [multiprocessing.get_context("spawn").Process(target=_edit_loop, args=(urls, token, edits, queue))
                   for _ in range(processes)]
        for w in workers:
            w.start()
        results = [queue.get(timeout=600) for _ in workers]
        for w in workers:
            w.join()
        with urllib.request.urlopen(urls[0] + "/api/v1/centres/dobele-crafts-house") as r:
            import json as _json
            final = _json.load(r)["properties"]["visitors"].get("2025", 0)
    finally:
        for srv in servers:
            srv.terminate()
            srv.wait()
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    landed = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    notes.append(f"Concurrent edits: {landed} landed and {refused} were refused as conflicts (412); the final "
                 f"count is {final}, so {landed - final} were lost.")
    return ("concurrent edits (4 × 100) on PostgreSQL, two app processes", "0 lost",
            f"{landed - final} lost ({landed} landed, {refused} refused)", None)


def write(rows, speeds, notes):
    lines = [
        "# craftmap benchmark results", "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; `make bench` (bench/run.py).",
        "Every centre beyond the real 41 is SYNTHETIC, generated by bench/synthetic.py.", "",
        "Throughput: the app on SQLite under granian (2 workers × 8 threads), the first set-up the README "
        "documents; baseline nginx (2 workers, sendfile, gzip_static) serving the very bytes the app served. "
        f"`{' '.join(WRK)} -d5s` with Accept-Encoding: gzip on loopback, all on the same 2 cores; each figure the "
        f"median of {ROUNDS} rounds, app and nginx taking turns. A ratio is measured ÷ target for times, "
        "measured ÷ baseline for throughput.", "",
        "| figure | target | measured | ratio |", "| --- | --- | --- | --- |",
    ]
    lines += [f"| {f} | {t} | {m} | {'–' if r is None else f'{r:.3g}×'} |" for f, t, m, r in rows]
    lines += ["", "## Throughput by server", "",
              "req/s, with the ratio to nginx measured in the same rounds. gunicorn's workers parse HTTP in "
              "Python, which caps small responses; granian parses it in Rust.", "",
              "| centres | response | size | nginx | granian | gunicorn |", "| --- | --- | --- | --- | --- | --- |"]
    for n, label, size, servers in speeds:
        cells = [f"{ours:,.0f} ({ours / base:.2f}×)" for ours, base in servers.values()]
        lines.append(f"| {n:,} | {label} | {size} | {servers['granian'][1]:,.0f} | " + " | ".join(cells) + " |")
    lines += ["", *[f"- {n}" for n in notes], ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
