"""Cases, the people in them, and their risk assessments (/cases, /people)."""

from contextlib import nullcontext

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.common import ConfirmForm, choices
from forms.people import (
    AddChildForm,
    AddPerpetratorForm,
    NewCaseForm,
    PersonForm,
    PersonSearchForm,
    SafetyNotesForm,
    VictimForm,
)
from forms.risk import DashForm, OtherToolForm
from forms.voice import VictimViewForm
from marac.cases import bp
from marac.security import audit, form_tokens, is_allowed
from marac.services import (
    access,
    actions,
    assessments,
    caseload,
    cases,
    paging,
    people,
    referrals,
    risk_scoring,
    search,
    timeline,
    triage,
    versions,
    victim_views,
)
from marac.services import audit as audit_trail
from marac.services import case_history as case_history_service
from marac.services.areas import agency_choices, user_area, user_areas
from marac.services.versions import StaleRecord
from marac.templating import page_number, query_id
from models import RiskAssessment, db
from models.actions import ACTION_STATUS_LABELS
from models.clock import utcnow


def _case_or_404(case_id, tab):
    """The case if the user may see it; every view of case data is audited."""
    case = access.get_visible_case(current_user, case_id)
    if case is None:
        abort(404)
    audit("case.viewed", record_type="case", record_id=case.id, tab=tab)
    return case


def _render_case(template, case, tab, **context):
    html = render_template(
        template,
        case=case,
        tab=tab,
        identity=cases.identity(case, show_serial=access.sees_case_audit(current_user, case)),
        can_edit=access.can_edit_case(current_user, case),
        can_assess=access.can_assess_risk(current_user, case),
        sees_confidential=access.sees_confidential_details(current_user, case),
        sees_audit=access.sees_case_audit(current_user, case),
        **context,
    )
    # The audit event of this view. Committed after rendering: a commit expires every loaded
    # record, and the page would then load each assessment of the history again, one by one.
    # The page is only sent if the event was saved.
    db.session.commit()
    return html


@bp.route("/cases")
def case_list():
    page = page_number(request.args)
    rows, has_next = cases.cases_page(access.visible_cases(current_user), page)
    audit("cases.listed", count=len(rows), page=page)
    db.session.commit()
    return render_template("cases/cases.html", rows=rows, page=page, has_next=has_next)


def _area_choices():
    return choices([(0, "Select the area")] + [(area.id, area.name) for area in user_areas(current_user)])


@bp.route("/cases/new", methods=["GET", "POST"])
@form_tokens.once
def case_new():
    form = NewCaseForm()
    form.area_id.choices = _area_choices()
    if len(form.area_id.choices) == 2 and not form.area_id.data:
        form.area_id.data = form.area_id.choices[1].value
    if form.validate_on_submit():
        area = user_area(current_user, form.area_id.data)
        if area is None:
            abort(403)
        perpetrator = form.perpetrator.form
        case = cases.create_case(
            area=area,
            victim=cases.new_person(form.victim.form.person_data()),
            perpetrators=[(cases.new_person(perpetrator.person_data()), perpetrator.relationship_to_victim.data)],
            notes=form.notes.data,
            user=current_user,
        )
        audit("case.created", record_type="case", record_id=case.id)
        flash("Case created.", "success")
        return form_tokens.made(redirect(url_for("cases.case_overview", case_id=case.id)))
    return render_template("cases/case_new.html", form=form)


@bp.route("/cases/<int:case_id>")
def case_overview(case_id):
    case = _case_or_404(case_id, "overview")
    return _overview(case)


def _overview(case, **context):
    history = triage.victim_history(
        case.id, case.area_id, current_user, with_areas=access.asks_other_areas(current_user, case.area_id)
    )
    return _render_case(
        "cases/case_overview.html",
        case,
        "overview",
        reveal_form=ConfirmForm(),
        victim_history=history,
        victim_view=victim_views.latest([case.id]).get(case.id),
        records_victim_view=access.records_victim_view(current_user, case),
        **context,
    )


@bp.route("/cases/<int:case_id>/safety", methods=["GET", "POST"])
def case_notes(case_id):
    case = _editable_case(case_id)
    form = SafetyNotesForm(obj=case)
    if form.validate_on_submit():
        try:
            with versions.saving(case, form.version.data):
                cases.update_notes(case, form.data)
        except StaleRecord:
            # Saving again from the conflict page is a deliberate choice: let it through.
            form.version.data = case.version
            return _render_case("cases/case_notes.html", case, "overview", form=form, conflict=True), 409
        audit("case.updated", record_type="case", record_id=case.id, fields="safety")
        db.session.commit()
        flash("Safety information saved.", "success")
        return redirect(url_for("cases.case_overview", case_id=case.id))
    return _render_case("cases/case_notes.html", case, "overview", form=form, conflict=False)


