"""The referral as GOV.UK patterns have it: the match step not asked when no one is on record,
check and send listing every answer with a Change link that returns to its field and then to the
check page, and the confirmation panel with the reference and what happens next."""

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest

from models import AuditEvent, Referral, ReferralStatus, db
from models.clock import uk_today
from models.risk import QUESTIONS
from tests.helpers import counted_queries, csrf_from, sign_in
from tests.pages import field_values
from tests.views.test_referrals import _date, _post, as_new_people, complete_dash, refer, send, start

TODAY = uk_today()

# Every answer of the first page, as a referrer would give them.
FULL = {
    "victim-aliases": "Tess Quillfeather\nTessa Marlowe",
    "victim-gender": "female",
    "victim-address": "Flat 2\n14 Orchard Row",
    "victim-postcode": "ZZ1 4QT",
    "victim-phone": "07700 900 982",
    "victim-is_safe_to_call": "no",
    "victim-ethnicity": "asian_bangladeshi",
    "victim-disability": "yes",
    "victim-lgbt": "prefer_not_to_say",
    "victim-language": "Sylheti",
    "victim-needs_interpreter": "y",
    "perpetrator-gender": "male",
    "perpetrator-address": "9 Mill Lane",
    "perpetrator-postcode": "ZZ2 8LP",
    "children-0-first_name": "Poppy",
    "children-0-last_name": "Quillfeather",
    **_date("children-0-date_of_birth", date(2019, 6, 1)),
    "children-0-relationship_to_victim": "child",
    "children-0-relationship_to_perpetrator": "child",
    "children-0-school": "Orchard Primary",
    "notes-victim_fears": "Rex and his brother",
    "notes-safe_to_share_with": "Her sister Ann",
    "notes-not_safe_to_share_with": "Rex's mother",
    "criteria": ["visible_high_risk", "professional_judgement", "potential_escalation"],
    "judgement_reasons": "Strangled last week",
    "incidents_in_window": "5",
    "has_consent": "no",
    "lawful_basis": "vital_interests",
    "sharing_reason": "Her life is at risk",
    "previous_maracs": "Southvale, 2024",
}


@pytest.fixture
def police(client, demo):
    sign_in(client, "police@example.org")
    return client


def _ready(client, **answers):
    """A draft with every answer given, matched (no one on record) and its DASH done."""
    referral_id = start(client, **{**FULL, **answers})
    as_new_people(client, referral_id)
    assert complete_dash(client, referral_id, judgement_reasons="Strangled last week").status_code == 302
    return referral_id


def _sections(html):
    """{heading: [(key, value as text, Change href)]} of the check page's summary lists."""
    sections = {}
    for heading, body in re.findall(
        r'<h2 class="govuk-heading-m">([^<]+)</h2>\s*<dl class="govuk-summary-list[^"]*">(.*?)</dl>', html, re.DOTALL
    ):
        rows = re.findall(
            r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>'
            r'\s*<dd class="govuk-summary-list__actions">\s*<a class="govuk-link" href="([^"]+)">Change',
            body,
            re.DOTALL,
        )
        sections[unescape(heading.strip())] = [(_text(key), _text(value), unescape(href)) for key, value, href in rows]
    return sections


def _text(html):
    return " ".join(unescape(re.sub(r"<br>", " | ", re.sub(r"<(?!br>)[^>]+>", "", html))).split())


def _answers(sections):
    return {(heading, key): value for heading, rows in sections.items() for key, value, _href in rows}


