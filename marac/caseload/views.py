"""IDVA caseload (/caseload): an IDVA's own cases; the IDVA manager's team view, allocation queue
and allocation; and the IDVA work on a case (contacts, safety plan, intake, onward referrals,
tasks, closure). Every case this reaches comes through access.caseload_cases."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.caseload import (
    AllocateForm,
    ClosureForm,
    ContactForm,
    FteForm,
    IntakeForm,
    OnwardReferralForm,
    SafetyPlanForm,
    need_levels,
    number_or_none,
    yes_no,
    yes_no_value,
)
from forms.common import ConfirmForm, choices
from marac.caseload import bp
from marac.security import audit, form_tokens
from marac.services import access, assessments, caseload, cases, date_rules, exports, versions
from marac.services.versions import StaleRecord
from marac.templating import csv_download, query_id
from models import Case, IdvaTask, NeedStage, Role, User, db
from models.caseload import (
    CLOSURE_REASON_LABELS,
    LEGAL_ORDERS,
    NEED_CATEGORIES,
    NEED_LEVELS,
    SAFETY_PLAN_AREAS,
    SATISFACTION_LABELS,
)
from models.clock import last_months, uk_now, uk_today

PERIODS = {"3": 3, "6": 6, "12": 12}  # months of figures on the manager's page
LIST_ARGS = ("sort", "risk", "contact", "tasks", "review", "marac", "allocated")


# -- Lists --------------------------------------------------------------------------------------


def _caseload_of():
    """The IDVA whose caseload is asked for (?idva=<id> for their manager), their active cases and
    those the list's filters keep: for the page and its CSV. None: the user has no caseload to show."""
    idva_id = query_id(request.args, "idva")
    if idva_id is None:
        if not current_user.has_role(Role.IDVA):
            return None
        idva = current_user
    else:
        idva = access.get_team_idva(current_user, idva_id)
        if idva is None:
            abort(404)
    args = {key: request.args.get(key) or None for key in LIST_ARGS}
    if args["sort"] not in caseload.SORTS:
        args["sort"] = None
    all_rows = caseload.caseload_rows(access.caseload_cases(current_user), idva.id)
    rows = caseload.filter_and_sort(
        all_rows,
        sort=args["sort"] or "next_contact",
        risk=args["risk"],
        contact=args["contact"],
        tasks=args["tasks"],
        review=args["review"],
        marac=args["marac"],
        allocated=args["allocated"],
    )
    return idva, args, all_rows, rows


@bp.route("/")
def caseload_list():
    """An IDVA's active cases. IDVA managers may look at any IDVA of their team (?idva=<id>)."""
    found = _caseload_of()
    if found is None:
        return redirect(url_for("caseload.team"))
    idva, args, all_rows, rows = found
    loads = caseload.caseload_against_capacity(None, idva_ids=[idva.id])
    audit("caseload.listed", idva_id=idva.id, count=len(rows))
    db.session.commit()
    return render_template(
        "caseload/list.html",
        idva=idva,
        is_own=idva.id == current_user.id,
        rows=rows,
        total=len(all_rows),
        overdue=sum(1 for row in all_rows if row.is_contact_overdue),
        load=loads[0] if loads else None,
        args=args,
        sorts=caseload.SORTS,
        filters=caseload.FILTERS,
        today=all_rows[0].today if all_rows else uk_today(),
    )


@bp.route("/caseload.csv")
def caseload_csv():
    """The caseload as the list shows it (filtered and sorted), for a spreadsheet."""
    found = _caseload_of()
    if found is None:
        abort(404)
    idva, _args, _all_rows, rows = found
    audit("caseload.exported", idva_id=idva.id, count=len(rows))
    db.session.commit()
    return csv_download(exports.caseload_csv(rows), f"marac-caseload-{uk_today()}")


