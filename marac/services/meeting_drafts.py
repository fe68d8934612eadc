"""Drafts of meeting mode's notes: saved by the page while a person types (and as they leave it),
given back when they return, gone once they save the notes. One a person for each case listed:
the coordinator's draft never shows on the chair's screen."""

import sqlalchemy as sa

from models import MeetingDraft, db
from models.clock import utcnow


def of(item, user):
    """This person's draft of the case's notes, if it says something other than the notes saved."""
    draft = db.session.scalar(sa.select(MeetingDraft).filter_by(agenda_item_id=item.id, user_id=user.id))
    if draft is None or draft.discussion == (item.discussion or ""):
        return None
    return draft


def keep(item, user, discussion, item_version):
    """Keep what is typed now as this person's draft, typed over `item_version` of the notes."""
    draft = db.session.scalar(sa.select(MeetingDraft).filter_by(agenda_item_id=item.id, user_id=user.id))
    if draft is None:
        draft = MeetingDraft(agenda_item_id=item.id, user_id=user.id)
        db.session.add(draft)
    draft.discussion, draft.item_version, draft.saved_at = discussion, item_version, utcnow()
    return draft


def drop(item, user):
    """The notes are saved: this person's draft has done its work."""
    db.session.execute(sa.delete(MeetingDraft).filter_by(agenda_item_id=item.id, user_id=user.id))