def test_with_no_one_on_record_the_match_step_says_so_and_goes_straight_to_the_dash(app, police):
    referral_id = start(police)
    response = police.get(f"/referrals/{referral_id}/match")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{referral_id}/dash"
    dash = police.get(response.headers["Location"]).get_data(as_text=True)
    assert "No one on record matches the victim or the perpetrator, so both are recorded as new to MARAC." in dash
    steps = dash.split('aria-label="Steps of the referral"')[1].split("</ol>")[0]
    assert re.search(r"Check who is known</a> <span[^>]*>\(done\)</span>", steps)
    assert "DASH risk assessment</strong></li>" in steps  # where the referrer is: not done yet
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert (referral.draft["victim_match"], referral.draft["perpetrator_match"]) == ("new", "new")
        event = db.session.query(AuditEvent).filter_by(event="referral.matched", record_id=referral_id).one()
        assert event.detail == {"victim_known": False, "perpetrator_known": False, "asked": False}


def test_only_the_person_with_someone_on_record_is_asked_about(police):
    refer(police, on=TODAY - timedelta(days=40))
    second = start(police, perpetrator=("Sol", "Hatherleigh", date(1979, 5, 5)))  # the same victim, a new perpetrator
    page = police.get(f"/referrals/{second}/match").get_data(as_text=True)
    assert re.findall(r'name="victim_match" type="radio" value="(\d+)"', page)
    assert 'name="perpetrator_match" type="radio"' not in page
    assert '<input type="hidden" name="perpetrator_match" value="new">' in page
    assert "No one on record matches, so they are recorded as new to MARAC." in page


def test_the_check_page_lists_every_answer_with_a_change_link(police):
    referral_id = _ready(police)
    html = police.get(f"/referrals/{referral_id}/check").get_data(as_text=True)
    sections = _sections(html)
    assert list(sections) == [
        "Referral details",
        "Victim",
        "Perpetrator",
        "Child 1",
        "Safety",
        "Reasons for referral",
        "Consent",
        "DASH risk assessment",
    ]
    answers = _answers(sections)
    expected = {
        ("Referral details", "MARAC area"): "Northmoor",
        ("Referral details", "Date of referral"): f"{TODAY.day} {TODAY:%B %Y}",
        ("Referral details", "Your name"): "Pat Constable",
        ("Victim", "Name"): "Tessa Quillfeather",
        ("Victim", "Other names"): "Tess Quillfeather | Tessa Marlowe",
        ("Victim", "Date of birth"): "3 April 1990",
        ("Victim", "Gender"): "Female",
        ("Victim", "Address"): "Flat 2 | 14 Orchard Row",
        ("Victim", "Postcode"): "ZZ1 4QT",
        ("Victim", "Safe contact number"): "07700 900 982",
        ("Victim", "Safe to call"): "No",
        ("Victim", "Ethnic group"): "Bangladeshi",
        ("Victim", "Disability"): "Yes",
        ("Victim", "LGBT+"): "Prefer not to say",
        ("Victim", "Main language"): "Sylheti",
        ("Victim", "Interpreter needed"): "Yes",
        ("Victim", "On record"): "New to MARAC",
        ("Perpetrator", "Name"): "Rex Bramblecote",
        ("Perpetrator", "Date of birth"): "9 January 1988",
        ("Perpetrator", "Relationship to the victim"): "Partner",
        ("Perpetrator", "Address"): "9 Mill Lane",
        ("Child 1", "Name"): "Poppy Quillfeather",
        ("Child 1", "Date of birth"): "1 June 2019",
        ("Child 1", "School or nursery"): "Orchard Primary",
        ("Safety", "Who the victim fears"): "Rex and his brother",
        ("Safety", "Not safe to share with"): "Rex's mother",
        ("Reasons for referral", "Why you are referring"): (
            "Visible high risk | Professional judgement | Potential escalation"
        ),
        ("Reasons for referral", "Reasons for your professional judgement"): "Strangled last week",
        ("Reasons for referral", "Incidents in the past 12 months"): "5",
        ("Consent", "The victim consented to sharing"): "No",
        ("Consent", "Lawful basis for sharing"): "To protect someone's life (vital interests)",
        ("Consent", "Why share without consent"): "Her life is at risk",
        ("Consent", "Previous MARACs in other areas"): "Southvale, 2024",
        ("DASH risk assessment", "Date of the DASH"): f"{TODAY.day} {TODAY:%B %Y}",
        ("DASH risk assessment", f"3. {QUESTIONS[3]}"): "Yes | Afraid of: Being killed",
        ("DASH risk assessment", f"24. {QUESTIONS[24]}"): "No",
    }  # fmt: skip
    assert {key: answers.get(key) for key in expected} == expected
    assert sum(key[0] == "DASH risk assessment" and key[1][0].isdigit() for key in answers) == 24
    assert answers[("Perpetrator", "Other names")] == "Not given"
    # Every Change link goes to the step that asks, carrying the way back, and lands on its field.
    rows = [row for rows in sections.values() for row in rows]
    assert len(rows) == len(answers) > 70
    for key, _value, href in rows:
        link = urlsplit(href)
        assert link.fragment, key
        page = police.get(f"{link.path}?{link.query}")
        if link.path.endswith("/match"):
            assert page.status_code == 302 and page.headers["Location"] == f"/referrals/{referral_id}/check", key
        else:
            assert page.status_code == 200, key
            assert f'id="{link.fragment}"' in page.get_data(as_text=True), key
        assert link.query == ("" if link.path.endswith("/dash") else "return_to=check"), key


