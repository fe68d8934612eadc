"""The one clock: now, and the date, days and quarters as the UK has them.

MARAC is a UK service: "today", the start of a day and the quarters of the data return are the
UK's (GMT in winter, BST in summer) whatever the server's time zone. On a server set to UTC,
the server's own date is still yesterday from midnight to 1 am in summer; nothing here reads it.

Every function reads the time through `_system_time`, so a test pins the whole application's clock
by replacing that one function (`monkeypatch.setattr(clock, "_system_time", lambda: moment)`),
and code that imported `uk_today` by name sees the pinned time too.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

UK = ZoneInfo("Europe/London")


def _system_time():
    return datetime.now(UTC)


def utcnow():
    """Now, timezone-aware, in UTC: how timestamps are stored."""
    return _system_time()


def uk_now():
    """Now, in UK time."""
    return _system_time().astimezone(UK)


def uk_today():
    """Today's date in the UK."""
    return uk_now().date()


def uk_date(moment):
    """The UK date of a timezone-aware moment."""
    return moment.astimezone(UK).date()


def day_start(day):
    """The moment a UK day starts, in UTC: midnight in winter, 11 pm the evening before in summer.
    A day's moments are those from its start to the next day's start."""
    return datetime.combine(day, time(), tzinfo=UK).astimezone(UTC)


def months_ago(months, today=None):
    """The UK date `months` calendar months before today (the 31st becomes a shorter month's last day)."""
    return (today or uk_today()) - relativedelta(months=months)


def last_months(months, today=None):
    """(first day, today): the last `months` calendar months, today included, as UK dates."""
    today = today or uk_today()
    return months_ago(months, today) + timedelta(days=1), today


def quarter_of(day):
    """(year, quarter) of a date: quarter 1 is January to March."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year, quarter):
    """(first day, first day of the next quarter)."""
    start = date(year, 3 * quarter - 2, 1)
    return start, start + relativedelta(months=3)


def last_quarters(count, today=None):
    """[(year, quarter)] of the `count` quarters up to and including today's, oldest first."""
    year, quarter = quarter_of(today or uk_today())
    current = 4 * year + quarter - 1  # quarters since the year 0
    return [(index // 4, index % 4 + 1) for index in range(current - count + 1, current + 1)]


def previous_quarter(today=None):
    """(year, quarter) of the last complete quarter."""
    return last_quarters(2, today)[0]
