"""Configuration, read in one place: defaults, then the environment, then test overrides."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_UPLOAD_MB = 10  # deploy/nginx/craftmap-proxy.conf's client_max_body_size says the same
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

BOUNDARY_ATTRIBUTION = (
    'Boundaries: &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    "(ODbL), Lithuanian municipalities; State Land Service of Latvia / Geoportal of Latvia via "
    "geoBoundaries (CC BY 4.0) and World-GeoJSON, Latvian municipalities"
)


def _secret_key(instance_path):
    """The configured secret, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(app, overrides=None):
    env = os.environ
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        DATABASE_URL=env.get("DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'craftmap.sqlite3'}"),
        DATA_DIR=Path(env.get("CRAFTMAP_DATA_DIR", ROOT / "data")),
        VENDOR_DIR=Path(env.get("CRAFTMAP_VENDOR_DIR", ROOT / "node_modules")),
        TILE_URL=env.get("CRAFTMAP_TILE_URL", OSM_TILES),
        TILE_ATTRIBUTION=env.get("CRAFTMAP_TILE_ATTRIBUTION", OSM_ATTRIBUTION),
        MAX_ZOOM=int(env.get("CRAFTMAP_MAX_ZOOM", "18")),
        CACHE_MAX_AGE=int(env.get("CRAFTMAP_CACHE_MAX_AGE", "60")),
        VERSION_CHECK_SECONDS=float(env.get("CRAFTMAP_VERSION_CHECK_SECONDS", "1")),
        BUILT_DIR=Path(env.get("CRAFTMAP_BUILT_DIR", Path(app.instance_path) / "built")),
        RESPONSE_CACHE_MB=int(env.get("CRAFTMAP_RESPONSE_CACHE_MB", "256")),
        PROXIES=int(env.get("CRAFTMAP_PROXIES", "0")),
        MAX_UPLOAD_MB=int(env.get("CRAFTMAP_MAX_UPLOAD_MB", str(MAX_UPLOAD_MB))),
        LANGUAGES=("lv", "lt", "en"),
        BABEL_DEFAULT_TIMEZONE=env.get("CRAFTMAP_TIMEZONE", "Europe/Riga"),  # Latvia and Lithuania share it
        BOUNDARY_ATTRIBUTION=BOUNDARY_ATTRIBUTION,
        JSON_SORT_KEYS=False,
    )
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.config.update(overrides or {})
    secure = env.get("CRAFTMAP_SECURE_COOKIES")
    app.config["SESSION_COOKIE_SECURE"] = (secure == "1") if secure in ("0", "1") else not (
        app.debug or app.config.get("TESTING"))
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or _secret_key(app.instance_path)
    app.config["DATA_DIR"] = Path(app.config["DATA_DIR"])
    limit = app.config["MAX_UPLOAD_MB"] * 2**20
    # A form field may be as long as the whole body (a CSV import re-sent for confirmation), in at most 1000 parts.
    app.config.update(MAX_CONTENT_LENGTH=limit, MAX_FORM_MEMORY_SIZE=limit, MAX_FORM_PARTS=1000)
