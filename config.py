"""Configuration classes. Every value that differs between machines comes from the environment.

Pick one with MARAC_CONFIG=development|testing|production (production when unset, so that a
server started without thought is the safe one).
"""

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name, default):
    return int(os.environ.get(name, default))


def _sqlite_url(filename):
    return f"sqlite:///{INSTANCE_DIR / filename}"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", _sqlite_url("marac.db"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Sessions are kept server-side (UserSession); the signed cookie only names one.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    SESSION_COOKIE_NAME = "marac_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)  # remember-me is never offered

    # The CSRF token lives as long as the session it belongs to.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)

    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT = timedelta(minutes=15)
    # argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # Rate-limit counters: memory:// counts per process; in production use Redis, e.g.
    # RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (README, "Security").
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30 per minute")
    MFA_RATE_LIMIT = os.environ.get("MFA_RATE_LIMIT", "10 per minute")
    # The referral's match step ("check who is already known"), per user, web and API together:
    # enough for a busy day of referrals, too few to probe who is on record by trying details.
    MATCH_RATE_LIMIT = os.environ.get("MATCH_RATE_LIMIT", "20 per minute;300 per day")

    # Two-factor sign-in (TOTP). Always required under the production config; development and
    # testing waive it unless MFA_REQUIRED=1 (the sign-in page then says so). Users who have set
    # it up are always asked for a code.
    MFA_REQUIRED = True
    # How long the code page waits after a correct password before starting again.
    MFA_PENDING_TIMEOUT = timedelta(minutes=10)
    # Wrong codes (per account, across sessions) before a wait, and the wait.
    MFA_MAX_FAILURES = 5
    MFA_LOCKOUT = timedelta(minutes=15)

    # Retention (marac/services/retention.py): a case is due for review this many years after its
    # last activity; the scheduler flags it and a coordinator decides. Nothing is deleted unasked.
    RETENTION_YEARS = {"case": _env_int("RETENTION_CASE_YEARS", 6)}
    # Partner systems' JSON API (marac/api): requests per token (per address without one), how
    # long a token may last, and how long a POST's Idempotency-Key and its response are kept.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    API_TOKEN_DEFAULT_DAYS = 90
    API_TOKEN_MAX_DAYS = 365
    API_IDEMPOTENCY_HOURS = 24

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "marac@example.org")
    # How marac.services.mail sends: "smtp" (the MAIL_* settings, STARTTLS), "notify" (GOV.UK
    # Notify, the NOTIFY_* settings), "file" (.eml files under instance/mail/) or "console" (a log
    # line: recipient and subject).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    # GOV.UK Notify: an API key of the service ("live" to send to anyone, "team" while testing), and
    # an email template whose subject is ((subject)) and body ((body)).
    NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
    NOTIFY_TEMPLATE_ID = os.environ.get("NOTIFY_TEMPLATE_ID", "")
    NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")

    # Scheduled jobs (marac/services/scheduler.py) run in their own process, `flask marac scheduler`.
    # SCHEDULER_IN_PROCESS=1 starts them inside the web process instead: only for the single-process
    # `make run`, never under gunicorn (one scheduler per worker). A run that was missed by up to
    # the grace time (a restart, a busy process) still happens, late.
    SCHEDULER_IN_PROCESS = os.environ.get("SCHEDULER_IN_PROCESS") == "1"
    SCHEDULER_MISFIRE_GRACE_SECONDS = _env_int("SCHEDULER_MISFIRE_GRACE_SECONDS", 3600)

    # How many proxies in front of the app set X-Forwarded-For (0: none).
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    # Scheduled reminders about actions: days before the due date; days overdue before escalating.
    ACTION_REMINDER_DAYS = _env_int("ACTION_REMINDER_DAYS", 3)
    ACTION_ESCALATION_DAYS = _env_int("ACTION_ESCALATION_DAYS", 14)
    # IDVA caseload targets (SafeLives practice; local practice varies). Triage (allocation) within
    # 48 hours of the referral; first contact within 2 working days of it; feedback to the victim
    # within 2 working days after their case is heard at MARAC; a risk review every 8 weeks; and,
    # when the IDVA sets no date, the next contact is due this many days after the last one.
    IDVA_TRIAGE_HOURS = _env_int("IDVA_TRIAGE_HOURS", 48)
    IDVA_FIRST_CONTACT_WORKING_DAYS = _env_int("IDVA_FIRST_CONTACT_WORKING_DAYS", 2)
    IDVA_MARAC_FEEDBACK_WORKING_DAYS = _env_int("IDVA_MARAC_FEEDBACK_WORKING_DAYS", 2)
    IDVA_RISK_REVIEW_WEEKS = _env_int("IDVA_RISK_REVIEW_WEEKS", 8)
    IDVA_CONTACT_INTERVAL_DAYS = _env_int("IDVA_CONTACT_INTERVAL_DAYS", 14)
    # The address people use to reach the app, for links in emails.
    SERVICE_URL = os.environ.get("SERVICE_URL", "http://127.0.0.1:5000")

    HSTS = False
    DEMO_DATA_ALLOWED = False
    SERVICE_NAME = "MARAC"

    @classmethod
    def prepare(cls, config):
        """Finish or check the settings once the app has them (see create_app)."""


def _development_secret():
    """A random key kept in instance/ so that restarting the dev server keeps people signed in."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class DevelopmentConfig(Config):
    DEMO_DATA_ALLOWED = True
    MFA_REQUIRED = os.environ.get("MFA_REQUIRED") == "1"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")

    @classmethod
    def prepare(cls, config):
        config["SECRET_KEY"] = config["SECRET_KEY"] or _development_secret()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "tests-only-secret-key"  # noqa: S105 (the testing config only)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    DEMO_DATA_ALLOWED = True
    RATELIMIT_ENABLED = False
    MFA_REQUIRED = False  # tests that need it turn it on
    MAIL_BACKEND = "console"
    SCHEDULER_IN_PROCESS = False  # tests move time themselves (`flask marac run-jobs --at`)
    # The cheapest argon2id parameters: tests hash hundreds of passwords.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    HSTS = True
    ALLOW_SQLITE = os.environ.get("MARAC_ALLOW_SQLITE") == "1"

    @classmethod
    def prepare(cls, config):
        """Refuse to start with settings that would be unsafe in production."""
        if not config["SECRET_KEY"]:
            raise RuntimeError("SECRET_KEY must be set in production.")
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not config["ALLOW_SQLITE"]:
            raise RuntimeError(
                "Production uses PostgreSQL: set DATABASE_URL, or MARAC_ALLOW_SQLITE=1 to run on SQLite deliberately."
            )
        if config["RATELIMIT_STORAGE_URI"].startswith("memory"):
            # Counted per worker process, so several workers allow several times the limit.
            logging.getLogger(__name__).warning(
                "RATELIMIT_STORAGE_URI is memory://: set it to Redis (redis://…) when running several workers."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name=None):
    name = name or os.environ.get("MARAC_CONFIG", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown MARAC_CONFIG {name!r}: use one of {', '.join(CONFIGS)}") from None
