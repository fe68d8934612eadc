"""The dashboard's figures from the summary tables (services/rollups.py) are the live ones: every
figure computed both ways on the same data (the demo's cases, referrals, actions and IDVA
supports), for each area and for all of them, after the nightly build and after the scheduler's
refresh of the current periods."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marac.services import access, actions, caseload, demo, reports, rollups, stats
from models import Area, Case, Referral, ReferralStatus, Support, User, db
from models.clock import last_months, uk_date, uk_today, utcnow
from tests import factories
from tests.helpers import counted_queries, sign_in, signed_in


@pytest.fixture
def area_ids(app):
    with app.app_context():
        demo.seed(factories.PASSWORD, with_cases=True)
        return db.session.scalars(sa.select(Area.id).order_by(Area.id)).all()


def _both_ways(area_ids, today):
    """[(figure, live, from the tables)] of every figure the dashboard reads."""
    start, end = last_months(3, today)
    return [
        (
            "referrals per month",
            stats.referrals_per_month(area_ids, today=today),
            rollups.referrals_per_month(area_ids, today=today),
        ),
        (
            "completion by agency",
            [tuple(row) for row in actions.completion_by_agency(access.actions_in_areas(area_ids), today=today)],
            rollups.completion_by_agency(area_ids, today=today),
        ),
        (
            "first contact",
            caseload.first_contact_performance(area_ids, start=start, end=end, today=today),
            rollups.first_contact_performance(area_ids, start=start, end=end),
        ),
        (
            "outcomes at closure",
            caseload.outcomes_at_closure(area_ids, start=start, end=end),
            rollups.outcomes_at_closure(area_ids, start=start, end=end),
        ),
    ]


def _assert_equal(area_ids, today):
    for scope in [[area_id] for area_id in area_ids] + [area_ids]:
        for name, live, summed in _both_ways(scope, today):
            assert summed == live, (name, scope)


def test_every_figure_from_the_summary_tables_is_the_live_one(app, area_ids):
    with app.app_context():
        now = utcnow()
        rollups.rebuild(now)
        today = uk_date(now)
        figures = dict((name, live) for name, live, _ in _both_ways(area_ids, today))
        # Data in every figure, or the comparison would prove nothing.
        assert figures["referrals per month"] and figures["completion by agency"]
        assert figures["first contact"].received and figures["first contact"].judged
        assert figures["outcomes at closure"].closed and any(figures["outcomes at closure"].by_reason.values())
        _assert_equal(area_ids, today)


def test_a_first_refresh_builds_every_row(app, area_ids):
    """Before any nightly build (a new installation), the refresh builds them all, not this month's alone."""
    with app.app_context():
        now = utcnow()
        rollups.refresh(now)
        _assert_equal(area_ids, uk_date(now))


def test_the_refresh_brings_in_the_current_periods_changes(app, area_ids):
    with app.app_context():
        now = utcnow()
        rollups.rebuild(now)
        case = db.session.scalars(sa.select(Case).where(Case.area_id == area_ids[0]).limit(1)).one()
        referral = db.session.scalars(sa.select(Referral).where(Referral.case_id == case.id).limit(1)).first()
        db.session.add(
            Referral(
                area_id=case.area_id,
                case_id=case.id,
                status=ReferralStatus.ACCEPTED,
                referred_on=uk_today(),
                referring_agency_id=referral.referring_agency_id,
                referrer_id=referral.referrer_id,
                referrer_name="Pat Constable",
                is_repeat=True,
            )
        )
        support = db.session.scalars(sa.select(Support).where(Support.closed_at.is_(None)).limit(1)).first()
        support.closed_at, support.closure_reason, support.satisfaction = now, "risk_reduced", 5
        db.session.flush()
        today = uk_date(now)
        assert any(live != summed for _, live, summed in _both_ways(area_ids, today))  # stale until refreshed
        rollups.refresh(now + timedelta(minutes=10))
        _assert_equal(area_ids, today)


def test_the_steering_dashboard_reads_the_tables_and_says_when_they_were_built(app, area_ids):
    with app.app_context():
        steering = db.session.scalars(sa.select(User).where(User.email == "steering@example.org")).one()
        live = reports.dashboard(steering, area_ids)
        assert live.as_of is None
        now = utcnow()
        rollups.rebuild(now)
        summed = reports.dashboard(steering, area_ids)
        assert summed.as_of == now
        assert {**vars(summed), "as_of": None} == vars(live)
        # Tables the scheduler stopped keeping are not shown: the figures are computed again.
        assert reports.dashboard(steering, area_ids, today=uk_today() + timedelta(days=2)).as_of is None


def test_the_steering_page_says_when_its_figures_were_built(app, area_ids, client):
    with app.app_context():
        rollups.rebuild(utcnow())
        db.session.commit()
    sign_in(client, "steering@example.org")
    assert "Figures as of" in client.get("/reports/").get_data(as_text=True)


def test_completion_shows_the_lowest_first_a_page_of_agencies_at_a_time(app, area_ids, monkeypatch):
    monkeypatch.setattr(reports, "COMPLETION_PAGE", 3)
    with app.app_context():
        coordinator = db.session.scalars(sa.select(User).where(User.email == "coordinator@example.org")).one()
        pages = [reports.dashboard(coordinator, area_ids, page=page) for page in (1, 2)]
    assert [len(page.completion) for page in pages] == [3, 3] and pages[0].more_agencies
    rates = [figure.value for page in pages for _name, figure in page.completion]
    assert None not in rates and rates == sorted(rates) and rates[0] < rates[-1]


def test_the_steering_dashboard_from_the_tables_keeps_its_query_budget(app, area_ids):
    steering = signed_in(app, "steering@example.org")

    def counted():
        with app.app_context():
            rollups.rebuild(utcnow())
            db.session.commit()
        steering.get("/reports/")
        with counted_queries(app) as statements:
            page = steering.get("/reports/")
        assert page.status_code == 200 and "Figures as of" in page.get_data(as_text=True)
        return len(statements)

    few = counted()
    with app.app_context():
        case = db.session.scalars(sa.select(Case).where(Case.area_id == area_ids[-1]).limit(1)).one()
        known = db.session.scalars(sa.select(Referral).where(Referral.case_id == case.id).limit(1)).first()
        for months_back in range(10):
            db.session.add(
                Referral(
                    area_id=case.area_id,
                    case_id=case.id,
                    status=ReferralStatus.ACCEPTED,
                    referred_on=uk_today() - timedelta(days=30 * months_back),
                    referring_agency_id=known.referring_agency_id,
                    referrer_id=known.referrer_id,
                    referrer_name="Pat Constable",
                )
            )
        db.session.commit()
    assert counted() == few <= 17  # 17: with the IDVAs whose figures the user may see one by one
