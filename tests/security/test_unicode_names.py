"""Names in one Unicode form (NFC), however they were typed (sent to the API: in
tests/api/test_referrals_api.py): "José" with a combining accent is kept as "José", so matching,
search and the papers treat it as the same name; and the papers print every name as spelt."""

import io
import unicodedata
from datetime import date

import sqlalchemy as sa
from pypdf import PdfReader

from models import AgendaItem, Attendance, Case, CaseChild, CasePerpetrator, Person, Referral, Role, User, db
from models.clock import utcnow
from tests.helpers import post_form, sign_in, signed_in
from tests.security.estate import home_values
from tests.views.test_cases import _new_case_answers
from tests.views.test_referrals import start


def nfd(text):
    return unicodedata.normalize("NFD", text)


JOSE, NGUYEN, SIOBHAN, LUKASZ = "José Álvarez", "Nguyễn Thị Minh", "Siobhán Ó Súilleabháin", "Łukasz Wiśniewski"


def _split(name):
    first, _, last = name.rpartition(" ")
    return first, last


def _names(app, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        people = [case.victim, *(link.person for link in case.perpetrators), *(link.person for link in case.children)]
        return [person.full_name for person in people] + [alias.full_name for alias in case.victim.aliases]


def test_names_typed_decomposed_are_kept_composed(app, make):
    coordinator = make.user(Role.COORDINATOR, Role.ADMIN)
    browser = signed_in(app, coordinator.email)
    answers = _new_case_answers(
        coordinator.area_ids[0],
        **{
            "victim-first_name": nfd(_split(JOSE)[0]),
            "victim-last_name": nfd(_split(JOSE)[1]),
            "victim-aliases": nfd(SIOBHAN),
            "perpetrator-first_name": nfd(_split(NGUYEN)[0]),
            "perpetrator-last_name": nfd(_split(NGUYEN)[1]),
        },
    )
    response = post_form(browser, "/cases/new", answers, token_from="/cases/new")
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    child = {
        "first_name": nfd("Zoë"),
        "last_name": nfd("Wiśniewska"),
        "relationship_to_victim": "child",
        "relationship_to_perpetrator": "child",
    }
    page = f"/cases/{case_id}/children/new"
    assert post_form(browser, page, child, token_from=page).status_code == 302
    assert _names(app, case_id) == [JOSE, NGUYEN, "Zoë Wiśniewska", SIOBHAN]

    user = {"name": nfd(LUKASZ), "email": "lukasz@example.org", "roles": ["agency_rep"], "version": "1"}
    user |= {"agency_id": str(coordinator.agency_id), "area_ids": [str(coordinator.area_ids[0])]}
    assert post_form(browser, "/admin/users/new", user, token_from="/admin/users/new").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(User.name).filter_by(email="lukasz@example.org")) == LUKASZ


def test_a_referrers_name_typed_decomposed_is_kept_composed(app, client, demo):
    sign_in(client, "police@example.org")
    referral_id = start(client, referrer_name=nfd(SIOBHAN), victim=(nfd("Zoë"), nfd("Ağaoğlu"), date(1990, 4, 3)))
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.referrer_name == SIOBHAN
        assert (referral.draft["victim"]["first_name"], referral.draft["victim"]["last_name"]) == ("Zoë", "Ağaoğlu")


def _pdf_text(response):
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.get_data())).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def test_the_case_list_and_minutes_print_every_name_exactly(app, estate):
    """Names already stored decomposed (before they were composed on the way in) print composed."""
    with app.app_context():
        case = db.session.get(Case, estate.cases.police.id)
        case.victim.first_name, case.victim.last_name = map(nfd, _split(JOSE))
        perpetrator = Person(first_name=_split(NGUYEN)[0], last_name=_split(NGUYEN)[1])
        child = Person(first_name=_split(SIOBHAN)[0], last_name=_split(SIOBHAN)[1])
        db.session.add_all(
            [
                CasePerpetrator(case=case, person=perpetrator, relationship_to_victim="partner"),
                CaseChild(case=case, person=child, relationship_to_victim="child", relationship_to_perpetrator="child"),
            ]
        )
        db.session.add(
            Attendance(
                meeting_id=estate.meetings.home,
                agency_id=estate.agencies.police.id,
                person_name=LUKASZ,
                is_present=True,
            )
        )
        # The minutes name the cases discussed (the others by reference only).
        item = db.session.scalars(
            sa.select(AgendaItem).where(AgendaItem.case_id == case.id, AgendaItem.meeting_id == estate.meetings.home)
        ).one()
        item.discussion, item.discussed_at = "Discussed", utcnow()
        db.session.commit()
    client = signed_in(app, estate.users.coordinator.email)
    meeting = home_values(estate)["meeting_id"]
    case_list = _pdf_text(client.get(f"/meetings/{meeting}/case-list.pdf"))
    for name in (JOSE, NGUYEN, SIOBHAN):
        assert name in case_list, name
    minutes = _pdf_text(client.get(f"/meetings/{meeting}/minutes.pdf"))
    for name in (JOSE, LUKASZ):
        assert name in minutes, name
