"""Action tracking (/actions): each agency its own actions; the coordinator all of them."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from forms.actions import ActionStatusForm
from forms.common import choices
from marac.actions import bp
from marac.security import audit
from marac.services import access, actions
from marac.templating import page_number
from models import Action, Agency, Meeting, Role, User, db
from models.actions import ACTION_STATUS_LABELS
from models.clock import months_ago, uk_today

PAGE_SIZE = 50
FILTERS = ("status", "due", "meeting_id", "agency_id")


@bp.route("/")
def action_list():
    today = uk_today()
    args = {key: request.args.get(key) or None for key in FILTERS}
    meeting_id = request.args.get("meeting_id", type=int)
    agency_id = request.args.get("agency_id", type=int) if current_user.has_role(Role.COORDINATOR) else None
    page = page_number(request.args)
    where = access.visible_actions(current_user)
    rows = db.session.scalars(
        actions.filtered(
            where, status=args["status"], due=args["due"], meeting_id=meeting_id, agency_id=agency_id, today=today
        )
        .options(selectinload(Action.owner_agency))
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    # The meetings to filter by: the latest of the user's areas or chaired by them, with an action
    # the user sees. From the meetings, by date: from the actions, it read every meeting in the
    # country (0.3 s nationally).
    mine = sa.or_(Meeting.area_id.in_(current_user.area_ids), Meeting.chair_id == current_user.id)
    meetings = db.session.execute(
        sa.select(Meeting.id, Meeting.starts_at)
        .where(mine, sa.exists().where(Action.meeting_id == Meeting.id, where))
        .order_by(Meeting.starts_at.desc())
        .limit(50)
    ).all()
    agencies = []
    if current_user.has_role(Role.COORDINATOR):
        agencies = db.session.execute(
            sa.select(Agency.id, Agency.name)
            .where(Agency.id.in_(sa.select(Action.owner_agency_id).where(where)))
            .order_by(Agency.name)
        ).all()
    audit("actions.listed", count=min(len(rows), PAGE_SIZE), page=page)
    db.session.commit()
    return render_template(
        "actions/list.html",
        rows=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        today=today,
        args=args,
        meetings=meetings,
        agencies=agencies,
        statuses=ACTION_STATUS_LABELS,
        is_overdue=actions.is_overdue,
    )


@bp.route("/overview")
def overview():
    """Completion by agency per quarter, and repeated non-completion for the steering group."""
    today = uk_today()
    where = access.visible_actions(current_user)
    rates = actions.completion_by_agency(where, today=today)
    quarters = sorted({(year, quarter) for _agency, year, quarter, _done, _due in rates})
    names = dict(db.session.execute(sa.select(Agency.id, Agency.name)).all())
    table = {}
    for agency_id, year, quarter, done, due in rates:
        table.setdefault(agency_id, {})[(year, quarter)] = (done, due)
    overdue_counts = dict(
        db.session.execute(
            sa.select(Action.owner_agency_id, sa.func.count(Action.id))
            .where(where, actions.overdue(today))
            .group_by(Action.owner_agency_id)
        ).all()
    )
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
    user_names = dict(
        db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_({update.user_id for update in history if update.user_id}))
        ).all()
    )
    return render_template(
        "actions/view.html",
        action=action,
        form=form,
        history=history,
        user_names=user_names,
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
    if form.is_stale(action):
        # Someone changed it since this page was shown: show both, save nothing.
        form.version.data = action.version
        return _render_action(action, form, conflict=True, status=409)
    to_status = form.status.data or action.status
    problems = actions.status_problems(
        to_status, completed_on=form.completed_on.data, evidence=form.evidence.data, note=form.note.data
    )
    if not form.status.data:
        problems["status"] = "Select the status"
    for field, message in problems.items():
        form[field].errors.append(message)
    if problems:
        return _render_action(action, form, status=400)
    update = actions.change_status(
        action,
        current_user,
        to_status,
        note=form.note.data,
        completed_on=form.completed_on.data,
        evidence=form.evidence.data,
    )
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
