"""The production command, `gunicorn wsgi:app`, serves with threaded workers: one slow request
(a national dashboard, a PDF) must not hold up every other page behind it."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_runs_threaded_workers_by_default(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # as gunicorn reads it
    assert settings["worker_class"] == "gthread"
    assert settings["workers"] >= 2 and settings["threads"] >= 4
