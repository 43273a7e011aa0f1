"""HTTP helpers shared by the blueprints: caching headers and per-version memoisation."""
from flask import current_app, request

__all__ = ["cache_headers", "memo"]


def cache_headers(response):
    """ETag, Cache-Control and Vary on every successful GET; 304 when If-None-Match matches."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if not response.direct_passthrough:
        response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    response.vary.update(("Accept-Language", "Cookie"))
    return response.make_conditional(request)


def memo(snap, key, build):
    """``build()`` once per data version and key; later calls return the stored result."""
    if key not in snap.memo:
        if len(snap.memo) > 512:
            snap.memo.clear()
        snap.memo[key] = build()
    return snap.memo[key]
