"""gunicorn's settings, read by `gunicorn wsgi:app` from the project directory (the documented
production command; `benchmarks/load.py` and the tests' live server start it the same way).

Threaded workers: a request that takes long (a national dashboard, a meeting pack PDF) holds one
of a worker's threads, not the whole worker, and the pages behind it keep being served. With the
two sync workers used before, two steering users reloading their dashboard took the meeting page
from p99 106 ms to 1,240 ms. Each thread uses one database connection from the worker's pool
(SQLAlchemy's default of 5 + 10 overflow is enough for 8 threads).

WEB_CONCURRENCY (workers, default 2: one per core) and GUNICORN_THREADS (per worker, default 8)
change them; a command-line option wins over this file.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
