"""Public responses kept per data version and served again without entering Flask.

A reverse proxy would do the same; doing it in the app means a single server is fast without one.
Only anonymous GETs are kept, keyed on everything a public response varies on (scheme, host, path, query,
Cookie, Accept-Language, Accept-Encoding), and only 200s that Flask marked public and that set no
cookie but the language one, which the key already determines. The whole store is dropped when the
data version or the date changes; when it is full, the least recently served responses go. Answers to
free text (a search, a position) are never kept: each visitor types another, and they would push out
the pages everyone asks for. A body sent from a file (craftmap.built) is kept only up to FILE_KEPT_BYTES:
its gzip and brotli copies are, the 100 MB plain one of 100 000 centres stays in its file.
"""
import threading
from collections import OrderedDict
from urllib.parse import parse_qsl

from werkzeug.http import parse_etags, unquote_etag

from .built import UNKEPT

__all__ = ["ResponseCache"]

KEY = ("wsgi.url_scheme", "HTTP_HOST", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_COOKIE", "HTTP_ACCEPT_LANGUAGE",
       "HTTP_ACCEPT_ENCODING")
KEPT_ON_304 = ("cache-control", "content-location", "date", "etag", "expires", "vary")
FILE_KEPT_BYTES = 8 * 2**20  # a body sent from a file is kept up to this size: the compressed ones, not 100 MB plain
FREE_TEXT = frozenset(("q", "near", "date"))  # one key per visitor would push out the shared pages


class ResponseCache:
    """WSGI middleware around the Flask app."""

    def __init__(self, wsgi_app, versions, max_bytes, session_cookie, lang_cookie):
        self.wsgi_app, self.versions, self.max_bytes = wsgi_app, versions, max_bytes
        self.session_cookie = session_cookie + "="
        self.lang_cookie = lang_cookie + "="
        self.lock = threading.Lock()
        self.stamp, self.entries, self.size = None, OrderedDict(), 0

    def __call__(self, environ, start_response):
        if (environ["REQUEST_METHOD"] != "GET" or "HTTP_AUTHORIZATION" in environ
                or self.session_cookie in environ.get("HTTP_COOKIE", "")) or self.max_bytes <= 0 or _free_text(environ):
            return self.wsgi_app(environ, start_response)
        stamp = self.versions.stamp()
        key = tuple(map(environ.get, KEY))
        entry = self._recall(stamp, key)
        if entry is None:
            return self._fill(environ, start_response, stamp, key)
        status, headers, body, etag, not_modified = entry
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm and etag and parse_etags(inm).contains_weak(etag):
            start_response("304 Not Modified", not_modified)
            return []
        start_response(status, headers)
        return [body]

    def _recall(self, stamp, key):
        with self.lock:
            entry = self.entries.get(key) if stamp == self.stamp else None
            if entry is not None:
                self.entries.move_to_end(key)
        return entry

    def _fill(self, environ, start_response, stamp, key):
        seen = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if not self._keepable(seen, environ):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self._store(stamp, key, seen["status"], seen["headers"], body)
        return [body]

    def _keepable(self, seen, environ):
        headers = {}
        for name, value in seen.get("headers", ()):
            headers.setdefault(name.lower(), []).append(value)
        return (seen.get("status", "").startswith("200 ")
                and "public" in ",".join(headers.get("cache-control", ()))
                and all(c.startswith(self.lang_cookie) for c in headers.get("set-cookie", ()))
                and "HTTP_RANGE" not in environ
                and not (environ.get(UNKEPT) and int(headers.get("content-length", ["0"])[0]) > FILE_KEPT_BYTES))

    def _store(self, stamp, key, status, headers, body):
        etag = next((unquote_etag(v)[0] for k, v in headers if k.lower() == "etag"), None)
        not_modified = [(k, v) for k, v in headers if k.lower() in KEPT_ON_304]
        if len(body) > self.max_bytes:
            return
        with self.lock:
            if stamp != self.stamp:
                self.stamp, self.entries, self.size = stamp, OrderedDict(), 0
            old = self.entries.pop(key, None)
            self.size -= len(old[2]) if old else 0
            while self.entries and self.size + len(body) > self.max_bytes:
                self.size -= len(self.entries.popitem(last=False)[1][2])
            self.entries[key] = (status, headers, body, etag, not_modified)
            self.size += len(body)


def _free_text(environ):
    return any(name in FREE_TEXT and value for name, value in parse_qsl(environ.get("QUERY_STRING", "")))
