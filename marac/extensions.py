"""Flask extensions, created here unbound and bound to the app in create_app()."""

from flask import current_app, has_app_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from models.base import render_migration_item

login_manager = LoginManager()
csrf = CSRFProtect()
# SQLite cannot ALTER most things in place: Alembic's batch mode copies the table instead.
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_migration_item)


def _per_app(name):
    """An attribute of the limiter kept per app (in app.extensions) rather than on the object."""

    def get(self):
        if has_app_context():
            kept = current_app.extensions.get("marac_ratelimit", {})
            if name in kept:
                return kept[name]
        return self.__dict__.get(name)

    def set(self, value):
        self.__dict__[name] = value

    return property(get, set)


class PerAppLimiter(Limiter):
    """Flask-Limiter keeps its counters' storage on the limiter object, and that object is shared
    by every app in the process (the route decorators name it): each init_app replaced the storage
    of every app made before. Here each app keeps its own (production has one app per process;
    tests make several)."""

    _storage = _per_app("_storage")
    _limiter = _per_app("_limiter")

    def init_app(self, app):
        super().init_app(app)
        app.extensions["marac_ratelimit"] = {
            "_storage": self.__dict__["_storage"],
            "_limiter": self.__dict__["_limiter"],
        }


limiter = PerAppLimiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _limits_off_for_this_app():
    """Flask-Limiter's `enabled` belongs to this one shared object, so one app turning limits off
    (the testing config) would turn them off for every app in the process, and the next app's
    init_app would turn them back on for all. Each app's RATELIMIT_ENABLED is kept in
    MARAC_RATELIMIT_ENABLED (create_app) and read here, per request, instead."""
    return not current_app.config.get("MARAC_RATELIMIT_ENABLED", True)


def _match_rate_limit():
    return current_app.config["MATCH_RATE_LIMIT"]


def _signed_in_user():
    """The user, not the address: colleagues share an office's address, and one person's many
    tries are what a limit on looking people up must count. Checked inside the view, so after the
    gates have found the user (by session or by API token)."""
    return f"user:{current_user.get_id()}"


# The referral's match step, on the web page and through the API: one count per user for both.
match_step_limit = limiter.shared_limit(_match_rate_limit, scope="match_step", key_func=_signed_in_user)
