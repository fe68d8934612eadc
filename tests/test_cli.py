import sqlalchemy as sa

from marac.services.demo import DEMO_USERS
from models import Action, Agency, Area, Case, Role, User, db
from tests.helpers import sign_in


def test_create_user_reads_the_password_from_stdin(app, runner, make):
    area = make.area(name="Clishire")
    agency = make.agency(name="Clishire Police", area_ids=[area.id])
    result = runner.invoke(
        args=[
            "marac",
            "create-user",
            "--email",
            "New.Person@example.org",
            "--name",
            "New Person",
            "--role",
            "coordinator",
            "--role",
            "chair",
            "--agency",
            "Clishire Police",
            "--area",
            "Clishire",
        ],
        input="orbit kelp lantern quiz\n",
    )
    assert result.exit_code == 0, result.output
    assert "orbit kelp lantern quiz" not in result.output
    with app.app_context():
        user = db.session.query(User).filter_by(email="new.person@example.org").one()
        assert user.roles == {Role.COORDINATOR, Role.CHAIR}
        assert user.agency_id == agency.id
    assert sign_in(app.test_client(), "new.person@example.org", "orbit kelp lantern quiz").status_code == 302


def test_create_user_has_no_password_argument_and_refuses_short_ones(runner, make):
    area = make.area(name="Argshire")
    make.agency(name="Argshire Police", area_ids=[area.id])
    base = [
        "marac",
        "create-user",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--role",
        "idva",
        "--agency",
        "Argshire Police",
        "--area",
        "Argshire",
    ]
    assert runner.invoke(args=[*base, "--password", "x" * 20]).exit_code != 0
    result = runner.invoke(args=base, input="short\n")
    assert result.exit_code != 0
    assert "Password must be 12 characters or more" in result.output


def test_seed_demo_runs_once(app, runner, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo password for tests")
    first = runner.invoke(args=["marac", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data created." in first.output
    for email, *_ in DEMO_USERS:
        assert email in first.output
    second = runner.invoke(args=["marac", "seed-demo"])
    assert "already in place" in second.output
    with app.app_context():
        assert db.session.query(Area).count() == 2
        assert db.session.query(Agency).count() == 22
        assert db.session.query(User).count() == len(DEMO_USERS)
        # Every action carries its case's area, the demo's transferred case included.
        pairs = db.session.execute(sa.select(Action.area_id, Case.area_id).join(Case, Case.id == Action.case_id)).all()
        assert pairs and all(action_area == case_area for action_area, case_area in pairs)


def test_seed_demo_is_refused_under_production(database_url):
    from marac import create_app

    app = create_app("production", SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI=database_url, ALLOW_SQLITE=True)
    result = app.test_cli_runner().invoke(args=["marac", "seed-demo"])
    assert result.exit_code != 0
    assert "refused under the production config" in result.output
