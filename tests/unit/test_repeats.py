"""The repeat rule (SafeLives): same victim, at least one of the same perpetrators, within 12
calendar months of the last referral to MARAC, the anniversary included."""

from datetime import date, datetime, timedelta

import pytest

from marac.services import repeats
from models import AgendaItem, Case, CasePerpetrator, Meeting, MeetingStatus, Person, Referral, ReferralStatus, db
from models.clock import UK


@pytest.mark.parametrize(
    ("last", "new", "repeat"),
    [
        (date(2025, 3, 10), date(2025, 3, 10), True),  # the same day
        (date(2025, 3, 10), date(2025, 3, 10) + timedelta(days=364), True),
        (date(2025, 3, 10), date(2025, 3, 10) + timedelta(days=365), True),  # the anniversary itself
        (date(2025, 3, 10), date(2025, 3, 10) + timedelta(days=366), False),
        # Across a leap day the anniversary is 366 days on, and still inside.
        (date(2023, 3, 10), date(2024, 3, 10), True),
        (date(2023, 3, 10), date(2024, 3, 11), False),
        # A referral on 29 February: the window ends on 28 February the next year.
        (date(2024, 2, 29), date(2025, 2, 28), True),
        (date(2024, 2, 29), date(2025, 3, 1), False),
        # 28 February in a leap year: the window ends on 28 February, not the 29th.
        (date(2023, 2, 28), date(2024, 2, 28), True),
        (date(2023, 2, 28), date(2024, 2, 29), False),
        # An earlier date is never a repeat of a later referral.
        (date(2025, 3, 10), date(2025, 3, 9), False),
    ],
)
def test_the_twelve_month_window(last, new, repeat):
    assert repeats.is_within_window(last, new) is repeat


def test_window_end_of_a_leap_day():
    assert repeats.window_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert repeats.window_end(date(2025, 12, 31)) == date(2026, 12, 31)


@pytest.fixture
def people(app):
    """A victim and three perpetrators, made in the test's transaction."""
    with app.app_context():
        made = [Person(first_name=name, last_name="Testperson") for name in ("Vic", "Pat", "Quin", "Ray")]
        db.session.add_all(made)
        db.session.commit()
        return [person.id for person in made]


def _referral(app, area_id, agency_id, user_id, victim_id, perpetrator_ids, on, status=ReferralStatus.ACCEPTED):
    with app.app_context():
        case = Case(area_id=area_id, victim_id=victim_id)
        case.perpetrators = [
            CasePerpetrator(person_id=pid, relationship_to_victim="partner") for pid in perpetrator_ids
        ]
        db.session.add(case)
        db.session.flush()
        referral = Referral(
            area_id=area_id,
            case_id=case.id,
            status=status,
            referred_on=on,
            referring_agency_id=agency_id,
            referrer_id=user_id,
            referrer_name="Test Referrer",
        )
        db.session.add(referral)
        db.session.commit()
        return referral.id


@pytest.fixture
def refer(app, make, people):
    user = make.user()

    def refer(perpetrators, on, status=ReferralStatus.ACCEPTED, victim=0):
        return _referral(
            app,
            user.area_ids[0],
            user.agency_id,
            user.id,
            people[victim],
            [people[p] for p in perpetrators],
            on,
            status,
        )

    return refer


def _find(app, people, victim, perpetrators, on):
    with app.app_context():
        found = repeats.find_repeat(people[victim], {people[p] for p in perpetrators}, on)
        return found.id if found else None


def test_same_victim_and_perpetrator_within_twelve_months_is_a_repeat(app, people, refer):
    first = refer([1], date(2026, 1, 15))
    assert _find(app, people, 0, [1], date(2026, 6, 15)) == first
    assert _find(app, people, 0, [1], date(2027, 1, 15)) == first
    assert _find(app, people, 0, [1], date(2027, 1, 16)) is None


def test_a_partly_overlapping_set_of_perpetrators_is_a_repeat(app, people, refer):
    first = refer([1, 2], date(2026, 1, 15))
    assert _find(app, people, 0, [2, 3], date(2026, 3, 1)) == first


def test_a_different_perpetrator_is_not_a_repeat(app, people, refer):
    refer([1], date(2026, 1, 15))
    assert _find(app, people, 0, [3], date(2026, 3, 1)) is None


def test_another_victim_of_the_same_perpetrator_is_not_a_repeat(app, people, refer):
    refer([1], date(2026, 1, 15), victim=2)
    assert _find(app, people, 0, [1], date(2026, 3, 1)) is None


def test_the_window_runs_from_the_last_referral(app, people, refer):
    refer([1], date(2025, 1, 10))
    second = refer([1], date(2025, 12, 1))
    assert _find(app, people, 0, [1], date(2026, 11, 30)) == second


def test_declined_and_draft_referrals_do_not_count(app, people, refer):
    refer([1], date(2026, 1, 15), status=ReferralStatus.DECLINED)
    refer([1], date(2026, 2, 15), status=ReferralStatus.DRAFT)
    assert _find(app, people, 0, [1], date(2026, 3, 1)) is None


def _listed_at_held_meeting(app, referral_id, *, discussed):
    """The referral's case on the list of a meeting held the week after it, discussed there or not."""
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        day = referral.referred_on + timedelta(days=7)
        meeting = Meeting(
            area_id=referral.area_id,
            starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=UK),
            referral_cut_off=referral.referred_on,
            status=MeetingStatus.MINUTES_SENT,
        )
        db.session.add(meeting)
        db.session.flush()
        db.session.add(
            AgendaItem(
                meeting_id=meeting.id,
                case_id=referral.case_id,
                referral_id=referral.id,
                section="adults",
                position=1,
                discussed_at=meeting.starts_at if discussed else None,
            )
        )
        db.session.commit()


def test_twelve_months_passed_lists_heard_cases_whose_window_ended(app, people, refer, make):
    old = refer([1], date(2024, 5, 1))
    listed_only = refer([1], date(2024, 5, 1), victim=2)  # listed, never discussed: not heard
    _listed_at_held_meeting(app, old, discussed=True)
    _listed_at_held_meeting(app, listed_only, discussed=False)
    with app.app_context():
        area_id = db.session.get(Referral, old).area_id
        since = date(2025, 4, 1)
        listed = repeats.twelve_months_passed(area_id, date(2025, 5, 2), since)
        assert [case.id for case, _on in listed] == [db.session.get(Referral, old).case_id]
        # Not yet passed on the anniversary itself; not listed again once an earlier meeting had it.
        assert repeats.twelve_months_passed(area_id, date(2025, 5, 1), since) == []
        assert repeats.twelve_months_passed(area_id, date(2025, 6, 1), date(2025, 5, 2)) == []


def test_serial_perpetrators_harm_two_or_more_victims(app, people, refer):
    refer([1], date(2026, 1, 15), victim=0)
    refer([1], date(2026, 2, 15), victim=2)
    refer([3], date(2026, 2, 15), victim=0)
    with app.app_context():
        assert repeats.serial_perpetrator_ids({people[1], people[3]}) == {people[1]}
        assert repeats.serial_perpetrator_ids(set()) == set()
