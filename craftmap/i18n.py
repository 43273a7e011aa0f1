"""Languages: Latvian, Lithuanian and English, chosen by ?lang=, a cookie, or Accept-Language."""
from pathlib import Path
from urllib.parse import quote, urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request
from flask_babel import Babel

__all__ = ["init_app", "pick", "language_url", "LANGUAGE_NAMES"]

CATALOGS = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"lv": "Latviešu", "lt": "Lietuvių", "en": "English"}
COOKIE = "lang"
babel = Babel()


def _compile_catalogs(target):
    """Compile each .po in the repo into ``target`` when it is newer than the .mo there."""
    for po in CATALOGS.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(CATALOGS).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)


def _choose_language():
    langs = request.environ["craftmap.languages"]
    asked = request.args.get("lang")
    if asked in langs:
        return asked
    if request.cookies.get(COOKIE) in langs:
        return request.cookies[COOKIE]
    return request.accept_languages.best_match(langs) or "en"


def language_url(code, keep_query=True):
    """This page in language ``code``, with its query (or none) and ``lang`` replaced.

    The query stays a query string: handed to ``url_for`` as keyword arguments, ``?endpoint=`` or
    ``?_method=`` were taken as its own parameters and the page answered 500.
    """
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] if keep_query else []
    return quote(request.script_root + request.path) + "?" + urlencode([*query, ("lang", code)])


def pick(texts, lang, fallback=("en", "lv", "lt")):
    """The text for ``lang`` from {"en": .., "lv": .., "lt": ..}; (text, language actually used)."""
    for code in (lang, *fallback):
        if texts.get(code):
            return texts[code], code
    return "", lang


def init_app(app):
    target = Path(app.instance_path) / "translations"
    _compile_catalogs(target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    babel.init_app(app, locale_selector=lambda: g.get("lang", "en"))
    languages = app.config["LANGUAGES"]

    @app.before_request
    def set_language():
        request.environ["craftmap.languages"] = languages
        g.lang = _choose_language()

    @app.after_request
    def remember_language(response):
        if (response.mimetype == "text/html" and request.args.get("lang") in languages
                and request.cookies.get(COOKIE) != g.lang):  # pages only: API answers stay cookie-free
            response.set_cookie(COOKIE, g.lang, max_age=365 * 86400, samesite="Lax")
        return response

    @app.url_defaults
    def carry_language(endpoint, values):
        # an asset, or the offline worker (one for every language), is the same file in each
        if "lang" not in values and endpoint not in ("asset", "public.offline_worker") and g.get("lang"):
            values["lang"] = g.lang

    @app.context_processor
    def languages_in_templates():
        return {"lang": g.get("lang", "en"), "language_names": LANGUAGE_NAMES, "language_url": language_url}
