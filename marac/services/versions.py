"""Two people changing one record at once: nothing lost, and the second one told.

- A versioned record (models.base.Versioned: actions, referrals, cases, people, meetings...) is
  written with `UPDATE ... SET version = version + 1 WHERE id = :id AND version = :read`. A form
  or an API request carries the version it was made from: `expect` compares it with the row's,
  and the UPDATE's WHERE catches a save between that check and the write. Either way StaleRecord:
  a view saving in `saving` shows its conflict page (what is saved now beside the user's own
  answers) or answers 409; anywhere else, marac/errors.py does.
- A state change (sending a referral, publishing a list...) first `lock`s its row and reads it
  again, then checks the state it starts from: a second request asking for the same change waits
  for the first, finds it done, and does nothing.
"""

from contextlib import contextmanager

import sqlalchemy as sa

from models import db
from models.base import StaleRecord

__all__ = ["StaleRecord", "expect", "lock", "saving"]


def expect(record, version):
    """The form or request was made from `version` of the record (as posted: text, or None when
    missing): StaleRecord if the record has moved on since. `record` None: there is none yet,
    version 0 (a case's first safety plan)."""
    saved = record.version if record is not None else 0
    try:
        same = int(version) == saved
    except (TypeError, ValueError):
        same = False
    if not same:
        raise StaleRecord(f"{type(record).__name__} is at version {saved}")


def lock(record):
    """Hold the record's row until this transaction ends (SELECT ... FOR UPDATE) and read it again:
    another request changing it waits until this one has committed, and then sees what it saved.
    Call it before changing the record, and never inside `saving`: read again, the record would
    carry the newest version, not the one the form was made from. (SQLite has no row locks: there,
    every POST holds the database's write lock from its start, models/base.py.)"""
    model = type(record)
    return db.session.execute(
        sa.select(model)
        .where(model.id == record.id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    ).scalar_one()


@contextmanager
def saving(record, version):
    """An edit of a versioned record made from `version` of it (the form's or the request's):
    written at the end of the block, its version moved on, or StaleRecord if someone saved it
    since. A block that changes nothing writes nothing. In a savepoint, so that a conflict undoes
    this save alone: the record then reads as it is saved now, and the rest of the request (the
    page's audit event) carries on."""
    with db.session.begin_nested():
        expect(record, version)
        read = record.version
        session = db.session()
        changed = []

        def note_changes(_session, _context, _instances):
            changed.append(session.is_modified(record))

        sa.event.listen(session, "before_flush", note_changes)
        try:
            yield record
        finally:
            sa.event.remove(session, "before_flush", note_changes)
        if record.version == read and (any(changed) or session.is_modified(record)):
            # Its own row not written yet: a change to its related rows alone (a user's roles,
            # an agency's areas) moves it on too, and is checked against the version read.
            record.version = read + 1
