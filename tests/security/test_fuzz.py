"""A Hypothesis fuzz of every form the app offers: whatever is typed or chosen, whatever extra or
missing fields arrive, the answer is never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import sign_in
from tests.security import estate as estate_module
from tests.security.forms_walk import answers, form_pages, is_text, post_forms

EXAMPLES_PER_FORM = 12

# Text as people (and attackers) type it: any character, including NUL, controls, surrogate-free
# astral planes, combining marks and direction overrides.
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
NUMBERISH = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63).map(str), st.sampled_from(["", " ", "1e9", "0x10", "١٢", "NaN"])
)


@pytest.fixture
def estate(app, make):
    return estate_module.build(app, make)


def _fuzzed(form, data):
    values = answers(form)
    for field in form.fields:
        if field.name in ("csrf_token",):
            continue
        if is_text(field):
            values.setlist(field.name, [data.draw(st.one_of(TEXT, NUMBERISH), label=field.name)])
        elif field.kind in ("select", "radio", "checkbox"):
            offered = [other.value for other in form.fields if other.name == field.name and other.kind != "select"]
            offered += getattr(field, "options", [])
            choice = data.draw(st.one_of(st.sampled_from(offered or [""]), TEXT, st.just(None)), label=field.name)
            if choice is None:
                values.poplist(field.name)
            else:
                values.setlist(field.name, [choice])
        elif field.kind == "hidden" and field.name == "version":
            values.setlist("version", [data.draw(st.one_of(st.just(field.value), NUMBERISH), label="version")])
    return values


def test_no_form_answers_with_a_server_error(app, estate):
    client = app.test_client()
    sign_in(client, estate.users.everything.email)
    value_sets = [
        estate_module.url_values(
            estate,
            case_id=estate.cases.police.id,
            meeting_id=estate.meetings.home,
            referral_id=referral,
            action_id=estate.actions.police,
            agency_id=estate.agencies.police.id,
        )
        for referral in (estate.referrals.police, estate.referrals.draft)
    ]
    pages = form_pages(app, client, *value_sets)
    assert len(pages) >= 25
    failures = []
    for url, action, form in pages:
        if action.startswith("/auth/"):  # sign-in pages: a wrong password or code is the only outcome
            continue
        _fuzz_form(client, url, action, form, failures)
    assert not failures, sorted(set(failures))


def _fuzz_form(client, url, action, form, failures):
    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        page = client.get(url).get_data(as_text=True)
        current = next((found for found in post_forms(page) if (found.action or url) == action), form)
        response = client.post(action, data=_fuzzed(current, data))
        if response.status_code >= 500:
            failures.append((action, response.status_code))
        assert response.status_code < 500, action

    try:
        fuzz()
    except AssertionError:
        pass  # recorded in failures: every form is fuzzed before the test fails
