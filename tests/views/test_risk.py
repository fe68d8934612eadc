"""Risk assessments of a case: the DASH form (drafts, completion, bad answers, corrections, two
people editing a draft), other tools' results, and the query budget of the case and risk pages.

The scoring itself is unit-tested in tests/unit/test_dash.py; here is what a user sees and keeps."""

import re
from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marac.services import agenda, assessments
from marac.templating import govuk_date
from models import AgencyKind, AssessmentStatus, AuditEvent, Case, Meeting, RiskAssessment, Role, User, db
from models.clock import uk_today
from models.risk import QUESTIONS
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory, dash_answers, stored_answers
from tests.helpers import counted_queries, csrf_from, signed_in
from tests.pages import date_boxes, error_summary, field_errors, field_values, version_field

# The SQL statements the pages run for a coordinator, whatever the number of assessments
# (measured with counted_queries, on SQLite and PostgreSQL alike): the session, the user's roles
# and areas, the case, the audit event of the view, the victim and other names, the latest level,
# the last referral (repeat flag), the perpetrators and their other names, the serial-perpetrator
# check, the children, the unread notifications; the overview adds the victim's other cases (also
# known to MARAC) and the victim's voice; the risk page adds the assessments and their agencies.
QUERY_BUDGET = {"": 16, "/risk": 16}


@pytest.fixture
def build(app):
    return CaseFactory(app)


@pytest.fixture
def setting(app, make, build):
    area = make.area()
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[area.id])
    housing = make.agency(kind=AgencyKind.HOUSING, area_ids=[area.id])
    case = build.case(area.id, agency_ids=[police.id])
    idva = make.user(Role.IDVA, area_ids=[area.id])
    build.allocate(case.id, idva.id)
    return SimpleNamespace(
        area=area,
        police=police,
        case=case,
        coordinator=make.user(Role.COORDINATOR, agency_id=police.id, area_ids=[area.id]),
        idva=idva,
        police_rep=make.user(Role.AGENCY_REP, agency_id=police.id, area_ids=[area.id]),
        housing_rep=make.user(Role.AGENCY_REP, agency_id=housing.id, area_ids=[area.id]),
        url=f"/cases/{case.id}",
    )


def _assessments(app, case_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(RiskAssessment).where(RiskAssessment.case_id == case_id).order_by(RiskAssessment.id)
        ).all()


def _events(app, event, **filters):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).filter_by(event=event, **filters).order_by(AuditEvent.id)).all()


YESTERDAY = uk_today() - timedelta(days=1)


def _dash(answers, *, button="complete", **fields):
    """What the DASH form posts: the answers, the details, and which button was pressed."""
    data = {
        "assessed_on": date_boxes(YESTERDAY),
        "assessor_name": "Indra Advisor",
        "fears_detail": "That he will kill her, and take the children",
        **answers,
        **fields,
    }
    data["complete" if button == "complete" else "save_draft"] = "y"
    return data


def _post_dash(browser, url, data):
    """Open the form at `url` and send it as a browser would: what the page shows, with `data`
    typed over it."""
    page = browser.get(url).get_data(as_text=True)
    assert "version" in field_values(page), page
    return browser.post(url, data={**field_values(page), **data})


def _legends(html):
    return [unescape(" ".join(text.split())) for text in re.findall(r"<legend[^>]*>(.*?)</legend>", html, re.DOTALL)]


def test_the_dash_form_asks_every_question_in_order(app, setting):
    browser = signed_in(app, setting.idva.email)
    html = browser.get(f"{setting.url}/risk/new").get_data(as_text=True)
    asked = [legend for legend in _legends(html) if re.match(r"\d+\. ", legend)]
    assert asked == [f"{number}. {label}" for number, label in QUESTIONS.items()]
    # Each question's radios are labelled by it, and by no empty hint.
    assert 'aria-describedby="q1-hint"' not in html and '<div id="q1-hint"' not in html


