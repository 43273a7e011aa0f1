"""How long the largest CSV import the app accepts holds the database's write lock, and how long
an editor saving one centre at the same moment has to wait.

    .venv/bin/python bench/import_lock.py [postgresql+psycopg://…/db]

Every centre beyond the real ones is SYNTHETIC (bench/synthetic.py), all in Dobeles novads so that
one editor may import them. Prints one Markdown line per database; append it to bench/RESULTS.md.
"""
import csv
import io
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_centres  # noqa: E402
from craftmap import create_app, editing, importing  # noqa: E402

EMAIL, PASSWORD, MUNI = "bench@example.test", "synthetic bench password", "Dobeles novads"


def data_dir(target, n):
    import shutil
    shutil.copytree(ROOT / "data", target)
    munis = gpd.read_file(target / "municipalities.geojson")
    with open(target / "centres.csv", "a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=list(synthetic_centres(1, munis)[0])).writerows(
            synthetic_centres(n, munis[munis["name_local"] == MUNI]))
    return target


def lock_timer(engine):
    """Seconds from each write transaction's BEGIN (IMMEDIATE on SQLite: the lock) to its end."""
    spans, started = [], {}
    sa.event.listen(engine, "begin", lambda conn: started.__setitem__(id(conn), time.perf_counter()))
    for end in ("commit", "rollback"):
        sa.event.listen(engine, end, lambda conn: spans.append(time.perf_counter() - started.pop(id(conn), 0)))
    return spans


def edited_export(client, n_rows):
    text = client.get("/manage/export.csv").data.decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["id"].startswith("synthetic-")][:n_rows]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows([r | {"phone": "+371 6300 0000", "notes": "SYNTHETIC, imported by bench/import_lock.py"}
                      for r in rows])
    return out.getvalue()


def measure(url, work):
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "TILE_URL": "",
                      "DATA_DIR": data_dir(work / "data", importing.MAX_ROWS)})
    app.test_cli_runner().invoke(args=["user", "add", EMAIL, "--role", "editor", "--municipality", MUNI],
                                 input=PASSWORD + "\n")
    client = app.test_client()
    csrf = lambda path: re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]  # noqa: E731
    client.post("/manage/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf("/manage/login")})
    text = edited_export(client, importing.MAX_ROWS)
    token = csrf("/manage/")
    spans, waits, done = lock_timer(app.extensions["craftmap.write_engine"]), [], threading.Event()

    def colleague():  # another editor saving one centre again and again while the import runs
        with app.test_request_context():
            while not done.is_set():
                version = editing.db.get_centre("dobele-crafts-house")["version"]
                t = time.perf_counter()
                editing.save_centre("dobele-crafts-house", {"notes": f"SYNTHETIC edit {t}"}, version, "colleague")
                waits.append(time.perf_counter() - t)
                time.sleep(0.02)
    started = time.perf_counter()
    thread = threading.Thread(target=colleague)
    thread.start()
    response = client.post("/manage/import", data={"csv_text": text, "apply": "1", "csrf_token": token})
    total = time.perf_counter() - started
    done.set()
    thread.join()
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    import_span = max(spans)
    app.extensions["craftmap.engine"].dispose()
    return (f"| {url.split(':')[0].split('+')[0]} | {importing.MAX_ROWS:,} rows, {len(text.encode()) / 1e6:.2f} MB "
            f"| {total:.2f} s | {import_span * 1000:.0f} ms | {max(waits) * 1000:.0f} ms ({len(waits)} saves) |")


def main():
    urls = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        lines = [measure(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp) / "sqlite")]
        for i, url in enumerate(urls):
            with sa.create_engine(url).begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS bench_import_{i} CASCADE; CREATE SCHEMA bench_import_{i}"))
            lines.append(measure(f"{url}?options=-csearch_path%3Dbench_import_{i}", Path(tmp) / f"pg{i}"))
    print("| database | file | whole request (plan + write) | write lock held | longest wait of a colleague's save |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
