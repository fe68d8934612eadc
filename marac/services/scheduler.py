"""Scheduled jobs: what runs when, and the database guard that makes each run happen once.

A job is a plain function `fn(now) -> dict`: it does its work in `db.session` (inside an app
context, without committing: the runner commits the work together with the run's record) and
returns counts for the JobRun's `detail` (ints only; never names or other personal data).

Adding a job is one line in JOBS below, with a trigger made by the helpers here:

    "action_reminders": Job(daily(7, 30), actions.send_reminders),

Use the helpers (or an APScheduler 3 trigger with an explicit timezone and, for an interval, an
explicit start_date, and no jitter): every scheduler must compute the same due times.

How a run happens once: for a job and a moment `now`, the due time is the trigger's latest fire
time at or before `now`, truncated to the minute. A scheduler claims the run by inserting the
JobRun row for (job, due time) and committing; the unique constraint makes a second scheduler's
insert fail, and that scheduler skips the run. The claim is committed before the work starts, so
a run that fails or dies part-way is not retried (at most once: a reminder is never sent twice).

Where it runs: `flask marac scheduler` (one process, BlockingScheduler), or inside the web
process under `make run` (SCHEDULER_IN_PROCESS=1, BackgroundScheduler). `flask marac run-jobs
[--at …]` runs whatever is due at a moment once, for tests and for a system cron if preferred.
"""

import atexit
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from werkzeug.serving import is_running_from_reloader

from marac.services import api_tokens, audit, caseload, notifications, reminders, retention, rollups, search
from marac.services.notifications import notify_user
from models import JobRun, PendingForm, Referral, ReferralStatus, Role, UsedFormToken, User, db
from models.clock import UK, utcnow
from models.users import UserRole, user_areas

logger = logging.getLogger(__name__)

# Interval triggers count from a fixed moment, so that every process computes the same times.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

DONE = "done"
FAILED = "failed"
RUNNING = "running"
ALREADY_RUN = "already run"  # another scheduler (or an earlier call) claimed it
NOT_CLAIMED = "not claimed"  # the claim itself failed (database unavailable, locked)


# -- Triggers ---------------------------------------------------------------------------------


def every(*, hours=0, minutes=0):
    """Every so many hours or minutes, counted from midnight UTC on 1 January 2000."""
    return IntervalTrigger(hours=hours, minutes=minutes, start_date=EPOCH, timezone=UTC)


def hourly(minute=0):
    """Once an hour, at this minute past (UTC, so the clock changes neither skip nor repeat one)."""
    return CronTrigger(minute=minute, timezone=UTC)


def daily(hour, minute=0):
    """Once a day at this UK time (GMT or BST)."""
    return CronTrigger(hour=hour, minute=minute, timezone=UK)


def weekly(day_of_week, hour, minute=0):
    """Once a week, on this day ("mon" … "sun") at this UK time."""
    return CronTrigger(day_of_week=day_of_week, hour=hour, minute=minute, timezone=UK)


# How far back to look for a trigger's latest fire time: the first window that holds one is used.
_LOOKBACKS = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=32), timedelta(days=367))


def due_time(trigger, now):
    """The trigger's latest fire time at or before `now`, in UTC, truncated to the minute.

    Every scheduler that asks about the same period gets the same answer, which is what the
    JobRun unique key compares. None if the trigger has not fired in the last year.
    """
    now = now.astimezone(UTC)
    for lookback in _LOOKBACKS:
        fire = trigger.get_next_fire_time(None, now - lookback)
        if fire is None or fire > now:
            continue
        while (following := trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))) and following <= now:
            fire = following
        return fire.astimezone(UTC).replace(second=0, microsecond=0)
    return None


# -- The jobs ---------------------------------------------------------------------------------

TRIAGE_WAIT = timedelta(days=2)


def pending_forms_cleanup(now):
    """Remove answers kept across a sign-out (PendingForm) once they are too old to be taken back."""
    cutoff = now - current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    result = db.session.execute(sa.delete(PendingForm).where(PendingForm.created_at < cutoff))
    return {"deleted": result.rowcount}


