"""How an earlier MARAC ended, as meeting mode says it of a case's previous meetings."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from marac.services.meeting_facts import how_it_ended

DISCUSSED = datetime(2026, 11, 27, 10, 20, tzinfo=UTC)


def _meeting(status):
    return SimpleNamespace(status=status)


def _item(discussed_at=DISCUSSED, risk_after="high"):
    return SimpleNamespace(discussed_at=discussed_at, risk_after=risk_after)


def _actions(*statuses):
    return [SimpleNamespace(status=status) for status in statuses]


@pytest.mark.parametrize(
    ("status", "item", "agreed", "said"),
    [
        ("list_published", _item(), [], "Not held yet"),
        ("planned", _item(), [], "Not held yet"),
        ("held", _item(discussed_at=None), _actions("completed"), "Listed but not discussed"),
        ("held", _item(risk_after=None), [], "Discussed; no actions"),
        (
            "minutes_sent",
            _item(risk_after="medium"),
            _actions("completed"),
            "Discussed; risk after discussion medium; 1 action: 1 completed",
        ),
        (
            "minutes_approved",
            _item(),
            _actions("not_possible", "completed", "not_possible", "in_progress"),
            "Discussed; risk after discussion high; 4 actions: 2 not possible, 1 completed, 1 in progress",
        ),
    ],
)
def test_how_an_earlier_marac_ended(status, item, agreed, said):
    assert how_it_ended(_meeting(status), item, agreed) == said