@bp.route("/cases/<int:case_id>/victims-voice", methods=["GET", "POST"])
@form_tokens.once
def victim_view(case_id):
    """The victim's voice before the meeting: each save is a new recording, the latest one shown."""
    case = _case_or_404(case_id, "victims_voice")
    if not access.records_victim_view(current_user, case):
        abort(403)
    latest = victim_views.latest([case.id]).get(case.id)
    form = VictimViewForm(obj=latest)
    if form.validate_on_submit():
        view = victim_views.record(case, form.data, current_user)
        db.session.flush()
        audit("case.victim_view_recorded", record_type="case", record_id=case.id, view_id=view.id)
        flash("The victim's views are saved. The meeting will see them.", "success")
        return form_tokens.made(redirect(url_for("cases.case_overview", case_id=case.id, _anchor="victims-voice")))
    return _render_case("cases/victim_view.html", case, "overview", form=form, latest=latest)


def _editable_case(case_id):
    case = _case_or_404(case_id, "edit")
    if not access.can_edit_case(current_user, case):
        abort(403)
    return case


@bp.route("/cases/<int:case_id>/people/<int:person_id>", methods=["GET", "POST"])
def person_edit(case_id, person_id):
    case = _editable_case(case_id)
    person = cases.person_in_case(case, person_id)
    if person is None:
        abort(404)
    form_class = VictimForm if person.id == case.victim_id else PersonForm
    form = form_class(
        obj=person,
        aliases=people.aliases_text(person),
        is_safe_to_call={True: "yes", False: "no"}.get(person.is_safe_to_call, "unknown"),
    )
    if request.method == "GET" and person.is_address_confidential:
        # The edit form shows the confidential address: that is a reveal, and audited.
        audit("person.address_revealed", record_type="person", record_id=person.id, case_id=case.id, via="edit")
    if form.validate_on_submit():
        try:
            with versions.saving(person, form.version.data):
                people.save_person(person, form.person_data())
        except StaleRecord:
            form.version.data = person.version
            return _render_case(
                "cases/person_edit.html", case, "overview", form=form, person=person, conflict=True
            ), 409
        audit("person.updated", record_type="person", record_id=person.id, case_id=case.id)
        db.session.commit()
        flash("Details saved.", "success")
        return redirect(url_for("cases.case_overview", case_id=case.id))
    return _render_case("cases/person_edit.html", case, "overview", form=form, person=person, conflict=False)


@bp.route("/cases/<int:case_id>/perpetrators/new", methods=["GET", "POST"])
@form_tokens.once
def perpetrator_add(case_id):
    return _add_person(case_id, "perpetrator", AddPerpetratorForm, cases.add_perpetrator, "Perpetrator added.")


@bp.route("/cases/<int:case_id>/children/new", methods=["GET", "POST"])
@form_tokens.once
def child_add(case_id):
    return _add_person(case_id, "child", AddChildForm, cases.add_child, "Child added.")


def _add_person(case_id, kind, form_class, add, done):
    """A perpetrator or a child added to a case: `add(case, answers)` records them, audited as
    case.perpetrator_added or case.child_added."""
    case = _editable_case(case_id)
    form = form_class()
    if form.validate_on_submit():
        person = add(case, form.person_data())
        db.session.flush()
        audit(f"case.{kind}_added", record_type="case", record_id=case.id, person_id=person.id)
        flash(done, "success")
        return form_tokens.made(redirect(url_for("cases.case_overview", case_id=case.id)))
    return _render_case("cases/person_add.html", case, "overview", form=form, kind=kind)


@bp.route("/cases/<int:case_id>/people/<int:person_id>/address", methods=["POST"])
def address_reveal(case_id, person_id):
    """Show a confidential address to a role that may see it: each reveal is audited."""
    case = _case_or_404(case_id, "address")
    person = cases.person_in_case(case, person_id)
    if person is None:
        abort(404)
    if not access.sees_confidential_details(current_user, case):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    audit("person.address_revealed", record_type="person", record_id=person.id, case_id=case.id)
    return _overview(case, revealed_id=person.id)


# Risk


@bp.route("/cases/<int:case_id>/risk")
def case_risk(case_id):
    case = _case_or_404(case_id, "risk")
    history = assessments.history(case.id)
    thresholds = risk_scoring.Thresholds.for_area(case.area)
    return _render_case(
        "cases/case_risk.html",
        case,
        "risk",
        history=history,
        superseded=assessments.superseded_ids(history),
        chart=assessments.chart(history, thresholds),
    )


