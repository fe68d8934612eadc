"""Every migration applies up and down on a database of its own, and matches the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marac import create_app
from models import db


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


def test_giving_actions_their_area_keeps_every_action_and_its_history(empty_database_url):
    """SQLite rebuilds the actions table for the new column: the rebuild must not cascade to the
    actions' history, and each action takes its case's area."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = "2026-01-05 10:00:00"
    with app.app_context():
        upgrade(revision="a7d2e4f6b8c1")
        with db.engine.begin() as connection:
            for sql in [
                "INSERT INTO areas (id, name, meeting_cadence, dash_high_threshold, dash_medium_threshold, "
                "escalation_incident_count, escalation_window_months, is_active, created_at, version) "
                "VALUES (7, 'Testmoor', 'fortnightly', 14, 10, 3, 12, true, :now, 1)",
                "INSERT INTO agencies (id, name, kind, is_active, created_at, version) "
                "VALUES (3, 'Testmoor Police', 'police', true, :now, 1)",
                "INSERT INTO people (id, first_name, last_name, needs_interpreter, is_address_confidential, "
                "created_at, updated_at, version) VALUES (5, 'Ada', 'Quernmoor', false, false, :now, :now, 1)",
                "INSERT INTO cases (id, area_id, victim_id, status, created_at, version) "
                "VALUES (11, 7, 5, 'open', :now, 1)",
                "INSERT INTO actions (id, case_id, owner_agency_id, protects, what, how_known, due_on, status, "
                "created_at, updated_at, version) VALUES (21, 11, 3, 'victim', 'Fit locks', 'Seen', '2026-02-01', "
                "'completed', :now, :now, 1)",
                "INSERT INTO action_updates (id, action_id, at, to_status) VALUES (31, 21, :now, 'completed')",
            ]:
                connection.execute(sa.text(sql), {"now": now})
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT id, area_id FROM actions")).all() == [(21, 7)]
            assert connection.execute(sa.text("SELECT id, action_id FROM action_updates")).all() == [(31, 21)]
        downgrade(revision="a7d2e4f6b8c1")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT COUNT(*) FROM action_updates")).scalar() == 1
        db.engine.dispose()