@bp.route("/team")
def team():
    """The IDVA manager's view: every IDVA's caseload against capacity, the queue with waiting
    times and suggestions, and first-contact and closure figures for a period."""
    area_ids = current_user.area_ids
    targets = caseload.Targets.from_config()
    loads = caseload.caseload_against_capacity(area_ids, agency_id=current_user.agency_id)
    # The queue holds the manager's areas' cases: said on its own as well, so that both databases
    # start from the areas' cases rather than test every case in the country (3.6 s nationally).
    in_queue = sa.and_(Case.area_id.in_(area_ids), access.caseload_cases(current_user))
    waiting = caseload.with_suggestions(caseload.queue(in_queue, targets=targets), loads, area_ids)
    months = PERIODS.get(request.args.get("months"), 3)
    start, today = last_months(months)
    own_service = access.exact_caseload_supports(current_user)
    performance = caseload.first_contact_performance(area_ids, start=start, end=today, today=today, within=own_service)
    outcomes = caseload.outcomes_at_closure(area_ids, start=start, end=today, within=own_service)
    audit("caseload.team_viewed", queue=len(waiting), idvas=len(loads))
    db.session.commit()
    return render_template(
        "caseload/team.html",
        loads=loads,
        waiting=waiting,
        describe_wait=caseload.describe_wait,
        performance=performance,
        outcomes=outcomes,
        outcome_labels=caseload.OUTCOMES,
        reasons=CLOSURE_REASON_LABELS,
        months=months,
        start=start,
        today=today,
        targets=targets,
    )


# -- Allocation ---------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/allocate", methods=["GET", "POST"])
def allocate(case_id):
    """Allocate a waiting case, reopen a closed one, or hand a case to another IDVA."""
    case = access.get_caseload_case(current_user, case_id)
    if case is None:
        abort(404)
    audit("case.viewed", record_type="case", record_id=case.id, tab="idva_allocate")
    current = caseload.current_allocation(case.id)
    support = caseload.open_support(case.id)
    loads = caseload.caseload_against_capacity([case.area_id], agency_id=current_user.agency_id)
    previous_id, previous_name = caseload.previous_idvas([case.victim_id], current_user.area_ids).get(
        case.victim_id, (None, None)
    )
    suggestion = caseload.suggest(loads, previous_id)
    waiting = caseload.queue(sa.and_(Case.id == case.id, access.caseload_cases(current_user)))
    form = AllocateForm()
    form.idva_id.choices = choices(
        [
            (load.idva_id, f"{load.name}: {load.active} of {load.capacity} cases ({load.state_label.lower()})")
            for load in loads
        ]
    )
    if request.method == "GET" and suggestion.idva_id:
        form.idva_id.data = suggestion.idva_id
    if form.validate_on_submit():
        chosen = next((load for load in loads if load.idva_id == form.idva_id.data), None)
        if chosen is None:
            abort(400)
        idva = db.session.get(User, chosen.idva_id)
        support, happened = caseload.allocate(case, idva, current_user)
        db.session.flush()
        audit(
            "case.allocated",
            record_type="case",
            record_id=case.id,
            idva_id=idva.id,
            support_id=support.id,
            happened=happened,
            suggested=suggestion.idva_id == idva.id,
        )
        db.session.commit()
        over = " They are now over capacity." if chosen.active + 1 > chosen.capacity else ""
        words = {"reopened": "reopened and allocated", "reallocated": "reallocated", "unchanged": "already allocated"}
        flash(f"Case {case.reference} {words.get(happened, 'allocated')} to {idva.name}.{over}", "success")
        return redirect(url_for("caseload.team"))
    html = render_template(
        "caseload/allocate.html",
        case=case,
        form=form,
        current=current,
        current_name=db.session.get(User, current.idva_id).name if current else None,
        support=support,
        closed=current is None and support is None and bool(caseload.supports_of(case.id)),
        waiting=waiting[0] if waiting else None,
        describe_wait=caseload.describe_wait,
        level=assessments.current(case.id),
        previous_name=previous_name,
        suggestion=suggestion,
    )
    db.session.commit()
    return html


# -- The IDVA work on a case --------------------------------------------------------------------


def _active_case(case_id, tab):
    """The case, its current allocation and support, if it is in this user's caseload work and
    has an IDVA now. Audited. A case without an IDVA goes to allocation (managers only see those)."""
    case = access.get_caseload_case(current_user, case_id)
    if case is None:
        abort(404)
    audit("case.viewed", record_type="case", record_id=case.id, tab=tab)
    allocation = caseload.current_allocation(case.id)
    if allocation is None:
        db.session.commit()
        flash("This case has no IDVA now. Allocate it, or reopen it if it was closed, first.")
        abort(redirect(url_for("caseload.allocate", case_id=case.id)))
    support = caseload.ensure_support(case, allocation)
    return case, support


def _render_case(template, case, **context):
    html = render_template(
        template,
        case=case,
        tab="idva",
        identity=cases.identity(case, show_serial=access.sees_case_audit(current_user, case)),
        sees_audit=access.sees_case_audit(current_user, case),
        **context,
    )
    db.session.commit()  # the audit event of this view (see cases.views._render_case)
    return html


