"""The API's small quarterly aggregate: referrals, repeat referrals and cases discussed per
quarter, for the areas of the token's user. Counts only, no personal data.

Kept apart on purpose: the full MARAC data return (marac/services/stats.py, the reports pages)
can replace `quarterly_figures` by its own figures when it covers these three; the API's answer
(marac/api/schemas.py QuarterlyFiguresOut) stays as it is.

Definitions:
- referrals: referrals sent (not drafts), by date of referral, in the area they were sent to;
- repeat_referrals: those of them flagged as repeats;
- cases_discussed: cases on the list of a meeting held in the quarter (UK date) through a referral
  (new or repeat), as the quarterly data return counts them; reviews of incomplete actions and
  12-month reviews are not new discussions.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import AgendaItem, Meeting, MeetingStatus, Referral, ReferralStatus, db

UK = ZoneInfo("Europe/London")
HELD = (MeetingStatus.HELD, MeetingStatus.MINUTES_APPROVED, MeetingStatus.MINUTES_SENT)


def quarters_to(today, count):
    """[(year, quarter, first day, last day)] of the `count` calendar quarters up to and
    including today's, oldest first."""
    current = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    found = []
    for back in range(count - 1, -1, -1):
        first = current - relativedelta(months=3 * back)
        found.append((first.year, (first.month - 1) // 3 + 1, first, first + relativedelta(months=3, days=-1)))
    return found


def _index(quarters, day):
    for index, (_year, _quarter, first, last) in enumerate(quarters):
        if first <= day <= last:
            return index
    return None


def quarterly_figures(area_ids, *, quarters=4, today=None):
    """{area id: [{year, quarter, starts_on, ends_on, referrals, repeat_referrals,
    cases_discussed}]}, oldest quarter first. Two aggregate queries whatever the number of areas."""
    today = today or date.today()
    periods = quarters_to(today, quarters)
    start, end = periods[0][2], periods[-1][3]
    area_ids = sorted(area_ids)
    figures = {
        area_id: [
            {
                "year": year,
                "quarter": quarter,
                "starts_on": first,
                "ends_on": last,
                "referrals": 0,
                "repeat_referrals": 0,
                "cases_discussed": 0,
            }
            for year, quarter, first, last in periods
        ]
        for area_id in area_ids
    }
    if not area_ids:
        return figures

    quarter_of = sa.case(
        *[
            (Referral.referred_on.between(first, last), index)
            for index, (_year, _quarter, first, last) in enumerate(periods)
        ],
        else_=None,
    ).label("quarter_index")
    sent = db.session.execute(
        sa.select(
            Referral.area_id,
            quarter_of,
            sa.func.count(Referral.id),
            sa.func.sum(sa.case((Referral.is_repeat, 1), else_=0)),
        )
        .where(
            Referral.area_id.in_(area_ids),
            Referral.status != ReferralStatus.DRAFT,
            Referral.referred_on.between(start, end),
        )
        .group_by(Referral.area_id, quarter_of)
    ).all()
    for area_id, index, count, repeats in sent:
        if index is not None:
            figures[area_id][index]["referrals"] = count
            figures[area_id][index]["repeat_referrals"] = int(repeats or 0)

    # Per meeting (a few a month), then placed in a quarter by its UK date.
    discussed = db.session.execute(
        sa.select(Meeting.area_id, Meeting.starts_at, sa.func.count(AgendaItem.id))
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            Meeting.area_id.in_(area_ids),
            Meeting.status.in_(HELD),
            Meeting.starts_at >= _utc_start(start),
            Meeting.starts_at < _utc_start(end + relativedelta(days=1)),
            AgendaItem.referral_id.is_not(None),
            AgendaItem.removed_at.is_(None),
        )
        .group_by(Meeting.id, Meeting.area_id, Meeting.starts_at)
    ).all()
    for area_id, starts_at, count in discussed:
        index = _index(periods, starts_at.astimezone(UK).date())
        if index is not None:
            figures[area_id][index]["cases_discussed"] += count
    return figures


def _utc_start(day):
    """The start of a UK day, as a moment."""
    return datetime.combine(day, time(), tzinfo=UK)
