"""Server time of the listed pages, against the bare route (/healthz), in one run.

    python -m benchmarks.run --db sqlite:////tmp/marac_area.db --scale area
    python -m benchmarks.run --db postgresql+psycopg://postgres@127.0.0.1/marac_bench --scale area

Each page is requested `--requests` times (after `--warmup` requests) through the Flask test
client; the time is measured around the WSGI call itself (the body included), so the test
client's own work is left out. Prints a table (p50/p95/p99 in ms, and p95 as a multiple of the
reference's p95) and writes JSON to benchmarks/results/.
"""

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import jsonify
from flask_login import current_user
from pyinstrument import Profiler

from benchmarks import names, synthetic
from benchmarks.seed import app_for, build_figures
from marac.services import access, agenda
from models import (
    Action,
    AgendaItem,
    Allocation,
    Area,
    Case,
    CasePerpetrator,
    Meeting,
    Person,
    User,
    db,
)
from models.clock import uk_today

RESULTS = Path(__file__).resolve().parent / "results"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REFERENCE = "/healthz (reference)"
# The targets (national scale), in ms of p95 server time.
TARGETS = {
    "referral submission": 50,
    "meeting list PDF": 250,
    "quarterly return": 200,
    "national steering dashboard": 2000,
}
DEFAULT_TARGET = 25


class TimedApp:
    """WSGI middleware: the time of the app's own work, body included."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.last = None

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        body = b"".join(self.wsgi_app(environ, start_response))
        self.last = time.perf_counter() - started
        return [body]


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def csrf_of(response):
    match = CSRF.search(response.get_data(as_text=True))
    assert match, "no CSRF token"
    return match.group(1)


# -- A benchmark-only route for the referral service -----------------------------------------


def add_referral_route(app):
    """POST /_bench/referral: `referrals.create_and_submit` (matching, the DASH, the case, the
    repeat check, notifications) timed through a route, as the API's referral runs it.
    Registered on this process's app only (never in the product)."""
    from marac import security
    from marac.services import referrals

    def bench_referral():
        from flask import request

        spec = request.get_json()
        area = db.session.get(Area, spec["area_id"])
        today = uk_today()
        person = {"aliases": [], "address": "1 Test Road", "is_address_confidential": False}
        details = {
            "victim": {**person, **spec["victim"], "is_safe_to_call": "yes"},
            "perpetrator": {**person, **spec["perpetrator"], "relationship_to_victim": "ex_partner"},
            "children": [],
            "notes": {},
            "judgement_reasons": None,
            "incidents_in_window": 1,
        }
        form_data = {
            "area_id": area.id,
            "referred_on": today,
            "referrer_name": current_user.name,
            "referrer_contact": current_user.email,
            "criteria": ["visible_high_risk"],
            "is_victim_aware": "yes",
            "has_consent": "yes",
            "lawful_basis": None,
            "sharing_reason": None,
            "previous_maracs": None,
        }
        answers = {n: {"answer": "yes" if n <= 16 else "no", "source": "", "comment": ""} for n in range(1, 25)}
        dash_data = {"assessed_on": today, "assessor_name": "Assessor", "fears_detail": "Threats", "judged_level": None}
        # The people the referrer picks from the matches (known ones by id), or new people.
        choices = [
            str(spec[f"{role}_id"]) if spec.get(f"{role}_id") else referrals.NEW_PERSON
            for role in ("victim", "perpetrator")
        ]
        referral, _found, problems = referrals.create_and_submit(
            current_user,
            area,
            form_data,
            details,
            victim_choice=choices[0],
            perpetrator_choice=choices[1],
            dash_data=dash_data,
            answers=answers,
        )
        if problems:
            db.session.rollback()
            return jsonify(problems), 422
        security.audit("referral.submitted", record_type="referral", record_id=referral.id, repeat=referral.is_repeat)
        db.session.commit()
        return jsonify({"id": referral.id, "repeat": referral.is_repeat, "matched": choices}), 201

    app.add_url_rule("/_bench/referral", "bench_referral", bench_referral, methods=["POST"])
    from marac.extensions import csrf

    csrf.exempt(bench_referral)
    security.ACCESS_POLICY["bench_referral"] = security.ACCESS_POLICY["referrals.referral_new"]


# -- The run ---------------------------------------------------------------------------------