def test_completing_a_dash_scores_it_and_shows_why_it_meets_the_criteria(app, setting):
    browser = signed_in(app, setting.idva.email)
    setting_url = setting.url
    html = browser.get(f"{setting_url}/risk/new").get_data(as_text=True)
    assert "No completed risk assessment" in html
    assert field_values(html)["assessor_name"]  # the assessor is filled in: the user

    response = _post_dash(browser, f"{setting_url}/risk/new", _dash(dash_answers(15), incidents_in_window="1"))

    assert response.status_code == 302
    (assessment,) = _assessments(app, setting.case.id)
    assert response.headers["Location"] == f"{setting_url}/risk/{assessment.id}"
    assert (assessment.status, assessment.score, assessment.level) == ("completed", 15, "high")
    assert assessment.assessed_on == YESTERDAY
    assert assessment.fears_detail == "That he will kill her, and take the children"
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Assessment completed: 15 Yes answers, high risk." in html
    assert "Score 15 of 24" in html
    assert "Visible high risk</strong>: 15 Yes answers, at or above the area&#39;s threshold of 14" in html
    assert "Potential escalation" not in html
    assert "Afraid of: <bdi>That he will kill her, and take the children</bdi>" in html
    # The identity bar of every case page now shows the level.
    assert '<strong class="govuk-tag govuk-tag--red">High risk</strong>' in browser.get(setting_url).get_data(
        as_text=True
    )
    (event,) = _events(app, "assessment.completed", record_id=setting.case.id)
    assert event.detail == {"assessment_id": assessment.id, "score": 15, "level": "high"}


def test_missing_answers_are_each_named_and_everything_given_is_kept(app, setting):
    browser = signed_in(app, setting.coordinator.email)
    answers = dash_answers(3, no=7)  # questions 1-10 answered, 11-24 not
    data = _dash(
        answers,
        fears_detail="",
        incidents_in_window="2",
        judgement_reasons="Escalating since she left",
        q2_comment="Shaking when we spoke",
        q5_source="Her GP",
    )

    response = _post_dash(browser, f"{setting.url}/risk/new", data)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    errors = field_errors(html)
    expected = {f"q{n}": f"Select an answer to question {n}" for n in range(11, 25)}
    expected["fears_detail"] = "Enter what they are afraid of, and for whom"
    assert errors == expected
    assert len(error_summary(html)) == 15
    values = field_values(html)
    for number in range(1, 11):
        assert values[f"q{number}"] == answers[f"q{number}"]
    assert values["q2_comment"] == "Shaking when we spoke"
    assert values["q5_source"] == "Her GP"
    assert values["judgement_reasons"] == "Escalating since she left"
    assert values["incidents_in_window"] == "2"
    assert values["assessed_on"] == date_boxes(YESTERDAY)
    # Nothing is stored: not a completed assessment, not an empty draft.
    assert _assessments(app, setting.case.id) == []


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date_boxes(uk_today() + timedelta(days=1)), "Date of the assessment must be today or in the past"),
        (["31", "6", str(YESTERDAY.year - 1)], "Date of the assessment must be a real date"),
        (["", "", ""], "Enter the date of the assessment"),
        (["31", "12", "2002"], "The date of the assessment must be in 2003 or later, when MARACs began"),
    ],
    ids=["tomorrow", "31 June", "blank", "before MARAC"],
)
def test_the_date_of_the_assessment_must_be_real_and_not_in_the_future(app, setting, day, message):
    browser = signed_in(app, setting.coordinator.email)
    response = _post_dash(browser, f"{setting.url}/risk/new", _dash(dash_answers(15), assessed_on=day))
    html = response.get_data(as_text=True)
    assert field_errors(html) == {"assessed_on": message}
    values = field_values(html)
    assert [values[f"q{n}"] for n in range(1, 25)] == ["yes"] * 15 + ["no"] * 9
    assert values["assessed_on"] == day
    assert _assessments(app, setting.case.id) == []


def test_professional_judgement_needs_reasons(app, setting):
    browser = signed_in(app, setting.coordinator.email)
    data = _dash(dash_answers(5), judged_level="high", judgement_reasons="  ")
    html = _post_dash(browser, f"{setting.url}/risk/new", data).get_data(as_text=True)
    assert field_errors(html) == {"judgement_reasons": "Enter the reasons for your professional judgement"}
    assert field_values(html)["judged_level"] == "high"
    assert _assessments(app, setting.case.id) == []


