"""The home page of each role: its figures, and each figure a link to a list that holds exactly
that many (the list is filtered to match the figure)."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from marac.services import demo as demo_service
from marac.services import demo_caseload, demo_cases
from models import (
    Action,
    Allocation,
    Area,
    Meeting,
    MeetingStatus,
    Referral,
    ReferralStatus,
    Support,
    User,
    db,
)
from models.actions import OPEN_STATUSES
from models.clock import uk_today, utcnow
from tests import factories
from tests.helpers import counted_queries, signed_in

FIGURE = re.compile(
    r'<dt class="govuk-summary-list__key">([^<]+)</dt>\s*<dd class="govuk-summary-list__value">'
    r'<a class="govuk-link" href="([^"]+)">(\d+)[^<]*</a>'
)
ROW = re.compile(r'<tr class="govuk-table__row[^"]*">(.*?)</tr>', re.DOTALL)
NEXT = re.compile(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next">')


@pytest.fixture
def busy_demo(app):
    """The whole demo (areas, users, cases, meetings and caseloads), with something for each
    figure to count: the police's actions due this week and overdue, a police referral waiting
    for more information, minutes waiting for the chair, an IDVA's contact due today and a new
    allocation."""
    with app.app_context():
        demo_service.seed(factories.PASSWORD)
        today = uk_today()
        users = {user.email: user for user in db.session.scalars(sa.select(User))}
        police, chair, idva = users["police@example.org"], users["chair@example.org"], users["idva@example.org"]
        owned = db.session.scalars(
            sa.select(Action)
            .where(Action.owner_agency_id == police.agency_id, Action.area_id.in_(police.area_ids))
            .order_by(Action.id)
            .limit(3)
        ).all()
        for action, days in zip(owned, (2, 5, -3), strict=True):
            action.due_on, action.status = today + timedelta(days=days), OPEN_STATUSES[0]
        referral = db.session.scalar(
            sa.select(Referral)
            .where(Referral.referring_agency_id == police.agency_id, Referral.status != ReferralStatus.DRAFT)
            .limit(1)
        )
        referral.status = ReferralStatus.MORE_INFORMATION
        meeting = db.session.scalar(
            sa.select(Meeting).where(Meeting.starts_at < utcnow()).order_by(Meeting.starts_at.desc()).limit(1)
        )
        meeting.chair_id, meeting.status = chair.id, MeetingStatus.HELD
        allocations = db.session.scalars(
            sa.select(Allocation)
            .where(Allocation.idva_id == idva.id, Allocation.ended_at.is_(None))
            .order_by(Allocation.id)
            .limit(2)
        ).all()
        allocations[0].started_at = utcnow() - timedelta(days=1)
        db.session.get(Support, allocations[1].support_id).next_contact_on = today
        db.session.commit()


def figures(html):
    """{label: (count, link)} of the home page's figures that are counts with a link."""
    return {unescape(label): (int(count), unescape(link)) for label, link, count in FIGURE.findall(html)}


def rows_listed(client, url):
    """How many records the list at `url` shows, over all its pages: the body rows with a link."""
    total = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        body = html.split('<tbody class="govuk-table__body">', 1)[1] if "<tbody" in html else ""
        total += sum("<a " in row for row in ROW.findall(body))
        found = NEXT.search(html)
        url = unescape(found.group(1)) if found else None
    return total


EXPECTED = {
    "idva@example.org": [
        "Your caseload",
        "Contacts due today",
        "Contacts overdue",
        "Your cases at coming MARACs",
        "Risk reviews due",
        "New allocations (the last 7 days)",
    ],
    "police@example.org": [
        "Research requests to answer for the coming meetings",
        "Your agency's actions due this week",
        "Your agency's actions overdue",
        "Your agency's referrals waiting for more information",
    ],
    "chair@example.org": ["Minutes waiting for your approval"],
    "coordinator@example.org": ["Referrals waiting for triage", "Overdue actions"],
}


@pytest.mark.parametrize("email", list(EXPECTED))
def test_each_figure_links_to_a_list_of_that_many(app, busy_demo, email):
    client = signed_in(app, email)
    shown = figures(client.get("/").get_data(as_text=True))
    assert sorted(shown) == sorted(EXPECTED[email])
    for label, (count, link) in shown.items():
        assert count > 0, label
        assert rows_listed(client, link) == count, (label, link)


def _chart(html):
    """[(month label, text)] of the home page's chart table."""
    table = html.split("Referrals each month, the last 12 months</caption>", 1)[1].split("</table>", 1)[0]
    found = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th><td[^>]*>([^<]+)</td>', table)
    return [(label, unescape(text)) for label, text in found]


