"""Referrals: from a draft, through matching and the DASH, to submission; the lists of them. The
coordinator's decision on one is in marac/services/triage.py."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac.services import access, assessments, cases, date_rules, repeats, risk_scoring, versions, workdays
from marac.services import audit as audit_trail
from marac.services.matching import PersonDetails
from marac.services.notifications import notify_area_coordinators
from marac.services.people import possible_matches
from models import (
    AssessmentStatus,
    Case,
    CasePerpetrator,
    Person,
    Referral,
    ReferralStatus,
    RiskAssessment,
    RiskTool,
    db,
)
from models.cases import CHILD_TO_PERPETRATOR, CHILD_TO_VICTIM, PERPETRATOR_RELATIONSHIPS
from models.clock import uk_date, uk_today, utcnow
from models.people import ETHNICITIES, GENDER_LABELS, YES_NO_PREFER_NOT_LABELS
from models.referrals import LAWFUL_BASES, REPEAT_CLAIMED, REPEAT_CONFIRMED, REPEAT_REJECTED
from models.risk import MAX_INCIDENTS

NEW_PERSON = "new"
DETAILS, MATCH, DASH = "details", "match", "dash"  # the steps of the referral form that ask questions
ADULT_AGE = 16


def newest_first(where, *, status=None):
    """A select of the referrals within `where` (of one status, if given), newest first, with
    what a list shows of each."""
    query = sa.select(Referral).where(where)
    if status:
        query = query.where(Referral.status == status)
    return query.options(
        selectinload(Referral.case).selectinload(Case.victim),
        selectinload(Referral.area),
        selectinload(Referral.referring_agency),
    ).order_by(Referral.created_at.desc(), Referral.id.desc())


def of_case(case_id, where):
    """The case's referrals within `where`, latest referred first."""
    return db.session.scalars(
        sa.select(Referral)
        .where(Referral.case_id == case_id, where)
        .options(selectinload(Referral.referring_agency))
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
    ).all()


def start(user, area, form_data, details):
    """A new draft referral from the first page's answers."""
    referral = Referral(
        area_id=area.id, referring_agency_id=user.agency_id, referrer_id=user.id, status=ReferralStatus.DRAFT
    )
    update_draft(referral, form_data, details)
    db.session.add(referral)
    return referral


def update_draft(referral, form_data, details):
    """Keep the first page's answers. `details` is ReferralForm.draft_data()."""
    referral.area_id = form_data["area_id"]
    referral.referred_on = form_data["referred_on"]
    referral.referrer_name = form_data["referrer_name"]
    referral.referrer_contact = form_data["referrer_contact"]
    referral.criteria = list(form_data["criteria"] or [])
    referral.is_victim_aware = form_data["is_victim_aware"] == "yes"
    referral.has_consent = form_data["has_consent"] == "yes"
    no_consent = not referral.has_consent
    referral.lawful_basis = form_data["lawful_basis"] if no_consent else None
    referral.sharing_reason = (form_data["sharing_reason"] or "").strip() or None if no_consent else None
    referral.previous_maracs = (form_data["previous_maracs"] or "").strip() or None
    # Matching choices and DASH answers already given stay, unless the people changed.
    kept = {key: referral.draft[key] for key in ("dash", "use_assessment_id") if key in (referral.draft or {})}
    same_people = (referral.draft or {}).get("victim") == details["victim"] and (referral.draft or {}).get(
        "perpetrator"
    ) == details["perpetrator"]
    if same_people:
        kept.update(
            {key: referral.draft[key] for key in ("victim_match", "perpetrator_match") if key in referral.draft}
        )
    referral.draft = {**details, **kept}


def _details(data):
    return PersonDetails(
        first_name=data["first_name"],
        last_name=data["last_name"],
        aliases=tuple(tuple(pair) for pair in data.get("aliases", [])),
        date_of_birth=date.fromisoformat(data["date_of_birth"]) if data.get("date_of_birth") else None,
        postcode=data.get("postcode"),
    )


