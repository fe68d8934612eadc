"""MARAC referrals: the referral form, matching, the DASH, sending, and the coordinator's triage."""

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.common import choices
from forms.referrals import (
    LinkPersonForm,
    MatchForm,
    ReferralForm,
    RepeatClaimForm,
    ReplyForm,
    SubmitReferralForm,
    TriageForm,
)
from forms.risk import DashForm
from marac.extensions import match_step_limit
from marac.referrals import bp
from marac.security import audit, form_tokens
from marac.services import (
    access,
    date_rules,
    exports,
    meeting_papers,
    paging,
    referrals,
    repeats,
    risk_scoring,
    triage,
    versions,
)
from marac.services.areas import agency_choices, user_area, user_areas
from marac.templating import csv_download, govuk_date, page_number
from models import Area, Referral, ReferralStatus, RiskAssessment, db
from models.clock import uk_date, uk_today
from models.referrals import REPEAT_CONFIRMED

TWELVE_MONTHS_LIST_DAYS = 90


def _referral_form(form):
    areas = user_areas(current_user)
    form.area_id.choices = choices([(0, "Select the area")] + [(area.id, area.name) for area in areas])
    if len(areas) == 1 and not form.area_id.data:
        form.area_id.data = areas[0].id
    return form


def _valid_referral_form(form):
    """The chosen area when every answer is acceptable, else None (with errors on the form).

    The area's own rules (escalation threshold) are checked even when other answers are wrong,
    so that every problem shows at once.
    """
    if not form.is_submitted():
        return None
    valid = form.validate()
    if not form.referred_on.errors and not form.victim.date_of_birth.errors:
        problem = date_rules.referral_date_problem(
            form.referred_on.data,
            born=form.victim.date_of_birth.data,
            past_confirmed=form.past_referral_confirmed.data,
        )
        if problem:
            form.referred_on.errors.append(problem)
            valid = False
    if not form.area_id.data:
        return None
    area = user_area(current_user, form.area_id.data)
    if area is None:
        abort(403)
    problems = referrals.criteria_problems(risk_scoring.Thresholds.for_area(area), **form.criteria_answers())
    for field, message in problems:
        form[field].errors.append(message)
    return area if valid and not problems else None


def _render_form(form, referral):
    # The box to confirm a past referral shows with the error that asks for it, and stays once ticked.
    asks_past = date_rules.PAST_REFERRAL_MESSAGE in form.referred_on.errors or form.past_referral_confirmed.data
    return render_template("referrals/form.html", form=form, referral=referral, asks_past=asks_past)


@bp.route("/referrals/new", methods=["GET", "POST"])
@form_tokens.once
def referral_new():
    form = _referral_form(
        ReferralForm(referrer_name=current_user.name, referrer_contact=current_user.email, referred_on=uk_today())
    )
    if area := _valid_referral_form(form):
        referral = referrals.start(current_user, area, form.data, form.draft_data())
        db.session.flush()
        audit("referral.draft_started", record_type="referral", record_id=referral.id)
        return form_tokens.made(redirect(url_for("referrals.referral_match", referral_id=referral.id)))
    return _render_form(form, None)


def _own_draft(referral_id, sent_to="referrals.referral_view"):
    referral = access.get_written_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    if request.method == "POST":
        versions.lock(referral)  # a step sent while the referral is being sent waits, then finds it sent
    if referral.status != ReferralStatus.DRAFT:
        # Sent already (a second click, or the back button): show what was sent.
        return None, redirect(url_for(sent_to, referral_id=referral.id))
    return referral, None


@bp.route("/referrals/<int:referral_id>/edit", methods=["GET", "POST"])
def referral_edit(referral_id):
    referral, sent = _own_draft(referral_id)
    if sent:
        return sent
    form = _referral_form(ReferralForm() if request.method == "POST" else ReferralForm.from_draft(referral))
    if area := _valid_referral_form(form):
        referrals.update_draft(referral, {**form.data, "area_id": area.id}, form.draft_data())
        audit("referral.draft_updated", record_type="referral", record_id=referral.id)
        db.session.commit()
        if _returning() and referrals.matching_done(referral):
            # Changed from the check page, the same people: straight back there.
            return redirect(url_for("referrals.referral_check", referral_id=referral.id))
        return redirect(url_for("referrals.referral_match", referral_id=referral.id, **_return_args()))
    return _render_form(form, referral)


