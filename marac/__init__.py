"""The MARAC application. create_app() is the only place that wires things together."""

from pathlib import Path

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import get_config
from marac import security
from marac.extensions import csrf, limiter, login_manager, migrate
from models import db
from models.base import configure_sqlite, engine_options

ROOT = Path(__file__).resolve().parent.parent


class RecordIdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _showing_a_page():
    """A GET or HEAD request outside signing in: it reads, and writes only what does not depend
    on what it read (models/base.py, configure_sqlite). Signing in's pages write what they read
    (a new two-factor secret when there is none, a kept form handed back once), so they take the
    write lock first."""
    return has_request_context() and request.method in ("GET", "HEAD") and request.blueprint != "auth"


def create_app(config_name=None, **overrides):
    config = get_config(config_name)
    app = Flask(
        __name__,
        static_folder="static",
        static_url_path="/assets",
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    config.prepare(app.config)
    if app.config["TRUSTED_PROXIES"]:
        # Behind a proxy: the client's address (audit, rate limits) comes from X-Forwarded-For.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    # A record id too large for the database is a page that does not exist, not an error.
    app.url_map.converters["int"] = RecordIdConverter
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(ROOT / "templates"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, reads_first=_showing_a_page)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    # The limiter is one object for every app in the process, and Flask-Limiter keeps its on/off
    # switch on that object: leave it on, and let each app's own setting decide (extensions.py).
    app.config["MARAC_RATELIMIT_ENABLED"] = app.config.get("RATELIMIT_ENABLED", True)
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)

    # Order matters: the access gate runs before the CSRF check, so that a form posted after
    # its session timed out is kept for after sign-in instead of being refused.
    app.before_request(security.make_csp_nonce)
    app.before_request(security.enforce_access)
    csrf.init_app(app)
    app.after_request(security.set_security_headers)

    _register_blueprints(app)
    _register_template_helpers(app)

    from marac.errors import register_error_handlers

    register_error_handlers(app)

    from marac.cli import marac_cli

    app.cli.add_command(marac_cli)

    if app.config["SCHEDULER_IN_PROCESS"]:  # `make run` only; see marac/services/scheduler.py
        from marac.services.scheduler import start_in_process

        start_in_process(app)
    return app


def _register_blueprints(app):
    from marac.actions import bp as actions_bp
    from marac.admin import bp as admin_bp
    from marac.auth import bp as auth_bp
    from marac.caseload import bp as caseload_bp
    from marac.cases import bp as cases_bp
    from marac.dashboard import bp as dashboard_bp
    from marac.meetings import bp as meetings_bp
    from marac.referrals import bp as referrals_bp
    from marac.reports import bp as reports_bp

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(referrals_bp)
    app.register_blueprint(meetings_bp, url_prefix="/meetings")
    app.register_blueprint(actions_bp, url_prefix="/actions")
    app.register_blueprint(caseload_bp, url_prefix="/caseload")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    _register_api(app)


def _register_api(app):
    """The partner systems' JSON API and each user's page of API tokens."""
    from marac.api import bp as api_bp
    from marac.api.token_pages import pages as api_token_pages

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_token_pages, url_prefix="/auth/tokens")
    # No CSRF token for the API: its gate (marac/api/gate.py) only admits requests with
    # a bearer token and never reads the session cookie, so a forged cross-site request has no
    # credentials. The token pages are ordinary forms, with CSRF.
    csrf.exempt(api_bp)


def _register_template_helpers(app):
    from marac.navigation import navigation_for
    from marac.services import notifications
    from marac.templating import register_filters

    register_filters(app)

    @app.context_processor
    def _globals():
        # Once a request: a page rendered in parts (or an error page after a page) asks again.
        if "template_globals" not in g:
            g.template_globals = _template_globals()
        return g.template_globals

    def _template_globals():
        signed_in = current_user.is_authenticated
        return {
            "service_name": app.config["SERVICE_NAME"],
            "cspNonce": g.get("csp_nonce"),
            "navigation": navigation_for(current_user) if signed_in else [],
            "unread_notifications": notifications.unread_count(current_user.id) if signed_in else 0,
            "can": lambda endpoint: security.is_allowed(current_user, endpoint),
        }
