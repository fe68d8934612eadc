"""Lists a page at a time: a full page, then whether another follows, the same for every list."""

import sqlalchemy as sa

from marac.services.areas import user_areas
from marac.services.paging import PAGE_SIZE, fetch_page
from models import Area, User, db


def test_a_page_says_whether_another_follows(app, make):
    with app.app_context():
        db.session.add_all(Area(name=f"Paging {number:03d}") for number in range(PAGE_SIZE + 1))
        db.session.commit()
        query = sa.select(Area).where(Area.name.like("Paging %")).order_by(Area.name)

        first, more = fetch_page(query, 1)
        assert [area.name for area in first] == [f"Paging {number:03d}" for number in range(PAGE_SIZE)] and more
        last, more = fetch_page(query, 2)
        assert [area.name for area in last] == [f"Paging {PAGE_SIZE:03d}"] and not more
        assert fetch_page(query, 3) == ([], False)

        rows, more = fetch_page(sa.select(Area.id, Area.name).where(Area.name.like("Paging %")), 1, size=5, rows=True)
        assert len(rows) == 5 and more and isinstance(rows[0].name, str)


def test_new_work_goes_to_the_users_areas_in_use_and_figures_cover_retired_ones(app, make):
    in_use, retired, other = make.area(name="Alderley"), make.area(name="Brockhurst"), make.area(name="Cobham")
    person = make.user(area_ids=[retired.id, in_use.id])
    with app.app_context():
        db.session.get(Area, retired.id).is_active = False
        db.session.commit()
        user = db.session.get(User, person.id)
        assert [area.name for area in user_areas(user)] == ["Alderley"]
        assert [area.name for area in user_areas(user, retired_too=True)] == ["Alderley", "Brockhurst"]
        assert other.id not in {area.id for area in user_areas(user, retired_too=True)}
