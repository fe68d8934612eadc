"""A victim known to MARAC with more than one perpetrator: each of their cases in the area names
the others ("Also known to MARAC: case C000062, 2025, another perpetrator"), on the referral and
on the case, to those who may see those cases."""

from datetime import date, timedelta

import pytest

from marac.services import cases as case_service
from models import AgencyKind, Case, CasePerpetrator, Role, db
from models.cases import case_reference
from models.clock import uk_today, utcnow
from tests.factories.caseload import CaseloadFactory
from tests.factories.cases import CaseFactory
from tests.helpers import signed_in


@pytest.fixture
def two_cases(app, make):
    """One victim, two cases in one area with two perpetrators, each referred by the police; the
    police are involved in the first case only."""
    area = make.area()
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[area.id])
    coordinator = make.user(Role.COORDINATOR, agency_id=police.id, area_ids=[area.id])
    rep = make.user(Role.AGENCY_REP, agency_id=police.id, area_ids=[area.id])
    first = CaseFactory(app).case(area.id, agency_ids=[police.id])
    with app.app_context():
        second = Case(area_id=area.id, victim_id=first.victim_id)
        second.perpetrators.append(
            CasePerpetrator(
                person=case_service.new_person(
                    {
                        "first_name": "Otto",
                        "last_name": "Secondabuser",
                        "date_of_birth": date(1980, 1, 2),
                        "aliases": [],
                    }
                ),
                relationship_to_victim="ex_partner",
            )
        )
        db.session.add(second)
        db.session.commit()
        second_id = second.id
    referrals = CaseloadFactory(app)
    received = utcnow() - timedelta(hours=3)
    ids = {
        case_id: referrals.referral(
            case_id, area.id, agency_id=police.id, referrer_id=coordinator.id, received_at=received
        )
        for case_id in (first.id, second_id)
    }
    return area, coordinator, rep, first.id, second_id, ids


def test_each_case_of_the_victim_names_the_other_on_its_referral_and_its_page(app, two_cases):
    _area, coordinator, _rep, first_id, second_id, referral_ids = two_cases
    browser = signed_in(app, coordinator.email)
    year = uk_today().year
    for this, other in ((first_id, second_id), (second_id, first_id)):
        expected = f"case {case_reference(other)}</a>, {year}, another perpetrator"
        for path in (f"/cases/{this}", f"/referrals/{referral_ids[this]}"):
            html = browser.get(path).get_data(as_text=True)
            assert "Also known to MARAC" in html, path
            assert expected in html, path
            assert f'href="/cases/{other}"' in html, path


def test_a_case_the_user_may_not_see_is_not_named(app, two_cases):
    _area, _coordinator, rep, first_id, second_id, _ids = two_cases
    html = signed_in(app, rep.email).get(f"/cases/{first_id}").get_data(as_text=True)
    assert "Also known to MARAC" not in html
    assert case_reference(second_id) not in html


def test_the_case_page_tells_the_areas_coordinator_of_history_in_other_areas_without_naming_the_case(
    app, make, two_cases
):
    area, coordinator, _rep, first_id, _second_id, _ids = two_cases
    away = make.area(name="Awaytestshire")
    with app.app_context():
        victim_id = db.session.get(Case, first_id).victim_id
        elsewhere = Case(area_id=away.id, victim_id=victim_id)
        db.session.add(elsewhere)
        db.session.commit()
        elsewhere_id = elsewhere.id
    html = signed_in(app, coordinator.email).get(f"/cases/{first_id}").get_data(as_text=True)
    assert "The victim has history in Awaytestshire" in html
    assert case_reference(elsewhere_id) not in html
