"""craftmap: the web map and directory of craft tourism in Zemgale and North Lithuania."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, auth, config, db, errors, i18n, opendata, schema, security, seed, web
from .response_cache import ResponseCache

__all__ = ["create_app"]


def create_app(test_config=None):
    """Build the app: configuration, reference data, database (upgraded, and seeded on first start), blueprints."""
    root = Path(__file__).resolve().parents[1]
    app = Flask(__name__, instance_relative_config=True, template_folder=str(root / "templates"), static_folder=None)
    config.load(app, test_config)
    reference = seed.load_reference(app.config["DATA_DIR"])
    app.extensions["craftmap.reference"] = reference
    db.init_app(app)
    try:
        opendata.init_app(app, reference)  # the schema upgraded and data/ loaded, under one lock
    except Exception:
        db.dispose(app)
        raise
    app.cli.add_command(schema.cli)
    i18n.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    web.init_app(app)

    from . import api, manage, planner, public
    app.register_blueprint(public.bp)
    app.register_blueprint(planner.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(api.bp)
    app.wsgi_app = ResponseCache(app.wsgi_app, app.extensions["craftmap.versions"],
                                 app.config["RESPONSE_CACHE_MB"] * 2**20, app.config["SESSION_COOKIE_NAME"], i18n.COOKIE)
    if app.config["PROXIES"]:  # the client's address and scheme as the trusted proxies in front report them
        hops = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app