def used_form_tokens_cleanup(now):
    """Forget the used one-time tokens of forms (UsedFormToken) that can no longer be sent again:
    a page lives as long as its session, and answers kept over a sign-out one session more."""
    cutoff = now - 2 * current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    result = db.session.execute(sa.delete(UsedFormToken).where(UsedFormToken.created_at < cutoff))
    return {"deleted": result.rowcount}


def triage_reminder(now):
    """Tell each coordinator, once, how many referrals in their areas have waited for triage
    for more than two days. A count and a link: no names, no references."""
    waiting = dict(
        db.session.execute(
            sa.select(Referral.area_id, sa.func.count(Referral.id))
            .where(Referral.status == ReferralStatus.SUBMITTED, Referral.submitted_at < now - TRIAGE_WAIT)
            .group_by(Referral.area_id)
        ).all()
    )
    if not waiting:
        return {"coordinators": 0, "referrals": 0}
    rows = db.session.execute(
        sa.select(User.id, user_areas.c.area_id)
        .join(user_areas, user_areas.c.user_id == User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(user_areas.c.area_id.in_(waiting), UserRole.role == Role.COORDINATOR, User.is_active)
    ).all()
    per_coordinator = {}
    for user_id, area_id in rows:
        per_coordinator[user_id] = per_coordinator.get(user_id, 0) + waiting[area_id]
    for user_id, count in sorted(per_coordinator.items()):
        referrals = "1 referral has" if count == 1 else f"{count} referrals have"
        notify_user(
            user_id,
            f"{referrals} been waiting for triage for more than 2 days in your areas",
            f"/referrals?status={ReferralStatus.SUBMITTED}",
        )
    return {"coordinators": len(per_coordinator), "referrals": sum(waiting.values())}


class Job(NamedTuple):
    trigger: BaseTrigger
    run: Callable[[datetime], dict]


# The registry: name (at most 60 characters, never renamed: JobRun rows refer to it) → Job.
JOBS = {
    "pending_forms_cleanup": Job(hourly(), pending_forms_cleanup),
    "used_form_tokens_cleanup": Job(hourly(5), used_form_tokens_cleanup),
    "triage_reminder": Job(daily(8), triage_reminder),
    "action_due_reminders": Job(daily(7, 30), reminders.action_due_reminders),
    "overdue_notices": Job(daily(7, 35), reminders.overdue_notices),
    "escalations": Job(daily(7, 40), reminders.escalations),
    "research_reminders": Job(hourly(15), reminders.research_reminders),
    "publish_reminders": Job(daily(9), reminders.publish_reminders),
    "risk_review_reminders": Job(daily(7, 50), caseload.risk_review_reminders),
    "notification_digest": Job(daily(8, 30), notifications.send_digests),  # after the morning's notices
    "audit_check": Job(daily(2, 10), audit.check_job),
    "retention_review": Job(weekly("sun", 3), retention.flag_due_cases),
    "api_idempotency_purge": Job(hourly(45), api_tokens.purge_job),
    "saved_searches_purge": Job(hourly(50), search.purge_job),
    "figures_refresh": Job(every(minutes=10), rollups.refresh),
    "figures_rebuild": Job(daily(2, 20), rollups.rebuild),
}


# -- Claiming and running ---------------------------------------------------------------------


class RunResult(NamedTuple):
    job: str
    due_at: datetime
    outcome: str
    detail: dict | None = None


def _host():
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def _claim(job, due_at):
    """The committed JobRun row if this process won the run, else None."""
    run = JobRun(job=job, due_at=due_at, started_at=utcnow(), outcome=RUNNING, host=_host())
    db.session.add(run)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the unique (job, due_at): someone else has it
        db.session.rollback()
        return None
    return run


def claim(job, due_at):
    """Claim the run of `job` due at `due_at`: True for exactly one caller, on any database."""
    return _claim(job, due_at) is not None


def _counts(detail):
    detail = detail or {}
    if not isinstance(detail, dict) or not all(
        isinstance(key, str) and isinstance(value, int) and not isinstance(value, bool) for key, value in detail.items()
    ):
        raise TypeError("A job returns a dict of counts (str → int) and nothing else")
    return detail


def _run(name, job, due_at, now):
    try:
        run = _claim(name, due_at)
    except Exception as exc:  # any failure: the next job still runs
        db.session.rollback()
        logger.error("Job %s due %s could not be claimed: %s", name, f"{due_at:%Y-%m-%dT%H:%MZ}", type(exc).__name__)
        return RunResult(name, due_at, NOT_CLAIMED)
    if run is None:
        return RunResult(name, due_at, ALREADY_RUN)
    try:
        # The job's transaction starts with a write, so that on SQLite it holds the write lock
        # before it reads anything (a read-then-write transaction can fail at once with
        # "database is locked" when another process wrote in between).
        run.started_at = utcnow()
        db.session.flush()
        detail = _counts(job.run(now))
        run.outcome, run.detail, run.finished_at = DONE, detail, utcnow()
        db.session.commit()
    except Exception as exc:
        # The type only: an exception's message can carry the values of a row.
        db.session.rollback()
        logger.error("Job %s due %s failed: %s", name, f"{due_at:%Y-%m-%dT%H:%MZ}", type(exc).__name__)
        detail = {"error": type(exc).__name__}
        try:
            run.outcome, run.detail, run.finished_at = FAILED, detail, utcnow()
            db.session.commit()
        except Exception as record_exc:
            db.session.rollback()
            logger.error("Job %s: recording the failure failed: %s", name, type(record_exc).__name__)
        return RunResult(name, due_at, FAILED, detail)
    logger.info("Job %s due %s done: %s", name, f"{due_at:%Y-%m-%dT%H:%MZ}", detail)
    return RunResult(name, due_at, DONE, detail)


def run_due(app, now, *, names=None, grace=None):
    """Run, once, every job (or those named) for its latest due time at or before `now`.

    A run someone already claimed is skipped. A failing job is recorded "failed" and the others
    still run. With `grace`, a run due longer ago than that is left alone. Returns a RunResult
    per job looked at.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    results = []
    with app.app_context():
        for name in names or JOBS:
            job = JOBS[name]
            due_at = due_time(job.trigger, now)
            if due_at is None or (grace is not None and now - due_at > grace):
                continue
            results.append(_run(name, job, due_at, now))
    return results


# -- The APScheduler process ------------------------------------------------------------------


def _scheduled(app, name):
    """What APScheduler calls when a job's trigger fires: the claim-guarded runner, now."""
    run_due(app, utcnow(), names=[name])


def _catch_up(app, grace_seconds):
    """At start: runs that fell due while no scheduler was running, if within the grace time."""
    run_due(app, utcnow(), grace=timedelta(seconds=grace_seconds))


def build_scheduler(app, blocking=False):
    """An APScheduler 3 scheduler (not started) with one job per registry entry."""
    grace = app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"]
    job_defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": grace}
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UK, job_defaults=job_defaults)
    for name, job in JOBS.items():
        scheduler.add_job(_scheduled, job.trigger, args=(app, name), id=name, name=name, **job_defaults)
    scheduler.add_job(_catch_up, args=(app, grace), id="catch_up", name="catch_up", **job_defaults)
    return scheduler


def start_in_process(app):
    """The single-process default (`make run`): a background scheduler in the web process.

    Not in the parent process of Werkzeug's reloader (it only watches files); the claim guard
    would make a second scheduler harmless, but it would be wasted work.
    """
    if app.debug and not is_running_from_reloader():
        return None
    if "marac_scheduler" not in app.extensions:
        scheduler = build_scheduler(app, blocking=False)
        scheduler.start()
        atexit.register(scheduler.shutdown, wait=False)
        app.extensions["marac_scheduler"] = scheduler
    return app.extensions["marac_scheduler"]