@pytest.mark.parametrize("judged", ["standard", "medium"])
def test_professional_judgement_cannot_lower_a_visible_high_risk(app, setting, judged):
    browser = signed_in(app, setting.coordinator.email)
    data = _dash(dash_answers(15), judged_level=judged, judgement_reasons="She says things are calmer")
    html = _post_dash(browser, f"{setting.url}/risk/new", data).get_data(as_text=True)
    assert field_errors(html) == {
        "judged_level": "Professional judgement can raise the risk level but not lower it: "
        "the score already shows high risk"
    }
    values = field_values(html)
    assert values["judged_level"] == judged
    assert values["judgement_reasons"] == "She says things are calmer"
    assert _assessments(app, setting.case.id) == []


def test_professional_judgement_and_escalation_can_raise_a_low_score(app, setting):
    browser = signed_in(app, setting.coordinator.email)
    data = _dash(
        dash_answers(5),
        judged_level="high",
        judgement_reasons="Threats to kill after she left",
        incidents_in_window="3",
    )
    response = _post_dash(browser, f"{setting.url}/risk/new", data)
    assert response.status_code == 302
    (assessment,) = _assessments(app, setting.case.id)
    assert (assessment.score, assessment.level) == (5, "high")
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Score 5 of 24 · High risk" in html
    assert "Visible high risk" not in html
    assert "Professional judgement</strong>" in html and "Threats to kill after she left" in html
    assert "Potential escalation</strong>: 3 incidents in the past 12 months" in html


def test_a_draft_can_be_saved_with_gaps_and_finished_later(app, setting):
    browser = signed_in(app, setting.idva.email)
    response = _post_dash(
        browser,
        f"{setting.url}/risk/new",
        _dash(
            dash_answers(2, no=3), button="draft", assessed_on=["", "", ""], fears_detail="", q4_comment="Moved away"
        ),
    )
    assert response.status_code == 302
    (draft,) = _assessments(app, setting.case.id)
    assert draft.status == AssessmentStatus.DRAFT and draft.assessed_on is None
    assert {n: a["answer"] for n, a in draft.answers.items()} == {
        "1": "yes",
        "2": "yes",
        "3": "no",
        "4": "no",
        "5": "no",
    }
    assert _events(app, "assessment.draft_saved", record_id=setting.case.id)

    risk = browser.get(f"{setting.url}/risk").get_data(as_text=True)
    assert "Draft</strong>" in risk and "Not dated" in risk
    assert "No completed risk assessment" in risk  # a draft sets no level

    draft_url = f"{setting.url}/risk/{draft.id}"
    page = browser.get(draft_url).get_data(as_text=True)
    values = field_values(page)
    assert [values.get(f"q{n}") for n in range(1, 7)] == ["yes", "yes", "no", "no", "no", None]
    assert values["q4_comment"] == "Moved away"

    finished = _post_dash(browser, draft_url, _dash(dash_answers(14)))
    assert finished.status_code == 302
    (completed,) = _assessments(app, setting.case.id)
    assert completed.id == draft.id
    assert (completed.status, completed.score, completed.level) == ("completed", 14, "high")


def test_a_completed_assessment_is_never_changed(app, setting, build):
    (assessment_id,) = build.completed_dashes(setting.case.id, 1, yes=15)
    browser = signed_in(app, setting.coordinator.email)
    url = f"{setting.url}/risk/{assessment_id}"
    page = browser.get(url).get_data(as_text=True)
    assert "Correct this assessment" in page
    assert 'name="q1"' not in page  # shown, not offered as a form

    for button in ("complete", "draft"):
        response = browser.post(url, data={**_dash(dash_answers(3), button=button), "csrf_token": csrf_from(page)})
        assert response.status_code == 405
    (assessment,) = _assessments(app, setting.case.id)
    assert (assessment.score, assessment.level, assessment.answers) == (15, "high", stored_answers(15))


