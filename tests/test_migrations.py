"""Every migration applies up and down on a database of its own, and matches the models."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marac import create_app
from models import db


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = sa.engine.make_url(database_url)
    name = f"{url.database}_migrations"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_go_up_and_down_and_match_the_models(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        assert _tables() == set(db.metadata.tables)
        assert _differences() == []
        downgrade(revision="base")
        assert _tables() == set()
        upgrade()
        assert _tables() == set(db.metadata.tables)
        db.engine.dispose()
