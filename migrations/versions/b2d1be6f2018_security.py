"""Security: two-factor sign-in, tamper-evident audit, retention

Revision ID: b2d1be6f2018
Revises: a1c0ad5e1f07
Create Date: 2026-11-22 20:40:00

- users: the TOTP secret, when it was set up, the last time step accepted; user_sessions: the
  half-signed-in stage and the secret being set up; mfa_recovery_codes (hashes only).
- audit_events: chain_seq, prev_hash, row_hash; rows already there are chained in id order; then
  triggers make the table append-only and chain every new row (SQLite: the marac_sha256()
  function that models/audit.py registers on every connection; PostgreSQL: sha256() and an
  advisory lock). The SQL is frozen here: models/audit.py's canonical_sql() must match it.
- retention_reviews and legal_holds (marac/services/retention.py).

"""

import hashlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2d1be6f2018"
down_revision = "a1c0ad5e1f07"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
CHAIN_LOCK_KEY = 7277_2782_8339
CHAIN_FIELDS = (
    "chain_seq",
    "prev_hash",
    "occurred_at",
    "event",
    "user_id",
    "agency_id",
    "roles",
    "ip_address",
    "record_type",
    "record_id",
    "detail",
)


def _canonical_sql(dialect, prefix=""):
    pieces = ["'v1'"]
    for column in CHAIN_FIELDS:
        if dialect == "postgresql" and column == "occurred_at":
            text = f"to_char({prefix}occurred_at, 'YYYY-MM-DD HH24:MI:SS.US')"
        else:
            text = f"CAST({prefix}{column} AS TEXT)"
        pieces.append(f"(CASE WHEN {text} IS NULL THEN '-' ELSE CAST(length({text}) AS TEXT) || ':' || {text} END)")
    return " || '|' || ".join(pieces)


def _trigger_sql(dialect):
    if dialect == "sqlite":
        return [
            # A sealed row (one with its hash) cannot change; the chaining trigger below is the
            # only writer of an unsealed row, within the statement that inserted it.
            """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
            WHEN OLD.row_hash IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
            """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
            # The chain is the database's to set: a row that brings values of its own is refused.
            """CREATE TRIGGER audit_events_chain_guard BEFORE INSERT ON audit_events
            WHEN NEW.chain_seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.row_hash IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'audit_events: the database sets the chain'); END""",
            # The SQL below is made from this file's constants only, never from input.
            f"""CREATE TRIGGER audit_events_chain AFTER INSERT ON audit_events
            BEGIN
              UPDATE audit_events SET
                prev_hash = COALESCE(
                  (SELECT row_hash FROM audit_events WHERE chain_seq =
                    (SELECT MAX(chain_seq) FROM audit_events)), '{GENESIS_HASH}'),
                chain_seq = COALESCE((SELECT MAX(chain_seq) FROM audit_events), 0) + 1
              WHERE id = NEW.id;
              UPDATE audit_events SET row_hash = marac_sha256({_canonical_sql("sqlite")}) WHERE id = NEW.id;
            END""",  # noqa: S608 (built from this file's constants only)
        ]
    return [
        """CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$""",
        f"""CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
          head_seq bigint;
          head_hash varchar(64);
        BEGIN
          IF NEW.chain_seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.row_hash IS NOT NULL THEN
            RAISE EXCEPTION 'audit_events: the database sets the chain' USING ERRCODE = 'insufficient_privilege';
          END IF;
          -- One writer at a time extends the chain; the lock is held until the transaction ends.
          PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
          SELECT chain_seq, row_hash INTO head_seq, head_hash FROM audit_events
            WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
          NEW.chain_seq := COALESCE(head_seq, 0) + 1;
          NEW.prev_hash := COALESCE(head_hash, '{GENESIS_HASH}');
          NEW.row_hash := encode(sha256(convert_to({_canonical_sql("postgresql", "NEW.")}, 'UTF8')), 'hex');
          RETURN NEW;
        END $$""",  # noqa: S608 (built from this file's constants only)
        """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()""",
        """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()""",
        """CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_chain()""",
    ]


def _drop_trigger_sql(dialect):
    if dialect == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS audit_events_chain",
            "DROP TRIGGER IF EXISTS audit_events_chain_guard",
            "DROP TRIGGER IF EXISTS audit_events_no_delete",
            "DROP TRIGGER IF EXISTS audit_events_no_update",
        ]
    return [
        "DROP TRIGGER IF EXISTS audit_events_chain ON audit_events",
        "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
        "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
        "DROP FUNCTION IF EXISTS audit_events_chain()",
        "DROP FUNCTION IF EXISTS audit_events_refuse_change()",
    ]


def _chain_existing_rows(connection, dialect):
    """Chain the events written before this migration, in id order."""
    ids = connection.execute(sa.text("SELECT id FROM audit_events ORDER BY id")).scalars().all()
    previous = GENESIS_HASH
    for seq, event_id in enumerate(ids, start=1):
        connection.execute(
            sa.text("UPDATE audit_events SET chain_seq = :seq, prev_hash = :prev WHERE id = :id"),
            {"seq": seq, "prev": previous, "id": event_id},
        )
        canonical = connection.execute(
            sa.text(f"SELECT {_canonical_sql(dialect)} FROM audit_events WHERE id = :id"),  # noqa: S608 (constants)
            {"id": event_id},
        ).scalar_one()
        previous = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        connection.execute(
            sa.text("UPDATE audit_events SET row_hash = :hash WHERE id = :id"), {"hash": previous, "id": event_id}
        )


def upgrade():
    connection = op.get_bind()
    dialect = connection.dialect.name

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mfa_enrolled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_stage", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("mfa_pending_secret", sa.String(length=64), nullable=True))

    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_mfa_recovery_codes_code_hash")),
    )
    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mfa_recovery_codes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "retention_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("keep_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_retention_reviews_area_id_areas")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_retention_reviews_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_reviews")),
    )
    with op.batch_alter_table("retention_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_reviews_area_id"), ["area_id"], unique=False)
        batch_op.create_index("ix_retention_reviews_record", ["record_type", "record_id"], unique=False)

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["users.id"], name=op.f("fk_legal_holds_lifted_by_id_users")),
        sa.ForeignKeyConstraint(["placed_by_id"], ["users.id"], name=op.f("fk_legal_holds_placed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index("ix_legal_holds_record", ["record_type", "record_id"], unique=False)

    # The audit chain: columns, the rows already there, then the triggers.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_chain_seq"), ["chain_seq"])
    _chain_existing_rows(connection, dialect)
    for statement in _trigger_sql(dialect):
        op.execute(statement)


def downgrade():
    connection = op.get_bind()
    dialect = connection.dialect.name

    for statement in _drop_trigger_sql(dialect):
        op.execute(statement)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_chain_seq"), type_="unique")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")

    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_legal_holds_record")
    op.drop_table("legal_holds")
    with op.batch_alter_table("retention_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_reviews_record")
        batch_op.drop_index(batch_op.f("ix_retention_reviews_area_id"))
    op.drop_table("retention_reviews")

    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mfa_recovery_codes_user_id"))
    op.drop_table("mfa_recovery_codes")

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("mfa_pending_secret")
        batch_op.drop_column("mfa_stage")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("mfa_last_step")
        batch_op.drop_column("mfa_enrolled_at")
        batch_op.drop_column("mfa_secret")