def _back_to_tab(case):
    return redirect(url_for("cases.case_tab", case_id=case.id, tab="idva"))


@bp.route("/cases/<int:case_id>/contacts/new", methods=["GET", "POST"])
@form_tokens.once
def contact_new(case_id):
    case, support = _active_case(case_id, "idva_contact")
    form = ContactForm()
    if request.method == "GET":
        now = uk_now()
        form.contacted_on.data = now.date()
        form.contacted_time.data = f"{now:%H:%M}"
    valid = form.validate_on_submit()
    born = case.victim.date_of_birth
    if valid and (problem := date_rules.contact_date_problem(form.contacted_on.data, born=born)):
        form.contacted_on.errors.append(problem)
        valid = False
    if valid:
        contact = caseload.log_contact(
            case,
            support,
            current_user,
            contacted_at=form.contacted_at(),
            method=form.method.data,
            outcome=form.outcome.data,
            was_safe=yes_no(form.was_safe.data),
            note=form.note.data,
            next_contact_on=form.next_contact_on.data,
        )
        audit(
            "case.contact_logged",
            record_type="case",
            record_id=case.id,
            method=contact.method,
            outcome=contact.outcome,
            made_contact=contact.is_contact,
        )
        flash("Contact saved." if contact.is_contact else "Contact attempt saved.", "success")
        return form_tokens.made(_back_to_tab(case))
    return _render_case("caseload/contact_form.html", case, form=form), 400 if form.errors else 200


