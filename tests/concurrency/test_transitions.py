"""A step from one state to the next, asked for several times at once (a double click, two tabs, two
coordinators): it happens once, and every request lands where the first did."""

import itertools
import threading
import time
from datetime import date, timedelta
from functools import partial

import sqlalchemy as sa

from marac.services import cases, meetings, triage, versions
from marac.services import people as people_service
from models import (
    AgendaItem,
    Allocation,
    AuditEvent,
    Case,
    CaseAgency,
    IdvaTask,
    LegalHold,
    Meeting,
    MeetingStatus,
    Notification,
    Person,
    Referral,
    ReferralStatus,
    Reminder,
    ResearchRequest,
    RetentionReview,
    RiskAssessment,
    Support,
    User,
    db,
)
from models.clock import uk_today, utcnow
from models.meetings import meeting_agencies
from tests.concurrency.conftest import ROUNDS, filled_form, race, status, twin
from tests.factories.caseload import CaseloadFactory
from tests.helpers import csrf_from
from tests.views.test_referrals import as_new_people, complete_dash, start

_names = itertools.count(1)


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _counts(app):
    return {model.__name__: _count(app, model) for model in (Case, Person, RiskAssessment, Referral)}


def _confirm(client, url, page, **data):
    """A button's form, as its page sent it: the CSRF token and the button's own fields."""
    return partial(client.post, url, data={"csrf_token": csrf_from(client.get(page).get_data(as_text=True)), **data})


def _draft(police):
    """A referral from the police ready to send: new people, a completed DASH."""
    n = next(_names)
    referral_id = start(police, victim=("Tessa", f"Racewell{n}", date(1990, 4, 3)), perpetrator=(
        "Rex", f"Dashwood{n}", date(1988, 1, 9)))  # fmt: skip
    as_new_people(police, referral_id)
    assert complete_dash(police, referral_id).status_code == 302
    return referral_id


def _sent(app, police):
    referral_id = _draft(police)
    assert _confirm(police, f"/referrals/{referral_id}/check", f"/referrals/{referral_id}/check")().status_code == 302
    return referral_id


def test_four_sends_of_one_referral_make_one_case(race_app, people):
    clients = people("police@example.org", 4)
    for _round in range(ROUNDS):
        referral_id = _draft(clients[0])
        url = f"/referrals/{referral_id}/check"
        before = _counts(race_app)
        answers = race(*(_confirm(client, url, url) for client in clients))

        assert [status(answer) for answer in answers] == [302] * 4
        assert {answer.headers["Location"] for answer in answers} == {f"/referrals/{referral_id}/sent"}
        after = _counts(race_app)
        assert {name: after[name] - before[name] for name in after} == {
            "Case": 1,
            "Person": 2,  # the victim and the perpetrator
            "RiskAssessment": 1,
            "Referral": 0,
        }
        told = _count(race_app, Notification, Notification.link == f"/referrals/{referral_id}")
        assert told == 1  # Northmoor's one coordinator


def test_two_coordinators_transferring_one_referral_move_it_once(race_app, demo_ids, people):
    (police,) = people("police@example.org", 1)
    coordinators = people("coordinator@example.org", 2)
    elsewhere = demo_ids.areas["Eastwick Vale"]
    for _round in range(ROUNDS):
        referral_id = _sent(race_app, police)
        page = f"/referrals/{referral_id}"
        decision = {"decision": "transfer", "transfer_area_id": elsewhere, "reason": "The victim moved"}
        answers = race(*(_confirm(client, f"{page}/decision", page, **decision) for client in coordinators))

        assert [status(answer) for answer in answers] == [302, 302]
        assert _count(race_app, Referral, Referral.transferred_from_id == referral_id) == 1
        transferred = Notification.message.contains("transferred")
        assert _count(race_app, Notification, Notification.link == page, transferred) == 1


def test_a_referrers_reply_sent_twice_reaches_the_coordinator_once(race_app, people):
    police = people("police@example.org", 2)
    (coordinator,) = people("coordinator@example.org", 1)
    for _round in range(ROUNDS):
        referral_id = _sent(race_app, police[0])
        page = f"/referrals/{referral_id}"
        asked = _confirm(coordinator, f"{page}/decision", page, decision="more_information", reason="Which address?")
        assert asked().status_code == 302
        answers = race(*(_confirm(client, f"{page}/reply", page, reply="14 Mill Lane") for client in police))

        assert [status(answer) for answer in answers] == [302, 302]
        with race_app.app_context():
            referral = db.session.get(Referral, referral_id)
            assert referral.status == ReferralStatus.SUBMITTED
            assert referral.status_reason.count("Reply from the referrer") == 1
        assert _count(race_app, Notification, Notification.link == page, Notification.message.contains("replied")) == 1


