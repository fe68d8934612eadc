"""Drafts of meeting mode's notes: saved by the page while a person types (and as they leave it),
given back when they return, gone once they save the notes. One a person for each case listed:
the coordinator's draft never shows on the chair's screen."""

import sqlalchemy as sa

from models import MeetingDraft, db
from models.base import insert_if_absent
from models.clock import utcnow


def of(item, user):
    """This person's draft of the case's notes, if it says something other than the notes saved."""
    draft = db.session.scalar(sa.select(MeetingDraft).filter_by(agenda_item_id=item.id, user_id=user.id))
    if draft is None or draft.discussion == (item.discussion or ""):
        return None
    return draft


def keep(item, user, discussion, item_version):
    """Keep what is typed now as this person's draft, typed over `item_version` of the notes."""
    values = {"discussion": discussion, "item_version": item_version, "saved_at": utcnow()}
    # Two tabs of one person may send a first draft at the same moment: the row is made once.
    insert_if_absent(MeetingDraft.__table__, agenda_item_id=item.id, user_id=user.id, **values)
    draft = db.session.scalar(sa.select(MeetingDraft).filter_by(agenda_item_id=item.id, user_id=user.id))
    draft.discussion, draft.item_version, draft.saved_at = values.values()
    return draft


def drop(item, user):
    """The notes are saved: this person's draft has done its work."""
    db.session.execute(sa.delete(MeetingDraft).filter_by(agenda_item_id=item.id, user_id=user.id))
