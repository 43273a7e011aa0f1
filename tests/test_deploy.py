"""Production serving: granian and gunicorn, each with threaded workers, on one database, no state of their own."""
import json
import os
import signal
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
                return r.status, r.headers, r.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


CHECK_SECONDS = 1.0


def test_two_servers_share_one_database(app):
    env = os.environ | {"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "shared", "CRAFTMAP_TILE_URL": "",
                        "CRAFTMAP_VERSION_CHECK_SECONDS": str(CHECK_SECONDS)}
    ports = [free_port(), free_port()]
    bin_dir = Path(sys.executable).parent
    commands = [  # the two set-ups the README documents
        [str(bin_dir / "granian"), "--interface", "wsgi", "--workers", "2", "--blocking-threads", "4",
         "--host", "127.0.0.1", "--port", str(ports[0]), "--factory", "app:create_app"],
        [str(bin_dir / "gunicorn"), "--workers", "2", "--threads", "4", "--worker-class", "gthread",
         "--bind", f"127.0.0.1:{ports[1]}", "app:create_app()"]]
    servers = [subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL, start_new_session=True)
               for cmd in commands]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        status, headers, body = get(urls[0] + "/?lang=en")
        assert status == 200 and b"craft places" in body and "max-age" in headers["Cache-Control"]
        for url in urls:  # both servers have read (and cached) the centre before the edit
            for _ in range(8):
                before = json.loads(get(url + "/api/v1/centres/dobele-crafts-house")[2])["properties"]
                assert before["wheelchair"] == "unknown"
        with app.app_context():  # an edit landing in the shared database, as from a third server
            editing.save_centre("dobele-crafts-house", {"wheelchair": "yes"}, before["version"], "test")
        time.sleep(CHECK_SECONDS)
        for url in urls:  # within the version check interval, every worker of both servers shows the edit
            for _ in range(8):
                props = json.loads(get(url + "/api/v1/centres/dobele-crafts-house")[2])["properties"]
                assert props["wheelchair"] == "yes"
    finally:
        for server in servers:
            stop(server)


def stop(server):
    """SIGTERM to the server and its workers (a granian worker still starting can miss its master's);
    SIGKILL to what is left after 30 s."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