def _meeting(world, **kwargs):
    case = world.cases.case(world.area_id)
    day = uk_today() + timedelta(days=10 + next(_names))
    return world.actions.meeting(world.area_id, day, case_ids=[case.id], **kwargs), case


def test_publishing_a_case_list_twice_at_once_publishes_it_once(race_app, world, people):
    coordinators = people("coordinator@example.org", 2)
    for _round in range(ROUNDS):
        meeting, _case = _meeting(world)
        page = f"/meetings/{meeting.id}"
        answers = race(*(_confirm(client, f"{page}/publish", page) for client in coordinators))

        assert [status(answer) for answer in answers] == [302, 302]
        with race_app.app_context():
            invited = len(db.session.get(Meeting, meeting.id).invited_agencies)
        assert _count(race_app, Reminder, Reminder.meeting_id == meeting.id) == invited
        item = meeting.items[_case.id]
        assert _count(race_app, ResearchRequest, ResearchRequest.agenda_item_id == item) == invited
        assert _count(race_app, Notification, Notification.link == page) == len(set(_reps(race_app, meeting.id)))


def _reps(app, meeting_id):
    from marac.services import meetings

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        invited = [agency.id for agency in meeting.invited_agencies]
        return [user.id for user in meetings.reps_of(invited, meeting.area_id)]


def test_a_meeting_held_approved_and_sent_twice_at_once_moves_on_once(race_app, world, demo_ids, people):
    coordinators = people("coordinator@example.org", 2)
    chairs = people("chair@example.org", 2)
    for _round in range(ROUNDS):
        case = world.cases.case(world.area_id)
        day = uk_today() - timedelta(days=next(_names))  # held only once it has started
        meeting = world.actions.meeting(
            world.area_id, day, case_ids=[case.id], chair_id=demo_ids.users["chair@example.org"], publish=True
        )
        _discussed(race_app, meeting.items[case.id])
        page = f"/meetings/{meeting.id}"
        attendance = filled_form(coordinators[0], f"{page}/attendance", {f"present-{world.police}": "y"})
        assert coordinators[0].post(f"{page}/attendance", data=attendance).status_code == 302

        held = race(*(_confirm(client, f"{page}/held", page) for client in coordinators))
        assert [status(answer) for answer in held] == [302, 302]
        assert _count(race_app, IdvaTask, IdvaTask.meeting_id == meeting.id, IdvaTask.case_id == case.id) == 1

        approved = race(*(_confirm(client, f"{page}/approve", page) for client in chairs))
        assert [status(answer) for answer in approved] == [302, 302]

        sent = race(*(_confirm(client, f"{page}/send", page) for client in coordinators))
        assert [status(answer) for answer in sent] == [302, 302]
        with race_app.app_context():
            assert db.session.get(Meeting, meeting.id).status == MeetingStatus.MINUTES_SENT
        told = _count(race_app, Notification, Notification.link == page, Notification.message.contains("minutes"))
        assert told == len(_police_reps(race_app, world))


def _discussed(app, item_id):
    from marac.services import meetings

    with app.app_context():
        meetings.save_discussion(db.session.get(AgendaItem, item_id), "Discussed", "high")
        db.session.commit()


def _police_reps(app, world):
    from marac.services import meetings

    with app.app_context():
        return meetings.reps_of([world.police], world.area_id)


def test_a_manager_allocating_a_case_twice_at_once_allocates_it_once(race_app, world, demo_ids, people):
    managers = people("idva.manager@example.org", 2)
    idva = demo_ids.users["rowan.idva@example.org"]
    factory = CaseloadFactory(race_app)
    for _round in range(ROUNDS):
        police = demo_ids.users["police@example.org"]
        case = factory.referred_case(world.area_id, agency_id=world.police, referrer_id=police)
        url = f"/caseload/cases/{case.id}/allocate"
        forms = [filled_form(client, url, {"idva_id": idva}) for client in managers]
        answers = race(*(partial(client.post, url, data=form) for client, form in zip(managers, forms, strict=True)))

        assert [status(answer) for answer in answers] == [302, 302]
        assert _count(race_app, Allocation, Allocation.case_id == case.id) == 1
        assert _count(race_app, Support, Support.case_id == case.id) == 1


