"""Scheduled jobs: due times, the once-only claim, failures, the two real jobs, two schedulers at
once on SQLite and PostgreSQL, and the mail backends the jobs will use."""

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from marac.services import mail, scheduler
from models import (
    Agency,
    AgencyKind,
    Area,
    JobRun,
    Notification,
    PendingForm,
    Referral,
    ReferralStatus,
    Role,
    UsedFormToken,
    User,
    db,
)
from models.users import UserRole
from tests.helpers import TEST_DB, database_of_its_own

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday, 08:00 in the UK (GMT)


def _capture(caplog, monkeypatch, logger):
    """Alembic's fileConfig (the migrations the app fixture ran) disables existing loggers."""
    monkeypatch.setattr(logger, "disabled", False)
    caplog.set_level(logging.INFO, logger=logger.name)


def _runs(job=None):
    query = sa.select(JobRun).order_by(JobRun.id)
    if job:
        query = query.where(JobRun.job == job)
    return db.session.scalars(query).all()


# -- Due times --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "now", "due"),
    [
        (scheduler.hourly(), datetime(2026, 1, 5, 8, 0, tzinfo=UTC), datetime(2026, 1, 5, 8, 0, tzinfo=UTC)),
        (scheduler.hourly(), datetime(2026, 1, 5, 8, 59, 59, tzinfo=UTC), datetime(2026, 1, 5, 8, 0, tzinfo=UTC)),
        (scheduler.hourly(15), datetime(2026, 1, 5, 8, 10, tzinfo=UTC), datetime(2026, 1, 5, 7, 15, tzinfo=UTC)),
        # 08:00 UK time is 08:00 UTC in winter and 07:00 UTC in summer.
        (scheduler.daily(8), datetime(2026, 1, 5, 8, 0, 30, tzinfo=UTC), datetime(2026, 1, 5, 8, 0, tzinfo=UTC)),
        (scheduler.daily(8), datetime(2026, 1, 5, 7, 59, tzinfo=UTC), datetime(2026, 1, 4, 8, 0, tzinfo=UTC)),
        (scheduler.daily(8), datetime(2026, 7, 1, 7, 30, tzinfo=UTC), datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),
        (scheduler.daily(8), datetime(2026, 7, 1, 6, 59, tzinfo=UTC), datetime(2026, 6, 30, 7, 0, tzinfo=UTC)),
        (scheduler.weekly("mon", 9), datetime(2026, 1, 4, 12, 0, tzinfo=UTC), datetime(2025, 12, 29, 9, 0, tzinfo=UTC)),
        (scheduler.every(minutes=15), datetime(2026, 1, 5, 8, 44, tzinfo=UTC), datetime(2026, 1, 5, 8, 30, tzinfo=UTC)),
        (scheduler.every(hours=6), datetime(2026, 1, 5, 13, 0, tzinfo=UTC), datetime(2026, 1, 5, 12, 0, tzinfo=UTC)),
    ],
)
def test_the_due_time_is_the_latest_fire_time_truncated_to_the_minute(trigger, now, due):
    assert scheduler.due_time(trigger, now) == due
    # Any other moment of the same period gives the same due time, whatever its time zone.
    assert scheduler.due_time(trigger, due.astimezone(scheduler.UK) + timedelta(seconds=1)) == due


def test_every_job_has_a_short_name_and_a_deterministic_trigger():
    for name, job in scheduler.JOBS.items():
        assert len(name) <= 60
        assert getattr(job.trigger, "jitter", None) is None
        first = scheduler.due_time(job.trigger, NOW)
        assert first is not None
        assert scheduler.due_time(job.trigger, NOW) == first


# -- The claim --------------------------------------------------------------------------------


def test_a_run_can_be_claimed_once(app):
    with app.app_context():
        assert scheduler.claim("test_job", NOW) is True
        assert scheduler.claim("test_job", NOW) is False
        assert scheduler.claim("test_job", NOW + timedelta(minutes=1)) is True
        assert scheduler.claim("other_job", NOW) is True
        rows = _runs("test_job")
        assert [row.due_at for row in rows] == [NOW, NOW + timedelta(minutes=1)]
        assert rows[0].outcome == scheduler.RUNNING
        assert rows[0].host.rsplit(":", 1)[1] == str(os.getpid())


