"""The ceiling for Python: a WSGI app that answers each path with bytes and headers it already holds.

bench/run.py runs it under granian with craftmap's own worker settings, headers and bodies, so the
gap between it and craftmap is what craftmap's own work per request costs, and the gap between it
and nginx is what the Python server costs.
"""
import json
import os
from pathlib import Path

_root = Path(os.environ["CRAFTMAP_CEILING_DIR"])
_answers = {"/" + name: ([tuple(h) for h in headers], (_root / name).read_bytes())
            for name, headers in json.loads((_root / "headers.json").read_text()).items()}


def app(environ, start_response):
    headers, body = _answers[environ["PATH_INFO"]]
    start_response("200 OK", headers)
    return [body]
