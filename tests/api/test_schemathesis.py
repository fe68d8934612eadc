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
import socket
import subprocess
import sys
import time
import urllib.request
from collections import namedtuple
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from marac.api.openapi import OPERATIONS
from tests.conftest import TEST_DB
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
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


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url, process, log, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


def _flask(env, *args):
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done


@contextmanager
def _fresh_database(workdir):
    """A new empty database: SQLite in a file, or, when the suite runs on PostgreSQL
    (MARAC_TEST_DB), a database of its own beside the suite's."""
    if not TEST_DB or TEST_DB.startswith("sqlite"):
        yield f"sqlite:///{workdir / 'live.db'}"
        return
    url = sa.engine.make_url(TEST_DB)
    name = f"{url.database}_api_live"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    _skip_unless_runnable()
    workdir = tmp_path_factory.mktemp("api-live")
    with _fresh_database(workdir) as database_url:
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
    _flask(env, "db", "upgrade")
    _flask(env, "marac", "seed-demo")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        agencies = dict(connection.execute(sa.text("SELECT email, agency_id FROM users")).all())
    engine.dispose()
    runs = {scope: (email, [scope]) for scope, email in SCOPE_USERS.items()}
    runs["every police scope"] = ("police@example.org", POLICE_SCOPES)
    port = _free_port()
    log = open(workdir / "gunicorn.log", "w")  # closed with the server, below
    server = subprocess.Popen(  # starting while the tokens are made
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base_url = f"http://127.0.0.1:{port}"

    def create_token(email, scopes):
        scope_args = [arg for scope in scopes for arg in ("--scope", scope)]
        made = _flask(env, "marac", "create-token", "--email", email, *scope_args, "--days", "1")
        return Token(made.stdout.strip(), scopes, agencies[email])

    # One after another, before any test runs: SQLite has one writer at a time, and a write that
    # meets another's fails ("database is locked") instead of waiting.
    try:
        tokens = {name: create_token(email, scopes) for name, (email, scopes) in runs.items()}
        _wait_until_up(f"{base_url}/healthz", server, workdir / "gunicorn.log")
        yield base_url, tokens, workdir
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


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