def test_closing_a_support_with_a_double_click_closes_it_once(race_app, world, demo_ids, people):
    idvas = people("idva@example.org", 2)
    factory = CaseloadFactory(race_app)
    for _round in range(ROUNDS):
        case = world.cases.case(world.area_id)
        factory.allocate(case.id, demo_ids.users["idva@example.org"], demo_ids.users["idva.manager@example.org"])
        url = f"/caseload/cases/{case.id}/close"
        first = filled_form(idvas[0], url, {"reason": "risk_reduced"})
        second = twin(idvas[1], first, url)
        answers = race(partial(idvas[0].post, url, data=first), partial(idvas[1].post, url, data=second))

        assert [status(answer) for answer in answers] == [302, 302]
        assert len({answer.headers["Location"] for answer in answers}) == 1
        with race_app.app_context():
            supports = db.session.scalars(sa.select(Support).where(Support.case_id == case.id)).all()
            assert len(supports) == 1 and supports[0].closed_at is not None


def test_deleting_a_case_twice_at_once_decides_its_review_once(race_app, world, people):
    coordinators = people("coordinator@example.org", 2)
    for _round in range(ROUNDS):
        case = world.cases.case(world.area_id)
        with race_app.app_context():
            review = RetentionReview(
                record_type="case", record_id=case.id, area_id=world.area_id, last_activity_at=utcnow()
            )
            db.session.add(review)
            db.session.commit()
            url = f"/admin/retention/{review.id}"
        forms = [filled_form(client, url, {"decision": "delete", "confirm": "y"}) for client in coordinators]
        with race_app.app_context():
            audited_before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        answers = race(
            *(partial(client.post, url, data=form) for client, form in zip(coordinators, forms, strict=True))
        )

        assert [status(answer) for answer in answers] == [302, 302]
        assert {answer.headers["Location"] for answer in answers} == {"/admin/retention"}
        with race_app.app_context():
            assert db.session.get(Case, case.id) is None
            assert db.session.get(RetentionReview, review.id).decision == "deleted"
        deleted = AuditEvent.event == "retention.case_deleted"
        assert _count(race_app, AuditEvent, deleted, AuditEvent.id > audited_before) == 1


def test_a_legal_hold_placed_while_the_case_is_deleted_either_keeps_it_or_finds_it_gone(race_app, world, people):
    """One coordinator places a legal hold on a case as another deletes it (its retention review):
    the case is never deleted with a hold on it, nor a hold left on a case that has gone."""
    holder, deleter = people("coordinator@example.org", 2)
    for _round in range(ROUNDS):
        case = world.cases.case(world.area_id)
        with race_app.app_context():
            review = RetentionReview(
                record_type="case", record_id=case.id, area_id=world.area_id, last_activity_at=utcnow()
            )
            db.session.add(review)
            db.session.commit()
            url = f"/admin/retention/{review.id}"
        deletion = filled_form(deleter, url, {"decision": "delete", "confirm": "y"})
        hold = filled_form(
            holder,
            "/admin/retention",
            {"case_reference": f"C{case.id:06d}", "reason": "Domestic homicide review"},
            action="/admin/retention/holds",
        )
        answers = race(
            partial(holder.post, "/admin/retention/holds", data=hold), partial(deleter.post, url, data=deletion)
        )

        assert [status(answer) for answer in answers][0] in (302, 400)
        assert status(answers[1]) in (200, 302)
        with race_app.app_context():
            held = db.session.scalar(
                sa.select(sa.func.count(LegalHold.id)).where(
                    LegalHold.record_id == case.id, LegalHold.lifted_at.is_(None)
                )
            )
            exists = db.session.get(Case, case.id) is not None
        assert (exists, held) in ((True, 1), (False, 0))


def _at_once(app, work, count=4):
    """`work()` in `count` threads at the same moment, each in an app context (a connection) of its
    own, committing: what each raised, or None."""

    def run():
        with app.app_context():
            try:
                work()
                db.session.commit()
            finally:
                db.session.remove()

    return [result if isinstance(result, Exception) else None for result in race(*([run] * count))]


