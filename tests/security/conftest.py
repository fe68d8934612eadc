"""The small deployment most hardening tests walk (tests/security/estate.py)."""

import pytest

from tests.security import estate as estate_module


@pytest.fixture
def estate(app, make):
    return estate_module.build(app, make)
