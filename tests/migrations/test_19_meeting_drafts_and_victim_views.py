"""e8b4d2f6a1c3: meeting mode's drafts of the notes, and the victim's voice before the meeting."""

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "e8b4d2f6a1c3"


def test_going_up_keeps_every_meeting_and_starts_with_no_drafts_or_views(database):
    upgrade_keeps_the_data(database, REVISION)
    assert database.rows("SELECT count(*) FROM meeting_drafts") == [(0,)]
    assert database.rows("SELECT count(*) FROM victim_views") == [(0,)]
    assert database.rows("SELECT id, discussion FROM agenda_items ORDER BY id")[0][0] == rows.AGENDA_ITEM


def test_a_draft_and_a_view_are_kept_and_the_way_down_drops_only_them(database):
    downgrade_keeps_the_data(database, REVISION)
    assert "meeting_drafts" not in database.schema() and "victim_views" not in database.schema()
    assert database.rows("SELECT id FROM agenda_items ORDER BY id")[0] == (rows.AGENDA_ITEM,)
