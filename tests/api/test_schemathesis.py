"""Contract tests: Schemathesis against the live app (gunicorn on loopback, a fresh database with
the demo data: SQLite, or PostgreSQL when the suite runs on it), once per token scope, with tokens
made by `flask marac create-token`.

Each run checks every operation: no 5xx, answers as the OpenAPI description says (status codes,
content types, headers, bodies), unknown methods refused, invalid data rejected, authentication not
ignored; and, with the checks in schemathesis_hooks.py, operations outside the token's scopes are
refused (403, or 404 for an address that does not exist) and no answer holds another agency's
records. Bounded (a few examples per operation, one worker): about a minute in all. Skipped, with
the reason, when Schemathesis or gunicorn cannot run here.
"""

import importlib.util
import os
import re
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest
import sqlalchemy as sa

from marac.api.openapi import OPERATIONS
from tests.factories import PASSWORD
from tests.helpers import TEST_DB, database_of_its_own
from tests.live_server import flask_command, gunicorn

HOOKS = Path(__file__).resolve().parent / "schemathesis_hooks.py"
ALL_CHECKS_BUT = "positive_data_acceptance"  # valid JSON is often refused by the rules (a DASH's score...)
# scope: the demo user whose token has it (a police officer, or the steering group for figures).
SCOPE_USERS = {
    "referrals:write": "police@example.org",
    "referrals:read": "police@example.org",
    "actions:read": "police@example.org",
    "actions:write": "police@example.org",
    "meetings:read": "housing@example.org",
    "stats:read": "steering@example.org",
}
POLICE_SCOPES = ["referrals:write", "referrals:read", "actions:read", "actions:write", "meetings:read"]
EXAMPLES_PER_OPERATION = 5
ID_RANGE = 120  # generated record ids are often folded into 1..ID_RANGE: the demo's records
Token = namedtuple("Token", "secret scopes agency_id")


def _skip_unless_runnable():
    for module, why in (("schemathesis", "Schemathesis is not installed"), ("gunicorn", "gunicorn is not installed")):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{why} (pip install -r requirements-dev.txt): the API contract tests cannot run")


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    _skip_unless_runnable()
    workdir = tmp_path_factory.mktemp("api-live")
    with database_of_its_own(TEST_DB or "sqlite://", "api_live", workdir / "live.db") as database_url:
        yield from _serve(workdir, database_url)


def _serve(workdir, database_url):
    env = {
        **os.environ,
        "MARAC_CONFIG": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "api-contract-tests-secret",
        "DEMO_PASSWORD": PASSWORD,
        "FLASK_APP": "wsgi:app",
        "API_RATE_LIMIT": "100000 per minute",  # Schemathesis sends thousands of requests
        "MAIL_BACKEND": "console",
    }
    env.pop("SCHEDULER_IN_PROCESS", None)
    flask_command(env, "db", "upgrade")
    flask_command(env, "marac", "seed-demo")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        agencies = dict(connection.execute(sa.text("SELECT email, agency_id FROM users")).all())
    engine.dispose()
    runs = {scope: (email, [scope]) for scope, email in SCOPE_USERS.items()}
    runs["every police scope"] = ("police@example.org", POLICE_SCOPES)

    def create_token(email, scopes):
        scope_args = [arg for scope in scopes for arg in ("--scope", scope)]
        made = flask_command(env, "marac", "create-token", "--email", email, *scope_args, "--days", "1")
        return Token(made.stdout.strip(), scopes, agencies[email])

    # One after another, before the server starts: SQLite has one writer at a time, and a write
    # that meets another's fails ("database is locked") instead of waiting.
    tokens = {name: create_token(email, scopes) for name, (email, scopes) in runs.items()}
    with gunicorn(env, workdir / "gunicorn.log") as base_url:
        yield base_url, tokens, workdir


def _schemathesis(base_url, token, *, phases, max_examples, workdir):
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "MARAC_API_TOKEN": token.secret,
        "MARAC_API_SCOPES": " ".join(token.scopes),
        "MARAC_API_AGENCY_ID": str(token.agency_id),
        "MARAC_API_ID_RANGE": str(ID_RANGE),
        "NO_COLOR": "1",
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token.secret}",
        "--checks",
        "all",
        "--exclude-checks",
        ALL_CHECKS_BUT,
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",  # SQLite and one writer at a time: the server, not the test, is what is measured
        "--seed",
        "20261122",
        "--request-timeout",
        "10",
        "--warnings",
        "off",
    ]
    # Run from the test's own folder: Schemathesis keeps a cache (.schemathesis/) where it runs.
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=240)


def _assert_passed(result, what, workdir):
    output = result.stdout + result.stderr
    server_log = (workdir / "gunicorn.log").read_text()[-3000:]
    assert result.returncode == 0, f"Schemathesis found problems ({what}):\n{output[-6000:]}\nServer: {server_log}"
    tested = re.search(r"Tested:\s+(\d+)", output)
    assert tested and int(tested.group(1)) == len(OPERATIONS), output[-3000:]


@pytest.mark.parametrize("scope", list(SCOPE_USERS))
def test_each_scope_against_the_live_api(live_api, scope):
    """Every operation with a one-scope token: in scope, answers as described; outside it, 403."""
    base_url, tokens, workdir = live_api
    result = _schemathesis(
        base_url,
        tokens[scope],
        phases="examples,fuzzing",
        max_examples=EXAMPLES_PER_OPERATION,
        workdir=workdir,
    )
    _assert_passed(result, f"a token with {scope}", workdir)


def test_the_whole_api_in_depth_with_every_police_scope(live_api):
    """One deeper run: boundary values of every field (coverage) and sequences that follow the
    links between operations (stateful), with a police officer's token holding every scope it can."""
    base_url, tokens, workdir = live_api
    result = _schemathesis(
        base_url,
        tokens["every police scope"],
        phases="examples,coverage,fuzzing,stateful",
        max_examples=EXAMPLES_PER_OPERATION,
        workdir=workdir,
    )
    _assert_passed(result, "every phase, a police token with every scope it can have", workdir)
