"""HTTP helpers shared by the blueprints: caching headers, per-version memoisation, compressed bodies."""
import ctypes
import ctypes.util
import gc
import gzip
import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import brotli
from flask import Response, current_app, g, has_request_context, request, session

from . import entry

__all__ = ["cache_headers", "memo", "map_parts", "Body", "body", "send", "Page", "page_number", "paged",
           "release_after_request", "init_app"]

MIN_GZIP_BYTES = 1024
PRECOMPRESSED = ("image/png", "image/jpeg", "image/gif", "image/webp")
MEMO_ENTRIES = 512
_MISSING = object()
_memo_lock = threading.Lock()


def cache_headers(response):
    """ETag, Cache-Control and Vary on every successful GET; 304 when If-None-Match matches."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
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
                release_after_request()
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
    """A response body serialised once, with its ETag and gzip and brotli copies for clients that accept them."""

    data: bytes
    etag: str
    mimetype: str
    gz: bytes | None
    br: bytes | None = None


def body(content, mimetype, tag=None, gzip_level=6, brotli_quality=None):
    """Serialise once; the ETag is the content's hash, after ``tag`` when the caller gives one (e.g. a
    version that If-Match reads back). Bodies under MIN_GZIP_BYTES, and images that are compressed
    already, are kept as they are; a brotli copy only with ``brotli_quality`` (0-11)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    squeeze = len(data) >= MIN_GZIP_BYTES and mimetype not in PRECOMPRESSED
    gz = gzip.compress(data, compresslevel=gzip_level, mtime=0) if squeeze else None
    br = brotli.compress(data, quality=brotli_quality) if squeeze and brotli_quality is not None else None
    digest = hashlib.sha1(data).hexdigest()
    return Body(data, f"{tag}-{digest}" if tag else digest, mimetype, gz, br)


ETAG_SUFFIX = {"gzip": "-gz", "br": "-br", None: ""}  # each copy its own ETag, as RFC 9110 asks


def accepted_encoding(has_br=True, has_gz=True):
    """The encoding to send, of those there is a copy in: "br", else "gzip", else None (plain)."""
    accepted = request.accept_encodings
    if has_br and accepted["br"] > 0:
        return "br"
    return "gzip" if has_gz and accepted["gzip"] > 0 else None


def _encoding(b):
    """The copy of ``b`` to send: brotli, else gzip, else the plain bytes, as the client accepts."""
    encoding = accepted_encoding(b.br is not None, b.gz is not None)
    return encoding, {"br": b.br, "gzip": b.gz, None: b.data}[encoding]


def send(b, filename=None):
    """Send a Body, compressed as the client accepts."""
    encoding, data = _encoding(b)
    response = Response(data, mimetype=b.mimetype)
    response.set_etag(b.etag + ETAG_SUFFIX[encoding])
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    """Where a page of a listing lies in the whole: rows ``first``–``last`` (from 1) of ``total``."""

    number: int
    pages: int
    first: int
    last: int
    total: int


def page_number(args):
    """The ``page=`` a listing asks for, from 1; ValueError with the visitor's message when it is none."""
    from flask_babel import gettext as _
    text = args.get("page", "").strip()
    if not text:
        return 1
    number = entry.whole_number(text)
    if number is None or number < 1:
        raise ValueError(_("page must be a whole number from 1"))
    return number


def paged(rows, number, per_page=PER_PAGE):
    """The rows of page ``number`` (a page past the end gives the last), and its Page. A listing of
    100 000 centres in one page was 50 MB of HTML that no phone opens."""
    pages = max(1, math.ceil(len(rows) / per_page))
    number = min(number, pages)
    start = (number - 1) * per_page
    shown = rows[start:start + per_page]
    return shown, Page(number, pages, start + 1 if shown else 0, start + len(shown), len(rows))


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)
_TRIM = getattr(_LIBC, "malloc_trim", None)  # glibc; elsewhere nothing to do


def release_after_request():
    """Ask that the heap pages this request's build freed go back to the system once it has answered.

    Python frees a large build's temporary objects, but the C allocator keeps the pages for later: a
    worker that had built the worklist of 100 000 centres stayed 70 MB larger, for good."""
    if has_request_context():
        g.craftmap_release = True


def _release(exc=None):
    if g.pop("craftmap_release", False) and _TRIM is not None:
        gc.collect()  # a rendered template's frames hold its rows in reference cycles until collected
        _TRIM(0)


def init_app(app):
    app.teardown_request(_release)
