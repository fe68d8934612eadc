"""The partner systems' JSON API, /api/v1. Thin, as the web views are: read the request through
its model, call the same services and scoping rules as the web pages, audit, answer.

The gate in marac/api/gate.py has already checked the bearer token, its scope and the user's
role; the records each view reads are the user's agency's, as marac/services/access.py says.
"""

from flask import jsonify, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from marac.api import bp, common, problems, referral_input, render, schemas
from marac.api.examples import examples
from marac.api.openapi import ANY_TOKEN, Tag, document
from marac.extensions import match_step_limit
from marac.services import access, actions, agenda, meeting_papers, meetings, referrals, reports, risk_scoring, versions
from marac.services.areas import user_area, user_areas
from marac.services.versions import StaleRecord
from models import Action, ApiScope, db

REFERRALS = Tag(bp, "Referrals", read=ApiScope.REFERRALS_READ, write=ApiScope.REFERRALS_WRITE)
MEETINGS = Tag(bp, "Meetings", read=ApiScope.MEETINGS_READ)
ACTIONS = Tag(bp, "Actions", read=ApiScope.ACTIONS_READ, write=ApiScope.ACTIONS_WRITE)
FIGURES = Tag(bp, "Quarterly figures", read=ApiScope.STATS_READ)


# Referrals


@REFERRALS.post(
    "/referrals",
    summary="Make and send a referral",
    body=schemas.ReferralIn,
    responses={201: schemas.ReferralCreatedOut},
    idempotent=True,
)
@common.idempotent
@match_step_limit
def referral_create():
    """The referral form's answers in one request: victim, perpetrator, children, criteria, consent and the
    DASH. It goes through the same steps as the web form and arrives in the coordinator's triage list.

    Matching: the answer lists the people already on record, in cases you may see, who may be the victim
    or the perpetrator (`matches`), as the web form's match step does; it counts against the same
    per-user limit. Without a `person_id` new people are recorded; to link the referral to someone already
    known, send their `person_id` from the `matches` of an earlier answer for the same details. Repeats are
    found from the linked people, as on the web."""
    data, refused = common.body(schemas.ReferralIn)
    if refused:
        return refused
    area = user_area(current_user, data.area_id)
    if area is None:
        return problems.validation([problems.field_error("area_id", "Choose one of your MARAC areas")])
    thresholds = risk_scoring.Thresholds.for_area(area)
    if errors := referrals.criteria_problems(thresholds, **referral_input.criteria_answers(data)):
        return problems.validation(problems.field_error(field, message) for field, message in errors)
    victim_choice, perpetrator_choice = referral_input.choices(data)
    dash_data, answers = referral_input.dash(data)
    referral, found, refusals = referrals.create_and_submit(
        current_user,
        area,
        referral_input.form_data(data, area),
        referral_input.details(data),
        victim_choice=victim_choice,
        perpetrator_choice=perpetrator_choice,
        dash_data=dash_data,
        answers=answers,
    )
    if refusals:
        db.session.rollback()
        return problems.validation(
            problems.field_error(_body_location(field), message) for field, message in refusals.items()
        )
    common.audit(
        "referral.submitted",
        record_type="referral",
        record_id=referral.id,
        case_id=referral.case_id,
        repeat=referral.is_repeat,
        candidates=len(found["victim"]) + len(found["perpetrator"]),
    )
    seen = access.seen_case_ids(current_user, [referral.case_id])
    repeats_shown = access.repeat_details_shown(current_user, [referral])
    created = schemas.ReferralCreatedOut(
        **render.referral_fields(referral, seen, repeats_shown), matches=render.matches(found)
    )
    return common.answer(created, 201, headers={"Location": url_for("api.referral_view", referral_id=referral.id)})


def _body_location(field):
    """services.referrals' field names as places in the request body."""
    if field == "referral":
        return ""
    if field.startswith("dash.q"):
        return f"dash.answers.{field.removeprefix('dash.q')}"
    return field


def _referrals_shown(rows):
    """The referrals as the API shows them: people named only for the cases the user may see."""
    seen = access.seen_case_ids(current_user, [row.case_id for row in rows])
    repeats_shown = access.repeat_details_shown(current_user, rows)
    return [render.referral(row, seen, repeats_shown) for row in rows]


@REFERRALS.get(
    "/referrals",
    summary="The referrals your agency sent",
    query=schemas.ReferralQuery,
    responses={200: schemas.ReferralPageOut},
)
def referral_list():
    """Newest first, 50 a page."""
    return common.page(
        schemas.ReferralQuery,
        lambda args: referrals.newest_first(access.agency_referrals(current_user), status=args.status),
        "referrals.listed",
        schemas.ReferralPageOut,
        _referrals_shown,
    )


@REFERRALS.get(
    "/referrals/<int:referral_id>",
    summary="One referral your agency sent",
    responses={200: schemas.ReferralOut},
)
def referral_view(referral_id):
    """With its risk result, the repeat flag and the coordinator's decision."""
    referral = access.get_agency_referral(current_user, referral_id)
    if referral is None:
        return problems.not_found()
    return common.audited_answer(
        render.referral(
            referral,
            access.seen_case_ids(current_user, [referral.case_id]),
            access.repeat_details_shown(current_user, [referral]),
        ),
        "referral.viewed",
        record_type="referral",
        record_id=referral.id,
    )


# Meetings


@MEETINGS.get(
    "/meetings",
    summary="Meetings your agency attends, with a published case list",
    query=schemas.PageQuery,
    responses={200: schemas.MeetingPageOut},
)
def meeting_list():
    """Latest first, 50 a page."""

    def listed(rows):
        counts = agenda.case_counts([meeting.id for meeting in rows])
        return [schemas.MeetingOut(**render.meeting_fields(row, counts.get(row.id, 0))) for row in rows]

    return common.page(
        schemas.PageQuery,
        lambda args: meetings.latest_first(access.attended_meetings(current_user)),
        "meetings.listed",
        schemas.MeetingPageOut,
        listed,
    )


