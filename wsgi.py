"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from marac import create_app

app = create_app()
# Everything made at start-up (the app, SQLAlchemy's mappers, the libraries) lives as long as the
# worker: keep it out of the garbage collector's full passes, which otherwise walk it all and
# added about 100 ms to one request in ten (measured on the meeting papers).
gc.freeze()
