"""The whole chain of migrations goes up and down on a database of its own and ends where the
models are; and every revision has its data tests in this package."""

import importlib
import pkgutil

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import tests.migrations
from models import db
from tests.migrations.database import revisions


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_go_up_and_down_and_match_the_models(database):
    database.upgrade("head")
    assert _tables() == set(db.metadata.tables)
    assert _differences() == []
    database.downgrade("base")
    assert _tables() == set()
    database.upgrade("head")
    assert _tables() == set(db.metadata.tables)


def test_every_revision_has_its_tests_up_and_down_with_data():
    """One module a revision, numbered in the order they run: test_NN_<what it does>.py."""
    modules = sorted(
        module.name
        for module in pkgutil.iter_modules(tests.migrations.__path__)
        if module.name.startswith("test_") and module.name != "test_schema"
    )
    found = [importlib.import_module(f"tests.migrations.{name}") for name in modules]
    assert [module.REVISION for module in found] == revisions()
    for module in found:  # at least one test up and one down
        assert len([name for name in vars(module) if name.startswith("test_")]) >= 2, module.__name__