@MEETINGS.get(
    "/meetings/<int:meeting_id>",
    summary="A meeting's published case list",
    responses={200: schemas.MeetingDetailOut},
)
def meeting_view(meeting_id):
    """In agenda order, with names and dates of birth as on the web list. A confidential address is
    never sent."""
    meeting = access.get_attended_meeting(current_user, meeting_id)
    if meeting is None:
        return problems.not_found()
    listed = agenda.items(meeting.id)
    cases = meeting_papers.cases_with_people([item.case_id for item in listed])
    repeats = meetings.repeat_referral_ids(listed)
    entries = [
        render.case_list_entry(item, cases[item.case_id], item.referral_id in repeats)
        for _section, members in agenda.grouped(listed)
        for item in members
    ]
    shown = schemas.MeetingDetailOut(**render.meeting_fields(meeting, len(listed)), cases=entries)
    return common.audited_answer(shown, "meeting.viewed", record_type="meeting", record_id=meeting.id)


# Actions


@ACTIONS.get(
    "/actions",
    summary="Your agency's actions",
    query=schemas.ActionQuery,
    responses={200: schemas.ActionPageOut},
)
def action_list():
    """Overdue first, then by due date, 50 a page."""

    def select(args):
        return actions.filtered(
            access.own_agency_actions(current_user), status=args.status, due=args.due, meeting_id=args.meeting_id
        ).options(selectinload(Action.owner_agency), selectinload(Action.case))

    return common.page(
        schemas.ActionQuery,
        select,
        "actions.listed",
        schemas.ActionPageOut,
        lambda rows: [render.action(row, current_user) for row in rows],
    )


@ACTIONS.get(
    "/actions/<int:action_id>",
    summary="One of your agency's actions, with its history",
    responses={200: schemas.ActionDetailOut},
)
def action_view(action_id):
    """`version` is what a status change sends back."""
    action = access.get_own_agency_action(current_user, action_id)
    if action is None:
        return problems.not_found()
    return common.audited_answer(
        render.action_detail(action, current_user),
        "action.viewed",
        record_type="case",
        record_id=action.case_id,
        action_id=action.id,
    )


@ACTIONS.post(
    "/actions/<int:action_id>/status",
    summary="Report an action's status",
    body=schemas.ActionStatusIn,
    responses={200: schemas.ActionDetailOut, 409: schemas.ConflictProblemOut},
    idempotent=True,
)
@common.idempotent
def action_status(action_id):
    """As on the action's web page: completed needs the date and the evidence; not possible and not done
    need a reason; only the coordinator sets not done. Send the `version` you read: if someone changed the
    action since, nothing is saved and the answer is 409 with the action as it is now."""
    action = access.get_own_agency_action(current_user, action_id)
    if action is None:
        return problems.not_found()
    allowed = actions.allowed_statuses(current_user, action)
    if not allowed:
        return problems.forbidden("Your role cannot change this action's status.")
    data, refused = common.body(schemas.ActionStatusIn)
    if refused:
        return refused
    try:
        with versions.saving(action, data.version):
            refused = _status_refused(action, data, allowed)
            if refused is None:
                update = actions.change_status(
                    action,
                    current_user,
                    data.status,
                    note=data.note,
                    completed_on=data.completed_on,
                    evidence=data.evidence,
                )
    except StaleRecord:
        return problems.version_conflict(
            "The action has changed since you read it",
            current=render.action_detail(action, current_user).model_dump(mode="json"),
        )
    if refused:
        return refused
    common.audit(
        "action.updated",
        record_type="case",
        record_id=action.case_id,
        action_id=action.id,
        from_status=update.from_status,
        to_status=data.status,
    )
    return common.answer(render.action_detail(action, current_user))


def _status_refused(action, data, allowed):
    """A problem answer if this status change breaks the web page's rules, else None."""
    if data.status not in allowed:
        return problems.validation([problems.field_error("status", "You cannot set this status")])
    refusals = actions.status_problems(
        data.status,
        completed_on=data.completed_on,
        evidence=data.evidence,
        note=data.note,
        agreed_on=actions.agreed_on(action),
    )
    if refusals:
        return problems.validation(problems.field_error(field, message) for field, message in refusals.items())
    return None


# Quarterly figures


@FIGURES.get(
    "/stats/quarterly",
    summary="Referrals, repeats and cases discussed per quarter, for your areas",
    query=schemas.StatsQuery,
    responses={200: schemas.QuarterlyFiguresOut},
)
def quarterly_stats():
    """Counts only, no personal data; small numbers hidden for readers outside the coordinator role, as
    on the reports. The current quarter is counted so far."""
    args, refused = common.query(schemas.StatsQuery)
    if refused:
        return refused
    areas = user_areas(current_user, retired_too=True)
    figures = reports.quarterly_figures(current_user, [area.id for area in areas], quarters=args.quarters)
    shown = schemas.QuarterlyFiguresOut(
        areas=[
            schemas.AreaFiguresOut(
                area=render.named(area), quarters=[schemas.QuarterOut(**row) for row in figures[area.id]]
            )
            for area in areas
        ]
    )
    return common.audited_answer(shown, "stats.quarterly_read", quarters=args.quarters, areas=len(areas))


# The description


@bp.route("/openapi.json")
def openapi_document():
    """This API's OpenAPI 3.1 description, generated from the models that validate it."""
    common.audit("api.description_read")
    db.session.commit()
    return jsonify(document(examples=examples()))


openapi_document.api_scope = ANY_TOKEN
