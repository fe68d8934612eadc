"""The quarterly data return against figures worked out by hand, across a quarter boundary and
with a repeat whose earlier referral falls in the quarter before."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader

from marac.services import reports, stats
from models import (
    Agency,
    AgencyKind,
    AgendaItem,
    Area,
    Case,
    CaseChild,
    CasePerpetrator,
    Meeting,
    MeetingStatus,
    Person,
    Referral,
    ReferralStatus,
    Role,
    User,
    VictimView,
    db,
)
from models.clock import UK
from tests.helpers import counted_queries, sign_in


def _meeting(area, day, status=MeetingStatus.MINUTES_SENT):
    meeting = Meeting(
        area_id=area.id,
        starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=UK),
        referral_cut_off=day,
        status=status,
    )
    db.session.add(meeting)
    return meeting


def _case(
    area,
    agency,
    user,
    meeting,
    *,
    referred_on,
    victim=None,
    perpetrator_born=date(1980, 1, 1),
    children=0,
    repeat_of=None,
    removed=False,
    with_referral=True,
    discussed=True,
):
    victim = Person(first_name="Test", last_name="Victim", **(victim or {"gender": "female"}))
    case = Case(area_id=area.id, victim=victim)
    case.perpetrators.append(
        CasePerpetrator(
            person=Person(first_name="Test", last_name="Perp", date_of_birth=perpetrator_born),
            relationship_to_victim="partner",
        )
    )
    for n in range(children):
        case.children.append(
            CaseChild(
                person=Person(first_name=f"Kid{n}", last_name="Child"),
                relationship_to_victim="child",
                relationship_to_perpetrator="child",
            )
        )
    db.session.add(case)
    db.session.flush()
    referral = Referral(
        area_id=area.id,
        case_id=case.id,
        status=ReferralStatus.ACCEPTED,
        referred_on=referred_on,
        referring_agency_id=agency.id,
        referrer_id=user.id,
        referrer_name="Test",
        is_repeat=repeat_of is not None,
        repeat_of_id=repeat_of,
    )
    db.session.add(referral)
    db.session.flush()
    db.session.add(
        AgendaItem(
            meeting_id=meeting.id,
            case_id=case.id,
            section="adults",
            position=1,
            referral_id=referral.id if with_referral else None,
            removed_at=datetime(2026, 4, 14, tzinfo=UK) if removed else None,
            discussed_at=meeting.starts_at if discussed else None,
        )
    )
    return referral


@pytest.fixture
def hand_made(app, make):
    user = make.user()
    with app.app_context():
        area = Area(name="Handshire", adult_female_population=100_000)
        police = Agency(name="Handshire Police", kind=AgencyKind.POLICE, areas=[area])
        housing = Agency(name="=Handshire Housing", kind=AgencyKind.HOUSING, areas=[area])
        health = Agency(name="Handshire Health", kind=AgencyKind.HEALTH, areas=[area])
        db.session.add_all([area, police, housing, health])
        db.session.flush()
        referrer = db.session.get(User, user.id)
        referrer.areas = [area]
        # Q1: the last day of March.
        m1 = _meeting(area, date(2026, 3, 31))
        # Q2: the first day of April, and mid-April; a planned meeting that does not count yet.
        m2 = _meeting(area, date(2026, 4, 1))
        m3 = _meeting(area, date(2026, 4, 15))
        _meeting(area, date(2026, 5, 20), status=MeetingStatus.LIST_PUBLISHED)
        db.session.flush()
        _case(
            area,
            police,
            referrer,
            m1,
            referred_on=date(2026, 3, 20),
            children=2,
            victim={"gender": "female", "ethnicity": "asian_indian"},
            perpetrator_born=date(2008, 6, 1),
        )
        first = _case(
            area,
            housing,
            referrer,
            m1,
            referred_on=date(2026, 3, 2),
            victim={"gender": "male", "lgbt": "yes", "disability": "yes"},
        )
        _case(area, housing, referrer, m1, referred_on=date(2026, 3, 3), with_referral=False)  # a review: not counted
        # The repeat crosses the quarter: its earlier referral was in Q1, it is discussed in Q2.
        _case(
            area,
            police,
            referrer,
            m2,
            referred_on=date(2026, 3, 28),
            repeat_of=first.id,
            victim={"gender": "female", "date_of_birth": date(2008, 6, 1), "ethnicity": "white_british"},
        )
        _case(
            area,
            health,
            referrer,
            m3,
            referred_on=date(2026, 4, 10),
            children=1,
            victim={"gender": "female", "lgbt": "prefer_not_to_say", "disability": "no"},
        )
        _case(area, police, referrer, m3, referred_on=date(2026, 4, 11), removed=True)  # removed from the list
        db.session.commit()
        return area.id


def _return(app, area_id, quarter):
    with app.app_context():
        return stats.quarterly_return(db.session.get(Area, area_id), 2026, quarter)


def test_first_quarter_figures(app, hand_made):
    report = _return(app, hand_made, 1)
    assert len(report.meetings) == 1
    assert report.total == stats.Figures(  # the figures not named are 0
        cases=2,
        police_referrals=1,
        partner_referrals=1,
        children=2,
        racially_minoritised=1,
        lgbt=1,
        disabled=1,
        male=1,
        perpetrators_17_or_under=1,
    )
    assert report.cases_per_10k_women_a_year == 0.8
    assert report.repeat_rate == 0.0
    assert report.partner_rate == 50.0


def test_second_quarter_figures_with_the_repeat_from_the_quarter_before(app, hand_made):
    report = _return(app, hand_made, 2)
    assert [figures.cases for _meeting, figures in report.meetings] == [1, 1]
    assert report.total == stats.Figures(
        cases=2, repeats=1, police_referrals=1, partner_referrals=1, children=1, aged_16_17=1
    )
    assert report.repeat_rate == 50.0
    assert [(name, count) for name, _kind, count in report.by_agency] == [
        ("Handshire Health", 1),
        ("Handshire Police", 1),
    ]


def test_a_quarter_with_no_meetings(app, hand_made):
    report = _return(app, hand_made, 3)
    assert report.meetings == [] and report.total.cases == 0 and report.repeat_rate is None


def test_the_csv_reads_back_and_never_starts_a_cell_with_a_formula(app, hand_made):
    report = _return(app, hand_made, 1)
    rows = list(csv.reader(io.StringIO(reports.return_csv(report, reports.return_table(report, exact=True)))))
    figures = {row[0]: row[1:] for row in rows[2:13]}
    assert figures["Cases discussed"] == ["2", "2"]
    assert figures["Children in the households"] == ["2", "2"]
    assert ["'=Handshire Housing", "1"] in rows
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_small_numbers_are_suppressed_outside_the_coordinator_role(app, hand_made):
    report = _return(app, hand_made, 1)
    rows = list(csv.reader(io.StringIO(reports.return_csv(report, reports.return_table(report, exact=False)))))
    figures = {row[0]: row[1:] for row in rows[2:13]}
    assert figures["Cases discussed"] == ["<5", "<5"]
    assert figures["Repeat cases"] == ["0", "0"]  # none: nothing to hide
    # A rate or a rate per 10,000 of a hidden count would give it away.
    assert [row[1] for row in rows if row and row[0] in ("Cases per 10,000 adult women a year", "Repeat cases")][
        -2:
    ] == [
        "[c]",
        "[c]",
    ]


def test_the_pdf_reads_back(app, hand_made, make):
    user = make.user()
    with app.app_context():
        report = stats.quarterly_return(db.session.get(Area, hand_made), 2026, 2)
        table = reports.return_table(report, exact=True)
        content = reports.return_pdf(report, table, db.session.get(User, user.id))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "OFFICIAL-SENSITIVE" in text and "Quarterly MARAC data return" in text
    assert "Repeat cases" in text and "50.0%" in text and "31% (national)" in text


def test_the_return_page_keeps_a_fixed_query_budget(app, hand_made, make, client):
    coordinator = make.user("coordinator", area_ids=[hand_made])
    sign_in(client, coordinator.email)
    url = f"/reports/return?area_id={hand_made}&year=2026&quarter=2"
    client.get(url)
    with counted_queries(app) as before:
        assert client.get(url).status_code == 200
    with app.app_context():
        area = db.session.get(Area, hand_made)
        police = db.session.query(Agency).filter_by(name="Handshire Police").one()
        user = db.session.get(User, coordinator.id)
        meeting = db.session.query(Meeting).filter(Meeting.area_id == area.id).order_by(Meeting.starts_at).all()[2]
        for n in range(30):
            _case(area, police, user, meeting, referred_on=date(2026, 4, 12), children=n % 3)
        db.session.commit()
    with counted_queries(app) as after:
        html = client.get(url).get_data(as_text=True)
    assert "32" in html
    assert len(after) == len(before) <= 14, (len(before), len(after))


def test_steering_sees_suppressed_figures(app, hand_made, make, client):
    steering = make.user("steering", area_ids=[hand_made])
    sign_in(client, steering.email)
    html = client.get(f"/reports/return?area_id={hand_made}&year=2026&quarter=1").get_data(as_text=True)
    assert "&lt;5" in html
    assert client.get("/cases").status_code == 403


def test_the_dashboard_shows_the_idva_service_and_hides_idva_names_from_steering(app, client, demo):
    sign_in(client, "idva.manager@example.org")
    html = client.get("/reports/").get_data(as_text=True)
    assert "IDVA service" in html and "Active cases per IDVA" in html
    assert "First contact within 2 working days" in html
    steering = app.test_client()
    sign_in(steering, "steering@example.org")
    html = steering.get("/reports/").get_data(as_text=True)
    assert "IDVA service" in html and "Active cases per IDVA" not in html


def test_an_idva_manager_sees_only_their_own_services_idvas_and_no_capacity_of_the_others(app, client, make):
    """Two IDVA services in one area: the manager of one sees their own IDVAs' caseloads by name,
    nothing of the other service's IDVAs, and no capacity figure (it would give away the other
    service's staffing); the coordinator sees every IDVA and the area's capacity."""
    area = make.area(name="Twoservshire")
    ours = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id], name="Our IDVAs")
    theirs = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id], name="Their IDVAs")
    make.user(Role.IDVA, agency_id=ours.id, area_ids=[area.id], name="Olive Ourside")
    make.user(Role.IDVA, agency_id=theirs.id, area_ids=[area.id], name="Thea Theirside")
    manager = make.user(Role.IDVA_MANAGER, agency_id=ours.id, area_ids=[area.id])
    coordinator = make.user(Role.COORDINATOR, area_ids=[area.id])
    sign_in(client, manager.email)
    html = client.get("/reports/").get_data(as_text=True)
    assert "Olive Ourside" in html and "Thea Theirside" not in html
    assert "against a capacity of" not in html
    other = app.test_client()
    sign_in(other, coordinator.email)
    html = other.get("/reports/").get_data(as_text=True)
    assert "Olive Ourside" in html and "Thea Theirside" in html
    assert "against a capacity of 140" in html


def test_the_victims_views_count_as_represented_when_recorded_before_the_meeting(app, hand_made):
    with app.app_context():
        listed = {
            (item.meeting_id, item.removed_at is not None, item.case_id)
            for item in db.session.query(AgendaItem).join(Case).filter(Case.area_id == hand_made)
        }
        meetings = dict(db.session.query(Meeting.id, Meeting.starts_at).filter(Meeting.area_id == hand_made).all())
        for meeting_id, removed, case_id in sorted(listed):
            began = meetings[meeting_id]
            # Every case's views recorded an hour before its meeting began, but the Q2 cases' an
            # hour after (too late); the Q2 removed case's before, and it was not discussed.
            late = began.month == 4 and not removed
            db.session.add(
                VictimView(
                    case_id=case_id,
                    wants="Safety",
                    knows_of_referral="yes",
                    recorded_at=began + timedelta(hours=1 if late else -1),
                )
            )
        db.session.commit()
    assert _return(app, hand_made, 1).total.views_represented == 2  # the review is not a discussion
    assert _return(app, hand_made, 2).total.views_represented == 0
    label = stats.FIGURE_LABELS["views_represented"]
    assert label == "Cases where the victim's views were represented"
