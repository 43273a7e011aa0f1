"""craftmap's benchmark: every figure a ratio to a baseline measured in the same run.

    make bench          (needs nginx, wrk and chromium from Debian: apt-get install nginx-light wrk chromium)

Writes bench/RESULTS.md. All centres beyond the real 41 are SYNTHETIC (bench/synthetic.py).
"""
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
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

from bench import memory  # noqa: E402
from bench.synthetic import synthetic_data_dir  # noqa: E402
from craftmap import coverage  # noqa: E402

APP_PORT, NGINX_PORT, CEILING_PORT, PROXY_PORT = 18080, 18081, 18084, 18085
VISITOR = {"Cookie": "lang=en"}  # a returning visitor, whose language cookie is set
WRK = ["wrk", "-t2", "-c16", "-H", "Cookie: lang=en"]
SIZES = (1_000, 10_000, 100_000)
OUT = ROOT / "bench" / "RESULTS.md"


def wrk_rps(url, gzip=True, seconds=None):
    cmd = WRK + [f"-d{seconds or SECONDS}s"] + (["-H", "Accept-Encoding: gzip"] if gzip else []) + [url]
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


def fetch(url, gzip=False, headers=False):
    req = urllib.request.Request(url, headers=VISITOR | ({"Accept-Encoding": "gzip"} if gzip else {}))
    with urllib.request.urlopen(req) as r:
        return (r.read(), r.headers.items()) if headers else r.read()


SERVERS = {  # the two production set-ups the README documents, each with 2 worker processes
    "granian": lambda port: ["granian", "--interface", "wsgi", "--workers", "2", "--blocking-threads", "8",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                             "--factory", "app:create_app"],
    "gunicorn": lambda port: ["gunicorn", "--workers", "2", "--threads", "8", "--worker-class", "gthread",
                              "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
}


def start(cmd, env, port, ready):
    cmd[0] = str(Path(sys.executable).parent / cmd[0])
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(f"http://127.0.0.1:{port}{ready}")
    return proc


def stop(proc):
    """SIGTERM to a server and its workers (a granian worker still starting can miss its master's);
    SIGKILL to what is left after 30 s."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class App:
    """craftmap under one of the production servers, on a SQLite database seeded from ``data_dir``."""

    def __init__(self, data_dir, work, server="granian"):
        env = os.environ | {"DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}", "CRAFTMAP_DATA_DIR": str(data_dir),
                            "CRAFTMAP_TILE_URL": "", "SECRET_KEY": "bench",
                            "CRAFTMAP_BUILT_DIR": str(work / "built")}
        subprocess.run([sys.executable, "-c", "from craftmap import create_app; create_app()"], env=env,
                       cwd=ROOT, check=True)  # seed once before the workers start
        self.proc = start(SERVERS[server](APP_PORT), env, APP_PORT, "/api/v1/routes")
        self.url = f"http://127.0.0.1:{APP_PORT}"

    def stop(self):
        stop(self.proc)


class Ceiling:
    """bench/ceiling.py under granian, answering with the bytes and headers craftmap sent."""

    KEPT = ("content-type", "content-length", "content-encoding", "etag", "vary", "cache-control")

    def __init__(self, answers, work):
        root = work / "ceiling"
        root.mkdir()
        for name, (gz, headers) in answers.items():
            (root / name).write_bytes(gz)
        kept = {name: [(k, v) for k, v in headers if k.lower() in self.KEPT] for name, (gz, headers) in answers.items()}
        (root / "headers.json").write_text(json.dumps(kept))
        cmd = SERVERS["granian"](CEILING_PORT)[:-2] + ["bench.ceiling:app"]
        self.proc = start(cmd, os.environ | {"CRAFTMAP_CEILING_DIR": str(root)}, CEILING_PORT,
                          "/" + next(iter(answers)))
        self.url = f"http://127.0.0.1:{CEILING_PORT}"

    def stop(self):
        stop(self.proc)


class Nginx:
    """nginx (2 workers, sendfile) with the given http-block lines, listening on ``port``."""

    def __init__(self, work, name, port, http, ready):
        conf = work / f"{name}.conf"
        conf.write_text(f"""
daemon off; worker_processes 2; pid {work}/{name}.pid; error_log {work}/{name}.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; types {{ text/html html; application/geo+json geojson; }}
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work};
  scgi_temp_path {work};
  {http} }}