def test_a_correction_is_a_new_assessment_with_a_reason_and_both_stay_in_the_history(app, setting, build):
    (original_id,) = build.completed_dashes(setting.case.id, 1, yes=13, first_on=YESTERDAY)
    browser = signed_in(app, setting.coordinator.email)
    url = f"{setting.url}/risk/new?corrects={original_id}"

    page = browser.get(url).get_data(as_text=True)
    assert "This corrects the assessment of " in page and "The original stays in the history." in page
    values = field_values(page)
    assert [values[f"q{n}"] for n in range(1, 25)] == ["yes"] * 13 + ["no"] * 11  # starts from the original
    assert values["assessed_on"] == date_boxes(YESTERDAY)

    corrected = {**dash_answers(13), "q14": "yes"}  # question 14 was recorded as No in error
    no_reason = _post_dash(browser, url, _dash(corrected)).get_data(as_text=True)
    assert field_errors(no_reason) == {"correction_reason": "Enter why this assessment is being corrected"}
    assert field_values(no_reason)["q14"] == "yes"
    assert [a.id for a in _assessments(app, setting.case.id)] == [original_id]  # nothing half-done

    reason = "Question 14 was recorded as No in error"
    response = _post_dash(browser, url, _dash(corrected, correction_reason=reason))
    assert response.status_code == 302
    original, correction = _assessments(app, setting.case.id)
    assert (original.id, original.score, original.level, original.status) == (original_id, 13, "medium", "completed")
    assert original.answers == stored_answers(13)
    assert (correction.corrects_id, correction.score, correction.level) == (original_id, 14, "high")
    assert correction.correction_reason == reason

    risk = browser.get(f"{setting.url}/risk").get_data(as_text=True)
    rows = risk.split('<tbody class="govuk-table__body">')[-1]
    assert rows.count(f"/risk/{original_id}") == 1 and rows.count(f"/risk/{correction.id}") == 1
    original_row = rows.split(f"/risk/{original_id}")[1].split("</tr>")[0]
    correction_row = rows.split(f"/risk/{correction.id}")[1].split("</tr>")[0]
    assert "Corrected</strong>" in original_row and "Medium risk" in original_row
    assert "A correction" in correction_row and "High risk" in correction_row
    # The chart of scores over time counts the corrected one only.
    chart_table = risk.split("DASH scores</caption>")[1].split("</table>")[0]
    assert ">14<" in chart_table and ">13<" not in chart_table
    assert "Why it was corrected" in browser.get(f"{setting.url}/risk/{correction.id}").get_data(as_text=True)
    assert '<strong class="govuk-tag govuk-tag--red">High risk</strong>' in browser.get(setting.url).get_data(
        as_text=True
    )


def test_the_current_level_comes_from_the_correction_even_when_it_moves_the_date_back(app, setting, build):
    """A correction of the date as well as the answers: the corrected original no longer counts,
    so the case shows the correction's level, here standard, not the original's high."""
    (original_id,) = build.completed_dashes(setting.case.id, 1, yes=15, first_on=YESTERDAY)
    browser = signed_in(app, setting.coordinator.email)
    url = f"{setting.url}/risk/new?corrects={original_id}"
    data = _dash(
        dash_answers(5),
        assessed_on=date_boxes(YESTERDAY - timedelta(days=10)),
        correction_reason="Entered against the wrong date and the wrong victim's answers",
    )
    assert _post_dash(browser, url, data).status_code == 302

    overview = browser.get(setting.url).get_data(as_text=True)
    identity = overview.split('<nav class="moj-sub-navigation"')[0]
    assert "Standard risk" in identity and "High risk" not in identity
    cases_list = browser.get("/cases").get_data(as_text=True)
    assert "Standard risk" in cases_list and "High risk" not in cases_list


def test_only_a_completed_dash_of_this_case_can_be_corrected(app, setting, build):
    draft = build.draft(setting.case.id, answers=stored_answers(3))
    browser = signed_in(app, setting.coordinator.email)
    assert browser.get(f"{setting.url}/risk/new?corrects={draft.id}").status_code == 404
    assert browser.get(f"{setting.url}/risk/new?corrects=99999999").status_code == 404


