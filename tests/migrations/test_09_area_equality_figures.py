"""d4a5e0813a3a: the population shares of an area the equality report compares against."""

from decimal import Decimal

from tests.migrations import rows
from tests.migrations.database import downgrade_keeps_the_data, upgrade_keeps_the_data

REVISION = "d4a5e0813a3a"
SHARES = ("pct_racially_minoritised", "pct_lgbt", "pct_disabled", "pct_male", "pct_aged_16_17")


def test_areas_keep_their_rows_and_take_shares_to_two_places(database):
    upgrade_keeps_the_data(database, REVISION)
    columns = ", ".join(SHARES)
    assert database.rows(f"SELECT {columns} FROM areas WHERE id = :area", area=rows.AWAY_AREA) == [(None,) * 5]  # noqa: S608
    rows.area_equality_figures(database)
    (home,) = database.rows(f"SELECT {columns} FROM areas WHERE id = :area", area=rows.HOME_AREA)  # noqa: S608
    assert [Decimal(str(share)) for share in home] == [Decimal(v) for v in ("12.5", "3.25", "17.8", "4.5", "0.75")]


def test_undoing_the_shares_keeps_every_area_and_what_points_at_it(database):
    """Taking columns off areas must not take the rows of the tables that point at areas with it."""
    downgrade_keeps_the_data(database, REVISION)
    assert not set(SHARES) & set(database.columns("areas"))
    assert database.rows("SELECT COUNT(*) FROM cases") == [(2,)]
    assert database.rows("SELECT COUNT(*) FROM agency_areas") == [(4,)]
