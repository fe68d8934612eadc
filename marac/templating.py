"""Template helpers: dates and times as GOV.UK writes them (in UK time), the error summary, and
isolating typed text; and a list's CSV as a download."""

from datetime import date, datetime

from flask import Response, abort, current_app, g
from flask_wtf.csrf import generate_csrf
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup, escape

from forms.common import GovDateField, every_field
from marac.services.referrals import steps_done as referral_steps_done
from marac.services.risk_scoring import CRITERION_LABELS
from marac.services.stats import percent
from marac.services.text import plural
from models.clock import UK, uk_date
from models.referrals import LAWFUL_BASES


def govuk_date(value):
    """22 November 2026 (from a date, a timestamp's UK date, or an ISO date string as drafts keep them)."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if value else None
    elif isinstance(value, datetime):
        value = uk_date(value)
    return "" if value is None else f"{value.day} {value:%B %Y}"


def govuk_datetime(value):
    """22 November 2026 at 7:40pm, in UK time."""
    if value is None:
        return ""
    local = value.astimezone(UK)
    return f"{govuk_date(local)} at {govuk_time(local)}"


def govuk_time(value):
    """2:32pm, in UK time."""
    local = value.astimezone(UK)
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def register_filters(app):
    app.add_template_filter(govuk_date)
    app.add_template_filter(govuk_time)
    app.add_template_filter(govuk_datetime)
    app.add_template_filter(isolate)
    app.add_template_global(error_summary)
    app.add_template_global(percent, "percent_of")
    app.add_template_global(plural)
    app.add_template_global(CRITERION_LABELS, "criterion_labels")
    app.add_template_global(LAWFUL_BASES, "lawful_bases")
    app.add_template_global(referral_steps_done, "referral_steps_done")
    app.add_template_global(csrf_input)
    GovFormBase.render = _render_widget


def _render_widget(widget, params):
    """A govuk-frontend-wtf field, rendered without Flask's render_template: that runs the app's
    context processors (a query for the unread notifications) again for every field of a form,
    and the widget templates use nothing but their params."""
    template = current_app.jinja_env.get_template(widget.template)
    return Markup(template.render(params=params))  # noqa: S704 (an .html template: autoescaped, as render_template)


def csrf_input():
    """The CSRF token's hidden input, made once a request: a page of inline buttons (the meeting's
    case list has two or three a case) repeats it in every form, and a form's own `csrf_token`
    field is rendered again, with the same id, each time."""
    if "csrf_input" not in g:
        g.csrf_input = Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())
    return g.csrf_input


MAX_PAGE = 100_000
RECORD_ID_MAX = 2**31 - 1  # ids are PostgreSQL integers: a larger one fails the query itself


def csv_download(text, stem):
    """A CSV as a file to save (`stem`.csv), never shown in the browser."""
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


def page_number(args):
    """The ?page= of a list, within 1..MAX_PAGE whatever was typed."""
    return min(max(args.get("page", 1, type=int), 1), MAX_PAGE)


def query_id(args, name):
    """The record id given as ?<name>=, None when there is none: 404 when it is no id a record can
    have (not a whole number, or beyond the database's integers), as for an id in the path."""
    text = args.get(name)
    if not text:
        return None
    value = int(text) if len(text) <= 10 and text.isascii() and text.isdigit() else 0
    if not 1 <= value <= RECORD_ID_MAX:
        abort(404)
    return value


def error_summary():
    """GOV.UK's error summary for the page, or None: every error of every form this request made
    (a page may show several forms; the one sent is the one with errors), each message linked to
    its box, with the part of the form it belongs to named ("Child 2: Enter the last name")."""
    items = [
        {"text": f"{part}{field.errors[0]}", "href": f"#{_first_input_id(field)}"}
        for form in g.get("forms", [])
        for part, field in every_field(form)
        if field.errors
    ]
    return {"titleText": "There is a problem", "errorList": items} if items else None


def _first_input_id(field):
    # GOV.UK links a date's error to its day box; a radio group's first option has the group's id.
    return f"{field.id}-day" if isinstance(field, GovDateField) else field.id


def isolate(value):
    """A name or other typed text inside <bdi>, so right-to-left characters in it cannot reorder
    the words around it. Escaped like everything else."""
    if value is None or value == "":
        return ""
    # escape() rather than Markup.format: a third of the time, on a list page's every name.
    return Markup(f"<bdi>{escape(value)}</bdi>")  # noqa: S704 (the value is escaped)