def test_two_people_finishing_one_draft_the_second_is_told_and_nothing_is_overwritten(app, setting, build):
    draft = build.draft(setting.case.id, answers=stored_answers(2), assessed_on=YESTERDAY)
    url = f"{setting.url}/risk/{draft.id}"
    first = signed_in(app, setting.coordinator.email)
    second = signed_in(app, setting.idva.email)
    first_page = first.get(url).get_data(as_text=True)
    second_page = second.get(url).get_data(as_text=True)

    saved = first.post(
        url,
        data={
            **_dash(dash_answers(4, no=2), button="draft"),
            "version": version_field(first_page),
            "csrf_token": csrf_from(first_page),
        },
    )
    assert saved.status_code == 302
    clash = second.post(
        url,
        data={**_dash(dash_answers(16)), "version": version_field(second_page), "csrf_token": csrf_from(second_page)},
    )
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Someone else saved this draft while you were editing it" in html
    values = field_values(html)
    assert [values[f"q{n}"] for n in range(1, 25)] == ["yes"] * 16 + ["no"] * 8  # their answers, kept
    (assessment,) = _assessments(app, setting.case.id)
    assert assessment.status == "draft" and len(assessment.answers) == 6  # the first one's save

    again = second.post(
        url, data={**_dash(dash_answers(16)), "version": version_field(html), "csrf_token": csrf_from(html)}
    )
    assert again.status_code == 302
    (assessment,) = _assessments(app, setting.case.id)
    assert (assessment.status, assessment.score) == ("completed", 16)


def test_an_agency_rep_assesses_only_cases_their_agency_is_part_of(app, setting):
    rep = signed_in(app, setting.police_rep.email)
    assert _post_dash(rep, f"{setting.url}/risk/new", _dash(dash_answers(10))).status_code == 302
    (assessment,) = _assessments(app, setting.case.id)
    assert (assessment.level, assessment.agency_id) == ("medium", setting.police.id)

    outsider = signed_in(app, setting.housing_rep.email)
    assert outsider.get(f"{setting.url}/risk/new").status_code == 404
    assert outsider.get(f"{setting.url}/risk/{assessment.id}").status_code == 404
    token = csrf_from(outsider.get("/").get_data(as_text=True))
    response = outsider.post(
        f"{setting.url}/risk/new", data={**_dash(dash_answers(20)), "version": "1", "csrf_token": token}
    )
    assert response.status_code == 404
    assert len(_assessments(app, setting.case.id)) == 1


# Other tools


@pytest.mark.parametrize(("tool", "label"), [("police_dash", "Police DASH (27 questions)"), ("dara", "DARA")])
def test_another_tools_result_is_recorded_with_its_level_source_and_rationale(app, setting, tool, label):
    browser = signed_in(app, setting.police_rep.email)
    page = browser.get(f"{setting.url}/risk/other").get_data(as_text=True)
    answers = {
        "tool": tool,
        "level": "high",
        "assessed_on": date_boxes(YESTERDAY),
        "source": "PC 4471, Testshire Police",
        "rationale": "Strangulation reported at first response",
        "csrf_token": csrf_from(page),
    }
    response = browser.post(f"{setting.url}/risk/other", data=answers)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{setting.url}/risk"
    (result,) = _assessments(app, setting.case.id)
    assert (result.tool, result.level, result.status, result.score) == (tool, "high", "completed", None)
    assert (result.source, result.rationale) == (
        "PC 4471, Testshire Police",
        "Strangulation reported at first response",
    )

    risk = browser.get(f"{setting.url}/risk").get_data(as_text=True)
    row = risk.split(f"/risk/{result.id}")[1].split("</tr>")[0]
    assert label in row and "High risk" in row
    shown = browser.get(f"{setting.url}/risk/{result.id}").get_data(as_text=True)
    assert "<bdi>PC 4471, Testshire Police</bdi>" in shown
    assert "<bdi>Strangulation reported at first response</bdi>" in shown
    assert "Correct this assessment" not in shown  # corrections are for our own DASH
    (event,) = _events(app, "assessment.recorded", record_id=setting.case.id)
    assert event.detail == {"assessment_id": result.id, "tool": tool, "lowered": False}