def matches_for(referral, user):
    """Possible existing people for the victim and the perpetrator: {"victim": [...], "perpetrator": [...]}.

    Only people of cases the referrer may see (access.visible_people): of anyone else, not even
    that they are known (that alone tells a police officer that a named person is a MARAC
    victim). The coordinator finds the others at triage (triage.possible_duplicates)."""
    within = access.visible_people(user)
    return {role: possible_matches(_details(referral.draft[role]), within=within) for role in ("victim", "perpetrator")}


def choose_matches(referral, victim_choice, perpetrator_choice):
    """Record the referrer's choices. Returns an error message, or None."""
    if victim_choice != NEW_PERSON and victim_choice == perpetrator_choice:
        return "The victim and the perpetrator cannot be the same person"
    referral.draft = {**referral.draft, "victim_match": victim_choice, "perpetrator_match": perpetrator_choice}
    return None


def nobody_to_choose(referral, found):
    """When no one on record may be the victim or the perpetrator, both are new: record that without
    asking (a question with one possible answer is not asked). False, with nothing recorded, when
    there is someone to choose, or the two were typed as one person (the step says so)."""
    if found["victim"] or found["perpetrator"] or same_person_problem(referral, NEW_PERSON):
        return False
    choose_matches(referral, NEW_PERSON, NEW_PERSON)
    return True


def matching_done(referral):
    """Whether the referrer has said who, of the people on record, the victim and perpetrator are."""
    return all(referral.draft.get(f"{role}_match") for role in ("victim", "perpetrator"))


def steps_done(referral):
    """The steps of the referral form already answered ({DETAILS, MATCH, DASH}), for its step list:
    matching is done when skipped too (no one on record to choose)."""
    if referral is None:
        return set()
    done = {DETAILS}
    if matching_done(referral):
        done.add(MATCH)
    values, _on = dash_values(referral)
    if values is not None and not risk_scoring.unanswered(values):
        done.add(DASH)
    return done


def same_person_typed(referral):
    """The victim and perpetrator were typed with the same name and date of birth."""
    victim, perpetrator = referral.draft["victim"], referral.draft["perpetrator"]
    return all(
        (victim.get(key) or "").strip().lower() == (perpetrator.get(key) or "").strip().lower()
        for key in ("first_name", "last_name", "date_of_birth")
    ) and bool(victim.get("date_of_birth"))


def same_person_problem(referral, perpetrator_choice):
    """A new perpetrator typed with the victim's name and date of birth: likely a mistake."""
    if perpetrator_choice == NEW_PERSON and same_person_typed(referral):
        return "The victim and the perpetrator have the same name and date of birth: check who is who"
    return None


def matched_case(referral):
    """The existing case of this area with the chosen victim and perpetrator, if any."""
    victim_id, perpetrator_id = _chosen_id(referral, "victim"), _chosen_id(referral, "perpetrator")
    if victim_id is None or perpetrator_id is None:
        return None
    return db.session.scalar(
        sa.select(Case)
        .join(CasePerpetrator, CasePerpetrator.case_id == Case.id)
        .where(
            Case.area_id == referral.area_id, Case.victim_id == victim_id, CasePerpetrator.person_id == perpetrator_id
        )
        .order_by(Case.id.desc())
        .limit(1)
    )


def _chosen_id(referral, role):
    choice = referral.draft.get(f"{role}_match")
    return int(choice) if choice and choice != NEW_PERSON else None


def existing_assessments(referral, user):
    """Completed DASHes of the matched case the referrer may choose instead of a new one, if the
    referrer may see that case."""
    case = matched_case(referral)
    if case is None or case.id not in access.seen_case_ids(user, [case.id]):
        return []
    return db.session.scalars(
        sa.select(RiskAssessment)
        .where(
            RiskAssessment.case_id == case.id,
            RiskAssessment.status == AssessmentStatus.COMPLETED,
            RiskAssessment.tool == RiskTool.DASH,
        )
        .order_by(RiskAssessment.assessed_on.desc())
        .limit(5)
    ).all()