def _change(client, href, changes):
    """Follow a Change link, change the answers as a browser would, send; the page it ends on."""
    link = urlsplit(href)
    url = f"{link.path}?{link.query}" if link.query else link.path
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**field_values(page), **changes, "csrf_token": csrf_from(page)})
    landed = response
    while landed.status_code == 302:
        landed = client.get(landed.headers["Location"])
    return response, landed


@pytest.mark.parametrize(
    ("heading", "key", "changes", "shown"),
    [
        ("Consent", "Previous MARACs in other areas", {"previous_maracs": "Eastwick, 2023"}, "Eastwick, 2023"),
        ("Victim", "Date of birth", _date("victim-date_of_birth", date(1990, 4, 13)), "13 April 1990"),
        ("Victim", "Main language", {"victim-language": "Bengali"}, "Bengali"),
    ],
)
def test_a_change_link_returns_to_the_check_page_with_the_answer_changed(police, heading, key, changes, shown):
    referral_id = _ready(police)
    sections = _sections(police.get(f"/referrals/{referral_id}/check").get_data(as_text=True))
    href = next(href for row_key, _value, href in sections[heading] if row_key == key)
    _response, landed = _change(police, href, changes)
    assert landed.request.path == f"/referrals/{referral_id}/check"
    assert _answers(_sections(landed.get_data(as_text=True)))[(heading, key)] == shown


def test_a_change_to_the_dash_returns_to_the_check_page(police):
    referral_id = _ready(police)
    sections = _sections(police.get(f"/referrals/{referral_id}/check").get_data(as_text=True))
    question = "7. Conflict over child contact"
    href = next(href for key, _value, href in sections["DASH risk assessment"] if key == question)
    assert href.endswith("/dash#q7")
    response, landed = _change(police, href, {"q7": "dont_know", "complete": "Continue"})
    assert response.headers["Location"] == f"/referrals/{referral_id}/check"
    assert _answers(_sections(landed.get_data(as_text=True)))[("DASH risk assessment", question)] == "Don't know"


def test_a_change_of_who_the_victim_is_asks_again_who_is_known_then_returns(police):
    """A new name may be someone on record: the match step runs again (asked, when someone is
    found), and then the way back leads to the check page."""
    first = refer(police, on=TODAY - timedelta(days=40), victim=("Tabitha", "Quillfeather", date(1990, 4, 3)))
    referral_id = _ready(police)
    sections = _sections(police.get(f"/referrals/{referral_id}/check").get_data(as_text=True))
    href = next(href for key, _value, href in sections["Victim"] if key == "Name")
    assert href.endswith("/edit?return_to=check#victim-first_name")
    response, match_page = _change(police, href, {"victim-first_name": "Tabitha"})
    assert response.headers["Location"] == f"/referrals/{referral_id}/match?return_to=check"
    with police.application.app_context():
        known = db.session.get(Referral, first).case.victim_id
    response = _post(
        police,
        f"/referrals/{referral_id}/match?return_to=check",
        {"victim_match": str(known), "perpetrator_match": "new"},
    )
    assert response.headers["Location"] == f"/referrals/{referral_id}/check"
    check = police.get(response.headers["Location"]).get_data(as_text=True)
    assert _answers(_sections(check))[("Victim", "On record")] == "Already on record"
    assert "Tabitha Quillfeather" in match_page.get_data(as_text=True)