def _dash_form(assessment):
    form = DashForm(obj=assessment if request.method == "GET" else None)
    if request.method == "GET":
        form.fill(assessment.answers)
        form.judged_level.data = assessment.judged_level or ""
        form.version.data = assessment.version
    form.agency_id.choices = choices([(0, "Select the agency")] + agency_choices())
    return form


def _assessment_page(case, assessment, form, status=200, conflict=False):
    corrects = db.session.get(RiskAssessment, assessment.corrects_id) if assessment.corrects_id else None
    return _render_case(
        "cases/dash_form.html", case, "risk", form=form, assessment=assessment, corrects=corrects, conflict=conflict
    ), status


def _submit_dash(case, assessment, form, saving=None):
    """Save a draft, or complete it if asked and every answer is there. None means re-show the form.
    `saving`: versions.saving for a draft already saved (StaleRecord if it moved on)."""
    data, answers = form.data, form.answers()
    if form.complete.data:
        thresholds = risk_scoring.Thresholds.for_area(case.area)
        problems = assessments.completion_problems(
            data, answers, thresholds, correcting=bool(assessment.corrects_id), born=case.victim.date_of_birth
        )
        if problems:
            for field, message in problems.items():
                form[field].errors.append(message)
            return None
    with saving or nullcontext():
        assessments.save_draft(assessment, data, answers)
        db.session.flush()
        if form.complete.data:
            result = assessments.complete(assessment, risk_scoring.Thresholds.for_area(case.area), current_user)
    if form.complete.data:
        audit(
            "assessment.completed",
            record_type="case",
            record_id=case.id,
            assessment_id=assessment.id,
            score=result.score,
            level=result.level.value,
        )
        flash(f"Assessment completed: {result.score} Yes answers, {result.level.label.lower()} risk.", "success")
    else:
        audit("assessment.draft_saved", record_type="case", record_id=case.id, assessment_id=assessment.id)
        flash("Draft saved. You can finish it later.", "success")
    return form_tokens.made(redirect(url_for("cases.assessment_view", case_id=case.id, assessment_id=assessment.id)))


@bp.route("/cases/<int:case_id>/risk/new", methods=["GET", "POST"])
@form_tokens.once
def assessment_new(case_id):
    case = _case_or_404(case_id, "risk")
    if not access.can_assess_risk(current_user, case):
        abort(403)
    corrects = None
    if corrects_id := query_id(request.args, "corrects"):
        corrects = assessments.correctable(case, corrects_id)
        if corrects is None:
            abort(404)
    assessment = assessments.new_dash(case, current_user, corrects=corrects)
    assessment.version = 1
    form = _dash_form(assessment)
    if form.validate_on_submit():
        # Not added to the session here: a DASH that cannot be completed yet must not leave an
        # empty draft behind. Saving it (a draft or completed) adds it.
        response = _submit_dash(case, assessment, form)
        if response:
            return response
    return _assessment_page(case, assessment, form, 200)


@bp.route("/cases/<int:case_id>/risk/<int:assessment_id>", methods=["GET", "POST"])
def assessment_view(case_id, assessment_id):
    case = _case_or_404(case_id, "risk")
    assessment = assessments.of_case(case, assessment_id)
    if assessment is None:
        abort(404)
    if assessment.is_completed:
        if request.method == "POST":
            abort(405)
        return _render_case(
            "cases/assessment.html",
            case,
            "risk",
            assessment=assessment,
            questions=risk_scoring.QUESTIONS,
            answer_labels=risk_scoring.ANSWER_LABELS,
        )
    if not access.can_assess_risk(current_user, case):
        abort(403)
    form = _dash_form(assessment)
    if form.validate_on_submit():
        try:
            response = _submit_dash(case, assessment, form, versions.saving(assessment, form.version.data))
        except StaleRecord:
            form.version.data = assessment.version
            return _assessment_page(case, assessment, form, 409, conflict=True)
        if response:
            return response
    return _assessment_page(case, assessment, form)


@bp.route("/cases/<int:case_id>/risk/other", methods=["GET", "POST"])
@form_tokens.once
def other_tool_new(case_id):
    case = _case_or_404(case_id, "risk")
    if not access.can_assess_risk(current_user, case):
        abort(403)
    form = OtherToolForm()
    valid = form.validate_on_submit()
    if valid:
        for field, message in assessments.other_tool_problems(case, form.data).items():
            form[field].errors.append(message)
            valid = False
    if valid:
        assessment = assessments.record_other_tool(case, form.data, current_user)
        db.session.flush()
        audit(
            "assessment.recorded",
            record_type="case",
            record_id=case.id,
            assessment_id=assessment.id,
            tool=assessment.tool,
            lowered=bool(assessment.lowered_from),
        )
        flash("Risk result saved.", "success")
        return form_tokens.made(redirect(url_for("cases.case_risk", case_id=case.id)))
    return _render_case("cases/other_tool.html", case, "risk", form=form, current=assessments.current(case.id))


