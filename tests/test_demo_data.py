"""The demo data makes sense to a coordinator: the upcoming meeting's list is complete before its
cut-off (building it again would add nothing and leave nothing out) and within the meeting's length;
every accepted referral received by the held meeting's cut-off was heard at a held meeting; each
agency's actions are ones that agency would own."""

import sqlalchemy as sa

from marac.services import agenda
from marac.services import demo as demo_service
from marac.services.demo_cases import DEMO_ACTIONS
from models import Action, Agency, AgendaItem, Meeting, MeetingStatus, Referral, ReferralStatus, db
from tests import factories


def test_the_demo_lists_are_complete_and_each_agency_owns_its_own_kind_of_action(app):
    with app.app_context():
        demo_service.seed(factories.PASSWORD)
        upcoming = db.session.scalar(sa.select(Meeting).filter_by(status=MeetingStatus.LIST_PUBLISHED))
        adding, moving, left_out = agenda.preview(upcoming)
        assert (adding, moving, left_out) == ([], [], [])
        assert agenda.timing(agenda.items(upcoming.id), upcoming)[2] == 0  # no overrun

        heard = sa.exists().where(
            AgendaItem.referral_id == Referral.id,
            AgendaItem.meeting_id == Meeting.id,
            agenda.discussed_at_held_meeting(),
        )
        listed = sa.exists().where(AgendaItem.referral_id == Referral.id)
        waiting = db.session.scalars(
            sa.select(Referral.id).where(
                Referral.area_id == upcoming.area_id,
                Referral.status == ReferralStatus.ACCEPTED,
                Referral.referred_on <= upcoming.referral_cut_off,
                ~heard,
                ~listed,
            )
        ).all()
        assert waiting == []

        owned = db.session.execute(
            sa.select(Agency.kind, Action.what).join(Agency, Agency.id == Action.owner_agency_id)
        )
        pairs = owned.all()
        assert pairs and all(what in DEMO_ACTIONS[kind] for kind, what in pairs)
        kinds = {kind for kind, _what in pairs}
        assert {"police", "housing", "health"} <= kinds