def test_run_due_runs_each_job_once_per_due_time(app, monkeypatch):
    calls = []
    monkeypatch.setattr(
        scheduler, "JOBS", {"counting": scheduler.Job(scheduler.hourly(), lambda now: calls.append(now) or {"n": 1})}
    )
    first = scheduler.run_due(app, NOW + timedelta(minutes=5))
    again = scheduler.run_due(app, NOW + timedelta(minutes=50))
    later = scheduler.run_due(app, NOW + timedelta(hours=1))
    assert [(r.due_at, r.outcome, r.detail) for r in first] == [(NOW, "done", {"n": 1})]
    assert [(r.due_at, r.outcome) for r in again] == [(NOW, "already run")]
    assert [(r.due_at, r.outcome) for r in later] == [(NOW + timedelta(hours=1), "done")]
    assert calls == [NOW + timedelta(minutes=5), NOW + timedelta(hours=1)]
    with app.app_context():
        rows = _runs("counting")
        assert [(row.outcome, row.detail) for row in rows] == [("done", {"n": 1})] * 2
        assert all(row.finished_at >= row.started_at for row in rows)


def test_a_run_due_longer_ago_than_the_grace_time_is_left_alone(app, monkeypatch):
    monkeypatch.setattr(scheduler, "JOBS", {"morning": scheduler.Job(scheduler.daily(8), lambda now: {})})
    assert scheduler.run_due(app, NOW + timedelta(hours=3), grace=timedelta(hours=1)) == []
    assert [r.outcome for r in scheduler.run_due(app, NOW + timedelta(minutes=30), grace=timedelta(hours=1))] == [
        "done"
    ]


def test_a_failing_job_is_recorded_and_the_others_still_run(app, monkeypatch, caplog):
    _capture(caplog, monkeypatch, scheduler.logger)

    def boom(now):
        raise ValueError("Jane Example, 1 High Street")

    def bad_sql(now):
        db.session.execute(sa.text("SELECT * FROM no_such_table"))  # aborts a PostgreSQL transaction

    def leaky(now):
        return {"victim": "Jane Example"}  # not a count: refused

    def fine(now):
        return {"ok": 1}

    monkeypatch.setattr(
        scheduler,
        "JOBS",
        {
            name: scheduler.Job(scheduler.hourly(), fn)
            for name, fn in [("boom", boom), ("bad_sql", bad_sql), ("leaky", leaky), ("fine", fine)]
        },
    )
    results = scheduler.run_due(app, NOW)
    assert [(r.job, r.outcome) for r in results] == [
        ("boom", "failed"),
        ("bad_sql", "failed"),
        ("leaky", "failed"),
        ("fine", "done"),
    ]
    with app.app_context():
        outcomes = {row.job: (row.outcome, row.detail) for row in _runs()}
        assert outcomes["boom"] == ("failed", {"error": "ValueError"})
        assert outcomes["leaky"] == ("failed", {"error": "TypeError"})
        assert outcomes["bad_sql"][0] == "failed"
        assert outcomes["fine"] == ("done", {"ok": 1})
        assert all(row.finished_at is not None for row in _runs())
    assert "ValueError" in caplog.text
    assert "Jane" not in caplog.text and "High Street" not in caplog.text
    # A failed run is not retried for the same due time.
    assert {r.outcome for r in scheduler.run_due(app, NOW)} == {"already run"}


# -- The real jobs ------------------------------------------------------------------------


def test_pending_forms_cleanup_removes_answers_older_than_a_session_can_last(app, make):
    user = make.user()
    limit = app.config["SESSION_ABSOLUTE_TIMEOUT"]
    with app.app_context():
        for token, age in [("a" * 64, limit + timedelta(minutes=1)), ("b" * 64, limit - timedelta(minutes=1))]:
            db.session.add(
                PendingForm(token_hash=token, user_id=user.id, path="/referrals/new", fields=[], created_at=NOW - age)
            )
        db.session.commit()
    [result] = scheduler.run_due(app, NOW, names=["pending_forms_cleanup"])
    assert (result.outcome, result.detail) == ("done", {"deleted": 1})
    with app.app_context():
        assert db.session.scalars(sa.select(PendingForm.token_hash)).all() == ["b" * 64]