def test_an_agency_involved_in_a_case_and_invited_to_a_meeting_by_two_requests_at_once_is_so_once(
    race_app, world, demo_ids
):
    """Two actions given to one agency at the same moment (two coordinators, or a double click the
    form token does not cover): each request records the agency's part in the case and its
    invitation to the meeting; both succeed, and each is recorded once."""
    housing = demo_ids.agencies["Northmoor Housing"]
    for _round in range(ROUNDS):
        case = world.cases.case(world.area_id)
        meeting = world.actions.meeting(world.area_id, world.day + timedelta(days=1), case_ids=[case.id])
        with race_app.app_context():
            db.session.execute(
                sa.delete(meeting_agencies).where(
                    meeting_agencies.c.meeting_id == meeting.id, meeting_agencies.c.agency_id == housing
                )
            )
            db.session.commit()

        def involve(case_id=case.id, meeting_id=meeting.id):
            cases.involve_agency(db.session.get(Case, case_id), housing, "action")
            meetings.invite(db.session.get(Meeting, meeting_id), housing)

        assert _at_once(race_app, involve) == [None] * 4
        assert _count(race_app, CaseAgency, CaseAgency.case_id == case.id, CaseAgency.agency_id == housing) == 1
        invited = sa.and_(meeting_agencies.c.meeting_id == meeting.id, meeting_agencies.c.agency_id == housing)
        with race_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(meeting_agencies).where(invited)) == 1


def test_two_merges_of_one_record_at_once_merge_it_once(race_app, world):
    """Two coordinators link the same new record to the person on record at the same moment (two
    referrals naming it, or two tabs): one merge happens, the other is refused cleanly (the record
    has gone), and the person on record takes its names once."""
    for _round in range(ROUNDS):
        kept = world.cases.case(world.area_id, victim={"first_name": "Rosalind", "last_name": "Keptwell"})
        twin = world.cases.case(world.area_id, victim={"first_name": "Rosalyn", "last_name": "Keptwell"})

        def link(duplicate_id=twin.victim_id, on_record_id=kept.victim_id):
            duplicate = db.session.get(Person, duplicate_id)
            if duplicate is None:  # the other merge finished before this one read it: not offered
                raise people_service.CannotMerge("gone")
            people_service.merge(duplicate, into=db.session.get(Person, on_record_id))

        results = _at_once(race_app, link, count=2)
        assert sorted(type(result).__name__ for result in results) == ["CannotMerge", "NoneType"]
        with race_app.app_context():
            assert db.session.get(Person, twin.victim_id) is None
            on_record = db.session.get(Person, kept.victim_id)
            assert [alias.full_name for alias in on_record.aliases] == ["Rosalyn Keptwell"]
            assert db.session.get(Case, twin.id).victim_id == kept.victim_id


def test_a_link_waiting_for_a_decision_made_meanwhile_links_nothing(race_app, world, demo_ids):
    """One coordinator decides a referral (holding its row) while another links its victim to the
    person on record: the link waits, then finds the referral decided, and changes nothing."""
    police, coordinator = world.police, demo_ids.users["coordinator@example.org"]
    victim = {"first_name": "Odette", "last_name": "Waitlock", "date_of_birth": date(1986, 2, 2)}
    on_record = world.cases.case(world.area_id, victim=victim)
    case = CaseloadFactory(race_app).referred_case(
        world.area_id, agency_id=police, referrer_id=coordinator, victim=victim
    )
    with race_app.app_context():
        referral_id = db.session.scalar(sa.select(Referral.id).where(Referral.case_id == case.id))
    locked, outcome = threading.Event(), {}

    def decide():
        with race_app.app_context():
            referral = versions.lock(db.session.get(Referral, referral_id))
            locked.set()
            time.sleep(0.5)  # the link is waiting for this row now
            triage.decide(referral, "accept", reason="", coordinator=db.session.get(User, coordinator))
            db.session.commit()
            db.session.remove()

    def link():
        locked.wait(10)
        with race_app.app_context():
            try:
                triage.link_person(
                    db.session.get(Referral, referral_id),
                    case.victim_id,
                    on_record.victim_id,
                    db.session.get(User, coordinator),
                )
                db.session.commit()
                outcome["raised"] = None
            except triage.AlreadyDecided as refused:
                outcome["raised"] = refused
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide), threading.Thread(target=link)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcome["raised"], triage.AlreadyDecided)
    with race_app.app_context():
        assert db.session.get(Person, case.victim_id) is not None
