"""3bc4a4c78e43: meetings, agenda, research, attendance, reminders and actions."""

import pytest
import sqlalchemy as sa

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "3bc4a4c78e43"


def test_a_meeting_lists_the_cases_and_referrals_already_there(database):
    upgrade_keeps_the_data(database, REVISION)
    rows.meetings_and_actions(database)
    assert database.rows(
        "SELECT agenda_items.id, meetings.area_id, agenda_items.case_id, agenda_items.referral_id FROM agenda_items "
        "JOIN meetings ON meetings.id = agenda_items.meeting_id"
    ) == [(rows.AGENDA_ITEM, rows.HOME_AREA, rows.HOME_CASE, rows.REFERRAL)]
    with pytest.raises(sa.exc.IntegrityError):  # one research request for each agency and case on the list
        database.insert(
            "research_requests",
            {
                "id": 2,
                "agenda_item_id": rows.AGENDA_ITEM,
                "agency_id": rows.HOUSING,
                "status": "requested",
                "version": 1,
            },
        )


def test_undoing_meetings_keeps_the_cases_and_the_job_runs(database):
    downgrade_keeps_the_data(database, REVISION)
    assert not {"meetings", "agenda_items", "actions", "action_updates"} & database.tables()
    assert database.rows("SELECT job, outcome FROM job_runs") == [("send_reminders", "done")]
