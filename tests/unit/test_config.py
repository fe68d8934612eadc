import pytest

from config import ProductionConfig, get_config
from marac import create_app
from models.base import engine_options


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=None, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://x@localhost/x")


def test_production_refuses_sqlite_unless_allowed():
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        create_app("production", SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI="sqlite://", ALLOW_SQLITE=False)
    app = create_app("production", SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI="sqlite://", ALLOW_SQLITE=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_DATA_ALLOWED"] is False


def test_production_is_the_default_and_unknown_names_fail(monkeypatch):
    monkeypatch.delenv("MARAC_CONFIG", raising=False)
    assert get_config() is ProductionConfig
    with pytest.raises(RuntimeError, match="Unknown MARAC_CONFIG"):
        get_config("staging")


def test_postgresql_connections_are_tuned_and_keep_the_settings_given():
    given = {"pool_size": 5, "connect_args": {"options": "-c statement_timeout=5000", "connect_timeout": 3}}
    options = engine_options("postgresql+psycopg://marac@db/marac", given)
    assert options["pool_size"] == 5
    assert options["connect_args"]["prepare_threshold"] is None  # no generic plans
    assert options["connect_args"]["connect_timeout"] == 3
    assert options["connect_args"]["options"] == (
        "-c jit=off -c max_parallel_workers_per_gather=0 -c statement_timeout=5000"
    )
    # Other drivers have none of psycopg 3's arguments.
    assert engine_options("postgresql+psycopg2://marac@db/marac", given) == given
    assert engine_options("sqlite:///marac.db", {}) == {}
