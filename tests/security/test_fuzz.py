"""A Hypothesis fuzz of every form the app offers: whatever is typed or chosen, whatever extra or
missing fields arrive, the answer is never a server error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.estate import every_form
from tests.security.forms_walk import answers, current_form, is_text

EXAMPLES_PER_FORM = 12

# Text as people (and attackers) type it: any character, including NUL, controls, surrogate-free
# astral planes, combining marks and direction overrides.
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
NUMBERISH = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63).map(str), st.sampled_from(["", " ", "1e9", "0x10", "١٢", "NaN"])
)


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
    client, pages = every_form(app, estate)
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
        response = client.post(action, data=_fuzzed(current_form(client, url, action, form), data))
        if response.status_code >= 500:
            failures.append((action, response.status_code))
        assert response.status_code < 500, action

    try:
        fuzz()
    except AssertionError:
        pass  # recorded in failures: every form is fuzzed before the test fails
