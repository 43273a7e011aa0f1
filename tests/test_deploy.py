"""Production serving: granian and gunicorn, each with threaded workers, on one database, no state of their own."""
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.run import stop
from craftmap import config, editing

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


def serve(server, port, app, **env):
    """One of the two set-ups the README documents, with 2 threaded workers, on ``app``'s database."""
    env = os.environ | {"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "shared", "CRAFTMAP_TILE_URL": "",
                        **env}
    bin_dir = Path(sys.executable).parent
    cmd = {"granian": [str(bin_dir / "granian"), "--interface", "wsgi", "--workers", "2", "--blocking-threads", "4",
                       "--host", "127.0.0.1", "--port", str(port), "--factory", "app:create_app"],
           "gunicorn": [str(bin_dir / "gunicorn"), "--workers", "2", "--threads", "4", "--worker-class", "gthread",
                        "--bind", f"127.0.0.1:{port}", "app:create_app()"]}[server]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL, start_new_session=True)


CHECK_SECONDS = 1.0


def ask(url, method="GET", headers=None, data=None):
    """One request, whatever its status: (status, headers, body)."""
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_two_servers_share_one_database(app):
    ports = [free_port(), free_port()]
    servers = [serve(kind, port, app, CRAFTMAP_VERSION_CHECK_SECONDS=str(CHECK_SECONDS))
               for kind, port in zip(("granian", "gunicorn"), ports)]
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


@pytest.fixture
def nginx():
    path = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin")
    if path is None:
        if os.environ.get("CRAFTMAP_REQUIRE_NGINX"):
            pytest.fail("nginx not found, and CRAFTMAP_REQUIRE_NGINX is set")
        pytest.skip("nginx not installed (apt-get install nginx-light)")
    return path


MAX_AGE = 2


@pytest.mark.parametrize("server_kind", ["granian", "gunicorn"])
def test_nginx_in_front_caches_public_answers_and_lets_editors_through(server_kind, app, accounts, runner, nginx,
                                                                       tmp_path):
    """deploy/nginx/craftmap-proxy.conf, as shipped, in front of an app server."""
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    app_port, proxy_port = free_port(), free_port()
    server = serve(server_kind, app_port, app, CRAFTMAP_CACHE_MAX_AGE=str(MAX_AGE))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""} daemon off; worker_processes 1; pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log; events {{ worker_connections 64; }}
http {{ access_log off; sendfile on; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};
  fastcgi_temp_path {tmp_path}; uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path};
  upstream craftmap {{ server 127.0.0.1:{app_port}; keepalive 8; }}
  proxy_cache_path {tmp_path}/cache levels=1:2 keys_zone=craftmap:1m use_temp_path=off;
  server {{ listen 127.0.0.1:{proxy_port}; location / {{ include {ROOT}/deploy/nginx/craftmap-proxy.conf; }} }} }}
""")
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)], start_new_session=True)
    try:
        get(f"http://127.0.0.1:{app_port}/api/v1/centres")
        url = f"http://127.0.0.1:{proxy_port}"
        get(url + "/api/v1/centres")
        zipped = {"Accept-Encoding": "gzip"}
        first, again = ask(url + "/api/v1/centres", headers=zipped), ask(url + "/api/v1/centres", headers=zipped)
        assert again[1]["X-Cache-Status"] == "HIT" and again[1]["ETag"] == first[1]["ETag"]
        assert again[2] == ask(f"http://127.0.0.1:{app_port}/api/v1/centres", headers=zipped)[2]
        assert len(json.loads(gzip.decompress(again[2]))["features"]) == 46
        assert ask(url + "/api/v1/centres", headers=zipped | {"If-None-Match": first[1]["ETag"]})[0] == 304

        for _ in range(2):  # one cache, each visitor their own language (the app's Vary is honoured)
            for lang in ("lt", "lv", "en"):
                status, headers, body = ask(url + "/", headers={"Accept-Language": lang})
                assert status == 200 and f'<html lang="{lang}">'.encode() in body
        assert headers["X-Cache-Status"] == "HIT"
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]  # kept copies keep the app's

        script = re.search(rb'src="(/static/[0-9a-f]+/vendor/leaflet/leaflet\.js)"', body).group(1).decode()
        for _ in range(2):  # one cached copy per encoding (the app's Vary: Accept-Encoding is honoured)
            for accept in ("br", "gzip", "identity"):
                status, headers, asset = ask(url + script, headers={"Accept-Encoding": accept})
                assert status == 200 and headers.get("Content-Encoding", "identity") == accept
                assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["X-Cache-Status"] == "HIT" and asset == (ROOT / "node_modules/leaflet/dist/leaflet.js").read_bytes()

        def centre(headers=None):
            status, headers, body = ask(url + "/api/v1/centres/dobele-crafts-house", headers=headers)
            return headers, json.loads(body)["properties"]
        assert centre()[1]["wheelchair"] == centre()[1]["wheelchair"] == "unknown"  # now in the cache
        signed = {"Authorization": f"Bearer {token}"}
        headers, props = centre(signed)
        assert headers["X-Cache-Status"] == "BYPASS"
        status, _, body = ask(url + "/api/v1/centres/dobele-crafts-house", "PATCH", data=b'{"wheelchair": "yes"}',
                              headers=signed | {"If-Match": headers["ETag"], "Content-Type": "application/json"})
        assert status == 200, body
        assert centre(signed)[1]["wheelchair"] == "yes"  # the editor sees the edit at once
        deadline = time.monotonic() + MAX_AGE + 5  # visitors may get the kept copy for up to MAX_AGE
        while centre()[1]["wheelchair"] != "yes":
            assert time.monotonic() < deadline, "visitors never saw the edit"
            time.sleep(0.2)

        stop(server)  # with no app server answering, visitors still get the kept copies
        assert ask(url + "/api/v1/centres", headers=zipped)[2] == again[2]
        assert centre()[1]["wheelchair"] == "yes"
    finally:
        stop(server)
        stop(proxy)


def test_nginx_and_the_readme_state_the_apps_body_limit():
    """A proxy limit below the app's refuses uploads the app allows; above it, nginx buffers what the app refuses."""
    conf = (ROOT / "deploy/nginx/craftmap-proxy.conf").read_text()
    assert re.findall(r"^client_max_body_size (\d+)m;", conf, re.M) == [str(config.MAX_UPLOAD_MB)]
    assert f"| `CRAFTMAP_MAX_UPLOAD_MB` | `{config.MAX_UPLOAD_MB}` |" in (ROOT / "README.md").read_text()


def _raw(port, head, body_parts, timeout=10):
    """Send a request by hand, the body in parts; return the status line of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        try:
            for part in body_parts:
                s.sendall(part)
        except OSError:  # the server answered and closed while the body was still coming
            pass
        return s.makefile("rb").readline().decode()


@pytest.mark.parametrize("server_kind", ["granian", "gunicorn"])
def test_an_oversized_post_is_refused_before_it_is_sent(server_kind, app):
    port = free_port()
    server = serve(server_kind, port, app, CRAFTMAP_MAX_UPLOAD_MB="1")
    try:
        get(f"http://127.0.0.1:{port}/api/v1/openapi.json")
        head = (b"POST /manage/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 52428800\r\n\r\n")
        assert " 413 " in _raw(port, head, [b"e" * 1024])  # 1 KB of 50 MB sent: the answer does not wait for the rest
        head = (b"POST /manage/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"e" * 65536 + b"\r\n"
        assert " 413 " in _raw(port, head, [chunk] * 24 + [b"0\r\n\r\n"])
    finally:
        stop(server)
