"""Working days in England and Wales: weekdays that are not bank holidays.

Bank holidays come from the maintained `holidays` package (its England subdivision, which Wales
shares), so substitute days such as a Boxing Day on a Saturday are included.
"""

from datetime import timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year):
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]))


def is_working_day(day):
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start, count):
    """The date `count` working days after `start` (start itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start, end):
    """How many working days after `start`, up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