def test_another_tools_result_needs_every_answer(app, setting):
    browser = signed_in(app, setting.coordinator.email)
    page = browser.get(f"{setting.url}/risk/other").get_data(as_text=True)
    response = browser.post(
        f"{setting.url}/risk/other",
        data={
            "source": "PC 4471",
            "assessed_on": date_boxes(uk_today() + timedelta(days=3)),
            "csrf_token": csrf_from(page),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_errors(html) == {
        "tool": "Select the risk tool",
        "level": "Select the risk level",
        "assessed_on": "Date of the assessment must be today or in the past",
        "rationale": "Enter the rationale for the risk level",
    }
    assert field_values(html)["source"] == "PC 4471"
    assert _assessments(app, setting.case.id) == []


# A newer result that lowers the level


def _other_tool(browser, url, level, on, **fields):
    page = browser.get(f"{url}/risk/other").get_data(as_text=True)
    answers = {
        "tool": "dara",
        "level": level,
        "assessed_on": date_boxes(on),
        "source": "PC 4471, Testshire Police",
        "rationale": "Risk assessed at first response",
        "csrf_token": csrf_from(page),
        **fields,
    }
    return browser.post(f"{url}/risk/other", data=answers)


def test_another_tools_result_dated_before_marac_existed_is_refused(app, setting):
    browser = signed_in(app, setting.coordinator.email)
    html = _other_tool(browser, setting.url, "high", date(2002, 12, 31)).get_data(as_text=True)
    before_marac = "The date of the assessment must be in 2003 or later, when MARACs began"
    assert field_errors(html) == {"assessed_on": before_marac}
    assert field_values(html)["source"] == "PC 4471, Testshire Police"
    assert _assessments(app, setting.case.id) == []


def _header(html):
    """The case's identity bar, as text."""
    bar = html.split('class="moj-identity-bar ', 1)[1].split('<nav class="moj-sub-navigation"')[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", "", bar)).split())


def test_a_lower_result_must_say_what_has_changed_and_the_header_shows_the_lowering(app, setting, build):
    dash_on = uk_today() - timedelta(days=5)
    build.completed_dashes(setting.case.id, 1, yes=20, first_on=dash_on, agency_id=setting.police.id)
    listed = ActionFactory(app).meeting(setting.area.id, uk_today() + timedelta(days=7), case_ids=[setting.case.id])
    browser = signed_in(app, setting.police_rep.email)
    form = browser.get(f"{setting.url}/risk/other").get_data(as_text=True)
    assert "The case's current level is <strong>high risk</strong>" in form
    assert 'data-marac-values="standard medium"' in form  # shown for a lower level only (with JavaScript)

    refused = _other_tool(browser, setting.url, "medium", YESTERDAY)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert field_errors(html) == {"what_changed": "Enter what has changed since the last assessment"}
    assert error_summary(html) == ["Enter what has changed since the last assessment"]
    assert field_values(html)["rationale"] == "Risk assessed at first response"  # nothing typed is lost
    assert len(_assessments(app, setting.case.id)) == 1
    assert _header(browser.get(setting.url).get_data(as_text=True)).count("High risk") == 1

    reason = "The perpetrator was remanded in custody <until trial>"
    assert _other_tool(browser, setting.url, "medium", YESTERDAY, what_changed=reason).status_code == 302
    dara = _assessments(app, setting.case.id)[-1]
    assert (dara.level, dara.lowered_from, dara.what_changed) == ("medium", "high", reason)
    page = browser.get(setting.url).get_data(as_text=True)
    assert "Medium risk" in _header(page) and "High risk" not in _header(page)
    assert (
        f"Medium, lowered from High on {govuk_date(YESTERDAY)} (DARA, {setting.police.name}): "
        "The perpetrator was remanded in custody <until trial>"
    ) in _header(page)
    assert "&lt;until trial&gt;" in page  # typed text is escaped
    risk = browser.get(f"{setting.url}/risk").get_data(as_text=True)
    assert "Lowered from high" in risk.split(f"/risk/{dara.id}")[1].split("</tr>")[0]
    (event,) = _events(app, "assessment.recorded", record_id=setting.case.id)
    assert event.detail == {"assessment_id": dara.id, "tool": "dara", "lowered": True}

    # The case stays on the meeting's list it is on, and a rebuild of the list keeps it there.
    with app.app_context():
        meeting = db.session.get(Meeting, listed.id)
        agenda.build(meeting)
        db.session.commit()
        assert [item.case_id for item in agenda.items(meeting.id)] == [setting.case.id]


@pytest.mark.parametrize(
    ("dash_yes", "level", "shown"),
    [(20, "high", "High risk"), (11, "high", "High risk"), (11, "medium", "Medium risk")],
)
def test_a_result_at_the_same_or_a_higher_level_simply_becomes_current(app, setting, build, dash_yes, level, shown):
    build.completed_dashes(setting.case.id, 1, yes=dash_yes, first_on=uk_today() - timedelta(days=5))
    browser = signed_in(app, setting.coordinator.email)
    assert _other_tool(browser, setting.url, level, YESTERDAY).status_code == 302
    header = _header(browser.get(setting.url).get_data(as_text=True))
    assert shown in header and "lowered" not in header
    assert _assessments(app, setting.case.id)[-1].lowered_from is None


def test_an_older_lower_result_needs_no_reason_and_does_not_become_current(app, setting, build):
    build.completed_dashes(setting.case.id, 1, yes=20, first_on=YESTERDAY)
    browser = signed_in(app, setting.coordinator.email)
    assert _other_tool(browser, setting.url, "standard", YESTERDAY - timedelta(days=30)).status_code == 302
    header = _header(browser.get(setting.url).get_data(as_text=True))
    assert "High risk" in header and "lowered" not in header


def test_a_result_on_the_same_day_as_the_current_one_is_the_newer(app, setting, build):
    build.completed_dashes(setting.case.id, 1, yes=20, first_on=YESTERDAY)
    browser = signed_in(app, setting.coordinator.email)
    refused = _other_tool(browser, setting.url, "standard", YESTERDAY)
    assert "what_changed" in field_errors(refused.get_data(as_text=True))
    assert _other_tool(browser, setting.url, "standard", YESTERDAY, what_changed="Moved to a refuge").status_code == 302
    assert "Standard, lowered from High" in _header(browser.get(setting.url).get_data(as_text=True))


def test_the_service_refuses_an_unexplained_lowering_whoever_calls_it(app, setting, build):
    build.completed_dashes(setting.case.id, 1, yes=20, first_on=YESTERDAY - timedelta(days=1))
    with app.app_context():
        case = db.session.get(Case, setting.case.id)
        user = db.session.get(User, setting.coordinator.id)
        data = {"tool": "dara", "level": "medium", "assessed_on": YESTERDAY, "source": "PC 1", "rationale": "R"}
        with pytest.raises(ValueError, match="Enter what has changed"):
            assessments.record_other_tool(case, {**data, "what_changed": "  "}, user)
        assert assessments.current(case.id).level == "high"


# Query budget


@pytest.mark.parametrize("page", list(QUERY_BUDGET), ids=["case", "risk"])
def test_case_and_risk_pages_run_the_same_queries_for_1_or_200_assessments(app, make, build, page):
    area = make.area()
    police = make.agency(area_ids=[area.id])
    coordinator = make.user(Role.COORDINATOR, agency_id=police.id, area_ids=[area.id])
    browser = signed_in(app, coordinator.email)
    counts = {}
    for number in (1, 200):
        case = build.case(area.id, agency_ids=[police.id])
        build.completed_dashes(case.id, number, agency_id=police.id)
        url = f"/cases/{case.id}{page}"
        assert browser.get(url).status_code == 200  # the first visit of a session may do more
        with counted_queries(app) as statements:
            html = browser.get(url).get_data(as_text=True)
        counts[number] = len(statements)
        if page == "/risk":
            listed = set(re.findall(rf'href="/cases/{case.id}/risk/(\d+)"', html))
            assert len(listed) == number  # every assessment is listed
    assert counts[1] == counts[200], counts
    assert counts[200] <= QUERY_BUDGET[page], counts
