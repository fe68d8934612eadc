"""The web case list shows what the PDF shows: risk, the referral's reasons, repeat, children and
the referring agency; the PDF's "Referred by" is filled for a case listed without a referral of
its own (by hand) from its latest accepted referral. One data function feeds both."""

import pytest
import sqlalchemy as sa

from marac.services import agenda, meeting_papers
from models import AgendaItem, AgendaSection, Case, Meeting, Referral, db
from tests.factories.cases import CaseFactory
from tests.helpers import signed_in
from tests.views.test_meetings import _pdf_text, add_new_cases, meeting_world, refer


@pytest.fixture
def world(app, demo):
    return meeting_world(app)


def test_the_web_list_and_the_pdf_show_the_same_facts(app, world):
    built = refer(app, world, children=1)
    by_hand = refer(app, world)
    CaseFactory(app).completed_dashes(built, 1, yes=15, agency_id=world["police"])
    with app.app_context():
        for referral in db.session.scalars(sa.select(Referral).where(Referral.case_id.in_([built, by_hand]))):
            referral.criteria = ["visible_high_risk", "potential_escalation"]
            referral.is_repeat = referral.case_id == built
        db.session.commit()
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    add_new_cases(coordinator, base)
    with app.app_context():  # the second taken off and added again by hand: listed with no referral of its own
        meeting = db.session.get(Meeting, world["meeting"])
        item = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=meeting.id, case_id=by_hand))
        item.referral_id = None
        item.section = AgendaSection.OTHER
        references = {case_id: db.session.get(Case, case_id).reference for case_id in (built, by_hand)}
        facts = meeting_papers.listed_facts(agenda.items(meeting.id))
        db.session.commit()
    assert {fact.referring_agency for fact in facts.values()} == {"Northmoor Police"}

    page = coordinator.get(base).get_data(as_text=True)
    card = page[page.index(f"Case {references[built]}") : page.index(f"Case {references[by_hand]}")]
    assert "Repeat</strong>" in card and "High risk" in card and "Kid0 Testchild" in card
    assert "Visible high risk, Potential escalation" in card and "Northmoor Police" in card
    other = page[page.index(f"Case {references[by_hand]}") :]
    assert "Northmoor Police" in other and "Children</dt>" in other and "None recorded" in other
    assert "Not assessed" in other

    pdf = " ".join(_pdf_text(coordinator.get(f"{base}/case-list.pdf")))
    assert "agency not recorded" not in pdf
    assert pdf.count("Referred by Northmoor Police") == 2
    assert "Reasons: Visible high risk, Potential escalation" in pdf
