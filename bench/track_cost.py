"""What one anonymous coverage request costs with the worst track that validation accepts.

    python bench/track_cost.py [repo root to import craftmap from] [points] [length_km]

The track is SYNTHETIC, generated here: a zig-zag of MAX_POINTS points near Jelgava whose legs are
so sharp that simplification keeps every point, its length just under the length cap. It is written
straight into the database (as a saved route), so the same script measures code that would refuse
it at the door. Prints CPU seconds and peak memory of one request per distance_km, then of a repeat.
"""
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
sys.path.insert(0, str(root))

import numpy as np  # noqa: E402
import pyproj  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from craftmap import create_app, db  # noqa: E402

MAX_POINTS = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000
LENGTH_KM = float(sys.argv[3]) if len(sys.argv) > 3 else 1_990
DISTANCES_KM = (5, 10, 20)


def zigzag(n=MAX_POINTS, length_km=LENGTH_KM, centre=(23.72, 56.65)):
    """A zig-zag of ``n`` points with legs of equal length, as WGS 84 (lon, lat) pairs."""
    to_m = pyproj.Transformer.from_crs(4326, 3035, always_xy=True)
    x0, y0 = to_m.transform(*centre)
    leg = length_km * 1000 / (n - 1)
    dx = 40.0
    dy = (leg ** 2 - dx ** 2) ** 0.5
    xs = x0 + dx * np.arange(n) - dx * n / 2
    ys = y0 + np.where(np.arange(n) % 2, dy / 2, -dy / 2)
    lon, lat = to_m.transform(xs, ys, direction="INVERSE")
    return [[round(a, 6), round(b, 6)] for a, b in zip(lon, lat)]


def store(app, coords):
    with app.app_context(), db.transaction() as conn:
        doc = json.loads(conn.execute(sa.select(db.routes.c.doc)).first()[0])
        doc["geometry_origin"] = "surveyed_track"
        conn.execute(db.routes.insert().values(id="synthetic-zigzag", doc=json.dumps(doc),
                                               geometry=json.dumps({"type": "LineString", "coordinates": coords})))
        conn.execute(db.centres.update().values(wheelchair="yes"))
        db.bump_data_version(conn)


def timed(client, url):
    cpu = time.process_time()
    status = client.get(url).status_code
    return status, time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "TILE_URL": "", "RESPONSE_CACHE_MB": 0,
                          "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"})
        coords = zigzag()
        store(app, coords)
        client = app.test_client()
        client.get("/api/v1/coverage?by=municipality")
        print(f"track: {len(coords)} points, {len(json.dumps(coords)) // 1024} KB of coordinates")
        print(f"baseline peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        for label, distances in (("first", DISTANCES_KM), ("repeat", DISTANCES_KM)):
            for km in distances:
                status, cpu, rss = timed(client, f"/api/v1/coverage?by=route&distance_km={km}")
                print(f"{label:6} distance_km={km:<3} status {status} cpu {cpu:.3f} s peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