""")
        self.proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)])
        self.url = f"http://127.0.0.1:{port}"
        wait_for(self.url + ready)

    @classmethod
    def static(cls, files, work):
        """The baseline: nginx serving given files (and their .gz twins)."""
        root = work / "www"
        root.mkdir()
        for name, (plain, gz) in files.items():
            (root / name).write_bytes(plain)
            (root / (name + ".gz")).write_bytes(gz)
        return cls(work, "static", NGINX_PORT, f"gzip_static on; server {{ listen 127.0.0.1:{NGINX_PORT}; "
                                               f"root {root}; }}", "/" + next(iter(files)))

    @classmethod
    def proxy(cls, app_url, work):
        """The README's production front: deploy/nginx/craftmap-proxy.conf caching the app's answers."""
        return cls(work, "proxy", PROXY_PORT, f"""
  upstream craftmap {{ server {app_url.removeprefix("http://")}; keepalive 32; }}
  proxy_cache_path {work}/proxy-cache levels=1:2 keys_zone=craftmap:10m use_temp_path=off;
  server {{ listen 127.0.0.1:{PROXY_PORT};
    location / {{ include {ROOT}/deploy/nginx/craftmap-proxy.conf; }} }}""", "/api/v1/routes")

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
        times, arrived = [], []
        for _ in range(3):
            context = browser.new_context()  # a fresh context each visit: nothing from the browser's cache
            page = context.new_page()
            page.goto(url + "/?lang=en")
            page.wait_for_selector(".marker-cluster", timeout=60_000)
            times.append(page.evaluate("performance.now()") / 1000)
            arrived.append(page.evaluate("""performance.getEntriesByType('resource')
              .filter(e => e.name.includes('/api/v1/centres')).map(e => e.responseEnd)[0] || 0""") / 1000)
            context.close()
        browser.close()
    return statistics.median(times), statistics.median(arrived)


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
        for _ in range(7):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs) * 1000
    return timed(ours), timed(merged_buffer), len(points), len(accessible)


RESPONSES = {"map page": "/?lang=en",
             "centres GeoJSON, all fields": "/api/v1/centres?lang=en",
             "centres GeoJSON, the map's fields": "/api/v1/centres?lang=en&fields=map"}
TARGETS = {"map page": 0.3, "centres GeoJSON, all fields": 0.8, "centres GeoJSON, the map's fields": 0.8}
ROUNDS, SECONDS = 5, 3


def main():
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed: apt-get install nginx-light wrk")
    rows, speeds, notes, mem = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tmp.chmod(0o755)  # nginx's workers run as an unprivileged user
        real_work = tmp / "real"
        real_work.mkdir()
        app = App(ROOT / "data", real_work)
        real_html = len(fetch(app.url + "/?lang=en"))
        mem.append(("41 (real)", memory.measure(app)))
        app.stop()
        for n in SIZES:
            work = tmp / str(n)
            work.mkdir()
            data = synthetic_data_dir(work / "data", n, ROOT / "data")
            measure(n, work, data, real_html, rows, speeds, mem)
        rows.append(concurrent_edits(tmp, notes))
    rows[1:1] = memory_rows(mem)
    write(rows, speeds, notes, mem)


def throughput(contenders):
    """Median req/s of each contender ({name: {response label: url}}) for each response, taking turns."""
    for urls in contenders.values():
        for url in urls.values():
            for _ in range(8):  # a new connection each, so every worker builds its copy before the clock runs
                fetch(url, gzip=True)
            wrk_rps(url, seconds=1)
    runs = {}
    for _ in range(ROUNDS):
        for label in RESPONSES:
            for name, urls in contenders.items():
                runs.setdefault((name, label), []).append(wrk_rps(urls[label]))
    return {key: statistics.median(values) for key, values in runs.items()}


def measure(n, work, data, real_html, rows, speeds, mem):
    app = App(data, work, "granian")
    figures = memory.measure(app)
    names = dict(zip(RESPONSES, ("page.html", "all.geojson", "map.geojson")))
    plain = {label: fetch(app.url + path) for label, path in RESPONSES.items()}
    gz = {label: fetch(app.url + path, gzip=True, headers=True) for label, path in RESPONSES.items()}
    nginx = Nginx.static({names[label]: (plain[label], gz[label][0]) for label in RESPONSES}, work)
    ceiling = Ceiling({names[label]: gz[label] for label in RESPONSES}, work)
    proxy = Nginx.proxy(app.url, work)

    def app_urls():
        return {label: app.url + path for label, path in RESPONSES.items()}
    files = {label: "/" + name for label, name in names.items()}
    nginx_urls = {label: nginx.url + f for label, f in files.items()}
    try:
        proxied = {label: proxy.url + path for label, path in RESPONSES.items()}
        first = throughput({"proxy": proxied, "granian": app_urls(),
                            "ceiling": {k: ceiling.url + f for k, f in files.items()}, "nginx": nginx_urls})
        figures |= {"loaded": memory.snapshot(app.proc.pid), "ceiling": memory.snapshot(ceiling.proc.pid)}
        mem.append((f"{n:,}", figures))
        for label, url in proxied.items():  # nginx in front answers from its cache (revalidated once a minute)
            body, headers = fetch(url, gzip=True, headers=True)
            assert body == gz[label][0], label
            assert dict(headers)["X-Cache-Status"] in ("HIT", "STALE", "UPDATING", "REVALIDATED"), (label, headers)
        ceiling.stop()
        proxy.stop()
        if n == 1_000:
            naive = naive_folium_seconds(data)
            page = first["granian", "map page"]
            rows.append(("map page vs naive per-request folium build, 1,000 centres", "≥ 1000×",
                         f"{page:,.0f} vs {1 / naive:,.1f} req/s", page * naive))
        if n in (10_000, 100_000):
            seconds, arrived = first_clusters_seconds(app.url)
            target = 0.8 if n == 10_000 else 1.5
            rows.append((f"first clusters visible in headless chromium, {n:,} centres, each visit in a fresh context",
                         f"≤ {target} s", f"{seconds:.2f} s (the data had arrived at {arrived:.2f} s)", seconds / target))
        app.stop()
        app = App(data, work, "gunicorn")
        for label, path in RESPONSES.items():  # the same bytes from either server
            assert fetch(app.url + path, gzip=True) == gz[label][0], label
        second = throughput({"gunicorn": app_urls(), "nginx": nginx_urls})
    finally:
        app.stop()
        nginx.stop()
        ceiling.stop()
        proxy.stop()
    for label in RESPONSES:
        size = f"{len(gz[label][0]) / 1024:,.0f} KB gzip, {len(plain[label]) / 1024:,.0f} KB plain"
        base = first["nginx", label]
        for name, how in (("proxy", "granian behind nginx's cache"), ("granian", "granian alone")):
            ours = first[name, label]
            rows.append((f"{label} throughput vs nginx, same bytes ({n:,} centres; {size}), {how}",
                         f"≥ {TARGETS[label]}×", f"{ours:,.0f} vs {base:,.0f} req/s", ours / base))
        speeds.append((n, label, size, base, [(first[name, label], base) for name in ("proxy", "granian", "ceiling")]
                       + [(second["gunicorn", label], second["nginx", label])]))
    if n == 100_000:
        rows.append(("map page HTML at 100,000 centres vs at the real data", "within 5 %",
                     f"{len(plain['map page']):,} vs {real_html:,} bytes", len(plain["map page"]) / real_html))
    if n == 10_000:
        ours, baseline, located, acc = coverage_ms(data)
        rows.append((f"coverage analysis, {located:,} centres ({acc:,} accessible) × 11 routes",
                     "≤ 100 ms", f"{ours:.1f} ms (one merged buffer: {baseline:.1f} ms)", ours / 100))


PG = os.environ.get("CRAFTMAP_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _edit_loop(urls, token, edits, queue):
    """A municipality's system: read the centre with its token, add one visitor, write it back."""
    landed = refused = 0
    signed = {"Authorization": f"Bearer {token}"}
    for i in range(edits):
        url = urls[i % len(urls)] + "/api/v1/centres/dobele-crafts-house"
        with urllib.request.urlopen(urllib.request.Request(url, headers=signed)) as r:
            etag, count = r.headers["ETag"], json.load(r)["properties"]["visitors"].get("2025", 0)
        req = urllib.request.Request(url, method="PATCH", data=json.dumps({"visitors": {"2025": count + 1}}).encode(),
                                     headers=signed | {"If-Match": etag, "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req).close()
            landed += 1
        except urllib.error.HTTPError as exc:
            if exc.code != 412:
                raise
            refused += 1
    queue.put((landed, refused))


def concurrent_edits(tmp, notes, processes=4, edits=100):
    """4 client processes × 100 read-then-PATCH edits across two app servers (granian, gunicorn) on one PostgreSQL."""
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
    ports = {"granian": 18082, "gunicorn": 18083}  # one server of each kind, 2 workers each
    servers = [start(SERVERS[name](port), env, port, "/api/v1/routes") for name, port in ports.items()]
    urls = [f"http://127.0.0.1:{port}" for port in ports.values()]
    try:
        queue = multiprocessing.get_context("spawn").Queue()
        workers = [multiprocessing.get_context("spawn").Process(target=_edit_loop, args=(urls, token, edits, queue))
                   for _ in range(processes)]
        for w in workers:
            w.start()
        results = [queue.get(timeout=600) for _ in workers]
        for w in workers:
            w.join()
        final_read = urllib.request.Request(urls[0] + "/api/v1/centres/dobele-crafts-house",
                                            headers={"Authorization": f"Bearer {token}"})  # the latest version
        with urllib.request.urlopen(final_read) as r:
            final = json.load(r)["properties"]["visitors"].get("2025", 0)
    finally:
        for srv in servers:
            stop(srv)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    landed = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    notes.append(f"Concurrent edits: {landed} landed and {refused} were refused as conflicts (412); the final "
                 f"count is {final}, so {landed - final} were lost.")
    return ("concurrent edits (4 × 100) on PostgreSQL, two app servers (granian, gunicorn)", "0 lost",
            f"{landed - final} lost ({landed} landed, {refused} refused)", None)


MEMORY_TARGETS = {"41 (real)": 120, "100,000": 250}  # MB per worker after serving (issue 15)


def memory_rows(mem):
    """A row per size with a target: the larger worker's RSS after serving everything, against it."""
    out = []
    for size, figures in mem:
        if size in MEMORY_TARGETS:
            rss = max(r for r, _ in figures["served"])
            pss = max(p for _, p in figures["served"])
            out.append((f"app-server worker memory after serving the map, both GeoJSON variants and the planner "
                        f"pages, {size} centres (larger of 2 granian workers)", f"≤ {MEMORY_TARGETS[size]} MB",
                        f"RSS {rss:.0f} MB, PSS {pss:.0f} MB", rss / MEMORY_TARGETS[size]))
    return out


def _workers(per_worker):
    return " / ".join(f"{r:.0f} ({p:.0f})" for r, p in per_worker)


OTHER_SCRIPTS = "## Coverage cost with the worst accepted track"  # sections written by other bench scripts


def write(rows, speeds, notes, mem):
    lines = [
        "# craftmap benchmark results", "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; `make bench` (bench/run.py).",
        "Every centre beyond the real 41 is SYNTHETIC, generated by bench/synthetic.py.", "",
        "Throughput: the app on SQLite under granian (2 workers × 8 threads), the README's production "
        "set-up, measured behind nginx with deploy/nginx/craftmap-proxy.conf (2 workers, sendfile; after "
        "the rounds each response is checked to come from nginx's cache and carry the app's bytes) and "
        "alone; baseline nginx (2 workers, sendfile, gzip_static) serving the very bytes the app served. "
        f"`{shlex.join(WRK)} -d{SECONDS}s` with Accept-Encoding: gzip on loopback, all on the same 2 cores; each "
        f"figure the median of {ROUNDS} rounds in which the servers take turns. A ratio is measured ÷ "
        "baseline for throughput and sizes, measured ÷ target for times.", "",
        "| figure | target | measured | ratio |", "| --- | --- | --- | --- |",
    ]
    lines += [f"| {f} | {t} | {m} | {'–' if r is None else f'{r:.3g}×'} |" for f, t, m, r in rows]
    lines += ["", "## Throughput by server", "",
              "req/s, and in brackets the ratio to nginx measured in the same rounds. *Ceiling* is "
              "bench/ceiling.py under granian: a WSGI app that answers with the same bytes and headers from "
              "memory and does nothing else, so it is as fast as a Python app can be on this server. "
              "gunicorn's workers parse HTTP in Python, which caps small responses; granian parses it in Rust.",
              "", "| centres | response | size | nginx | craftmap, granian behind nginx's cache | craftmap, granian "
              "| ceiling, granian | craftmap, gunicorn |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for n, label, size, base, pairs in speeds:
        cells = [f"{ours:,.0f} ({ours / nginx:.2f}×)" for ours, nginx in pairs]
        lines.append(f"| {n:,} | {label} | {size} | {base:,.0f} | " + " | ".join(cells) + " |")
    lines += ["", *[f"- {n}" for n in notes], ""]
    lines += ["## Memory per worker", "",
              "MB of RSS, and in brackets PSS (shared pages divided among the processes that share them), of each "
              "of the 2 granian workers, from /proc/<pid>/smaps_rollup (bench/memory.py): right after start; "
              f"after serving {', '.join(memory.PATHS)} in brotli, gzip and plain, each several times; and after "
              "the throughput rounds. *Ceiling*: bench/ceiling.py under granian holding the same responses, the "
              "framework's and server's own share.", "",
              "| centres | after start | after serving | after the throughput rounds | ceiling |",
              "| --- | --- | --- | --- | --- |"]
    for size, f in mem:
        lines.append(f"| {size} | {_workers(f['start'])} | {_workers(f['served'])} | "
                     f"{_workers(f['loaded']) if 'loaded' in f else '–'} | "
                     f"{_workers(f['ceiling']) if 'ceiling' in f else '–'} |")
    lines += [""]
    old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
    if OTHER_SCRIPTS in old:
        lines += [old[old.index(OTHER_SCRIPTS):]]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
