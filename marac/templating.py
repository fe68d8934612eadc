"""Template filters: dates and times as GOV.UK writes them, in UK time."""

from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def govuk_date(value):
    """22 November 2026"""
    return "" if value is None else f"{value.day} {value:%B %Y}"


def govuk_datetime(value):
    """22 November 2026 at 7:40pm, in UK time."""
    if value is None:
        return ""
    local = value.astimezone(UK)
    hour = local.hour % 12 or 12
    return f"{govuk_date(local)} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def register_filters(app):
    app.add_template_filter(govuk_date)
    app.add_template_filter(govuk_datetime)