def _returning():
    """The step was opened from a Change link of the check page: when done, it goes back there."""
    return request.args.get("return_to") == "check"


def _return_args():
    return {"return_to": "check"} if _returning() else {}


def _after_matching(referral):
    if _returning():
        return redirect(url_for("referrals.referral_check", referral_id=referral.id))
    return redirect(url_for("referrals.referral_dash", referral_id=referral.id))


@bp.route("/referrals/<int:referral_id>/match", methods=["GET", "POST"])
@match_step_limit
def referral_match(referral_id):
    """Is the victim (and the perpetrator) someone already on record, in a case the referrer may see?"""
    referral, sent = _own_draft(referral_id)
    if sent:
        return sent
    found = referrals.matches_for(referral, current_user)
    if request.method == "GET" and referrals.nobody_to_choose(referral, found):
        audit(
            "referral.matched",
            record_type="referral",
            record_id=referral.id,
            victim_known=False,
            perpetrator_known=False,
            asked=False,
        )
        db.session.commit()
        flash("No one on record matches the victim or the perpetrator, so both are recorded as new to MARAC.")
        return _after_matching(referral)
    form = MatchForm(
        victim_match=referral.draft.get("victim_match"), perpetrator_match=referral.draft.get("perpetrator_match")
    )
    for role in ("victim", "perpetrator"):
        options = [
            (str(person.id), f"{person.full_name}, born {govuk_date(person.date_of_birth) or 'date not known'}")
            for _match, person in found[role]
        ]
        form[f"{role}_match"].choices = choices(options + [(referrals.NEW_PERSON, "None of these: a new person")])
    if form.validate_on_submit():
        problem = referrals.choose_matches(
            referral, form.victim_match.data, form.perpetrator_match.data
        ) or referrals.same_person_problem(referral, form.perpetrator_match.data)
        if problem:
            form.perpetrator_match.errors.append(problem)
        else:
            audit(
                "referral.matched",
                record_type="referral",
                record_id=referral.id,
                victim_known=form.victim_match.data != referrals.NEW_PERSON,
                perpetrator_known=form.perpetrator_match.data != referrals.NEW_PERSON,
            )
            db.session.commit()
            return _after_matching(referral)
    audit(
        "referral.match_shown",
        record_type="referral",
        record_id=referral.id,
        candidates=len(found["victim"]) + len(found["perpetrator"]),
    )
    db.session.commit()
    return render_template("referrals/match.html", form=form, referral=referral, found=found)


@bp.route("/referrals/<int:referral_id>/dash", methods=["GET", "POST"])
def referral_dash(referral_id):
    referral, sent = _own_draft(referral_id)
    if sent:
        return sent
    existing = referrals.existing_assessments(referral, current_user)
    chosen = request.form.get("use_assessment") if request.method == "POST" else None
    if chosen and chosen != "new":
        if not any(str(a.id) == chosen for a in existing):
            abort(400)
        referrals.use_existing_assessment(referral, int(chosen))
        audit("referral.dash_chosen", record_type="referral", record_id=referral.id, assessment_id=int(chosen))
        db.session.commit()
        return redirect(url_for("referrals.referral_check", referral_id=referral.id))

    form = DashForm()
    form.agency_id.choices = choices([(0, "Select the agency")] + agency_choices())
    saved = referral.draft.get("dash")
    if request.method == "GET":
        form.assessor_name.data = (saved or {}).get("assessor_name") or referral.referrer_name
        form.agency_id.data = current_user.agency_id
        if saved:
            form.fill(saved["answers"])
            form.fears_detail.data = saved.get("fears_detail")
            form.judged_level.data = saved.get("judged_level") or ""
            if saved.get("assessed_on"):
                form.assessed_on.data = date.fromisoformat(saved["assessed_on"])
        else:
            form.assessed_on.data = referral.referred_on
    if form.validate_on_submit():
        area = referral.area
        data, answers = form.data, form.answers()
        problems = {}
        if form.complete.data:
            problems = referrals.dash_problems(referral, data, answers, risk_scoring.Thresholds.for_area(area))
            for field, message in problems.items():
                form[field].errors.append(message)
        if not problems:
            referrals.save_dash(referral, data, answers)
            audit("referral.dash_saved", record_type="referral", record_id=referral.id)
            db.session.commit()
            if form.complete.data:
                return redirect(url_for("referrals.referral_check", referral_id=referral.id))
            flash("Your answers are saved. You can finish the referral later from your referrals.", "success")
            return redirect(url_for("referrals.referral_list"))
    return render_template("referrals/dash.html", form=form, referral=referral, existing=existing)


