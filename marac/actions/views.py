"""Action tracking (/actions): each agency its own actions; the coordinator all of them."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from forms.actions import ActionStatusForm
from forms.common import choices
from marac.actions import bp
from marac.security import audit
from marac.services import access, actions, exports, paging, versions
from marac.services.areas import agency_names
from marac.services.versions import StaleRecord
from marac.templating import csv_download, page_number, query_id
from models import Action, db
from models.actions import ACTION_STATUS_LABELS
from models.clock import months_ago, uk_today


def _filtered_actions(today):
    """The action list's filters (codes and ids only, as the list applies them: anything else is no
    filter) and its query: for the page and its CSV."""
    status, due = actions.known_filters(request.args.get("status"), request.args.get("due"))
    meeting_id = query_id(request.args, "meeting_id")
    by_agency = actions.filters_by_agency(current_user)
    agency_id = query_id(request.args, "agency_id") if by_agency else None
    args = {"status": status, "due": due, "meeting_id": meeting_id, "agency_id": agency_id}
    where = access.visible_actions(current_user)
    query = actions.filtered(
        where, status=status, due=due, meeting_id=meeting_id, agency_id=agency_id, today=today
    ).options(selectinload(Action.owner_agency))
    return args, by_agency, where, query


@bp.route("/")
def action_list():
    today = uk_today()
    args, by_agency, where, query = _filtered_actions(today)
    page = page_number(request.args)
    rows, has_next = paging.fetch_page(query, page)
    audit("actions.listed", count=len(rows), page=page)
    db.session.commit()
    return render_template(
        "actions/list.html",
        rows=rows,
        has_next=has_next,
        page=page,
        today=today,
        args=args,
        meetings=actions.meetings_to_filter_by(current_user, where),
        by_agency=by_agency,
        agencies=actions.owner_agencies(where) if by_agency else [],
        statuses=ACTION_STATUS_LABELS,
        is_overdue=actions.is_overdue,
    )


@bp.route("/actions.csv")
def action_list_csv():
    """The action list as filtered, every page of it, for a spreadsheet."""
    today = uk_today()
    args, _by_agency, _where, query = _filtered_actions(today)
    rows = db.session.scalars(query).all()
    audit("actions.exported", count=len(rows), **{key: value for key, value in args.items() if value})
    db.session.commit()
    return csv_download(exports.actions_csv(rows, actions.is_overdue, today), f"marac-actions-{today}")


@bp.route("/overview")
def overview():
    """Completion by agency per quarter, and repeated non-completion for the steering group."""
    today = uk_today()
    where = access.visible_actions(current_user)
    rates = actions.completion_by_agency(where, today=today)
    quarters = sorted({(year, quarter) for _agency, year, quarter, _done, _due in rates})
    names = agency_names()
    table = {}
    for agency_id, year, quarter, done, due in rates:
        table.setdefault(agency_id, {})[(year, quarter)] = (done, due)
    overdue_counts = actions.overdue_by_agency(where, today)
    repeated = actions.repeated_non_completion(where, since=months_ago(6, today))
    audit("actions.overview_viewed")
    db.session.commit()
    return render_template(
        "actions/overview.html",
        quarters=quarters,
        table=table,
        names=names,
        repeated=repeated,
        overdue_counts=overdue_counts,
    )


def _render_action(action, form, *, conflict=False, status=200):
    history = actions.history(action.id)
    return render_template(
        "actions/view.html",
        action=action,
        form=form,
        history=history,
        user_names=actions.names_in(history),
        conflict=conflict,
        overdue=actions.is_overdue(action),
        statuses=ACTION_STATUS_LABELS,
    ), status


@bp.route("/<int:action_id>", methods=["GET", "POST"])
def action_view(action_id):
    action = access.get_visible_action(current_user, action_id)
    if action is None:
        abort(404)
    allowed = actions.allowed_statuses(current_user, action)
    form = ActionStatusForm(obj=action if request.method == "GET" else None)
    form.status.choices = choices((status.value, ACTION_STATUS_LABELS[status]) for status in allowed)
    if request.method == "GET":
        form.note.data = ""
        audit("action.viewed", record_type="case", record_id=action.case_id, action_id=action.id)
        db.session.commit()
        return _render_action(action, form if allowed else None)
    if not allowed:
        abort(403)
    if not form.validate_on_submit():
        return _render_action(action, form, status=400)
    to_status = form.status.data or action.status
    problems = actions.status_problems(
        to_status,
        completed_on=form.completed_on.data,
        evidence=form.evidence.data,
        note=form.note.data,
        agreed_on=actions.agreed_on(action),
    )
    if not form.status.data:
        problems["status"] = "Select the status"
    try:
        with versions.saving(action, form.version.data):
            if not problems:
                update = actions.change_status(
                    action,
                    current_user,
                    to_status,
                    note=form.note.data,
                    completed_on=form.completed_on.data,
                    evidence=form.evidence.data,
                )
    except StaleRecord:
        # Someone changed it since this page was shown: show both, save nothing.
        form.version.data = action.version
        return _render_action(action, form, conflict=True, status=409)
    for field, message in problems.items():
        form[field].errors.append(message)
    if problems:
        return _render_action(action, form, status=400)
    audit(
        "action.updated",
        record_type="case",
        record_id=action.case_id,
        action_id=action.id,
        from_status=update.from_status,
        to_status=to_status,
    )
    db.session.commit()
    flash(f"Action {action.reference} updated: {action.status_label}.", "success")
    return redirect(url_for("actions.action_view", action_id=action.id))
