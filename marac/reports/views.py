"""Reports (/reports): the quarterly MARAC data return, equality, attendance and dashboards.

Coordinators see exact figures for their areas. Everyone else (steering group, IDVA managers)
sees aggregates only, with counts from 1 to 4 shown as "<5".
"""

from datetime import date

from flask import Response, abort, render_template, request
from flask_login import current_user

from marac.reports import bp
from marac.security import audit
from marac.services import actions, caseload, reports, stats
from marac.services.areas import agency_names, user_areas
from models import db
from models.clock import last_months, previous_quarter, quarter_bounds


def _suppressed():
    return not reports.sees_exact_figures(current_user)


def _areas():
    return user_areas(current_user, retired_too=True)


def _chosen():
    """(area, year, quarter) from the query string, defaulting to the last complete quarter."""
    areas = _areas()
    if not areas:
        abort(404)
    area_id = request.args.get("area_id", type=int)
    area = next((a for a in areas if a.id == area_id), areas[0])
    default_year, default_quarter = previous_quarter()
    year = request.args.get("year", default_year, type=int)
    quarter = request.args.get("quarter", default_quarter, type=int)
    if not (2000 <= year <= 2999 and 1 <= quarter <= 4):
        year, quarter = default_year, default_quarter
    return areas, area, year, quarter


@bp.route("/")
def index():
    """A dashboard for the signed-in role: charts, each with its data table."""
    areas = _areas()
    area_ids = [area.id for area in areas]
    suppressed = _suppressed()
    months = stats.referrals_per_month(area_ids)
    referral_rows = [(f"{date(y, m, 1):%b %Y}", count) for y, m, count, _repeats in months]
    repeat_rows = [(f"{date(y, m, 1):%b %Y}", stats.percent(repeats, count) or 0) for y, m, count, repeats in months]
    completion = actions.completion_by_agency(reports.completion_actions(current_user, area_ids), quarters=4)
    names = agency_names()
    by_agency = {}
    for agency_id, _year, _quarter, done, due in completion:
        total = by_agency.setdefault(agency_id, [0, 0])
        total[0] += done
        total[1] += due
    completion_rows = sorted(
        ((names.get(agency_id, ""), stats.percent(done, due) or 0) for agency_id, (done, due) in by_agency.items()),
    )
    # IDVA service: caseload per IDVA (named for coordinators and IDVA managers, not the steering
    # group), first contact within target and outcomes at closure over the last three months.
    loads = caseload.caseload_against_capacity(area_ids)
    names_shown = reports.sees_idva_names(current_user)
    idva_rows = [(load.name, load.active, load.active) for load in loads] if names_shown else []
    start, end = last_months(3)
    audit("reports.dashboard_viewed")
    db.session.commit()
    return render_template(
        "reports/index.html",
        areas=areas,
        suppressed=suppressed,
        referral_rows=[(label, stats.suppress(v) if suppressed else v, v) for label, v in referral_rows],
        repeat_rows=repeat_rows,
        completion_rows=completion_rows,
        idva_rows=idva_rows,
        idva_totals=(sum(load.active for load in loads), sum(load.capacity for load in loads), len(loads)),
        first_contact=caseload.first_contact_performance(area_ids, start=start, end=end),
        outcomes=caseload.outcomes_at_closure(area_ids, start=start, end=end),
        shown=(lambda value: stats.suppress(value) if suppressed else value),
    )


@bp.route("/return")
def data_return():
    areas, area, year, quarter = _chosen()
    report = stats.quarterly_return(area, year, quarter)
    suppressed = _suppressed()
    columns, rows = reports.return_table(report, suppressed=suppressed)
    start, end = quarter_bounds(year, quarter)
    attendance = stats.attendance_by_agency(area.id, start, end)
    audit("reports.return_viewed", record_type="area", record_id=area.id, year=year, quarter=quarter)
    db.session.commit()
    return render_template(
        "reports/return.html",
        areas=areas,
        area=area,
        year=year,
        quarter=quarter,
        report=report,
        columns=columns,
        rows=rows,
        benchmarks=reports.benchmarks(report),
        suppressed=suppressed,
        attendance=attendance,
        equality=_equality(report, area),
        shown=(lambda value: stats.suppress(value) if suppressed else value),
    )


def _equality(report, area):
    """[(label, victims %, the area's population %)] where the admin has entered the population."""
    total = report.total
    pairs = [
        ("Black, Asian or racially minoritised", total.racially_minoritised, area.pct_racially_minoritised),
        ("LGBT+", total.lgbt, area.pct_lgbt),
        ("Disabled", total.disabled, area.pct_disabled),
        ("Male", total.male, area.pct_male),
        ("Aged 16 or 17", total.aged_16_17, area.pct_aged_16_17),
    ]
    return [(label, total.percent(count), population) for label, count, population in pairs]


def _download(kind):
    areas, area, year, quarter = _chosen()
    report = stats.quarterly_return(area, year, quarter)
    suppressed = _suppressed()
    audit(
        "reports.return_exported",
        record_type="area",
        record_id=area.id,
        year=year,
        quarter=quarter,
        format=kind,
        suppressed=suppressed,
    )
    db.session.commit()
    stem = f"marac-data-return-area-{area.id}-{year}-q{quarter}"
    if kind == "csv":
        response = Response(reports.return_csv(report, suppressed=suppressed), mimetype="text/csv")
    else:
        response = Response(reports.return_pdf(report, current_user, suppressed=suppressed), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
    return response


@bp.route("/return.csv")
def data_return_csv():
    return _download("csv")


@bp.route("/return.pdf")
def data_return_pdf():
    return _download("pdf")
