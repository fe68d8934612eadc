"""The UK clock: today's date and a day's start as the UK has them (GMT in winter, BST in summer),
the quarters of the data return, and pinning the clock for a test."""

from datetime import UTC, date, datetime, timedelta

import pytest

from marac.services import actions
from models import clock
from models.clock import (
    day_start,
    last_months,
    last_quarters,
    months_ago,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    uk_date,
    uk_now,
    uk_today,
    utcnow,
)


def pin(monkeypatch, moment):
    monkeypatch.setattr(clock, "_system_time", lambda: moment)


@pytest.mark.parametrize(
    ("moment", "uk_day"),
    [
        (datetime(2026, 7, 1, 22, 59, tzinfo=UTC), date(2026, 7, 1)),  # 23:59 BST
        (datetime(2026, 7, 1, 23, 0, tzinfo=UTC), date(2026, 7, 2)),  # midnight BST: the UK's 2 July
        (datetime(2026, 1, 15, 23, 59, tzinfo=UTC), date(2026, 1, 15)),  # GMT: the UTC date
        (datetime(2026, 1, 16, 0, 0, tzinfo=UTC), date(2026, 1, 16)),
        # The clocks go forward at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October.
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 28)),  # still GMT that night
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30)),  # BST from that morning
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # still BST that night
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # GMT again
    ],
)
def test_today_is_the_uk_date_whatever_the_utc_one(monkeypatch, moment, uk_day):
    pin(monkeypatch, moment)
    assert uk_today() == uk_day == uk_date(moment)
    assert utcnow() == moment and uk_now() == moment


def test_pinning_the_clock_reaches_callers_that_imported_the_functions_by_name(monkeypatch):
    moment = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    pin(monkeypatch, moment)
    assert actions.uk_today() == date(2026, 7, 2)


def test_a_day_starts_at_uk_midnight_and_the_switch_days_are_23_and_25_hours_long():
    assert day_start(date(2026, 1, 15)) == datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    assert day_start(date(2026, 7, 2)) == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
    assert day_start(date(2026, 7, 2)).tzinfo == UTC
    # The day the clocks go forward is 23 hours long; the day they go back, 25.
    assert day_start(date(2026, 3, 30)) - day_start(date(2026, 3, 29)) == timedelta(hours=23)
    assert day_start(date(2026, 10, 26)) - day_start(date(2026, 10, 25)) == timedelta(hours=25)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 1, 1), (2026, 1)),
        (date(2026, 3, 31), (2026, 1)),
        (date(2026, 4, 1), (2026, 2)),
        (date(2026, 9, 30), (2026, 3)),
        (date(2026, 10, 1), (2026, 4)),
        (date(2026, 12, 31), (2026, 4)),
        (date(2028, 2, 29), (2028, 1)),
    ],
)
def test_the_quarter_of_a_date(day, quarter):
    assert quarter_of(day) == quarter
    start, end = quarter_bounds(*quarter)
    assert start <= day < end


def test_quarter_bounds_run_from_the_first_day_to_the_next_quarters_first_day():
    assert quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 4, 1))
    assert quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2027, 1, 1))
    # A leap year's first quarter has 91 days, another's 90.
    assert quarter_bounds(2028, 1)[1] - quarter_bounds(2028, 1)[0] == timedelta(days=91)
    assert quarter_bounds(2026, 1)[1] - quarter_bounds(2026, 1)[0] == timedelta(days=90)


def test_the_last_quarters_run_back_across_years_oldest_first():
    assert last_quarters(3, date(2026, 2, 10)) == [(2025, 3), (2025, 4), (2026, 1)]
    assert last_quarters(1, date(2024, 12, 31)) == [(2024, 4)]
    assert last_quarters(5, date(2026, 1, 1)) == [(2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1)]
    assert previous_quarter(date(2026, 1, 1)) == (2025, 4)
    assert previous_quarter(date(2026, 6, 30)) == (2026, 1)


def test_months_back_keep_to_real_dates_and_a_period_of_months_includes_today():
    assert months_ago(12, date(2028, 2, 29)) == date(2027, 2, 28)  # leap day: no 29 February in 2027
    assert months_ago(3, date(2026, 5, 31)) == date(2026, 2, 28)
    assert last_months(3, date(2026, 7, 2)) == (date(2026, 4, 3), date(2026, 7, 2))
    assert last_months(1, date(2028, 3, 29)) == (date(2028, 3, 1), date(2028, 3, 29))


def test_the_periods_count_back_from_the_uk_date_by_default(monkeypatch):
    pin(monkeypatch, datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 BST on 1 July: the third quarter
    assert last_quarters(1) == [(2026, 3)]
    assert previous_quarter() == (2026, 2)
    assert months_ago(1) == date(2026, 6, 1)
    assert last_months(1) == (date(2026, 6, 2), date(2026, 7, 1))