def criteria_problems(
    thresholds, *, criteria, judgement_reasons, incidents_in_window, has_consent, lawful_basis, sharing_reason
):
    """[(field, message)]: the referral's reasons and consent checked against each other and the
    area's settings (the escalation threshold). The web form and the API ask here."""
    problems = []
    if "professional_judgement" in criteria and not (judgement_reasons or "").strip():
        problems.append(("judgement_reasons", "Enter the reasons for your professional judgement"))
    if "potential_escalation" in criteria:
        if incidents_in_window is None:
            problems.append(("incidents_in_window", "Enter the number of incidents in the past 12 months"))
        elif incidents_in_window < thresholds.escalation_incidents:
            problems.append(
                (
                    "incidents_in_window",
                    f"Potential escalation needs {thresholds.escalation_incidents} or more incidents "
                    f"in {thresholds.escalation_window_months} months",
                )
            )
    if not has_consent:
        if not lawful_basis:
            problems.append(("lawful_basis", "Select the lawful basis for sharing without consent"))
        if not (sharing_reason or "").strip():
            problems.append(("sharing_reason", "Enter why the information is being shared without consent"))
    return problems


def dash_problems(referral, data, answers, thresholds):
    """{field: message} of a referral's DASH that cannot be completed as it is."""
    problems = assessments.completion_problems(
        {**data, "judgement_reasons": data.get("judgement_reasons") or referral.draft.get("judgement_reasons")},
        answers,
        thresholds,
        correcting=False,
        born=_iso(referral.draft["victim"].get("date_of_birth")),
    )
    if data.get("assessed_on") and referral.referred_on and data["assessed_on"] > referral.referred_on:
        problems.setdefault("assessed_on", "The date of the DASH must be on or before the date of referral")
    return problems


def save_dash(referral, form_data, answers):
    referral.draft = {
        **referral.draft,
        "dash": {
            "answers": {str(number): given for number, given in answers.items()},
            "assessed_on": form_data["assessed_on"].isoformat() if form_data.get("assessed_on") else None,
            "assessor_name": form_data.get("assessor_name"),
            "fears_detail": form_data.get("fears_detail"),
            "judged_level": form_data.get("judged_level") or None,
            "judgement_reasons": form_data.get("judgement_reasons") or referral.draft.get("judgement_reasons"),
        },
    }
    referral.draft.pop("use_assessment_id", None)


def use_existing_assessment(referral, assessment_id):
    referral.draft = {**{k: v for k, v in referral.draft.items() if k != "dash"}, "use_assessment_id": assessment_id}


def dash_values(referral):
    """(answers by question, DASH date) of the DASH this referral carries, or (None, None)."""
    if assessment_id := referral.draft.get("use_assessment_id"):
        assessment = db.session.get(RiskAssessment, assessment_id)
        return assessments.answer_values(assessment.answers), assessment.assessed_on
    if saved := referral.draft.get("dash"):
        on = date.fromisoformat(saved["assessed_on"]) if saved.get("assessed_on") else None
        return assessments.answer_values(saved["answers"]), on
    return None, None


def risk_preview(referral, thresholds):
    """The risk result the submitted referral will carry."""
    values, _on = dash_values(referral)
    if values is None:
        return None
    saved = referral.draft.get("dash") or {}
    return risk_scoring.assess(
        values,
        thresholds,
        judged_level="high" if "professional_judgement" in referral.criteria else saved.get("judged_level"),
        judgement_reasons=referral.draft.get("judgement_reasons") or saved.get("judgement_reasons"),
        incidents_in_window=referral.draft.get("incidents_in_window"),
    )


def submission_problems(referral, thresholds):
    """What stops this referral being sent: a list of messages (empty when it can go)."""
    problems = []
    values, dash_on = dash_values(referral)
    if values is None:
        problems.append("Complete the DASH risk assessment, or choose one already on the case")
        return problems
    incidents = referral.draft.get("incidents_in_window")
    if incidents is not None and not 0 <= incidents <= MAX_INCIDENTS:
        # Saved before the form bounded it: the risk assessment could not store it.
        problems.append(f"Change the number of incidents in the past 12 months to one from 0 to {MAX_INCIDENTS:,}")
    if referral.referred_on and dash_on and referral.referred_on < dash_on:
        problems.append("The date of referral must be the same as or after the date of the DASH")
    if problem := referral_date_problem(referral):
        problems.append(problem)
    points = risk_scoring.score(values)
    if "visible_high_risk" in referral.criteria and points < thresholds.high:
        problems.append(
            f"Visible high risk needs a DASH score of at least {thresholds.high}. This DASH scores {points}: "
            f"choose another reason, such as professional judgement"
        )
    if _chosen_id(referral, "victim") is None and referral.draft.get("victim_match") != NEW_PERSON:
        problems.append("Check whether the victim is already known")
    for role in _chosen_but_gone(referral):
        problems.append(f"Check again whether the {role} is already known: the record chosen has been merged since")
    return problems


