""" "Heard at MARAC" means discussed at a held meeting, wherever it is counted: the data return's
cases discussed and the children of their households, the API's quarterly figures. A meeting with
cases listed but not discussed pins it (the 12-months-passed list: tests/unit/test_repeats.py)."""

from datetime import date

from marac.services import stats
from models import Agency, AgencyKind, Area, User, db
from tests.unit.test_stats import _case, _meeting


def test_cases_listed_but_not_discussed_are_not_counted(app, make):
    user = make.user()
    with app.app_context():
        area = Area(name="Listedshire", adult_female_population=50_000)
        police = Agency(name="Listedshire Police", kind=AgencyKind.POLICE, areas=[area])
        db.session.add_all([area, police])
        db.session.flush()
        referrer = db.session.get(User, user.id)
        meeting = _meeting(area, date(2026, 4, 15))
        db.session.flush()
        for children, discussed in ((2, True), (1, True), (3, False), (4, False)):
            _case(
                area,
                police,
                referrer,
                meeting,
                referred_on=date(2026, 4, 1),
                children=children,
                discussed=discussed,
            )
        db.session.commit()

        figures = stats.quarterly_return(area, 2026, 2).total
        assert (figures.cases, figures.children) == (2, 3)  # 2 + 1 children, not 3 + 4 more
        assert stats.referrals_by_agency(area.id, date(2026, 4, 1), date(2026, 7, 1)) == [
            ("Listedshire Police", AgencyKind.POLICE, 2)
        ]
        (quarter,) = [
            q for q in stats.quarterly_figures([area.id], today=date(2026, 6, 30))[area.id] if q["quarter"] == 2
        ]
        assert quarter["cases_discussed"] == 2 and quarter["referrals"] == 4
