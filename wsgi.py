"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from marac import create_app

app = create_app()
