from __future__ import annotations

import pytest

from .site import StaffSite


@pytest.fixture
def staff_site(env):
    site = StaffSite(env)
    yield site
    site.close()
