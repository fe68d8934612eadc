"""Flask extensions, created here unbound and bound to the app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from models.base import render_migration_item

login_manager = LoginManager()
csrf = CSRFProtect()
# SQLite cannot ALTER most things in place: Alembic's batch mode copies the table instead.
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_migration_item)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
