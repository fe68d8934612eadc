"""The case timeline's rules that the view tests do not reach: transfers between areas (each side
sees only the referral it may see), the IDVA support closed and reopened, risk level changes and
corrections, the filter by kind."""

from datetime import timedelta

import pytest

from marac.services import caseload, timeline, triage
from models import Area, Case, Referral, Role, User, db
from models.clock import uk_today, utcnow
from tests.factories.caseload import CaseloadFactory
from tests.factories.cases import CaseFactory


def _entries(app, user_id, case_id, kinds=None):
    with app.app_context():
        return timeline.entries(db.session.get(Case, case_id), db.session.get(User, user_id), kinds)


@pytest.fixture
def moved(app, make):
    """A referral in Northshire transferred to Southshire by a coordinator of both."""
    north, south = make.area(name="Northshire Test"), make.area(name="Southshire Test")
    police = make.agency(area_ids=[north.id, south.id])
    both = make.user(Role.COORDINATOR, agency_id=police.id, area_ids=[north.id, south.id])
    south_only = make.user(Role.COORDINATOR, agency_id=police.id, area_ids=[south.id])
    case = CaseFactory(app).case(north.id, agency_ids=[police.id])
    referral_id = CaseloadFactory(app).referral(
        case.id, north.id, agency_id=police.id, referrer_id=both.id, received_at=utcnow() - timedelta(days=2)
    )
    with app.app_context():
        triage.decide(
            db.session.get(Referral, referral_id),
            "transfer",
            reason="Moved",
            coordinator=db.session.get(User, both.id),
            transfer_area=db.session.get(Area, south.id),
        )
        db.session.commit()
    return case, both, south_only


def test_a_transfer_shows_out_and_in_to_whoever_sees_both_referrals(app, moved):
    case, both, _south_only = moved
    titles = [entry.title for entry in _entries(app, both.id, case.id) if entry.kind == "transfer"]
    assert any("transferred to another area's MARAC" in title for title in titles)
    assert any(title.endswith("transferred in from Northshire Test") for title in titles)


def test_the_receiving_area_sees_the_transfer_in_but_not_the_old_areas_referral(app, moved):
    case, _both, south_only = moved
    entries = _entries(app, south_only.id, case.id)
    assert [e.title.endswith("transferred in from Northshire Test") for e in entries if e.kind == "transfer"] == [True]
    assert not [e for e in entries if e.kind in ("referral", "triage")]


def test_the_idva_sees_the_support_closed_with_its_reason_and_reopened(app, make):
    area = make.area()
    service = make.agency(area_ids=[area.id])
    idva = make.user(Role.IDVA, agency_id=service.id, area_ids=[area.id])
    manager = make.user(Role.IDVA_MANAGER, agency_id=service.id, area_ids=[area.id])
    case = CaseFactory(app).case(area.id)
    factory = CaseloadFactory(app)
    factory.allocate(case.id, idva.id, manager.id, now=utcnow() - timedelta(days=40))
    with app.app_context():
        record = db.session.get(Case, case.id)
        support = caseload.open_support(case.id)
        caseload.close(
            record,
            support,
            db.session.get(User, idva.id),
            {"reason": "risk_reduced", "needs": {"finance": "low"}},
            version=support.version,
            now=utcnow() - timedelta(days=10),
        )
        db.session.commit()
    factory.allocate(case.id, idva.id, manager.id)
    entries = _entries(app, idva.id, case.id)
    support = [(entry.title, entry.detail) for entry in entries if entry.kind == "support"]
    assert support == [("IDVA support reopened", None), ("IDVA support closed", "Risk reduced")]
    assert ("Needs at exit", "Finance and benefits: low") in [(e.title, e.detail) for e in entries]
    allocations = [entry.title for entry in entries if entry.kind == "allocation"]
    assert allocations == ["Allocated to an IDVA", "IDVA allocation ended", "Allocated to an IDVA"]
    # The manager sees the IDVA work too (their service's case); a coordinator only the allocation.
    assert {e.kind for e in _entries(app, manager.id, case.id)} >= {"support", "needs", "allocation"}


def test_level_changes_are_named_and_a_filter_keeps_only_its_kinds(app, make):
    coordinator = make.user()
    case = CaseFactory(app).case(coordinator.area_ids[0])
    build = CaseFactory(app)
    today = uk_today()
    build.completed_dashes(case.id, 1, yes=15, first_on=today - timedelta(days=30))  # high
    build.completed_dashes(case.id, 1, yes=15, first_on=today - timedelta(days=20))  # high: no change
    build.completed_dashes(case.id, 1, yes=3, first_on=today - timedelta(days=10))  # standard
    risk = [entry.detail for entry in _entries(app, coordinator.id, case.id, ["risk"])]
    assert risk == [
        "3 of 24, standard risk. Risk level changed from high to standard",
        "15 of 24, high risk",
        "15 of 24, high risk",
    ]
    assert timeline.kinds_from(["risk", "<script>", "risk"]) == ["risk"]
    assert timeline.kinds_from([]) == list(timeline.KINDS)


def test_a_lowered_level_from_another_tool_says_what_has_changed(app, make):
    from marac.services import assessments

    coordinator = make.user()
    case = CaseFactory(app).case(coordinator.area_ids[0])
    CaseFactory(app).completed_dashes(case.id, 1, yes=15, first_on=uk_today() - timedelta(days=20))  # high
    with app.app_context():
        assessments.record_other_tool(
            db.session.get(Case, case.id),
            {
                "tool": "dara",
                "assessed_on": uk_today() - timedelta(days=2),
                "level": "medium",
                "source": "Police",
                "rationale": "Remanded",
                "what_changed": "The perpetrator is remanded in custody",
            },
            db.session.get(User, coordinator.id),
        )
        db.session.commit()
    newest = _entries(app, coordinator.id, case.id, ["risk"])[0]
    assert (newest.title, newest.detail, newest.typed) == (
        "DARA",
        "medium risk. Risk level changed from high to medium",
        "The perpetrator is remanded in custody",
    )