def _chosen_but_gone(referral):
    """The roles whose person chosen at the match step is no longer on record: merged into another
    record at triage since. The referrer chooses again (the match step offers the one kept)."""
    chosen = {role: _chosen_id(referral, role) for role in ("victim", "perpetrator")}
    wanted = {person_id for person_id in chosen.values() if person_id is not None}
    kept = set(db.session.scalars(sa.select(Person.id).where(Person.id.in_(wanted)))) if wanted else set()
    return [role for role, person_id in chosen.items() if person_id is not None and person_id not in kept]


def referral_date_problem(referral):
    """What is wrong with the referral's date (services.date_rules), checked again at sending: a
    draft may wait, and the victim's date of birth may have changed since."""
    return date_rules.referral_date_problem(
        referral.referred_on,
        born=_iso(referral.draft["victim"].get("date_of_birth")),
        past_confirmed=bool(referral.draft.get("past_referral_confirmed")),
    )


def warnings(referral, today=None):
    """Things the referrer and coordinator should notice, that do not stop the referral."""
    today = today or uk_today()
    notes = []
    born = referral.draft.get("victim", {}).get("date_of_birth")
    if born:
        born = date.fromisoformat(born)
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < ADULT_AGE:
            notes.append(
                f"The victim is {age}. MARAC normally takes victims aged 16 and over: also refer them through "
                f"the young people's safeguarding route (children's social care)."
            )
    return notes


def possible_duplicates(referral, user):
    """Referrals the user may see, already sent, of the same victim and perpetrator on the same
    day as this draft: likely the same referral twice (sent by a colleague, or sent and started
    again). The check page warns, naming them; the referrer may still send. Only referrals the
    user may see: naming another agency's would tell them who is known to MARAC."""
    if referral.referred_on is None:
        return []
    same_day = db.session.scalars(
        sa.select(Referral)
        .where(
            access.visible_referrals(user),
            Referral.id != referral.id,
            Referral.status != ReferralStatus.DRAFT,
            Referral.referred_on == referral.referred_on,
            Referral.case_id.is_not(None),
        )
        .options(
            selectinload(Referral.case).selectinload(Case.victim),
            selectinload(Referral.case).selectinload(Case.perpetrators).selectinload(CasePerpetrator.person),
        )
        .order_by(Referral.id)
    ).all()
    return [
        other
        for other in same_day
        if _is_typed(referral, "victim", other.case.victim)
        and any(_is_typed(referral, "perpetrator", link.person) for link in other.case.perpetrators)
    ]


def _is_typed(referral, role, person):
    """Whether `person` is the draft's victim or perpetrator: the one chosen from those on
    record, or one with the name and date of birth typed."""
    chosen = _chosen_id(referral, role)
    if chosen is not None:
        return person.id == chosen
    typed = referral.draft[role]
    return (
        (typed.get("first_name") or "").strip().casefold() == person.first_name.strip().casefold()
        and (typed.get("last_name") or "").strip().casefold() == person.last_name.strip().casefold()
        and _iso(typed.get("date_of_birth")) == person.date_of_birth
    )


def _person_for(referral, role):
    chosen = _chosen_id(referral, role)
    if chosen is not None:
        return db.session.get(Person, chosen)
    data = dict(referral.draft[role])
    if data.get("date_of_birth"):
        data["date_of_birth"] = date.fromisoformat(data["date_of_birth"])
    return cases.new_person(data)