def test_used_form_tokens_are_forgotten_once_their_forms_cannot_be_sent_again(app, make):
    user = make.user()
    limit = 2 * app.config["SESSION_ABSOLUTE_TIMEOUT"]
    with app.app_context():
        for token, age in [("a" * 43, limit + timedelta(minutes=1)), ("b" * 43, limit - timedelta(minutes=1))]:
            db.session.add(UsedFormToken(user_id=user.id, token=token, location="/cases/1", created_at=NOW - age))
        db.session.commit()
    [result] = scheduler.run_due(app, NOW, names=["used_form_tokens_cleanup"])
    assert (result.outcome, result.detail) == ("done", {"deleted": 1})
    with app.app_context():
        assert db.session.scalars(sa.select(UsedFormToken.token)).all() == ["b" * 43]


def _referral(area_id, agency_id, referrer_id, status, submitted_at):
    referral = Referral(
        area_id=area_id,
        status=status,
        referring_agency_id=agency_id,
        referrer_id=referrer_id,
        referrer_name="Rita Referrer",
        submitted_at=submitted_at,
    )
    db.session.add(referral)
    return referral


def test_triage_reminder_tells_each_coordinator_once_how_many_wait(app, make):
    north, south, quiet = make.area().id, make.area().id, make.area().id
    agency = make.agency(area_ids=[north, south, quiet])
    both = make.user(Role.COORDINATOR, agency_id=agency.id, area_ids=[north, south])
    south_only = make.user(Role.COORDINATOR, agency_id=agency.id, area_ids=[south])
    quiet_only = make.user(Role.COORDINATOR, agency_id=agency.id, area_ids=[quiet])
    inactive = make.user(Role.COORDINATOR, agency_id=agency.id, area_ids=[north], is_active=False)
    idva = make.user(Role.IDVA, agency_id=agency.id, area_ids=[north])
    old, recent = NOW - timedelta(days=2, minutes=1), NOW - timedelta(days=1)
    with app.app_context():
        _referral(north, agency.id, idva.id, ReferralStatus.SUBMITTED, old)
        _referral(north, agency.id, idva.id, ReferralStatus.SUBMITTED, old - timedelta(days=5))
        _referral(north, agency.id, idva.id, ReferralStatus.SUBMITTED, recent)  # not two days yet
        _referral(north, agency.id, idva.id, ReferralStatus.ACCEPTED, old)  # triaged
        _referral(north, agency.id, idva.id, ReferralStatus.DRAFT, None)
        _referral(south, agency.id, idva.id, ReferralStatus.SUBMITTED, old)
        db.session.commit()

    [result] = scheduler.run_due(app, NOW, names=["triage_reminder"])
    assert (result.due_at, result.outcome, result.detail) == (NOW, "done", {"coordinators": 2, "referrals": 3})
    with app.app_context():
        notes = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
        by_user = {}
        for note in notes:
            by_user.setdefault(note.user_id, []).append(note)
        assert set(by_user) == {both.id, south_only.id}
        assert quiet_only.id not in by_user and inactive.id not in by_user and idva.id not in by_user
        [to_both] = by_user[both.id]
        [to_south] = by_user[south_only.id]
        assert to_both.message == "3 referrals have been waiting for triage for more than 2 days in your areas"
        assert to_south.message == "1 referral has been waiting for triage for more than 2 days in your areas"
        assert to_both.link == "/referrals?status=submitted"
        assert all("Rita" not in note.message and "R0" not in note.message for note in notes)

    # Later the same day: already done, nobody is told twice. The next morning: told again.
    assert scheduler.run_due(app, NOW + timedelta(hours=5), names=["triage_reminder"])[0].outcome == "already run"
    assert scheduler.run_due(app, NOW + timedelta(days=1), names=["triage_reminder"])[0].outcome == "done"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Notification.user_id == both.id)) == 2