@bp.route("/cases/<int:case_id>/safety-plan", methods=["GET", "POST"])
def safety_plan(case_id):
    case, _support = _active_case(case_id, "idva_safety_plan")
    plan = caseload.current_plan(case.id)
    saved_version = plan.version if plan else 0
    form = SafetyPlanForm(obj=plan if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = saved_version
        form.legal_orders.data = list(plan.legal_orders) if plan else []
    form.legal_orders.choices = choices(LEGAL_ORDERS.items())
    if form.validate_on_submit():
        try:
            new_plan = caseload.save_plan(case, current_user, form.data, version=form.version.data)
        except StaleRecord:
            plan = caseload.current_plan(case.id)
            form.version.data = plan.version if plan else 0
            return _render_case("caseload/safety_plan.html", case, form=form, plan=plan, conflict=True), 409
        db.session.flush()
        audit("case.safety_plan_saved", record_type="case", record_id=case.id, version=new_plan.version)
        db.session.commit()
        flash("Safety plan saved.", "success")
        return _back_to_tab(case)
    status = 400 if form.errors else 200
    return _render_case("caseload/safety_plan.html", case, form=form, plan=plan, conflict=False), status


@bp.route("/cases/<int:case_id>/intake", methods=["GET", "POST"])
def intake(case_id):
    case, support = _active_case(case_id, "idva_intake")
    form = IntakeForm()
    if request.method == "GET":
        saved = caseload.needs_of([support.id])[support.id][NeedStage.INTAKE]
        for key in NEED_CATEGORIES:
            form[f"need_{key}"].data = saved.get(key)
        form.version.data = support.version
        if support.intake_recorded_at:
            form.abuse_ongoing.data = yes_no_value(support.intake_abuse_ongoing)
            form.feels_safe.data = str(support.intake_feels_safe or "")
            form.quality_of_life.data = str(support.intake_quality_of_life or "")
    if form.validate_on_submit():
        try:
            caseload.save_intake(
                support,
                {
                    "needs": need_levels(form),
                    "abuse_ongoing": yes_no(form.abuse_ongoing.data),
                    "feels_safe": number_or_none(form.feels_safe.data),
                    "quality_of_life": number_or_none(form.quality_of_life.data),
                },
                version=form.version.data,
            )
        except StaleRecord:
            form.version.data = support.version
            return _render_case(
                "caseload/intake.html", case, form=form, support=support, categories=NEED_CATEGORIES, conflict=True
            ), 409
        audit("case.intake_saved", record_type="case", record_id=case.id, support_id=support.id)
        db.session.commit()
        flash("Intake saved.", "success")
        return _back_to_tab(case)
    return _render_case(
        "caseload/intake.html", case, form=form, support=support, categories=NEED_CATEGORIES, conflict=False
    ), 400 if form.errors else 200


@bp.route("/cases/<int:case_id>/onward-referrals/new", methods=["GET", "POST"])
@form_tokens.once
def onward_referral_new(case_id):
    case, support = _active_case(case_id, "idva_onward_referral")
    form = OnwardReferralForm()
    if request.method == "GET":
        form.referred_on.data = uk_today()
    if form.validate_on_submit():
        referral = caseload.add_onward_referral(
            case,
            support,
            current_user,
            service=form.service.data,
            referred_on=form.referred_on.data,
            note=form.note.data,
            victim_asked=form.victim_asked.data,
            judged_safe=form.judged_safe.data,
        )
        audit("case.onward_referral_added", record_type="case", record_id=case.id, service=referral.service)
        flash("Onward referral saved.", "success")
        return form_tokens.made(_back_to_tab(case))
    return _render_case("caseload/onward_referral.html", case, form=form), 400 if form.errors else 200


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@form_tokens.once
def close(case_id):
    case, support = _active_case(case_id, "idva_close")
    form = ClosureForm()
    if request.method == "GET":
        form.version.data = support.version
        latest = assessments.current(case.id)
        form.risk_level.data = latest.level if latest and latest.level else ""
    if form.validate_on_submit():
        data = {
            "reason": form.reason.data,
            "note": form.note.data,
            "risk_level": form.risk_level.data,
            "abuse_ongoing": yes_no(form.abuse_ongoing.data),
            "feels_safe": number_or_none(form.feels_safe.data),
            "quality_of_life": number_or_none(form.quality_of_life.data),
            "satisfaction": number_or_none(form.satisfaction.data),
            "needs": need_levels(form),
        }
        try:
            closed = caseload.close(case, support, current_user, data, version=form.version.data)
        except StaleRecord:
            form.version.data = support.version
            return _render_case(
                "caseload/close.html", case, form=form, support=support, categories=NEED_CATEGORIES, conflict=True
            ), 409
        if not closed:
            db.session.commit()
            flash(f"Case {case.reference} was closed already.")
            return _after_closing(case)
        audit(
            "case.closed", record_type="case", record_id=case.id, support_id=support.id, reason=support.closure_reason
        )
        flash(f"Case {case.reference} closed.", "success")
        return form_tokens.made(_after_closing(case))
    return _render_case(
        "caseload/close.html", case, form=form, support=support, categories=NEED_CATEGORIES, conflict=False
    ), 400 if form.errors else 200


def _after_closing(case):
    if current_user.has_role(Role.IDVA_MANAGER):
        return _back_to_tab(case)
    return redirect(url_for("caseload.caseload_list"))


@bp.route("/cases/<int:case_id>/tasks/<int:task_id>/done", methods=["POST"])
def task_done(case_id, task_id):
    case = access.get_caseload_case(current_user, case_id)
    task = db.session.get(IdvaTask, task_id) if case else None
    if task is None or task.case_id != case.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    caseload.complete_task(task, current_user)
    audit("case.task_done", record_type="case", record_id=case.id, task_id=task.id, kind=task.kind)
    db.session.commit()
    flash("Task marked as done.", "success")
    return _back_to_tab(case)


# -- Capacity -----------------------------------------------------------------------------------


@bp.route("/idvas/<int:idva_id>/fte", methods=["GET", "POST"])
def idva_fte(idva_id):
    """An IDVA manager sets an IDVA's full-time equivalent, which sets their capacity."""
    idva = access.get_team_idva(current_user, idva_id)
    if idva is None or Role.IDVA not in idva.roles:
        abort(404)
    form = FteForm(obj=idva if request.method == "GET" else None)
    if request.method == "GET":
        form.fte.data = f"{idva.fte.normalize():f}" if idva.fte is not None else "1"
    if form.validate_on_submit():
        try:
            with versions.saving(idva, form.version.data):
                idva.fte = form.value()
        except StaleRecord:
            form.version.data = idva.version
            return render_template("caseload/fte.html", form=form, idva=idva, conflict=True), 409
        audit("user.fte_changed", record_type="user", record_id=idva.id, fte=str(idva.fte))
        db.session.commit()
        flash(f"{idva.name}'s full-time equivalent is now {idva.fte.normalize():f}.", "success")
        return redirect(url_for("caseload.team"))
    return render_template("caseload/fte.html", form=form, idva=idva, conflict=False), 400 if form.errors else 200


# Labels the caseload templates use (the IDVA tab is rendered by the cases blueprint too).
bp.add_app_template_global(
    {
        "need_categories": NEED_CATEGORIES,
        "need_levels": NEED_LEVELS,
        "safety_plan_areas": SAFETY_PLAN_AREAS,
        "legal_orders": LEGAL_ORDERS,
        "satisfaction_labels": SATISFACTION_LABELS,
    },
    "caseload_labels",
)