def submit(referral, user, thresholds):
    """Send a draft referral: people found or made, the case found or made, the DASH scored,
    the repeat checked, the coordinators told. False, and nothing done, if it was sent already:
    a second send at the same moment (a double click) waits for the first, then finds it sent."""
    versions.lock(referral)
    if referral.status != ReferralStatus.DRAFT:
        return False
    victim = _person_for(referral, "victim")
    perpetrator = _person_for(referral, "perpetrator")
    relationship = referral.draft["perpetrator"].get("relationship_to_victim") or "other"
    case = matched_case(referral) if _chosen_id(referral, "perpetrator") else None
    if case is None:
        case = cases.create_case(
            area=referral.area,
            victim=victim,
            perpetrators=[(perpetrator, relationship)],
            notes=referral.draft.get("notes", {}),
            user=user,
        )
    for child in referral.draft.get("children", []):
        data = dict(child)
        if data.get("date_of_birth"):
            data["date_of_birth"] = date.fromisoformat(data["date_of_birth"])
        if not _case_has_child(case, data):
            cases.add_child(case, data)
    cases.involve_agency(case, referral.referring_agency_id, "referred")
    referral.case_id = case.id
    referral.risk_assessment_id = _referral_assessment(referral, case, user, thresholds).id

    flag_repeat(referral, victim.id, {perpetrator.id})
    referral.status = ReferralStatus.SUBMITTED
    referral.submitted_at = utcnow()
    db.session.flush()
    notify_area_coordinators(
        referral.area_id,
        f"New referral {referral.reference}{' (repeat)' if referral.is_repeat else ''} is waiting for triage",
        f"/referrals/{referral.id}",
    )
    recheck_later_repeats(referral, victim.id, {perpetrator.id}, user)
    return True


def recheck_later_repeats(referral, victim_id, perpetrator_ids, user, *, why="was sent after it"):
    """A referral recorded with a date before others of the same victim and perpetrator (entered
    late, or out of order, or its people linked at triage to those on record): each later one's
    repeat status is worked out again, the window counting from the last referral before it, which
    may now be this one. Each change is audited, for the user whose referral (or link) caused it,
    and the coordinators of its area are told `why`. Returns the changed."""
    changed = []
    for later in repeats.later_referrals(victim_id, perpetrator_ids, referral.referred_on, exclude_id=referral.id):
        was = (later.is_repeat, later.repeat_of_id)
        flag_repeat(later, victim_id, [link.person_id for link in later.case.perpetrators])
        if (later.is_repeat, later.repeat_of_id) == was:
            continue
        changed.append(later)
        audit_trail.record(
            "referral.repeat_rechecked",
            user=user,
            record_type="referral",
            record_id=later.id,
            was_repeat=was[0],
            is_repeat=later.is_repeat,
            repeat_of=later.repeat_of_id,
            because_of=referral.id,
        )
        notify_area_coordinators(
            later.area_id,
            f"Referral {later.reference} is {'now' if later.is_repeat else 'no longer'} a repeat: "
            f"referral {referral.reference}, dated before it, {why}",
            f"/referrals/{later.id}",
        )
    return changed


def flag_repeat(referral, victim_id, perpetrator_ids):
    """Whether the referral repeats an earlier one of the victim with any of these perpetrators, in
    any area: at sending, and again when the coordinator links its people to those on record.

    "Repeat" ticked at sending with no earlier referral on record is a claim (it may be another
    area's, or from before the records) for the coordinator to confirm (set_repeat_claim): until
    then it is not counted as a repeat. One found on record later needs no confirming."""
    repeat_of = repeats.find_repeat(victim_id, set(perpetrator_ids), referral.referred_on, exclude_id=referral.id)
    if repeat_of is not None:
        referral.repeat_claim = None
    elif referral.status == ReferralStatus.DRAFT and "repeat" in referral.criteria:
        referral.repeat_claim = REPEAT_CLAIMED
    referral.is_repeat = repeat_of is not None or referral.repeat_claim == REPEAT_CONFIRMED
    referral.repeat_of_id = repeat_of.id if repeat_of else None
    criteria = [c for c in referral.criteria if c != "repeat"]
    if referral.is_repeat or "repeat" in referral.criteria:
        criteria.append("repeat")
    referral.criteria = criteria


def set_repeat_claim(referral, confirmed):
    """The coordinator's answer to a repeat the referrer claims and the record does not show:
    confirmed, it counts as a repeat (of a referral not on record); rejected, it does not."""
    referral.repeat_claim = REPEAT_CONFIRMED if confirmed else REPEAT_REJECTED
    referral.is_repeat = confirmed or referral.repeat_of_id is not None


