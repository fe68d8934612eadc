"""Hostile values where a form wants a date, a number or a percentage, and hostile characters in
every text field, through every form of the app: never a server error, and a value the form
refuses is named in GOV.UK's error summary, linked to its box. Also the sign-in page's `next`."""

import pytest

from tests.helpers import csrf_from
from tests.security.estate import caseload_forms, every_form
from tests.security.forms_walk import answers, current_form, is_text

HUGE = "9" * 40
# (day, month, year) put in every date of a form at once; each must be refused.
DATES = {
    "a huge day": (HUGE, "3", "2020"),
    "a huge month": ("1", HUGE, "2020"),
    "a huge year": ("1", "3", HUGE),
    "a five-digit year": ("1", "3", "20200"),
    "the year 1": ("1", "3", "0001"),
    "the year 9999": ("31", "12", "9999"),
    "a superscript day": ("²", "3", "2020"),
    "a superscript year": ("1", "3", "²⁰²⁰"),
    "Arabic-Indic digits": ("١", "٣", "٢٠٢٠"),
    "a NUL": ("1\x00", "3", "2020"),
}
# Put in every number and percentage box of a form at once; none is a number any box takes.
NUMBERS = ("²", "1" + "0" * 26, "1e26", "sNaN", "NaN", "inf", "-Infinity", "-1", "1\x00", "٣", HUGE * 200)
# Put in every text box of a form at once.
NUL = "before\x00after"
CONTROL = "bell\x07escape\x1b[31mred\x1b[0m\x08\x7f"
LONG = "long " * 4_200  # 21,000 characters: more than any box takes (the longest, minutes, 20,000)


def _forms(app, estate):
    """(client, page, action, form) for every form of the app with a text box: the all-roles
    user's, and the IDVA caseload's (an IDVA manager's)."""
    found = []
    everything, pages = every_form(app, estate)
    found += [(everything, *page) for page in pages]
    manager, pages = caseload_forms(app, estate)
    found += [(manager, *page) for page in pages if page[1].startswith("/caseload/")]
    return found


def _boxes(form):
    return [field for field in form.fields if is_text(field) and "password" not in field.name]


def _date_boxes(form):
    """{the date's name: its day box's id} for every three-box date of the form."""
    return {field.name: field.id for field in _boxes(form) if (field.id or "").endswith("-day")}


def _number_boxes(form):
    dates = set(_date_boxes(form))
    return [field for field in _boxes(form) if field.inputmode in ("numeric", "decimal") and field.name not in dates]


def _refused_at(response, box_ids):
    """The boxes a refused answer should have been named at, that the error summary does not link to."""
    body = response.get_data(as_text=True)
    if response.status_code in (301, 302, 303) or "govuk-error-summary" not in body:
        return ["not refused"]
    return [box for box in box_ids if f'href="#{box}"' not in body]


def _post(client, url, action, form, **kwargs):
    return client.post(action, data=answers(current_form(client, url, action, form), **kwargs))


def test_every_date_refuses_impossible_parts_with_an_error_message(app, estate):
    forms = [(client, url, action, form) for client, url, action, form in _forms(app, estate) if _date_boxes(form)]
    assert len(forms) >= 15, [action for _c, _u, action, _f in forms]
    failures = []
    for kind, (day, month, year) in DATES.items():
        for client, url, action, form in forms:
            dates = _date_boxes(form)
            parts = {}
            for name in dates:
                stem = dates[name].removesuffix("-day")
                parts.update({f"{stem}-day": day, f"{stem}-month": month, f"{stem}-year": year})
            response = _post(client, url, action, form, by_id=parts)
            if response.status_code >= 500:
                failures.append((kind, action, response.status_code))
            elif missing := _refused_at(response, dates.values()):
                failures.append((kind, action, missing))
    assert not failures, failures


def test_every_number_and_percentage_is_bounded(app, estate):
    forms = [(client, url, action, form) for client, url, action, form in _forms(app, estate) if _number_boxes(form)]
    actions = {action for _c, _u, action, _f in forms}
    for wanted in ("/referrals/new", "/meetings/schedule", "/admin/areas/new", "/auth/tokens", "planned-minutes"):
        assert any(wanted in action for action in actions), (wanted, actions)
    assert any("/fte" in action for action in actions) and any("/risk/new" in action for action in actions)
    failures = []
    for value in NUMBERS:
        for client, url, action, form in forms:
            boxes = _number_boxes(form)
            response = _post(client, url, action, form, by_id={box.id: value for box in boxes})
            if response.status_code >= 500:
                failures.append((value[:20], action, response.status_code))
            elif missing := _refused_at(response, [box.id for box in boxes]):
                failures.append((value[:20], action, missing))
    assert not failures, failures


def _expected_link(field):
    # GOV.UK links a date's error to its day box.
    for part in ("-month", "-year"):
        if field.id.endswith(part):
            return field.id.removesuffix(part) + "-day"
    return field.id


@pytest.mark.parametrize(
    ("kind", "value", "refused"),
    [("a NUL character", NUL, True), ("over-long text", LONG, True), ("control characters", CONTROL, False)],
)
def test_every_text_box_refuses_what_cannot_be_kept(app, estate, kind, value, refused):
    """A NUL (PostgreSQL cannot keep one) and text longer than the box takes are refused with a
    message at the box, never dropped or cut silently; control characters never cause an error."""
    failures = []
    forms = _forms(app, estate)
    assert len(forms) >= 30
    for client, url, action, form in forms:
        boxes = _boxes(form)
        if not boxes:
            continue
        response = _post(client, url, action, form, by_id={box.id: value for box in boxes})
        if response.status_code >= 500:
            failures.append((action, response.status_code))
        elif refused and (missing := _refused_at(response, sorted({_expected_link(box) for box in boxes}))):
            failures.append((action, missing))
        elif (
            not refused and response.status_code == 200 and "govuk-error-summary" not in response.get_data(as_text=True)
        ):
            failures.append((action, "refused without an error message"))
    assert not failures, failures


NEXT_VALUES = [
    "/%0D%0A//evil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "/\t/evil.example",
    "/%09/evil.example",
    "//evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%00",
    "/cases\x7f",
]


@pytest.mark.parametrize("target", NEXT_VALUES)
def test_sign_in_never_follows_a_next_that_is_not_a_plain_path(app, make, target):
    person = make.user()
    client = app.test_client()
    token = csrf_from(client.get(f"/auth/login?next={target}").get_data(as_text=True))
    response = client.post(
        f"/auth/login?next={target}", data={"email": person.email, "password": person.password, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/", response.headers["Location"]


def test_sign_in_follows_a_plain_path(app, make):
    person = make.user()
    client = app.test_client()
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login?next=/cases%3Fpage%3D2",
        data={"email": person.email, "password": person.password, "csrf_token": token},
    )
    assert response.headers["Location"] == "/cases?page=2"