def test_the_check_page_leaves_room_for_other_warnings(police):
    referral_id = _ready(
        police, **_date("victim-date_of_birth", TODAY.replace(year=TODAY.year - 15) - timedelta(days=1))
    )
    html = police.get(f"/referrals/{referral_id}/check").get_data(as_text=True)
    block = html.split('<div class="marac-check-warnings">')[1].split("</div>\n")[0]
    assert "The victim is 15" in block


def test_sending_ends_on_a_confirmation_panel_with_the_reference_and_what_happens_next(app, police):
    referral_id = _ready(police)
    token = csrf_from(police.get(f"/referrals/{referral_id}/check").get_data(as_text=True))
    response = police.post(f"/referrals/{referral_id}/check", data={"csrf_token": token})
    assert response.headers["Location"] == f"/referrals/{referral_id}/sent"
    html = police.get(response.headers["Location"]).get_data(as_text=True)
    panel = html.split('class="govuk-panel govuk-panel--confirmation"')[1].split("</div>\n</div>")[0]
    reference = f"R{referral_id:06d}"
    assert "Referral sent" in panel and f"<strong>{reference}</strong>" in panel
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert "The coordinator checks the referral (triage) by" in text
    assert "The IDVA service is told" in text
    assert "If anyone is in immediate danger, call 999." in text
    assert "tell the MARAC coordinator at once" in text
    assert "Tessa" not in html  # the confirmation names no one
    # A second send (a double click) lands on the same confirmation; the draft's pages show the referral.
    again = police.post(f"/referrals/{referral_id}/check", data={"csrf_token": token})
    assert again.headers["Location"] == f"/referrals/{referral_id}/sent"
    assert police.get(f"/referrals/{referral_id}/check").headers["Location"] == f"/referrals/{referral_id}"
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == ReferralStatus.SUBMITTED
        assert (
            db.session.query(AuditEvent).filter_by(event="referral.confirmation_shown", record_id=referral_id).count()
            == 1
        )


def test_the_confirmation_is_the_referrers_own_and_only_once_sent(app, client, demo, police):
    referral_id = _ready(police)
    assert police.get(f"/referrals/{referral_id}/sent").headers["Location"] == f"/referrals/{referral_id}/check"
    send(police, referral_id)
    other = app.test_client()
    sign_in(other, "coordinator@example.org")  # may see the referral, did not write it
    assert other.get(f"/referrals/{referral_id}/sent").status_code == 404


@pytest.mark.parametrize("page", ["check", "sent"])
def test_the_check_and_confirmation_pages_run_the_same_queries_however_many_referrals(police, app, page):
    counts = []
    for earlier in (1, 6):
        while len(counts) < earlier:  # referrals on record before this one
            refer(
                police,
                on=TODAY - timedelta(days=len(counts) + 1),
                victim=(f"Ida{len(counts)}", "Vexmoor", date(1985, 1, 1)),
            )
            counts.append(None)
        referral_id = _ready(police, victim=(f"Una{earlier}", "Quillfeather", date(1990, 4, 3)))
        if page == "sent":
            send(police, referral_id)
        police.get(f"/referrals/{referral_id}/{page}")
        with counted_queries(app) as statements:
            assert police.get(f"/referrals/{referral_id}/{page}").status_code == 200
        counts[-1] = len(statements)
    assert counts[0] == counts[-1] <= 16, counts
