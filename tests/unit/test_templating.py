from datetime import UTC, date, datetime

from marac.templating import govuk_date, govuk_datetime


def test_dates_are_written_the_gov_uk_way():
    assert govuk_date(date(2026, 3, 1)) == "1 March 2026"
    assert govuk_date(None) == ""


def test_a_timestamp_shows_its_uk_date():
    # 23:30 UTC on 1 July is 00:30 on 2 July in the UK; in winter the UTC date is the UK's.
    assert govuk_date(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "2 July 2026"
    assert govuk_date(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == "15 January 2026"


def test_times_are_shown_in_uk_time_across_the_clock_change():
    assert govuk_datetime(datetime(2026, 1, 15, 0, 5, tzinfo=UTC)) == "15 January 2026 at 12:05am"
    # British Summer Time: 13:30 UTC is 2:30pm in London.
    assert govuk_datetime(datetime(2026, 7, 1, 13, 30, tzinfo=UTC)) == "1 July 2026 at 2:30pm"


def test_a_stored_date_fills_the_three_boxes_without_leading_zeros(app):
    from forms.common import BaseForm, GovDateField

    class OneDate(BaseForm):
        on = GovDateField("Date of referral")

    with app.test_request_context():
        html = OneDate(data={"on": date(2024, 2, 9)}, meta={"csrf": False}).on()
    assert 'value="9"' in html and 'value="2"' in html and 'value="2024"' in html
    assert 'value="09"' not in html and 'value="02"' not in html
