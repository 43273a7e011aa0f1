"""Security headers on every response, the Content Security Policy among them.

Set in one after_request, so the response store (response_cache.py) keeps and replays them too.
HSTS is the TLS-terminating proxy's to send (deploy/nginx/craftmap-proxy.conf): the app may be
reached over plain HTTP on a private network.
"""
from urllib.parse import urlsplit

__all__ = ["init_app", "content_security_policy", "worker_policy"]


def _tile_source(tile_url):
    """The CSP source for a Leaflet tile URL template: its origin, ``{s}`` subdomains as a wildcard."""
    parts = urlsplit(tile_url)
    if not (parts.scheme and parts.netloc):
        return None  # empty, or a path on this server, which 'self' covers
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}" if "{" not in host else None


def content_security_policy(tile_url):
    """The policy for a deployment whose base map comes from ``tile_url``."""
    images = " ".join(filter(None, ("'self'", "data:", _tile_source(tile_url))))
    return "; ".join((
        "default-src 'none'",  # anything not named below is refused, so a new kind of asset is a choice
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ))


def worker_policy(tile_url):
    """The policy of the offline worker, which fetches what route pages show, tiles among them."""
    sources = " ".join(filter(None, ("'self'", _tile_source(tile_url))))
    return f"default-src 'none'; connect-src {sources}"


def init_app(app):
    headers = {
        "Content-Security-Policy": content_security_policy(app.config["TILE_URL"]),
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",  # tile servers ask for the site, not the page
    }

    @app.after_request
    def secure(response):  # a response that brings a policy of its own (the offline worker's) keeps it
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
