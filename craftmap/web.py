"""HTTP helpers shared by the blueprints: caching headers, per-version memoisation, compressed bodies."""
import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response, current_app, request, session

__all__ = ["cache_headers", "memo", "map_parts", "Body", "body", "send"]

MIN_GZIP_BYTES = 1024
MEMO_ENTRIES = 512
_MISSING = object()
_memo_lock = threading.Lock()


def cache_headers(response):
    """ETag, Cache-Control and Vary on every successful GET; 304 when If-None-Match matches."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.cache_control.max_age is not None:  # the view chose its own (vendor files: a day)
        return response
    if request.headers.get("Authorization"):
        response.cache_control.private = True
        response.cache_control.no_store = True
        return response
    if not response.direct_passthrough:
        response.add_etag()
    if session.get("uid"):  # an editor's browser asks again each time, so their own edits show at once
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    response.vary.update(("Accept-Language", "Cookie"))
    return response.make_conditional(request)


def memo(snap, key, build):
    """``build()`` once per data version and key; later calls return the stored result.

    Requests that arrive while a result is being built wait for it instead of building it too: at
    100 000 centres, sixteen threads each serialising the same GeoJSON would take the server down.
    Beyond MEMO_ENTRIES the least recently used result goes, so many rare keys cannot push out the map.
    """
    value = _recall(snap, key)
    if value is _MISSING:
        with snap.building.setdefault(key, threading.Lock()):
            value = _recall(snap, key)
            if value is _MISSING:
                value = build()
                _keep(snap, key, value)
    return value


def _recall(snap, key):
    with _memo_lock:
        value = snap.memo.get(key, _MISSING)
        if value is not _MISSING:
            snap.memo.move_to_end(key)
    return value


def _keep(snap, key, value):
    with _memo_lock:
        snap.memo[key] = value
        while len(snap.memo) > MEMO_ENTRIES:
            oldest, _ = snap.memo.popitem(last=False)
            snap.building.pop(oldest, None)


def map_parts(snap, key, build):
    """A folium map's parts (mapbuild.build_map), once per data version and key, with the set-up
    script as a Body that the map's own script URL sends."""
    def build_with_script():
        parts = build()
        return parts | {"script": body(parts["script"], "text/javascript")}
    return memo(snap, key, build_with_script)


@dataclass(frozen=True)
class Body:
    """A response body serialised once, with its ETag and a gzip copy for clients that accept it."""

    data: bytes
    etag: str
    mimetype: str
    gz: bytes | None


def body(content, mimetype, tag=None):
    """Serialise once; the ETag is the content's hash, after ``tag`` when the caller gives one (e.g. a
    version that If-Match reads back)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    gz = gzip.compress(data, compresslevel=6, mtime=0) if len(data) >= MIN_GZIP_BYTES else None
    digest = hashlib.sha1(data).hexdigest()
    return Body(data, f"{tag}-{digest}" if tag else digest, mimetype, gz)


def send(b, filename=None):
    """Send a Body, compressed when the client accepts gzip."""
    zipped = b.gz is not None and request.accept_encodings["gzip"] > 0
    response = Response(b.gz if zipped else b.data, mimetype=b.mimetype)
    response.set_etag(b.etag + ("-gz" if zipped else ""))
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