@bp.route("/referrals/<int:referral_id>/check", methods=["GET", "POST"])
def referral_check(referral_id):
    # A second "Send" (a double click) lands on the confirmation, where the first did.
    landing = "referrals.referral_sent" if request.method == "POST" else "referrals.referral_view"
    referral, sent = _own_draft(referral_id, landing)
    if sent:
        return sent
    thresholds = risk_scoring.Thresholds.for_area(referral.area)
    problems = referrals.submission_problems(referral, thresholds)
    form = SubmitReferralForm()
    if form.validate_on_submit() and not problems:
        if referrals.submit(referral, current_user, thresholds):
            audit(
                "referral.submitted",
                record_type="referral",
                record_id=referral.id,
                case_id=referral.case_id,
                repeat=referral.is_repeat,
            )
        db.session.commit()
        return redirect(url_for("referrals.referral_sent", referral_id=referral.id))
    return render_template(
        "referrals/check.html",
        form=form,
        referral=referral,
        problems=problems,
        risk=referrals.risk_preview(referral, thresholds),
        warnings=referrals.warnings(referral),
        duplicates=referrals.possible_duplicates(referral, current_user),
        sections=referrals.check_answers(referral),
    )


@bp.route("/referrals/<int:referral_id>/sent")
def referral_sent(referral_id):
    """The confirmation for the referrer: the reference, and what happens next."""
    referral = access.get_written_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    if referral.status == ReferralStatus.DRAFT:
        return redirect(url_for("referrals.referral_check", referral_id=referral.id))
    audit("referral.confirmation_shown", record_type="referral", record_id=referral.id)
    db.session.commit()
    next_days = referrals.what_happens_next(referral, current_app.config["IDVA_FIRST_CONTACT_WORKING_DAYS"])
    return render_template("referrals/sent.html", referral=referral, **next_days)


@bp.route("/referrals/<int:referral_id>")
def referral_view(referral_id):
    referral = access.get_visible_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    if referral.status == ReferralStatus.DRAFT:
        return redirect(url_for("referrals.referral_check", referral_id=referral.id))
    audit("referral.viewed", record_type="referral", record_id=referral.id)
    db.session.commit()
    return _render_referral(referral)