def test_steering_home_has_the_quarters_benchmarks_and_twelve_months_with_small_numbers_hidden(app, busy_demo):
    today = uk_today()
    empty, small = (today.replace(day=1) - relativedelta(months=months) for months in (3, 5))
    with app.app_context():
        in_month = sa.and_(Referral.referred_on >= empty, Referral.referred_on < empty + relativedelta(months=1))
        db.session.execute(sa.update(Referral).where(in_month).values(referred_on=empty - relativedelta(months=1)))
        in_small = sa.and_(Referral.referred_on >= small, Referral.referred_on < small + relativedelta(months=1))
        kept = sa.select(Referral.id).where(in_small).order_by(Referral.id).limit(3).scalar_subquery()
        db.session.execute(
            sa.update(Referral)
            .where(in_small, Referral.id.not_in(kept))
            .values(referred_on=small - relativedelta(months=1))
        )
        db.session.commit()
    client = signed_in(app, "steering@example.org")
    html = client.get("/").get_data(as_text=True)

    months = _chart(html)
    assert [label for label, _text in months] == [
        f"{today.replace(day=1) - relativedelta(months=back):%b %Y}" for back in range(11, -1, -1)
    ]
    shown = dict(months)
    assert shown[f"{empty:%b %Y}"] == "0"
    assert shown[f"{small:%b %Y}"] == "<5"
    assert not any(text.isdigit() and 0 < int(text) < 5 for _label, text in months)

    assert html.count("against the SafeLives benchmarks") == 2
    for area in ("Northmoor", "Eastwick Vale"):
        assert area in html
    links = {unescape(link) for link in re.findall(r'href="(/reports/return\?[^"]+)"', html)}
    assert len(links) == 2  # one per area, every benchmark of the area linking there
    for measure in ("Cases per 10,000 adult women a year", "Repeat cases", "Referrals from the police"):
        assert measure in html
    for link in links:
        page = client.get(link)
        assert page.status_code == 200
        assert "Referrals from the police" in page.get_data(as_text=True)
    assert "IDVA engagement" in html


def test_home_page_queries_do_not_grow_with_the_data(app):
    """Each role's home page runs the same number of statements with the demo's cases once and
    twice over."""
    emails = [*EXPECTED, "steering@example.org", "admin@example.org"]
    with app.app_context():
        demo_service.seed(factories.PASSWORD)
    clients = {email: signed_in(app, email) for email in emails}

    def statements():
        counts = {}
        for email, client in clients.items():
            with counted_queries(app) as queries:
                assert client.get("/").status_code == 200
            counts[email] = len(queries)
        return counts

    statements()  # the first request of a session loads what later ones have cached
    small = statements()
    with app.app_context():
        areas = db.session.scalars(sa.select(Area).order_by(Area.id)).all()
        demo_cases.seed_cases(areas)
        demo_cases.seed_meetings(areas)
        demo_caseload.seed_caseload(areas)
        db.session.commit()
    assert statements() == small
    assert max(small.values()) <= 16, small  # as tests/perf/test_query_budgets.py


def test_a_chair_is_shown_only_the_meetings_of_the_areas_they_still_work_in(app, busy_demo):
    """The chair no longer works in one of their areas: its meetings they chaired (one coming, one
    held with minutes to approve) are neither listed nor counted on their home page, as they may
    no longer open them; every meeting the page links opens."""
    with app.app_context():
        chair = db.session.scalar(sa.select(User).where(User.email == "chair@example.org"))
        left = db.session.scalars(sa.select(Area).order_by(Area.id)).all()[-1]
        chair.areas = [area for area in chair.areas if area.id != left.id]
        in_left = Meeting.area_id == left.id
        coming = db.session.scalar(
            sa.select(Meeting).where(in_left, Meeting.starts_at >= utcnow()).order_by(Meeting.starts_at).limit(1)
        )
        held = Meeting(
            area_id=left.id,
            starts_at=coming.starts_at - timedelta(days=28),
            referral_cut_off=coming.referral_cut_off - timedelta(days=28),
            status=MeetingStatus.HELD,
        )
        db.session.add(held)
        db.session.flush()
        coming.chair_id = held.chair_id = chair.id
        hidden = {f"/meetings/{coming.id}", f"/meetings/{held.id}"}
        db.session.commit()
    client = signed_in(app, "chair@example.org")
    html = client.get("/").get_data(as_text=True)
    linked = set(re.findall(r'href="(/meetings/\d+)"', html))
    assert linked and not linked & hidden
    for link in linked:
        assert client.get(link).status_code == 200, link
    count, link = figures(html)["Minutes waiting for your approval"]
    assert count == rows_listed(client, link) == 1  # busy_demo's, in an area they still work in
