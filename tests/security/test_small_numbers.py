"""Small numbers stay hidden in every output a steering reader gets: the data return's page, CSV
and PDF, the dashboard's charts and tables, and the API's quarterly figures. Cells chosen to count
from 1 to 4 read "<5"; every hidden bar is drawn the same length; and no total, rest of a total or
percentage lets anyone work a hidden cell out."""

import csv
import io
import re
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from pypdf import PdfReader

from models import Agency, AgencyKind, Area, Referral, ReferralStatus, Role, User, db
from models.clock import previous_quarter, quarter_bounds
from tests.api.conftest import Api, issue_token
from tests.helpers import signed_in
from tests.unit.test_stats import _case, _meeting

HIDDEN = ("<5", "[c]")
YEAR, QUARTER = previous_quarter()
FIRST_MONTH = quarter_bounds(YEAR, QUARTER)[0]
MONTHS = [FIRST_MONTH + relativedelta(months=n) for n in range(3)]
EARLIER = {
    "one quarter before": FIRST_MONTH - relativedelta(months=1),
    "two before": FIRST_MONTH - relativedelta(months=4),
}
# Per meeting of the quarter (one a month): cases referred by the police, by housing, and repeats.
MEETINGS = [
    {"police": 10, "housing": 2, "repeats": 6},  # housing's 2: small
    {"police": 3, "housing": 0, "repeats": 0},  # every count small
    {"police": 8, "housing": 0, "repeats": 7},  # 7 repeats of 8: the one that is not is small
]
# Referrals sent in earlier quarters, never discussed: 4, then 1.
EARLIER_REFERRALS = {"one quarter before": 4, "two before": 1}


@pytest.fixture
def smallshire(app, make):
    area = make.area(name="Smallshire")
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[area.id], name="Smallshire Police")
    housing = make.agency(kind=AgencyKind.HOUSING, area_ids=[area.id], name="Smallshire Housing")
    referrer = make.user(Role.AGENCY_REP, agency_id=police.id, area_ids=[area.id])
    with app.app_context():
        row = db.session.get(Area, area.id)
        row.adult_female_population = 200_000
        user = db.session.get(User, referrer.id)
        police_row, housing_row = (db.session.get(Agency, agency.id) for agency in (police, housing))
        earlier = None
        for month, counts in zip(MONTHS, MEETINGS, strict=True):
            meeting = _meeting(row, month + timedelta(days=20))
            db.session.flush()
            repeats = counts["repeats"]
            for agency, how_many in ((police_row, counts["police"]), (housing_row, counts["housing"])):
                for _ in range(how_many):
                    referral = _case(
                        row,
                        agency,
                        user,
                        meeting,
                        referred_on=month + timedelta(days=4),
                        repeat_of=earlier.id if repeats and earlier else None,
                        children=1,
                    )
                    if referral.is_repeat:
                        repeats -= 1
                    earlier = earlier or referral
            assert repeats == 0
        for when, how_many in EARLIER_REFERRALS.items():
            for _ in range(how_many):
                db.session.add(
                    Referral(
                        area_id=area.id,
                        status=ReferralStatus.SUBMITTED,
                        referred_on=EARLIER[when] + timedelta(days=4),
                        referring_agency_id=police.id,
                        referrer_id=referrer.id,
                        referrer_name="Officer Small",
                        draft={},
                    )
                )
        db.session.commit()
    steering = make.user(Role.STEERING, agency_id=police.id, area_ids=[area.id])
    coordinator = make.user(Role.COORDINATOR, agency_id=police.id, area_ids=[area.id])
    return {"area": area, "steering": steering, "coordinator": coordinator}


def _query(world):
    return f"area_id={world['area'].id}&year={YEAR}&quarter={QUARTER}"


