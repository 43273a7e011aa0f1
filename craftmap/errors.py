"""App-wide answers to refused requests, and the limit on how much a request may send.

Under /api/ every refusal is JSON ``{"error": …}``; elsewhere it is a page in the site's layout and
the visitor's language. A body over ``MAX_CONTENT_LENGTH`` is refused before any of it is read.
"""
import io

from flask import current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import BaseConverter
from werkzeug.wsgi import get_content_length

__all__ = ["init_app", "limit_mb"]

CHUNK_BYTES = 65536


def limit_mb(app=None):
    """The request body limit in MB, as configured."""
    return (app or current_app).config["MAX_CONTENT_LENGTH"] // 2**20


def _headings():
    return {400: _("The request could not be handled"), 403: _("Not allowed"), 404: _("Not found"),
            405: _("Not available this way"), 413: _("The request is too large")}


def _general():
    return {400: _("Check the address or the form, and try again."),
            403: _("This page is not open to your account."),
            405: _("This address does not accept this kind of request."),
            413: _("Send at most %(mb)s MB at a time.", mb=limit_mb())}


def _message(exc):
    """The reason the code gave, else a general one for the status."""
    if exc.code != 413 and (exc.description != type(exc).description or exc.code not in _general()):
        return exc.description  # Werkzeug's 413 wording does not name the limit
    return _general()[exc.code]


def _refused(exc):
    """JSON under /api/; elsewhere a page in the site's layout and language."""
    if request.path.startswith("/api/"):
        body = {"error": _api_message(exc)} | ({"path": request.path} if exc.code == 404 else {})
        response = jsonify(body)
    elif exc.code == 404:
        _ensure_url_adapter()
        response = current_app.make_response(render_template("public/404.html"))
    else:
        _ensure_url_adapter()
        heading = _headings().get(exc.code, exc.name)
        response = current_app.make_response(render_template("public/error.html", heading=heading,
                                                             message=_message(exc)))
    response.status_code = exc.code
    response.headers.update({k: v for k, v in exc.get_headers() if k.lower() != "content-type"})
    return response


def _api_message(exc):
    if exc.code == 404:
        return "not found"
    if exc.code == 405:
        return f"{request.method} is not allowed here; allowed: {', '.join(exc.valid_methods or ())}"
    if exc.code == 413:
        return f"the request body is larger than the limit of {limit_mb()} MB"
    return exc.description


def _ensure_url_adapter():
    """A request whose Host header cannot be read (a label over 63 characters) has no URL adapter, and
    the page's links could not be built; links are relative, so any host builds them."""
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = current_app.url_map.bind("localhost", script_name=request.script_root or "/",
                                                       url_scheme=request.scheme)


def _refuse_oversized():
    """A body over the limit is refused on every route: a declared one before any of it is read, a
    chunked one (no Content-Length) as soon as it passes the limit."""
    environ, limit = request.environ, current_app.config["MAX_CONTENT_LENGTH"]
    declared = get_content_length(environ)
    if declared is not None and declared > limit:
        raise RequestEntityTooLarge()
    if declared is None and environ.get("wsgi.input_terminated"):
        _buffer_chunked(environ, limit)


def _buffer_chunked(environ, limit):
    """Read a body of unknown length up to the limit, then hand it on with its length.

    Werkzeug alone stops reading such a body at the limit and passes the part it read on as the
    whole body: a form, JSON or CSV cut off mid-way would be handled as if complete.
    """
    stream, buffer = environ["wsgi.input"], io.BytesIO()
    while buffer.tell() <= limit:
        chunk = stream.read(min(CHUNK_BYTES, limit + 1 - buffer.tell()))
        if not chunk:
            break
        buffer.write(chunk)
    if buffer.tell() > limit:
        raise RequestEntityTooLarge()
    environ.pop("wsgi.input_terminated")
    environ.update({"wsgi.input": io.BytesIO(buffer.getvalue()), "CONTENT_LENGTH": str(buffer.tell())})


class _Text(BaseConverter):
    """A path segment without control characters: no id has one, and PostgreSQL refuses a NUL in a
    query, so /manage/centres/%00 answered 500 instead of 404."""

    regex = "[^/\x00-\x1f\x7f]+"


def init_app(app):
    """Before the blueprints, so that their rules use the converter."""
    app.url_map.converters.update(default=_Text, string=_Text)
    app.register_error_handler(HTTPException, _refused)
    app.before_request(_refuse_oversized)
