"""Hostile input: markup, script, SQL, NUL bytes, direction overrides, 100 KB strings and
spreadsheet formulas, through every form the app offers and back out through every page, PDF and
CSV: never a server error, never markup that runs."""

import csv
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models import Action, Agency, AgendaItem, Allocation, Case, Person, ResearchRequest, db
from tests.helpers import signed_in
from tests.security.estate import every_form, home_values
from tests.security.forms_walk import answers, current_form, is_text
from tests.security.routes import rules, urls_of

SCRIPT = "<script>alert('pwned')</script>"
MARKUP = '"><img src=x onerror=alert(1)><b>bold</b>'
CORPUS = {
    "script": SCRIPT,
    "markup": MARKUP,
    "sql": "Robert'); DROP TABLE cases;--",
    "nul": "before\x00after",
    "rtl": "\u202egnp.exe\u202c Ålesund \u200f\ufdfd",
    "formula": '=HYPERLINK("http://evil.example/","Click")',
    "plus": "+SUM(1,2)",
    "at": "@cmd|' /C calc'!A0",
    "minus": "-2+3",
    "long": "long " * 20_000,  # 100 KB
}
# What must never come back unescaped in HTML.
RAW = (SCRIPT, "<img src=x onerror=alert(1)>")


def test_every_form_takes_hostile_text_without_a_server_error(app, estate):
    client, pages = every_form(app, estate)
    assert len(pages) >= 25, [action for _url, action, _form in pages]
    failures = []
    for kind, payload in CORPUS.items():
        for url, action, form in pages:
            text_fields = [field.name for field in form.fields if is_text(field) and "password" not in field.name]
            if not text_fields:
                continue
            # 100 KB in one field (every field would pass the 2 MB request limit: a 413, not the form).
            only = text_fields[:1] if kind == "long" else text_fields
            response = client.post(action, data=answers(current_form(client, url, action, form), payload, only=only))
            body = response.get_data(as_text=True)
            if response.status_code >= 500:
                failures.append((kind, action, response.status_code))
            elif any(raw in body for raw in RAW):
                failures.append((kind, action, "unescaped"))
    assert not failures, failures


def _seed_hostile_records(app, estate):
    """Hostile text stored straight into the records the pages and papers show (no NUL: neither
    database keeps one, and every form refuses it)."""
    with app.app_context():
        case = db.session.get(Case, estate.cases.police.id)
        victim = db.session.get(Person, case.victim_id)
        victim.first_name = SCRIPT
        victim.last_name = "<b>bold</b> Zanzibarova"
        victim.address = CORPUS["rtl"]
        case.victim_fears = CORPUS["formula"]
        case.not_safe_to_share_with = MARKUP
        action = db.session.get(Action, estate.actions.police)
        action.what = MARKUP + " " + CORPUS["sql"]
        action.owner_person = CORPUS["formula"]
        item = db.session.scalars(sa.select(AgendaItem).filter_by(meeting_id=estate.meetings.home)).first()
        item.discussion = '<para>unclosed <font color="red">' + SCRIPT
        for request in db.session.scalars(sa.select(ResearchRequest).filter_by(agenda_item_id=item.id)):
            request.facts = CORPUS["long"][:5000] + MARKUP
        db.session.get(Agency, estate.agencies.police.id).name = '=HYPERLINK("http://evil.example/","Police")'
        db.session.commit()


def test_hostile_records_come_back_escaped_in_every_page(app, estate):
    _seed_hostile_records(app, estate)
    client = signed_in(app, estate.users.everything.email)
    failures, shown = [], 0
    for rule in rules(app):
        if "GET" not in rule.methods or rule.endpoint.startswith("api"):
            continue
        for url in urls_of(rule, **home_values(estate)):
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((url, response.status_code))
                continue
            if "text/html" in response.content_type:
                body = response.get_data(as_text=True)
                if any(raw in body for raw in RAW):
                    failures.append((url, "unescaped"))
                if "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in body:
                    shown += 1
    assert not failures, failures
    assert shown >= 3  # the victim's name was on several pages, escaped


def _pdf_text(response):
    assert response.status_code == 200, response.status_code
    assert response.get_data().startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_hostile_records_come_back_as_text_in_the_pdfs(app, estate):
    """ReportLab parses markup: escaped, the tags come out as text; unescaped, "<b>" would make
    bold (and lose the tag), an unclosed tag would crash the paper."""
    _seed_hostile_records(app, estate)
    client = signed_in(app, estate.users.coordinator.email)
    meeting = estate.meetings.home
    papers = {
        "case list": client.get(f"/meetings/{meeting}/case-list.pdf"),
        "actions": client.get(f"/meetings/{meeting}/actions/{estate.agencies.police.id}.pdf"),
    }
    # Compared without spaces: table cells wrap long words.
    texts = {name: "".join(_pdf_text(response).split()) for name, response in papers.items()}
    assert "<b>bold</b>Zanzibarova" in texts["case list"]
    assert "<imgsrc=xonerror=alert(1)><b>bold</b>" in texts["actions"]
    minutes = client.get(f"/meetings/{meeting}/minutes.pdf")
    assert minutes.status_code < 500


def test_pdf_downloads_record_a_reason_when_given(app, estate):
    from models import AuditEvent

    client = signed_in(app, estate.users.coordinator.email)
    meeting = estate.meetings.home
    assert client.get(f"/meetings/{meeting}/case-list.pdf?reason=meeting").status_code == 200
    assert client.get(f"/meetings/{meeting}/case-list.pdf?reason=<script>").status_code == 200
    assert client.get(f"/meetings/{meeting}/case-list.pdf").status_code == 200
    with app.app_context():
        details = [
            event.detail
            for event in db.session.scalars(
                sa.select(AuditEvent).filter_by(event="meeting.pdf").order_by(AuditEvent.id)
            )
        ]
    assert [detail.get("reason") for detail in details] == ["meeting", None, None]


@pytest.mark.parametrize(
    "url",
    [
        "/reports/return.csv?area_id={area}",
        "/actions/actions.csv",
        "/referrals/referrals.csv",
        "/caseload/caseload.csv",
    ],
)
def test_csv_cells_never_start_a_formula(app, estate, url):
    _seed_hostile_records(app, estate)
    with app.app_context():  # the hostile case in the all-roles user's own caseload too
        db.session.add(Allocation(case_id=estate.cases.police.id, idva_id=estate.users.everything.id))
        db.session.commit()
    client = signed_in(app, estate.users.everything.email)
    response = client.get(url.format(area=estate.areas.home.id))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) > 1
    for row in rows:
        for cell in row:
            if cell and cell[0] in "=+-@\t\r":
                assert cell.lstrip("-").replace(".", "", 1).isdigit(), cell
