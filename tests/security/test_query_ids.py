"""An id in the query string that no record can have (not a whole number, or too large for the
database's integers: PostgreSQL refuses the whole query) is a 404, as it is in the path; never a
server error."""

import pytest

from models import Role
from tests.helpers import signed_in

HUGE = "9" * 30
NOT_IDS = (HUGE, "2147483648", "0", "-1", "1e3", "٣", "9" * 5000)


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_query_string_id_no_record_can_have_is_not_found(app, make, value):
    area = make.area()
    coordinator = make.user(Role.COORDINATOR, area_ids=[area.id])
    manager = make.user(Role.IDVA_MANAGER, area_ids=[area.id])
    client, managers = signed_in(app, coordinator.email), signed_in(app, manager.email)
    assert client.get(f"/actions/?meeting_id={value}").status_code == 404
    assert client.get(f"/actions/?agency_id={value}").status_code == 404
    assert managers.get(f"/caseload/?idva={value}").status_code == 404


def test_a_query_string_id_in_range_is_looked_for(app, make):
    area = make.area()
    coordinator = make.user(Role.COORDINATOR, area_ids=[area.id])
    client = signed_in(app, coordinator.email)
    assert client.get("/actions/?meeting_id=2147483647").status_code == 200
    assert client.get("/actions/?meeting_id=").status_code == 200
