"""PORTAL_ANALYTICS_APPROVAL_REQUIRED: which actions need a second lead, and bad values refused."""

from __future__ import annotations

import pytest

from portal_common.settings import ConfigError
from services.analytics.settings import AnalyticsWebSettings

BASE = {
    "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_ANALYTICS_SECRET_KEY": "s" * 40,
    "PORTAL_ANALYTICS_OIDC_CLIENT_SECRET": "o" * 40,
}


def _settings(value: str | None, tmp_path) -> AnalyticsWebSettings:
    env = {**BASE, "PORTAL_DATA_DIR": str(tmp_path)}
    if value is not None:
        env["PORTAL_ANALYTICS_APPROVAL_REQUIRED"] = value
    return AnalyticsWebSettings.from_env(env)


@pytest.mark.parametrize(
    ("value", "needs"),
    [
        (None, {"RX1": False, "RX2": False, None: False}),
        (" RX1 , RX2 ", {"RX1": True, "RX2": True, "RX3": False, None: False}),
        ("RX1,System", {"RX1": True, "RX3": False, None: True}),
        ("ALL", {"RX1": True, "RX3": True, None: True}),
    ],
)
def test_which_actions_need_a_second_lead(value, needs, tmp_path):
    settings = _settings(value, tmp_path)
    assert {org: settings.needs_approval(org) for org in needs} == needs


@pytest.mark.parametrize("value", ["RX1;RX2", "all,RX1", "RX 1"])
def test_a_malformed_list_stops_the_app_with_a_line_naming_the_variable(value, tmp_path):
    with pytest.raises(ConfigError, match="^PORTAL_ANALYTICS_APPROVAL_REQUIRED"):
        _settings(value, tmp_path)