def _case_has_child(case, data):
    return any(
        link.person.first_name.lower() == data["first_name"].lower()
        and link.person.last_name.lower() == data["last_name"].lower()
        and link.person.date_of_birth == data.get("date_of_birth")
        for link in case.children
    )


def _referral_assessment(referral, case, user, thresholds):
    if assessment_id := referral.draft.get("use_assessment_id"):
        return db.session.get(RiskAssessment, assessment_id)
    saved = referral.draft["dash"]
    assessment = assessments.new_dash(case, user)
    assessment.answers = saved["answers"]
    assessment.assessed_on = date.fromisoformat(saved["assessed_on"]) if saved.get("assessed_on") else None
    assessment.assessor_name = saved.get("assessor_name") or referral.referrer_name
    assessment.fears_detail = saved.get("fears_detail")
    assessment.incidents_in_window = referral.draft.get("incidents_in_window")
    if "professional_judgement" in referral.criteria:
        assessment.judged_level = "high"
        assessment.judgement_reasons = referral.draft.get("judgement_reasons")
    else:
        assessment.judged_level = saved.get("judged_level")
        assessment.judgement_reasons = saved.get("judgement_reasons")
    db.session.add(assessment)
    db.session.flush()
    assessments.complete(assessment, thresholds, user)
    return assessment


# In one call (the partner systems' API)


def create_and_submit(user, area, form_data, details, *, victim_choice, perpetrator_choice, dash_data, answers):
    """Make and send a referral in one call, through the same steps as the web form: start the
    draft, find the possible matches, record the matching choices, save the DASH, check it may
    be sent, send it.

    `form_data` and `details` are as for `start`; the choices are person ids (as text) from the
    matches found, or NEW_PERSON; `dash_data` and `answers` are as for `save_dash`.

    Returns (referral, found, problems): `found` is `matches_for` the people as typed, found
    before any new person is made; `problems` is {field: message}. When there are problems
    nothing was sent and the caller rolls the transaction back.
    """
    thresholds = risk_scoring.Thresholds.for_area(area)
    referral = start(user, area, form_data, details)
    found = matches_for(referral, user)
    if problem := referral_date_problem(referral):
        return referral, found, {"referred_on": problem}
    problems = {}
    for role, choice in (("victim", victim_choice), ("perpetrator", perpetrator_choice)):
        if choice != NEW_PERSON and choice not in {str(person.id) for _match, person in found[role]}:
            problems[f"{role}.person_id"] = f"Choose the {role} from the possible matches for these details, or none"
    if problems:
        return referral, found, problems
    if problem := choose_matches(referral, victim_choice, perpetrator_choice):
        return referral, found, {"perpetrator.person_id": problem}
    if problem := same_person_problem(referral, perpetrator_choice):
        return referral, found, {"perpetrator": problem}
    problems = {
        f"dash.{field}": message for field, message in dash_problems(referral, dash_data, answers, thresholds).items()
    }
    if problems:
        return referral, found, problems
    save_dash(referral, dash_data, answers)
    if refused := submission_problems(referral, thresholds):
        return referral, found, {"referral": "; ".join(refused)}
    submit(referral, user, thresholds)
    return referral, found, {}


# The check page: every answer, with where it is asked


@dataclass(frozen=True)
class CheckRow:
    key: str
    lines: tuple  # the answer, a line each (text, or a date for the page to write out); () not given
    step: str  # DETAILS, MATCH or DASH: the page that asks it
    field: str  # the id of the field on that page, for the Change link to land on


def _lines(value):
    if value is None or value == "" or value == []:
        return ()
    if isinstance(value, str):
        return tuple(line for line in value.splitlines() if line.strip())
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _iso(value):
    return date.fromisoformat(value) if value else None


def _names(aliases):
    return [f"{first} {last}".strip() for first, last in aliases or []]