def test_triage_reminder_with_nothing_waiting_tells_nobody(app, make):
    make.user(Role.COORDINATOR)
    [result] = scheduler.run_due(app, NOW, names=["triage_reminder"])
    assert result.detail == {"coordinators": 0, "referrals": 0}


# -- The command and the APScheduler process --------------------------------------------------


def test_run_jobs_command_runs_what_is_due_once(runner):
    result = runner.invoke(args=["marac", "run-jobs", "--at", "2026-01-05T08:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "pending_forms_cleanup due 2026-01-05T08:00Z: done deleted=0" in result.output
    assert "triage_reminder due 2026-01-05T08:00Z: done coordinators=0 referrals=0" in result.output
    result = runner.invoke(args=["marac", "run-jobs", "--at", "2026-01-05T08:59"])
    assert "pending_forms_cleanup due 2026-01-05T08:00Z: already run" in result.output
    assert "triage_reminder due 2026-01-05T08:00Z: already run" in result.output


def test_run_jobs_reads_a_time_without_offset_as_uk_time(runner):
    result = runner.invoke(args=["marac", "run-jobs", "--at", "2026-07-01T08:30"])  # BST: 07:30 UTC
    assert "triage_reminder due 2026-07-01T07:00Z: done" in result.output
    assert "pending_forms_cleanup due 2026-07-01T07:00Z: done" in result.output
    result = runner.invoke(args=["marac", "run-jobs", "--at", "5 past 8"])
    assert result.exit_code != 0
    assert "ISO 8601" in result.output


def test_the_scheduler_is_configured_for_one_run_at_a_time(app):
    background = scheduler.build_scheduler(app, blocking=False)
    blocking = scheduler.build_scheduler(app, blocking=True)
    assert isinstance(background, BackgroundScheduler)
    assert isinstance(blocking, BlockingScheduler)
    assert str(background.timezone) == "Europe/London"
    jobs = {job.id: job for job in background.get_jobs()}
    assert set(jobs) == set(scheduler.JOBS) | {"catch_up"}
    for name, job in jobs.items():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"]
        if name != "catch_up":
            assert job.trigger is scheduler.JOBS[name].trigger
            assert job.func is scheduler._scheduled
            assert job.args == (app, name)


def test_a_fired_job_goes_through_the_claim(app):
    scheduler._scheduled(app, "pending_forms_cleanup")
    scheduler._scheduled(app, "pending_forms_cleanup")
    with app.app_context():
        assert [row.outcome for row in _runs("pending_forms_cleanup")] == ["done"]


def test_no_scheduler_starts_in_tests(app):
    assert app.config["SCHEDULER_IN_PROCESS"] is False
    assert "marac_scheduler" not in app.extensions


# -- Two schedulers at once on one database ---------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database_url(request, tmp_path):
    """A database of the test's own: the subprocesses cannot see the per-test transaction."""
    if request.param == "postgresql" and not (TEST_DB or "").startswith("postgresql"):
        pytest.skip("MARAC_TEST_DB does not name a PostgreSQL database")
    server_url = TEST_DB if request.param == "postgresql" else "sqlite://"
    with database_of_its_own(server_url, "jobs", tmp_path / "jobs.db") as url:
        yield url


def _flask(database_url, *args):
    env = {**os.environ, "MARAC_CONFIG": "testing", "DATABASE_URL": database_url, "FLASK_APP": "wsgi:app"}
    env.pop("SCHEDULER_IN_PROCESS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def _seed(engine):
    """A coordinator with one referral waiting three days, and one stale kept form."""
    with sa.orm.Session(engine) as session:
        area = Area(name="Twoshire")
        agency = Agency(name="Twoshire Police", kind=AgencyKind.POLICE, areas=[area])
        coordinator = User(email="coordinator@example.org", name="C", password_hash="-", agency=agency, areas=[area])
        coordinator.role_rows = [UserRole(role=Role.COORDINATOR)]
        session.add_all([area, agency, coordinator])
        session.flush()
        session.add(
            Referral(
                area_id=area.id,
                status=ReferralStatus.SUBMITTED,
                referring_agency_id=agency.id,
                referrer_id=coordinator.id,
                referrer_name="R",
                submitted_at=NOW - timedelta(days=3),
            )
        )
        session.add(
            PendingForm(
                token_hash="c" * 64, user_id=coordinator.id, path="/", fields=[], created_at=NOW - timedelta(days=1)
            )
        )
        session.commit()
        return coordinator.id


def test_two_schedulers_at_once_run_each_job_once(own_database_url):
    _finish(_flask(own_database_url, "db", "upgrade"))
    engine = sa.create_engine(own_database_url)
    try:
        coordinator_id = _seed(engine)
        engine.dispose()
        at = NOW.isoformat()
        processes = [_flask(own_database_url, "marac", "run-jobs", "--at", at) for _ in range(2)]
        outputs = [_finish(process) for process in processes]

        for job in scheduler.JOBS:
            lines = [line for out in outputs for line in out.splitlines() if line.startswith(f"{job} due")]
            assert len(lines) == 2, outputs
            assert sorted(line.split(": ", 1)[1].split(" ")[0] for line in lines) == ["already", "done"], outputs
        assert "triage_reminder due 2026-01-05T08:00Z: done coordinators=1 referrals=1" in "".join(outputs)

        with engine.connect() as connection:
            runs = connection.execute(sa.select(JobRun.job, JobRun.due_at, JobRun.outcome)).all()
            assert sorted((job, outcome) for job, _due_at, outcome in runs) == sorted(
                (job, "done") for job in scheduler.JOBS
            )
            notes = connection.execute(sa.select(Notification.message).where(Notification.user_id == coordinator_id))
            assert notes.scalars().all() == [
                "1 referral has been waiting for triage for more than 2 days in your areas"
            ]
            assert connection.execute(sa.select(sa.func.count()).select_from(PendingForm)).scalar() == 0
    finally:
        engine.dispose()


# -- Mail -------------------------------------------------------------------------------------


def test_console_mail_logs_the_recipient_and_subject_only(app, caplog, monkeypatch):
    _capture(caplog, monkeypatch, mail.logger)
    with app.app_context():
        mail.send("coordinator@example.org", "3 referrals are waiting", "See https://marac.example/referrals")
    assert "coordinator@example.org" in caplog.text and "3 referrals are waiting" in caplog.text
    assert "https://" not in caplog.text


def test_file_mail_writes_an_eml_under_instance(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    with app.app_context():
        mail.send(["a@example.org", "b@example.org"], "2 actions are due", "https://marac.example/actions")
    [eml] = (tmp_path / "mail").glob("*.eml")
    text = eml.read_text()
    assert "To: a@example.org, b@example.org" in text
    assert "Subject: 2 actions are due" in text
    assert "https://marac.example/actions" in text
    assert eml.stat().st_mode & 0o077 == 0


def test_smtp_mail_uses_starttls_and_the_mail_settings(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            sent.append(("quit",))

        def starttls(self, context):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"], message["From"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "smtp.example.org",
        "MAIL_PORT": 587,
        "MAIL_USERNAME": "marac",
        "MAIL_PASSWORD": "pw",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        mail.send("x@example.org", "1 research request is open", "https://marac.example/meetings")
    assert sent == [
        ("connect", "smtp.example.org", 587),
        ("starttls",),
        ("login", "marac", "pw"),
        ("send", "x@example.org", "1 research request is open", app.config["MAIL_DEFAULT_SENDER"]),
        ("quit",),
    ]


def test_mail_refuses_header_injection_and_unknown_backends(app, monkeypatch):
    with app.app_context():
        with pytest.raises(ValueError):
            mail.send("x@example.org", "Hello\nBcc: y@example.org", "body")
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "pigeon")
        with pytest.raises(ValueError, match="MAIL_BACKEND"):
            mail.send("x@example.org", "Hello", "body")