class Bench:
    def __init__(self, app, requests, warmup, page_seconds=600, only=None, profile=False):
        self.page_seconds = page_seconds
        self.only = only
        self.profile = profile
        self.app = app
        self.timer = TimedApp(app.wsgi_app)
        app.wsgi_app = self.timer
        self.requests = requests
        self.warmup = warmup
        self.rows = []
        self.clients = {}

    def client_for(self, email):
        if email not in self.clients:
            client = self.app.test_client()
            if email:
                token = csrf_of(client.get("/auth/login"))
                response = client.post(
                    "/auth/login", data={"email": email, "password": synthetic.PASSWORD, "csrf_token": token}
                )
                assert response.status_code == 302, (email, response.status_code)
            self.clients[email] = client
        return self.clients[email]

    def measure(self, label, email, request, *, before=None, expect=200, note=""):
        """`request(client, i)` makes the i-th request; `before(i)` prepares it, untimed.
        With `only`, pages whose label does not contain it are skipped (None); with `profile`,
        pyinstrument shows where the measured pages' time goes."""
        if self.only and self.only not in label and label != REFERENCE:
            return None
        client = self.client_for(email)
        times = []
        started = time.monotonic()
        profiler = Profiler(interval=0.0005) if self.profile and label != REFERENCE else None
        for i in range(self.warmup + self.requests):
            if profiler and i == self.warmup:
                profiler.start()
            if i > self.warmup + 30 and time.monotonic() - started > self.page_seconds:
                note = f"{note}; stopped after {self.page_seconds:.0f} s".lstrip("; ")
                break  # a page this slow has missed its target by far: keep the run bounded
            if before:
                before(i)
            response = request(client, i)
            assert response.status_code == expect, (label, response.status_code, response.get_data(as_text=True)[:300])
            if i >= self.warmup:
                times.append(self.timer.last * 1000)
        if profiler:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
        row = {
            "page": label,
            "n": len(times),
            "p50": statistics.median(times),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
            "note": note,
        }
        self.rows.append(row)
        print(f"  {label:<34} p50 {row['p50']:8.2f}  p95 {row['p95']:8.2f}  p99 {row['p99']:8.2f} ms", flush=True)
        return row


def pick(app):
    """The records the pages are measured on: area 1's people, meetings and busiest agency."""
    with app.app_context():
        area = db.session.scalar(sa.select(Area).order_by(Area.id).limit(1))
        users = {u.email: u.id for u in db.session.scalars(sa.select(User))}
        heavy_agency, heavy_count = db.session.execute(
            sa.select(Action.owner_agency_id, sa.func.count())
            .group_by(Action.owner_agency_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
        busiest_cases = db.session.scalars(
            sa.select(Action.case_id)
            .join(Case, Case.id == Action.case_id)
            .where(Case.area_id == area.id)
            .group_by(Action.case_id)
            .order_by(sa.func.count().desc())
            .limit(20)
        ).all()
        published = db.session.scalar(
            sa.select(Meeting)
            .where(Meeting.area_id == area.id, Meeting.status == "list_published")
            .order_by(Meeting.starts_at)
            .limit(1)
        )
        planned = db.session.scalar(
            sa.select(Meeting)
            .where(Meeting.area_id == area.id, Meeting.status == "planned")
            .order_by(Meeting.starts_at)
            .limit(1)
        )
        listed = db.session.scalar(sa.select(sa.func.count()).where(AgendaItem.meeting_id == published.id))
        first_item = db.session.scalar(
            sa.select(AgendaItem.id)
            .where(AgendaItem.meeting_id == published.id, AgendaItem.removed_at.is_(None))
            .order_by(AgendaItem.position)
            .limit(1)
        )
        idva_case = db.session.scalar(
            sa.select(Allocation.case_id)
            .where(Allocation.idva_id == users[synthetic.user_email("idva1", 1)], Allocation.ended_at.is_(None))
            .limit(1)
        )
        # The referral is measured as area 1's police officer: the people they may be offered.
        referrer = db.session.get(User, users[synthetic.user_email("police", 1)])
        recent = db.session.execute(
            sa.select(Person, CasePerpetrator.person_id)
            .join(Case, Case.victim_id == Person.id)
            .join(CasePerpetrator, CasePerpetrator.case_id == Case.id)
            .where(Case.area_id == area.id, Case.status == "open", access.visible_cases(referrer))
            .order_by(Case.id.desc())
            .limit(150)
        ).all()
        perpetrators = {
            p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_([pid for _v, pid in recent])))
        }
        known = [
            {
                "victim": _typed(victim),
                "perpetrator": _typed(perpetrators[pid]),
                "victim_id": victim.id,
                "perpetrator_id": pid,
            }
            for victim, pid in recent
            # Only people the referrer would find among the matches (of cases the police may see;
            # not, say, one of several namesakes made by earlier runs on this copy of the database).
            if _found(victim, referrer) and _found(perpetrators[pid], referrer)
        ]
        # The search: the start of area 1's commonest victim surname, as a coordinator types it.
        surname = db.session.scalar(
            sa.select(Person.last_name)
            .join(Case, Case.victim_id == Person.id)
            .where(Case.area_id == area.id)
            .group_by(Person.last_name)
            .order_by(sa.func.count().desc(), Person.last_name)
            .limit(1)
        )
        today = uk_today()
        year, quarter = (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
        counts = {
            "referrals": db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("referrals"))),
            "people": db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("people"))),
            "actions": db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("actions"))),
            "areas": db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("areas"))),
        }
        return {
            "area_id": area.id,
            "users": users,
            "heavy_agency": heavy_agency,
            "heavy_count": heavy_count,
            "cases": busiest_cases,
            "published": published.id,
            "published_items": listed,
            "published_first_item": first_item,
            "idva_case": idva_case,
            "planned": planned.id,
            "known": known,
            "surname_start": surname[:5],
            "year": year,
            "quarter": quarter,
            "counts": counts,
        }