def _person_rows(data, prefix, *, victim=False):
    """The rows of a victim, perpetrator or child as the referral's first page asks them."""

    def row(key, value, field):
        return CheckRow(key, _lines(value), DETAILS, f"{prefix}-{field}")

    rows = [
        row("Name", f"{data.get('first_name', '')} {data.get('last_name', '')}".strip(), "first_name"),
        row("Other names", _names(data.get("aliases")), "aliases"),
        row("Date of birth", _iso(data.get("date_of_birth")), "date_of_birth-day"),
        row("Gender", GENDER_LABELS.get(data.get("gender")), "gender"),
    ]
    if "relationship_to_perpetrator" in data:  # a child
        return rows + [
            row(
                "Relationship to the victim",
                CHILD_TO_VICTIM.get(data.get("relationship_to_victim")),
                "relationship_to_victim",
            ),
            row(
                "Relationship to the perpetrator",
                CHILD_TO_PERPETRATOR.get(data.get("relationship_to_perpetrator")),
                "relationship_to_perpetrator",
            ),
            row("School or nursery", data.get("school"), "school"),
        ]
    if not victim:
        rows.append(
            row(
                "Relationship to the victim",
                PERPETRATOR_RELATIONSHIPS.get(data.get("relationship_to_victim")),
                "relationship_to_victim",
            )
        )
    rows += [
        row("Address", data.get("address"), "address"),
        row("Postcode", data.get("postcode"), "postcode"),
        row("Confidential address", "Yes" if data.get("is_address_confidential") else "No", "is_address_confidential"),
    ]
    if victim:
        ethnicity = {code: label for code, label, _group, _minoritised in ETHNICITIES}.get(data.get("ethnicity"))
        rows += [
            row("Safe contact number", data.get("phone"), "phone"),
            row("Safe to call", SAFE_TO_CALL.get(data.get("is_safe_to_call")), "is_safe_to_call"),
            row("Ethnic group", ethnicity, "ethnicity"),
            row("Disability", YES_NO_PREFER_NOT_LABELS.get(data.get("disability")), "disability"),
            row("LGBT+", YES_NO_PREFER_NOT_LABELS.get(data.get("lgbt")), "lgbt"),
            row("Main language", data.get("language"), "language"),
            row("Interpreter needed", "Yes" if data.get("needs_interpreter") else "No", "needs_interpreter"),
        ]
    return rows


SAFE_TO_CALL = {"yes": "Yes", "no": "No", "unknown": "Not known"}


def _on_record(referral, role):
    choice = referral.draft.get(f"{role}_match")
    text = None if choice is None else "New to MARAC" if choice == NEW_PERSON else "Already on record"
    return CheckRow("On record", _lines(text), MATCH, f"{role}_match")


