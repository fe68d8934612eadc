"""`flask marac …` commands."""

import os
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from marac.services import accounts, demo
from models import Agency, ApiScope, Area, Role, db

marac_cli = AppGroup("marac", help="MARAC administration commands.")


def _read_password():
    """Prompt on a terminal; otherwise read the first line of standard input. Never an argument."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _find(model, value, what):
    query = (
        sa.select(model).where(model.id == int(value)) if value.isdigit() else sa.select(model).filter_by(name=value)
    )
    record = db.session.scalar(query)
    if record is None:
        raise click.BadParameter(f"no {what} called {value!r}")
    return record


@marac_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", required=True, help="Agency name or id.")
@click.option("--area", "areas", multiple=True, required=True, help="Area name or id; repeat for more.")
def create_user(email, name, roles, agency, areas):
    """Create a user. The password is prompted for, or read from standard input."""
    if accounts.email_taken(email):
        raise click.ClickException("A user with this email address already exists.")
    agency_record = _find(Agency, agency, "agency")
    area_records = [_find(Area, area, "area") for area in areas]
    password = _read_password()
    if problem := accounts.password_problem(password, name=name, email=email):
        raise click.ClickException(problem)
    user = accounts.create_user(
        email=email, name=name, password=password, agency=agency_record, roles=roles, areas=area_records
    )
    db.session.commit()
    click.echo(f"Created user {user.id} ({user.email}).")


def _demo_password_file():
    return Path(current_app.instance_path) / "demo_password"


@marac_cli.command("seed-demo")
def seed_demo():
    """Fill an empty database with demo data (never under the production config)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("Demo data is refused under the production config.")
    password_file = _demo_password_file()
    password = os.environ.get("DEMO_PASSWORD")
    if demo.is_seeded():
        click.echo("Demo data is already in place.")
        if not password and password_file.exists():
            password = password_file.read_text().strip()
    else:
        if not password:
            password = accounts.generate_password()
            password_file.parent.mkdir(exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        demo.seed(password)
        click.echo("Demo data created.")
    click.echo("Demo sign-ins:")
    for email, _name, roles, _kind in demo.DEMO_USERS:
        click.echo(f"  {email:<28} {', '.join(role.label for role in roles)}")
    click.echo(f"Password for all of them: {password or '(the DEMO_PASSWORD used when the demo was seeded)'}")


@marac_cli.command("scheduler")
def scheduler_process():
    """Run the scheduled jobs in this process until stopped (one such process per deployment
    is enough; a second one is harmless: every run is claimed in the database)."""
    import logging

    from marac.services import scheduler

    if not logging.getLogger().handlers:  # say what ran, as a long-running process should
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    jobs = scheduler.build_scheduler(current_app._get_current_object(), blocking=True)
    click.echo(f"Scheduler started: {', '.join(scheduler.JOBS)} (Ctrl+C stops it).")
    try:
        jobs.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")


@marac_cli.command("run-jobs")
@click.option("--at", "at", help="The moment, ISO 8601 (without an offset: UK time). Default: now.")
def run_jobs(at):
    """Run, once, every job due at a moment (its latest due time at or before it), and say what ran."""
    from datetime import datetime

    from marac.services import scheduler
    from models.clock import UK, utcnow

    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter(
                "use an ISO 8601 date and time, such as 2026-01-05T08:00", param_hint="--at"
            ) from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=UK)
    else:
        now = utcnow()
    results = scheduler.run_due(current_app._get_current_object(), now)
    for result in results:
        detail = " ".join(f"{key}={value}" for key, value in (result.detail or {}).items())
        click.echo(f"{result.job} due {result.due_at:%Y-%m-%dT%H:%MZ}: {result.outcome} {detail}".rstrip())
    if any(result.outcome in (scheduler.FAILED, scheduler.NOT_CLAIMED) for result in results):
        sys.exit(1)


