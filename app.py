"""Entry point: `flask --app app run`; in production
`granian --interface wsgi --factory app:create_app` or `gunicorn 'app:create_app()'`."""
from craftmap import create_app  # noqa: F401
