"""Writing and checking the audit trail. Callers pass ids, counts and field names, never personal
data. The database chains every row and refuses changes (models/audit.py); `verify_chain` reads
the chain back and says where it is broken."""

import logging
import re
from typing import NamedTuple

import sqlalchemy as sa

from models import AuditEvent, User, db
from models.audit import GENESIS_HASH, add_at_commit, canonical_sql, row_hash_of

VERIFY_BATCH = 5000

logger = logging.getLogger(__name__)


# What a detail value may be: a number, a yes/no, or a short code (an id, a field name, an
# endpoint, a reason code). Free text (a name, an address, a note) is refused before it is kept.
_CODE = re.compile(r"^[A-Za-z0-9_.:/-]{0,64}$")


def _is_code(value):
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return bool(_CODE.match(value))
    if isinstance(value, list | tuple):
        return all(not isinstance(item, list | tuple) and _is_code(item) for item in value)
    return False


def record(event, *, user=None, ip_address=None, record_type=None, record_id=None, **detail):
    """Add one audit event to the session; it is inserted by the commit, as its last statement
    (models.audit.add_at_commit), with the change it describes.

    Detail values must be numbers, yes/no or short codes (ids, field names, reason codes), or
    lists of them: anything else raises ValueError (whose message names the key, not the value).
    """
    for key, value in detail.items():
        if not _is_code(value):
            raise ValueError(f"Audit detail {key!r} must be an id, a count or a code, never free text")
    add_at_commit(
        db.session(),
        AuditEvent(
            event=event,
            user_id=user.id if user else None,
            agency_id=user.agency_id if user else None,
            roles=",".join(sorted(user.roles)) if user else None,
            ip_address=ip_address,
            record_type=record_type,
            record_id=record_id,
            detail=detail or None,
        ),
    )


class ChainProblem(NamedTuple):
    event_id: int | None
    chain_seq: int | None
    problem: str


class ChainReport(NamedTuple):
    checked: int
    head_seq: int | None
    head_hash: str | None
    problems: list[ChainProblem]

    @property
    def ok(self):
        return not self.problems


def verify_chain(*, anchor=None, max_problems=100, connection=None):
    """Check every audit event, in chain order: the sequence has no gap, each row names the hash
    of the row before it, and each row's hash is that of its fields now. A changed row breaks its
    own hash; a removed one leaves a gap and breaks the next row's link.

    `anchor` (seq, hash), recorded earlier, also catches rows removed from the end of the chain.
    `connection`: another database than the app's (a restored backup, say).
    """
    reader = connection if connection is not None else db.session
    dialect = (connection if connection is not None else db.session.get_bind()).dialect.name
    canonical = sa.literal_column(canonical_sql(dialect), sa.Text)
    table = AuditEvent.__table__
    problems = []

    def problem(event_id, seq, text):
        if len(problems) < max_problems:
            problems.append(ChainProblem(event_id, seq, text))

    unchained = reader.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.chain_seq.is_(None)))
    if unchained:
        for event_id in reader.scalars(sa.select(table.c.id).where(table.c.chain_seq.is_(None)).limit(10)):
            problem(event_id, None, "not chained (written while the chaining trigger was off)")

    checked = 0
    expected_seq = 1
    previous_hash = GENESIS_HASH
    anchor_seen = anchor is None
    last_seq = 0
    while True:
        rows = reader.execute(
            sa.select(table.c.id, table.c.chain_seq, table.c.prev_hash, table.c.row_hash, canonical)
            .where(table.c.chain_seq > last_seq)
            .order_by(table.c.chain_seq)
            .limit(VERIFY_BATCH)
        ).all()
        if not rows:
            break
        for event_id, seq, prev_hash, row_hash, text in rows:
            checked += 1
            if seq != expected_seq:
                problem(event_id, seq, f"events {expected_seq} to {seq - 1} are missing")
            if prev_hash != previous_hash:
                problem(event_id, seq, "does not follow on from the event before it")
            if row_hash != row_hash_of(text):
                problem(event_id, seq, "changed since it was written")
            if anchor is not None and seq == anchor[0]:
                anchor_seen = True
                if row_hash != anchor[1]:
                    problem(event_id, seq, "differs from the anchor recorded earlier")
            expected_seq = seq + 1
            previous_hash = row_hash
            last_seq = seq
    if not anchor_seen:
        problem(None, anchor[0], "the anchored event is missing: events were removed from the end")
    head_seq = last_seq or None
    return ChainReport(checked, head_seq, previous_hash if head_seq else None, problems)


def head(connection=None):
    """(chain_seq, row_hash) of the newest event, to keep somewhere else as an anchor."""
    table = AuditEvent.__table__
    row = (
        (connection if connection is not None else db.session)
        .execute(
            sa.select(table.c.chain_seq, table.c.row_hash)
            .where(table.c.chain_seq.is_not(None))
            .order_by(table.c.chain_seq.desc())
            .limit(1)
        )
        .first()
    )
    return tuple(row) if row else None


def check_job(now):
    """The nightly check (marac/services/scheduler.py): verify the whole chain and write its head
    to the application log, which lives apart from the database: a later `verify-audit --anchor`
    with that head catches events removed from the end of the chain."""
    report = verify_chain()
    if report.ok:
        logger.info("Audit chain verified: %d events, anchor %s:%s", report.checked, report.head_seq, report.head_hash)
    else:
        logger.error("Audit chain BROKEN: %d problems in %d events", len(report.problems), report.checked)
    return {"checked": report.checked, "problems": len(report.problems), "head_seq": report.head_seq or 0}


def case_trail(case_id, limit=200):
    """[(AuditEvent, the user's name)] of a case: who saw or changed it, latest first."""
    return db.session.execute(
        sa.select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.record_type == "case", AuditEvent.record_id == case_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