def check_answers(referral):
    """[(heading, [CheckRow])]: every answer the referral gives, in the order it is asked, for the
    check-your-answers page. Only what the referrer typed or chose, so nothing of anyone else."""
    draft = referral.draft
    yes_no = {True: "Yes", False: "No"}
    sections = [
        (
            "Referral details",
            [
                CheckRow("MARAC area", (referral.area.name,), DETAILS, "area_id"),
                CheckRow("Date of referral", _lines(referral.referred_on), DETAILS, "referred_on-day"),
                *(
                    [CheckRow("A past referral", ("Yes, confirmed",), DETAILS, "past_referral_confirmed")]
                    if draft.get("past_referral_confirmed")
                    else []
                ),
                CheckRow("Your name", _lines(referral.referrer_name), DETAILS, "referrer_name"),
                CheckRow(
                    "Your phone number or email address", _lines(referral.referrer_contact), DETAILS, "referrer_contact"
                ),
            ],
        ),
        ("Victim", _person_rows(draft["victim"], "victim", victim=True) + [_on_record(referral, "victim")]),
        ("Perpetrator", _person_rows(draft["perpetrator"], "perpetrator") + [_on_record(referral, "perpetrator")]),
    ]
    children = draft.get("children") or []
    if children:
        for number, child in enumerate(children, start=1):
            sections.append((f"Child {number}", _person_rows(child, f"children-{number - 1}")))
    else:
        sections.append(
            ("Children", [CheckRow("Children in the household", ("None",), DETAILS, "children-0-first_name")])
        )
    notes = draft.get("notes") or {}
    sections.append(
        (
            "Safety",
            [
                CheckRow("Who the victim fears", _lines(notes.get("victim_fears")), DETAILS, "notes-victim_fears"),
                CheckRow(
                    "Safe to share with", _lines(notes.get("safe_to_share_with")), DETAILS, "notes-safe_to_share_with"
                ),
                CheckRow(
                    "Not safe to share with",
                    _lines(notes.get("not_safe_to_share_with")),
                    DETAILS,
                    "notes-not_safe_to_share_with",
                ),
            ],
        )
    )
    reasons = [
        CheckRow(
            "Why you are referring",
            tuple(risk_scoring.CRITERION_LABELS.get(c, c) for c in referral.criteria),
            DETAILS,
            "criteria",
        )
    ]
    if "professional_judgement" in referral.criteria or draft.get("judgement_reasons"):
        reasons.append(
            CheckRow(
                "Reasons for your professional judgement",
                _lines(draft.get("judgement_reasons")),
                DETAILS,
                "judgement_reasons",
            )
        )
    if "potential_escalation" in referral.criteria or draft.get("incidents_in_window") is not None:
        incidents = draft.get("incidents_in_window")
        reasons.append(
            CheckRow(
                "Incidents in the past 12 months",
                _lines(None if incidents is None else str(incidents)),
                DETAILS,
                "incidents_in_window",
            )
        )
    sections.append(("Reasons for referral", reasons))
    consent = [
        CheckRow(
            "The victim knows about the referral",
            (yes_no.get(referral.is_victim_aware, "No"),),
            DETAILS,
            "is_victim_aware",
        ),
        CheckRow("The victim consented to sharing", (yes_no.get(referral.has_consent, "No"),), DETAILS, "has_consent"),
    ]
    if not referral.has_consent:
        consent += [
            CheckRow(
                "Lawful basis for sharing", _lines(LAWFUL_BASES.get(referral.lawful_basis)), DETAILS, "lawful_basis"
            ),
            CheckRow("Why share without consent", _lines(referral.sharing_reason), DETAILS, "sharing_reason"),
        ]
    consent.append(
        CheckRow("Previous MARACs in other areas", _lines(referral.previous_maracs), DETAILS, "previous_maracs")
    )
    sections.append(("Consent", consent))
    sections.append(("DASH risk assessment", _dash_rows(referral)))
    return sections


def _dash_rows(referral):
    """The DASH the referral carries: one already on the case, or each answer of its own."""
    if assessment_id := referral.draft.get("use_assessment_id"):
        used = db.session.get(RiskAssessment, assessment_id)
        text = f"The DASH already on the case: score {used.score} of {len(risk_scoring.QUESTIONS)}, {used.level} risk"
        return [CheckRow("DASH", (text, used.assessed_on), DASH, "use_assessment_id")]
    saved = referral.draft.get("dash")
    if not saved:
        return [CheckRow("DASH", (), DASH, "assessed_on-day")]
    answers = saved.get("answers") or {}
    rows = [
        CheckRow("Date of the DASH", _lines(_iso(saved.get("assessed_on"))), DASH, "assessed_on-day"),
        CheckRow("Assessor's name", _lines(saved.get("assessor_name")), DASH, "assessor_name"),
    ]
    for number, question in risk_scoring.QUESTIONS.items():
        given = answers.get(str(number)) or {}
        lines = [risk_scoring.ANSWER_LABELS.get(given.get("answer"), "Not answered")]
        if given.get("source"):
            lines.append(f"Source: {given['source']}")
        if given.get("comment"):
            lines.append(f"Comment: {given['comment']}")
        if number == risk_scoring.FEARS_QUESTION and saved.get("fears_detail"):
            lines.append(f"Afraid of: {saved['fears_detail']}")
        rows.append(CheckRow(f"{number}. {question}", tuple(lines), DASH, f"q{number}"))
    return rows


# After sending

TRIAGE_WORKING_DAYS = 2  # the coordinator's triage of a new referral, as the confirmation tells the referrer


def what_happens_next(referral, first_contact_working_days):
    """The days the confirmation gives the referrer: by when the coordinator triages the referral
    and an IDVA first tries to contact the victim (working days from the day it was sent)."""
    sent_on = uk_date(referral.submitted_at) if referral.submitted_at else uk_today()
    return {
        "triage_by": workdays.add_working_days(sent_on, TRIAGE_WORKING_DAYS),
        "first_contact_by": workdays.add_working_days(sent_on, first_contact_working_days),
    }