def _render_referral(referral, triage_form=None, status=200, link_problem=None, repeat_claim_form=None):
    """The referral page: what was sent, the risk and repeat results, and the triage (with the
    people on record anywhere who may be the referral's)."""
    can_triage = access.can_triage(current_user, referral)
    triaging = can_triage and triage.awaits_triage(referral)
    if triage_form is None and triaging:
        triage_form = TriageForm()
        triage_form.transfer_area_id.choices = _transfer_choices(referral)
    if triage_form is not None:
        meeting = triage.listing_meeting(referral)
        triage_form.name_the_meeting(uk_date(meeting.starts_at) if meeting else None)
    assessment = db.session.get(RiskAssessment, referral.risk_assessment_id) if referral.risk_assessment_id else None
    repeat_of = db.session.get(Referral, referral.repeat_of_id) if referral.repeat_of_id else None
    perpetrator_ids = [link.person_id for link in referral.case.perpetrators] if referral.case else []
    case_visible = referral.case_id in access.seen_case_ids(current_user, [referral.case_id])
    duplicates = triage.possible_duplicates(referral) if triaging else []
    if duplicates:
        audit(
            "referral.duplicates_shown",
            record_type="referral",
            record_id=referral.id,
            candidates=sum(len(matches) for _role, _person, matches in duplicates),
        )
        db.session.commit()
    repeat_of_visible = repeat_of is not None and access.get_visible_referral(current_user, repeat_of.id) is not None
    return render_template(
        "referrals/view.html",
        referral=referral,
        assessment=assessment,
        repeat_of=repeat_of,
        repeat_of_visible=repeat_of_visible,
        repeat_detail_shown=referral.id in access.repeat_details_shown(current_user, [referral]),
        triage_form=triage_form,
        reply_form=ReplyForm() if access.can_reply(current_user, referral) else None,
        case_visible=case_visible,
        # Who the referral is about, children included, for those who may see the case.
        people=meeting_papers.cases_with_people([referral.case_id])[referral.case_id] if case_visible else None,
        victim_history=triage.victim_history(referral.case_id, referral.area_id, current_user, with_areas=can_triage),
        serial=repeats.serial_perpetrator_ids(perpetrator_ids) if can_triage else set(),
        warnings=referrals.warnings(referral),
        duplicates=duplicates,
        link_form=LinkPersonForm(),
        link_problem=link_problem,
        repeat_claim_form=repeat_claim_form
        or (RepeatClaimForm(repeat=referral.repeat_claim) if can_triage and referral.repeat_claim else None),
    ), status


def _transfer_choices(referral):
    areas = triage.transfer_areas(referral)
    return choices([(0, "Select the area")] + [(area.id, area.name) for area in areas])


@bp.route("/referrals/<int:referral_id>/decision", methods=["POST"])
def referral_decide(referral_id):
    referral = access.get_visible_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    if not access.can_triage(current_user, referral):
        abort(403)
    form = TriageForm()
    form.transfer_area_id.choices = _transfer_choices(referral)
    versions.lock(referral)  # a second decision at the same moment waits here, then finds it decided
    if not triage.awaits_triage(referral):
        flash(f"Referral {referral.reference} has already been decided.")
        return redirect(url_for("referrals.referral_view", referral_id=referral.id))
    if not form.validate_on_submit():
        return _render_referral(referral, triage_form=form, status=400)
    area = db.session.get(Area, form.transfer_area_id.data) if form.decision.data == "transfer" else None
    moved = triage.decide(
        referral, form.decision.data, reason=form.reason.data, coordinator=current_user, transfer_area=area
    )
    audit(
        "referral.decided",
        record_type="referral",
        record_id=referral.id,
        decision=form.decision.data,
        transferred_to=moved.id if moved else None,
    )
    db.session.commit()
    flash(f"Decision recorded for referral {referral.reference}.", "success")
    return redirect(url_for("referrals.referral_list", status="submitted"))


@bp.route("/referrals/<int:referral_id>/link", methods=["POST"])
def referral_link(referral_id):
    """At triage: one of the referral's people is someone already on record (anywhere)."""
    referral = access.get_visible_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    if not access.can_triage(current_user, referral):
        abort(403)
    form = LinkPersonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        on_record, cases_moved, area_ids = triage.link_person(
            referral, form.person_id.data, form.on_record_id.data, current_user
        )
    except triage.AlreadyDecided:
        db.session.rollback()
        flash(f"Referral {referral.reference} has already been decided.")
        return redirect(url_for("referrals.referral_view", referral_id=referral.id))
    except triage.LinkRefused as refused:
        db.session.rollback()
        return _render_referral(referral, status=400, link_problem=str(refused))
    audit(
        "referral.person_linked",
        record_type="referral",
        record_id=referral.id,
        person_id=on_record.id,
        merged_person_id=form.person_id.data,
        cases_moved=cases_moved,
        area_ids=area_ids,  # a link across areas is seen in the trail as one
        repeat=referral.is_repeat,
    )
    db.session.commit()
    flash("The referral is linked to the person on record.", "success")
    return redirect(url_for("referrals.referral_view", referral_id=referral.id))


