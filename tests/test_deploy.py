"""Production serving: gunicorn with threaded workers, two servers on one database, no state of their own."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from craftmap import editing

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    for _ in range(150):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, dict(r.headers), r.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_two_gunicorn_servers_share_one_database(app):
    env = os.environ | {"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "shared", "CRAFTMAP_TILE_URL": ""}
    ports = [free_port(), free_port()]
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    servers = [subprocess.Popen([gunicorn, "--workers", "2", "--threads", "4", "--worker-class", "gthread",
                                 "--bind", f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=env,
                                stderr=subprocess.DEVNULL) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        status, headers, body = get(urls[0] + "/?lang=en")
        assert status == 200 and b"craft places" in body and "max-age" in headers["Cache-Control"]
        before = json.loads(get(urls[1] + "/api/v1/centres/dobele-crafts-house")[2])["properties"]
        assert before["wheelchair"] == "unknown"
        with app.app_context():  # an edit landing in the shared database, as from a third server
            editing.save_centre("dobele-crafts-house", {"wheelchair": "yes"}, before["version"], "test")
        for url in urls:  # every worker of both servers follows the data version at once
            for _ in range(4):
                props = json.loads(get(url + "/api/v1/centres/dobele-crafts-house")[2])["properties"]
                assert props["wheelchair"] == "yes"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
