"""Entry point: `flask --app app run`, or `gunicorn 'app:create_app()'`."""
from craftmap import create_app  # noqa: F401