@bp.route("/referrals/<int:referral_id>/repeat-claim", methods=["POST"])
def referral_repeat_claim(referral_id):
    """The coordinator confirms or rejects a repeat the referrer claims and the record does not show."""
    referral = access.get_visible_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    if not access.can_triage(current_user, referral):
        abort(403)
    if referral.repeat_claim is None:
        abort(404)
    form = RepeatClaimForm()
    if not form.validate_on_submit():
        return _render_referral(referral, repeat_claim_form=form, status=400)
    referrals.set_repeat_claim(referral, form.repeat.data == REPEAT_CONFIRMED)
    audit("referral.repeat_claim_decided", record_type="referral", record_id=referral.id, decision=form.repeat.data)
    db.session.commit()
    flash(f"Referral {referral.reference}: repeat claim {form.repeat.data}.", "success")
    return redirect(url_for("referrals.referral_view", referral_id=referral.id))


@bp.route("/referrals/<int:referral_id>/reply", methods=["POST"])
def referral_reply(referral_id):
    referral = access.get_visible_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    versions.lock(referral)  # a second reply at the same moment waits here, then finds it sent
    form = ReplyForm()
    if not access.can_reply(current_user, referral):
        if form.validate_on_submit() and triage.replied(referral, current_user, form.reply.data):
            flash("Your reply has been sent to the coordinator already.")
            return redirect(url_for("referrals.referral_view", referral_id=referral.id))
        abort(404)
    if not form.validate_on_submit():
        flash("Enter the information the coordinator asked for.")
        return redirect(url_for("referrals.referral_view", referral_id=referral.id))
    triage.reply(referral, form.reply.data, current_user)
    audit("referral.replied", record_type="referral", record_id=referral.id)
    db.session.commit()
    flash("Your reply has been sent to the coordinator.", "success")
    return redirect(url_for("referrals.referral_view", referral_id=referral.id))


@bp.route("/referrals")
def referral_list():
    status = request.args.get("status")
    page = page_number(request.args)
    query = referrals.newest_first(
        access.visible_referrals(current_user), status=status if status in set(ReferralStatus) else None
    )
    rows, has_next = paging.fetch_page(query, page)
    audit("referrals.listed", count=len(rows), page=page)
    db.session.commit()
    return render_template(
        "referrals/list.html",
        rows=rows,
        # Whose victim the list may name: as on each referral's page.
        seen_cases=access.seen_case_ids(current_user, [row.case_id for row in rows]),
        has_next=has_next,
        page=page,
        status=status,
        statuses=ReferralStatus,
    )


@bp.route("/referrals/referrals.csv")
def referral_list_csv():
    """The referrals list (of one status, if chosen), every page of it, for a spreadsheet."""
    status = request.args.get("status")
    status = status if status in set(ReferralStatus) else None
    rows = db.session.scalars(referrals.newest_first(access.visible_referrals(current_user), status=status)).all()
    seen_cases = access.seen_case_ids(current_user, [row.case_id for row in rows])
    audit("referrals.exported", count=len(rows), status=status)
    db.session.commit()
    return csv_download(exports.referrals_csv(rows, seen_cases), f"marac-referrals-{uk_today()}")


@bp.route("/referrals/twelve-months")
def twelve_months():
    """Cases whose 12 months since their last referral have passed, per area: the agenda's end."""
    today = uk_today()
    since = today - timedelta(days=TWELVE_MONTHS_LIST_DAYS)
    per_area = [(area, repeats.twelve_months_passed(area.id, today, since)) for area in user_areas(current_user)]
    audit("referrals.twelve_months_listed", count=sum(len(rows) for _area, rows in per_area))
    db.session.commit()
    return render_template("referrals/twelve_months.html", per_area=per_area, window_end=repeats.window_end)