# The case's referrals, MARAC history, actions and IDVA support


@bp.route("/cases/<int:case_id>/<any(referrals, idva):tab>")
def case_tab(case_id, tab):
    case = _case_or_404(case_id, tab)
    case_referrals = []
    if tab == "referrals":
        case_referrals = referrals.of_case(case.id, access.visible_referrals(current_user))
    idva = None
    if tab == "idva":
        # Whether an IDVA supports the case, for everyone who sees it; the IDVA work itself only
        # for those whose caseload it is (access.caseload_cases).
        idva = {"allocation": caseload.allocation_summary(case.id), "full": False}
        if access.works_on_caseload(current_user, case):
            idva.update(caseload.case_summary(case), full=True, confirm=ConfirmForm())
            idva["can_allocate"] = is_allowed(current_user, "caseload.allocate")
    return _render_case("cases/case_tab.html", case, tab, case_referrals=case_referrals, idva=idva)


@bp.route("/cases/<int:case_id>/history")
def case_history(case_id):
    """Each meeting the case was listed at: discussed or not, the risk after, the notes (for those
    who may read the minutes), the actions agreed and the research, each as the user may see it."""
    case = _case_or_404(case_id, "history")
    listed = case_history_service.listings(case, current_user)
    return _render_case("cases/case_history.html", case, "history", listed=listed)


@bp.route("/cases/<int:case_id>/actions")
def case_actions(case_id):
    """Every action of the case across meetings that the user may see, open first."""
    case = _case_or_404(case_id, "actions")
    rows = case_history_service.case_actions(case, current_user)
    history = [update for row in rows for update in row.history]
    return _render_case(
        "cases/case_actions.html",
        case,
        "actions",
        rows=rows,
        user_names=actions.names_in(history),
        meeting_days=case_history_service.meeting_days({row.action.meeting_id for row in rows} - {None}),
        statuses=ACTION_STATUS_LABELS,
    )


@bp.route("/cases/<int:case_id>/timeline")
def case_timeline(case_id):
    """What happened to the victim, newest first, each entry only if the user may see its record.
    Filtered by kind (codes only in the address)."""
    case = _case_or_404(case_id, "timeline")
    chosen = timeline.kinds_from(request.args.getlist("kind"))
    return _render_case(
        "cases/case_timeline.html",
        case,
        "timeline",
        entries=timeline.entries(case, current_user, chosen),
        kinds=timeline.KINDS,
        chosen=chosen,
    )


@bp.route("/cases/<int:case_id>/audit")
def case_audit(case_id):
    """Who has seen or changed this case (coordinators)."""
    case = _case_or_404(case_id, "audit")
    if not access.sees_case_audit(current_user, case):
        abort(403)
    return _render_case("cases/case_audit.html", case, "audit", rows=audit_trail.case_trail(case.id))


# Search


@bp.route("/people/search", methods=["GET", "POST"])
def person_search():
    """The search form (also the header's box). A search is a POST, kept as a saved search: its
    results have only the saved search's id in their address, never a name or a date of birth."""
    form = PersonSearchForm()
    if form.validate_on_submit():
        try:
            search.parse(form.terms.data)
        except search.NotUnderstood as problem:
            form.terms.errors.append(str(problem))
        else:
            saved = search.save(current_user, form.terms.data)
            db.session.commit()
            return redirect(url_for("cases.search_results", search_id=saved.id))
    return render_template("cases/search.html", form=form, results=None)


@bp.route("/people/search/<search_id>")
def search_results(search_id):
    """A saved search's results, a page at a time: the user's own, run again while it lasts."""
    saved = search.saved(current_user, search_id, utcnow())
    if saved is None:
        flash("That search has expired. Search again.")
        return redirect(url_for("cases.person_search"))
    terms = search.parse(saved.terms)
    page = page_number(request.args)
    found = search.find(current_user, terms)
    results, has_next = paging.page_of(found, page)
    audit("people.searched", count=len(found), page=page, **terms.audited())
    db.session.commit()
    form = PersonSearchForm(formdata=None, terms=saved.terms)
    return render_template(
        "cases/search.html", form=form, results=results, total=len(found), page=page, has_next=has_next, saved=saved
    )