def _csv(client, world):
    response = client.get(f"/reports/return.csv?{_query(world)}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _figures(rows):
    """{figure: [cell per meeting..., the quarter]} from the CSV."""
    start = rows.index(next(row for row in rows if row and row[0] == "Figure")) + 1
    figures = {}
    for row in rows[start:]:
        if not row:
            break
        figures[row[0]] = row[1:]
    return figures


def _value(cell):
    return None if cell in HIDDEN else int(cell)


def _assert_nothing_can_be_worked_out(rows):
    """No count from 1 to 4 is printed, and no sum has a hidden cell as its only unknown."""
    figures = _figures(rows)
    for label, cells in figures.items():
        for cell in cells:
            assert cell in HIDDEN or not 0 < int(cell) < 5, (label, cells)
        # Each row: the quarter is the sum of the meetings.
        assert sum(cell in HIDDEN for cell in cells) != 1, (label, cells)
    columns = len(figures["Cases discussed"])
    for column in range(columns):
        cases, police, partner = (
            figures[label][column]
            for label in ("Cases discussed", "Referrals from the police", "Referrals from partner agencies")
        )
        assert sum(cell in HIDDEN for cell in (cases, police, partner)) != 1, (column, cases, police, partner)
        for label in ("Repeat cases", "Male victims", "Victims aged 16 or 17"):
            part = figures[label][column]
            if cases not in HIDDEN and part not in HIDDEN:
                assert not 0 < int(cases) - int(part) < 5, (label, column, cases, part)  # the rest: small
    start = rows.index(["Referring agency", "Cases"]) + 1
    by_agency = [row[1] for row in rows[start:] if len(row) == 2]
    quarter_cases = figures["Cases discussed"][-1]
    assert sum(cell in HIDDEN for cell in [*by_agency, quarter_cases]) != 1, by_agency
    # A rate is shown only where its count and the cases are.
    rates = {row[0]: row[1] for row in rows if len(row) == 3 and row[2].endswith("(national)")}
    for measure in ("Repeat cases", "Referrals from partner agencies"):
        if rates[measure] not in HIDDEN:
            assert figures[measure][-1] not in HIDDEN and quarter_cases not in HIDDEN, (measure, rates[measure])


def test_the_data_return_hides_small_numbers_and_what_would_reveal_them(app, smallshire):
    steering = signed_in(app, smallshire["steering"].email)
    rows = _csv(steering, smallshire)
    figures = _figures(rows)
    # The chosen small cells.
    assert figures["Cases discussed"][1] == "<5"  # 3 at the second meeting
    assert figures["Referrals from partner agencies"][0] == "<5"  # housing's 2 at the first
    assert figures["Referrals from partner agencies"][-1] == "<5"  # and in the quarter
    assert figures["Children in the households"][1] == "<5"
    assert ["Smallshire Housing", "<5"] in rows
    # The quarter's cases less the other meetings' would give the 3: another cell is hidden.
    assert figures["Cases discussed"][-1] == "23" and figures["Cases discussed"].count("[c]") == 1
    # Housing's 2 at the first meeting would follow from its cases less the police's.
    assert figures["Referrals from the police"][0] == "[c]"
    _assert_nothing_can_be_worked_out(rows)

    # The page shows the same cells.
    page = steering.get(f"/reports/return?{_query(smallshire)}").get_data(as_text=True)
    table = re.search(r'class="govuk-table__header">Cases discussed</th>(.*?)</tr>', page, re.DOTALL).group(1)
    assert re.findall(r">([^<]*)</td>", table) == [cell.replace("<", "&lt;") for cell in figures["Cases discussed"]]
    assert "&lt;5" in page and "[c]" in page

    # The PDF prints the same rows.
    response = steering.get(f"/reports/return.pdf?{_query(smallshire)}")
    text = " ".join(" ".join(sheet.extract_text().split()) for sheet in PdfReader(io.BytesIO(response.data)).pages)
    for label, cells in figures.items():
        assert " ".join([label, *cells]) in text, (label, cells)
    assert "Smallshire Housing <5" in text

    # A coordinator sees them as they are.
    exact = _figures(_csv(signed_in(app, smallshire["coordinator"].email), smallshire))
    assert exact["Cases discussed"] == ["12", "3", "8", "23"]


def _bars(svg):
    """[(class, width, label)] of each bar of a chart, in order."""
    bars = re.findall(r'<rect class="(marac-chart__[a-z-]+)" x="\d+" y="[\d.]+" height="\d+" width="([\d.]+)"', svg)
    labels = re.findall(r'<text class="marac-chart__label" x="[\d.]+" y="[\d.]+">([^<]*)</text>', svg)[1::2]
    return [(kind, float(width), label) for (kind, width), label in zip(bars, labels, strict=True)]


def test_the_dashboard_charts_draw_no_small_number_to_scale(app, smallshire):
    steering = signed_in(app, smallshire["steering"].email)
    page = steering.get("/reports/").get_data(as_text=True)
    charts = dict(re.findall(r'aria-labelledby="([a-z]+)-title">(.*?)</svg>', page, re.DOTALL))

    bars = _bars(charts["referrals"])
    by_label = dict(zip(re.findall(r'y="[\d.]+">([A-Z][a-z]{2} \d{4})</text>', charts["referrals"]), bars, strict=True))
    referrals = {
        label: by_label[f"{month:%b %Y}"]
        for label, month in (
            ("4 earlier", EARLIER["one quarter before"]),
            ("1 earlier", EARLIER["two before"]),
            ("12", MONTHS[0]),
            ("3", MONTHS[1]),
            ("8", MONTHS[2]),
        )
    }
    hidden = [referrals[label] for label in ("4 earlier", "1 earlier", "3")]
    assert all(kind == "marac-chart__hidden-bar" and label == "&lt;5" for kind, _width, label in hidden), hidden
    assert len({width for _kind, width, _label in hidden}) == 1  # one length, whatever the count
    assert referrals["12"][2] == "12" and referrals["8"][2] == "8"
    assert referrals["8"][1] == pytest.approx(referrals["12"][1] * 8 / 12, abs=0.1)  # the scale: shown counts only

    # Repeat rates: of 3 referrals, of 4, of 1, and 7 of 8 (the one that is not) are all hidden.
    rates = _bars(charts["repeats"])
    hidden_rates = [bar for bar in rates if bar[0] == "marac-chart__hidden-bar"]
    assert len(hidden_rates) == 4 and {label for _k, _w, label in hidden_rates} == {"[c]"}
    assert len({width for _kind, width, _label in hidden_rates}) == 1
    assert [label for kind, _w, label in rates if kind == "marac-chart__bar"] == ["50%"]

    # Every hidden bar of every chart is the same length, and each table says what the bar says.
    widths = {width for chart in charts.values() for kind, width, _l in _bars(chart) if kind.endswith("hidden-bar")}
    assert len(widths) == 1
    assert page.count('govuk-table__cell--numeric">&lt;5</td>') >= 3


def test_the_api_hides_small_numbers_as_the_reports_do(app, smallshire):
    steering = Api(app.test_client(), issue_token(app, smallshire["steering"].email, "stats:read").secret)
    answer = steering.get("/api/v1/stats/quarterly?quarters=4").get_json()
    quarters = {(row["year"], row["quarter"]): row for row in answer["areas"][0]["quarters"]}
    this = quarters[(YEAR, QUARTER)]
    assert (this["referrals"], this["repeat_referrals"], this["cases_discussed"]) == (23, 13, 23)
    for when, count in EARLIER_REFERRALS.items():
        month = EARLIER[when]
        row = quarters[(month.year, (month.month - 1) // 3 + 1)]
        assert row["referrals"] == "<5", (when, count, row)
    for row in quarters.values():
        for name in ("referrals", "repeat_referrals", "cases_discussed"):
            assert row[name] in HIDDEN or not 0 < row[name] < 5, row
            if row["referrals"] not in HIDDEN and row["repeat_referrals"] not in HIDDEN:
                assert not 0 < row["referrals"] - row["repeat_referrals"] < 5, row

    coordinator = Api(app.test_client(), issue_token(app, smallshire["coordinator"].email, "stats:read").secret)
    exact = coordinator.get("/api/v1/stats/quarterly?quarters=4").get_json()["areas"][0]["quarters"]
    assert sorted(row["referrals"] for row in exact if row["referrals"]) == [1, 4, 23]
