"""Reports (/reports): the quarterly MARAC data return, equality, attendance and dashboards.

Coordinators see exact figures for their areas. Everyone else (steering group, IDVA managers)
sees aggregates only, with small numbers hidden (services/small_numbers.py).
"""

from flask import Response, abort, render_template, request
from flask_login import current_user

from marac.reports import bp
from marac.security import audit
from marac.services import reports, stats
from marac.services.areas import user_areas
from marac.templating import page_number
from models import db
from models.clock import previous_quarter, quarter_bounds


def _exact():
    return reports.sees_exact_figures(current_user)


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
    board = reports.dashboard(current_user, [area.id for area in areas], page=page_number(request.args))
    audit("reports.dashboard_viewed")
    db.session.commit()
    return render_template("reports/index.html", areas=areas, board=board)


@bp.route("/return")
def data_return():
    areas, area, year, quarter = _chosen()
    report = stats.quarterly_return(area, year, quarter)
    table = reports.return_table(report, exact=_exact())
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
        table=table,
        attendance=attendance,
    )


def _download(kind):
    areas, area, year, quarter = _chosen()
    report = stats.quarterly_return(area, year, quarter)
    exact = _exact()
    table = reports.return_table(report, exact=exact)
    audit(
        "reports.return_exported",
        record_type="area",
        record_id=area.id,
        year=year,
        quarter=quarter,
        format=kind,
        suppressed=not exact,
    )
    db.session.commit()
    stem = f"marac-data-return-area-{area.id}-{year}-q{quarter}"
    if kind == "csv":
        response = Response(reports.return_csv(report, table), mimetype="text/csv")
    else:
        response = Response(reports.return_pdf(report, table, current_user), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
    return response


@bp.route("/return.csv")
def data_return_csv():
    return _download("csv")


@bp.route("/return.pdf")
def data_return_pdf():
    return _download("pdf")
