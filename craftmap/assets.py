"""craftmap/static/* and the npm vendor files, compressed once and served under content-hashed URLs.

``asset_url(name)`` is the only way a template or a folium map names a file: ``/static/<digest>/<name>``,
where name is a path under craftmap/static (``css/craftmap.css``) or ``vendor/<package>/<file>``. Since
the URL changes with the content, browsers keep the file for a year without asking again. A vendor
package is hashed as a whole: its CSS names its images by relative path (leaflet.css: images/layers.png,
and Leaflet finds its marker icons from that one), so they must share the stylesheet's digest.

A request with another digest is redirected to the current one, uncached: a page kept for up to
CACHE_MAX_AGE, or served stale by nginx while a deploy rolls out, still names the previous digest, and
its map should load. An unknown name is a 404.
"""
import hashlib
import mimetypes
import os
import threading
from pathlib import Path

from flask import abort, current_app, redirect, request, url_for
from werkzeug.security import safe_join

from .web import body, send

__all__ = ["init_app", "asset_url"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR = {"leaflet": "leaflet/dist", "leaflet.markercluster": "leaflet.markercluster/dist", "sortablejs": "sortablejs"}
YEAR_S = 365 * 86400
DIGEST_CHARS = 16
_built, _lock = {}, threading.Lock()


def asset_url(name):
    """The current URL of an asset; a name that is not a file raises LookupError, so a typo fails the page."""
    found = _locate(name)
    if found is None:
        raise LookupError(f"no asset {name!r}")
    return url_for("asset", digest=_digest(*found), name=name)


def _locate(name):
    """(the file, the folder whose files share its digest) for an asset name, or None."""
    package, _, inner = name.removeprefix("vendor/").partition("/")
    if name.startswith("vendor/"):
        if package not in VENDOR:
            return None
        folder = Path(current_app.config["VENDOR_DIR"]) / VENDOR[package]
        path = safe_join(str(folder), inner)
    else:
        folder, path = None, safe_join(str(STATIC_DIR), name)
    return (Path(path), folder) if path and os.path.isfile(path) else None


def _digest(path, folder):
    """The content hash of a file (of the whole folder, for a vendor package), rebuilt when a file changes."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder else [path]
    stamp = tuple((str(p), s.st_mtime_ns, s.st_size) for p in files for s in [p.stat()])
    key = ("digest", stamp)
    if key not in _built:
        joined = b"".join(str(p.relative_to(folder or p.parent)).encode() + b"\0" + p.read_bytes() for p in files)
        _built[key] = hashlib.sha256(joined).hexdigest()[:DIGEST_CHARS]
    return _built[key]


def _compressed(path, digest):
    """The file as a Body with gzip and brotli copies at their highest levels, built once per file and digest."""
    key = ("body", str(path), digest)
    if key not in _built:
        with _lock:
            if key not in _built:
                mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if mimetype in ("text/javascript", "application/javascript"):
                    mimetype = "text/javascript"
                _built[key] = body(path.read_bytes(), mimetype, tag=digest, gzip_level=9, brotli_quality=11)
    return _built[key]


def serve(digest, name):
    found = _locate(name) or abort(404)
    current = _digest(*found)
    if digest != current:
        response = redirect(url_for("asset", digest=current, name=name))
        response.cache_control.no_store = True
        return response
    response = send(_compressed(found[0], current))
    response.cache_control.public = True
    response.cache_control.max_age = YEAR_S
    response.cache_control.immutable = True
    return response.make_conditional(request)


def init_app(app):
    app.add_url_rule("/static/<digest>/<path:name>", "asset", serve)
    app.add_template_global(asset_url)
