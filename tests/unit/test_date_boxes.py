"""The three date boxes take the years 1900 to 2100: a date outside them is refused with a message
(a day added to the year 9999 would overflow; no date the app records is before 1900)."""

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from forms.common import BaseForm, GovDateField


class OneDate(BaseForm):
    on = GovDateField("Date of referral")


@pytest.mark.parametrize(
    ("year", "taken"),
    [("1899", None), ("1900", date(1900, 12, 31)), ("2100", date(2100, 12, 31)), ("2101", None), ("0001", None)],
)
def test_the_year_is_from_1900_to_2100(app, year, taken):
    with app.test_request_context():
        form = OneDate(formdata=MultiDict([("on", "31"), ("on", "12"), ("on", year)]), meta={"csrf": False})
        assert form.validate() is (taken is not None)
    assert form.on.data == taken
    if taken is None:
        assert form.on.errors == ["Date of referral must have a year from 1900 to 2100"]