def _found(person, referrer):
    from marac.services.people import details_of, possible_matches

    found = possible_matches(details_of(person), within=access.visible_people(referrer))
    return person.id in {match.id for _match, match in found}


def _typed(person):
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "postcode": person.postcode,
        "gender": person.gender,
    }


def run(url, scale, requests, warmup, only=None, profile=False):
    app = app_for(url, SESSION_IDLE_TIMEOUT=timedelta(hours=6))
    add_referral_route(app)
    facts = pick(app)
    print(f"summary tables built in {build_figures(app):.1f} s")
    gc.freeze()  # as wsgi.py does once the app is made
    bench = Bench(app, requests, warmup, only=only, profile=profile)
    email = synthetic.user_email
    print(f"Benchmark on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]} ({scale}): {facts['counts']}")

    def get(url):
        return lambda client, _i: client.get(url)

    bench.measure(REFERENCE, None, get("/healthz"))
    bench.measure("sign-in page", None, get("/auth/login"))
    for key, role in [
        ("coordinator", "coordinator"),
        ("chair", "chair"),
        ("idva1", "IDVA"),
        ("idvamanager", "IDVA manager"),
        ("police", "agency rep (police)"),
        ("steering", "steering (one area)"),
    ]:
        bench.measure(f"dashboard: {role}", email(key, 1), get("/"))
    bench.measure("dashboard: admin", email("admin"), get("/"))
    cases = facts["cases"]
    bench.measure(
        "case page",
        email("coordinator", 1),
        lambda client, i: client.get(f"/cases/{cases[i % len(cases)]}"),
        note=f"{len(cases)} busiest cases in turn",
    )
    bench.measure(
        "case timeline",
        email("coordinator", 1),
        get(f"/cases/{cases[0]}/timeline"),
        note="the case with the most actions",
    )

    # The referral: a third repeat known victims, the rest new people (matching runs for all).
    known = facts["known"]
    rng = random.Random()  # new names each run: a copy of the database may be measured again

    def new_person(female, born):
        return {
            "first_name": names.first_name(rng, female=female),
            "last_name": names.surname(rng),
            "date_of_birth": (born + timedelta(days=rng.randrange(3650))).isoformat(),
            "postcode": f"ZZ1 {rng.randrange(1, 10)}AB",
            "gender": "female" if female else "male",
        }

    def referral_spec(i):
        if i % 3 == 0 and known:
            return {"area_id": facts["area_id"], **known[i % len(known)]}
        return {
            "area_id": facts["area_id"],
            "victim": new_person(True, date(1975, 1, 1)),
            "perpetrator": new_person(False, date(1970, 1, 1)),
        }

    repeats = []

    def submit(client, i):
        response = client.post("/_bench/referral", json=referral_spec(i))
        if response.status_code == 201:
            repeats.append(response.get_json()["repeat"])
        return response

    bench.measure(
        "referral submission",
        email("police", 1),
        submit,
        expect=201,
        note="create_and_submit: matching, DASH, case, repeat check",
    )
    repeat_share = sum(repeats) / len(repeats) if repeats else 0

    coordinator = bench.client_for(email("coordinator", 1))
    planned = facts["planned"]
    build_token = csrf_of(coordinator.get(f"/meetings/{planned}"))
    with app.app_context():  # every case the preview offers, confirmed
        offered = list(agenda.candidates(db.session.get(Meeting, planned)))

    def clear_list(_i):
        with app.app_context():
            db.session.execute(sa.delete(AgendaItem).where(AgendaItem.meeting_id == planned))
            db.session.commit()

    built = bench.measure(
        "build a meeting list",
        email("coordinator", 1),
        lambda client, _i: client.post(
            f"/meetings/{planned}/build", data={"csrf_token": build_token, "case_ids": offered}
        ),
        before=clear_list,
        expect=302,
    )
    if built:
        with app.app_context():
            built_items = db.session.scalar(sa.select(sa.func.count()).where(AgendaItem.meeting_id == planned))
        built["note"] = "; ".join(filter(None, [f"{built_items} cases listed", built["note"]]))
    # The search runs on its results page (the POST only keeps the terms): that page is measured.
    token = csrf_of(coordinator.get("/people/search"))
    search_terms = {"terms": facts["surname_start"], "csrf_token": token}
    results = coordinator.post("/people/search", data=search_terms).location
    bench.measure(
        "surname search",
        email("coordinator", 1),
        get(results),
        note="the first 5 letters of area 1's commonest victim surname",
    )
    bench.measure(
        "meeting list PDF",
        email("coordinator", 1),
        get(f"/meetings/{facts['published']}/case-list.pdf"),
        note=f"{facts['published_items']} cases",
    )
    meeting = f"/meetings/{facts['published']}"
    for label, path in (
        ("meeting page", meeting),
        ("research grid", f"{meeting}/research"),
        ("meeting mode (one case)", f"{meeting}/items/{facts['published_first_item']}"),
    ):
        bench.measure(label, email("chair", 1), get(path), note=f"{facts['published_items']} cases listed")
    bench.measure(
        "agency action list",
        email("police", 1),
        get("/actions/"),
        note=f"police agency with {facts['heavy_count']:,} actions",
    )
    bench.measure("IDVA caseload", email("idva1", 1), get("/caseload/"))
    bench.measure(
        "quarterly return",
        email("coordinator", 1),
        get(f"/reports/return?area_id={facts['area_id']}&year={facts['year']}&quarter={facts['quarter']}"),
    )
    bench.measure(
        "national steering dashboard",
        email("steering"),
        get("/reports/"),
        note=f"steering user of all {facts['counts']['areas']} areas",
    )

    reference = bench.rows[0]
    for row in bench.rows:
        row["ratio_p95"] = row["p95"] / reference["p95"]
        target = None if row["page"] == REFERENCE else TARGETS.get(row["page"], DEFAULT_TARGET)
        row["target_ms"] = target
        row["ratio_ok"] = row["page"] in TARGETS or row["page"] == REFERENCE or row["ratio_p95"] <= 10
        row["target_ok"] = target is None or row["p95"] <= target
    result = {
        "scale": scale,
        "database": db_version(app),
        "machine": machine(),
        "requests_each": requests,
        "warmup": warmup,
        "data": facts["counts"],
        "referral_repeat_share": round(repeat_share, 2),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rows": bench.rows,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    print(table(result))
    if only:
        return result  # a partial run: the results of the whole run stay
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"run-{scale}-{result['database']['name']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"Written {path}")
    return result


def db_version(app):
    with app.app_context():
        name = db.engine.dialect.name
        if name == "sqlite":
            version = db.session.scalar(sa.text("SELECT sqlite_version()"))
        else:
            version = db.session.scalar(sa.text("SHOW server_version"))
    return {"name": name, "version": version}


def machine():
    memory = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    nproc = len(os.sched_getaffinity(0))
    return {
        "nproc": int(nproc),
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
    }


def table(result):
    """A Markdown table: the figures and their ratio to the reference."""
    lines = [
        f"{result['scale']} scale on {result['database']['name']} {result['database']['version']} "
        f"({result['data']['referrals']:,} referrals, {result['data']['people']:,} people, "
        f"{result['data']['actions']:,} actions; {result['requests_each']} requests each)",
        "",
        "| Page | p50 ms | p95 ms | p99 ms | p95 ÷ reference | Target (p95) | Met | Note |",
        "|---|---:|---:|---:|---:|---:|:-:|---|",
    ]
    for row in result["rows"]:
        target = "" if row["target_ms"] is None else f"< {row['target_ms']} ms"
        if row["page"] not in TARGETS and row["page"] != REFERENCE:
            target += " and ≤ 10×"
        met = "" if row["page"] == REFERENCE else ("yes" if row["target_ok"] and row["ratio_ok"] else "**no**")
        lines.append(
            f"| {row['page']} | {row['p50']:.2f} | {row['p95']:.2f} | {row['p99']:.2f} | "
            f"{row['ratio_p95']:.1f}× | {target} | {met} | {row['note']} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--scale", default="area")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", help="measure only the pages whose label contains this (and the reference)")
    parser.add_argument("--profile", action="store_true", help="show where each measured page's time goes")
    args = parser.parse_args()
    run(args.db, args.scale, args.requests, args.warmup, args.only, args.profile)


if __name__ == "__main__":
    main()