@marac_cli.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option(
    "--scope", "scopes", multiple=True, required=True, type=click.Choice(ApiScope.ALL), help="Repeat for more."
)
@click.option("--days", type=click.IntRange(min=1), help="How long it lasts (default 90).")
@click.option("--name", default="Partner system", show_default=True, help="What will use the token.")
def create_token(email, scopes, days, name):
    """Create an API token for a partner system and print it, once (only its hash is kept)."""
    from marac.api.token_pages import usable_scopes
    from marac.services import api_tokens
    from marac.services import audit as audit_service

    user = api_tokens.user_by_email(email)
    if user is None or not user.is_active:
        raise click.ClickException("There is no active user with this email address.")
    days = days or current_app.config["API_TOKEN_DEFAULT_DAYS"]
    if days > current_app.config["API_TOKEN_MAX_DAYS"]:
        raise click.BadParameter(f"at most {current_app.config['API_TOKEN_MAX_DAYS']} days", param_hint="--days")
    unusable = sorted(set(scopes) - set(usable_scopes(user)))
    if unusable:
        raise click.ClickException(f"This user's roles cannot use: {', '.join(unusable)}.")
    token, secret = api_tokens.issue(user, name=name, scopes=scopes, days=days)
    audit_service.record(
        "api.token_created",
        record_type="api_token",
        record_id=token.id,
        for_user_id=user.id,
        scopes=token.scopes,
        days=days,
        via="cli",
    )
    db.session.commit()
    click.echo(
        f"Token {token.id} for {user.email} ({', '.join(token.scopes)}), until {token.expires_at:%Y-%m-%d}:", err=True
    )
    click.echo(secret)


@marac_cli.command("verify-audit")
@click.option(
    "--anchor",
    help="SEQ:HASH of an event recorded earlier (printed by an earlier run), to catch removals from the end.",
)
def verify_audit(anchor):
    """Check the audit log's hash chain; exit 1 if any event was changed or removed."""
    from marac.services import audit

    expected = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise click.BadParameter("use SEQ:HASH, as printed by an earlier run", param_hint="--anchor")
        expected = (int(seq), digest.lower())
    report = audit.verify_chain(anchor=expected)
    for problem in report.problems:
        where = f"event id {problem.event_id}" if problem.event_id is not None else "chain"
        click.echo(f"BROKEN: {where} (sequence {problem.chain_seq}): {problem.problem}")
    click.echo(f"{report.checked} audit events checked.")
    if report.head_seq:
        click.echo(f"Anchor (keep it elsewhere; pass it to --anchor next time): {report.head_seq}:{report.head_hash}")
    if not report.ok:
        click.echo("The audit log has been tampered with or damaged.", err=True)
        sys.exit(1)
    click.echo("The audit chain is intact.")


def _echo_backup_report(report):
    click.echo(f"Migration: {report['revision']}")
    click.echo(f"Audit events: {report['audit_events']} (chain {'intact' if report['ok'] else 'BROKEN'})")
    click.echo("Rows: " + ", ".join(f"{name} {count}" for name, count in report["counts"].items() if count))
    for problem in report["problems"]:
        click.echo(f"PROBLEM: {problem}", err=True)


@marac_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup(path):
    """Copy the SQLite database to PATH while the service runs, then check the copy (integrity,
    migration, audit chain). For PostgreSQL use pg_dump (README, "Backups")."""
    from marac.services import backup as backup_service

    if db.engine.dialect.name != "sqlite":
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump, e.g.\n"
            '  pg_dump --format=custom --file=marac-$(date +%F).dump "$DATABASE_URL"\n'
            "and check a restore with pg_restore, `flask db current` and `flask marac verify-audit` (README)."
        )
    try:
        report = backup_service.backup_sqlite(db.engine, path)
    except backup_service.BackupError as error:
        raise click.ClickException(str(error)) from None
    _echo_backup_report(report)
    click.echo(f"Backup written to {path} (readable by its owner only). Keep it encrypted and off this server.")


@marac_cli.command("check-backup")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def check_backup(path):
    """Check a SQLite backup before relying on it: exit 1 if anything is wrong."""
    from marac.services import backup as backup_service

    report = backup_service.check_sqlite_backup(path)
    _echo_backup_report(report)
    if not report["ok"]:
        sys.exit(1)
    click.echo("The backup is sound.")
