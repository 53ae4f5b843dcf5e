"""The relying parties' sign-in settings: defaults from the staff site, one clear line for a bad value."""

from __future__ import annotations

import pytest

from portal_common.crypto import new_key
from portal_common.settings import ConfigError
from services.analytics.settings import AnalyticsWebSettings
from services.training.settings import TrainingWebSettings

GOOD = {
    "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
    # The training web app asks the redactor to check case studies, encrypted (a cipher key).
    "PORTAL_FERNET_KEYS": new_key(),
    "PORTAL_TRAINING_SECRET_KEY": "s" * 40,
    "PORTAL_TRAINING_OIDC_CLIENT_SECRET": "c" * 40,
}


def test_the_defaults_point_at_the_portals_own_provider():
    settings = TrainingWebSettings.from_env({**GOOD, "PORTAL_ACCOUNTS_PUBLIC_URL": "https://accounts.example/"})
    assert settings.oidc_issuer == "https://accounts.example"
    assert settings.oidc_client_id == "training"
    assert settings.oidc_roles_claim == "roles" and settings.oidc_lead_scope_claim == "lead_scope"
    assert settings.oidc_role_map == {r: r for r in ("learner", "trainer", "reviewer", "lead", "admin")}
    assert settings.default_roles == ("learner",)
    assert settings.oidc_recheck == "userinfo"
    assert (settings.session_idle_minutes, settings.session_idle_minutes_short, settings.session_absolute_hours) == (
        120, 30, 12)
    assert settings.idle_minutes(["learner", "lead"]) == 30 and settings.idle_minutes(["trainer"]) == 120
    assert "c" * 40 not in repr(settings)


def test_a_trusts_own_provider_is_configuration_only():
    settings = TrainingWebSettings.from_env({
        **GOOD,
        "PORTAL_TRAINING_OIDC_ISSUER": "https://login.microsoftonline.com/tenant-id/v2.0",
        "PORTAL_TRAINING_OIDC_CLIENT_ID": "3f2a-app-id",
        "PORTAL_TRAINING_OIDC_CLIENT_SECRET": "an-entra-secret",  # theirs may be shorter
        "PORTAL_TRAINING_OIDC_ROLES_CLAIM": "groups",
        "PORTAL_TRAINING_OIDC_ROLE_MAP": '{"11aa-leads": "lead", "22bb-trainers": "Trainer"}',
        "PORTAL_TRAINING_OIDC_DEFAULT_ROLES": "learner, reviewer",
        "PORTAL_TRAINING_OIDC_RECHECK": "none",
    })
    assert settings.oidc_client_id == "3f2a-app-id" and settings.oidc_roles_claim == "groups"
    assert settings.oidc_role_map == {"11aa-leads": "lead", "22bb-trainers": "trainer"}
    assert settings.default_roles == ("learner", "reviewer") and settings.oidc_recheck == "none"
    assert TrainingWebSettings.from_env({**GOOD, "PORTAL_TRAINING_OIDC_DEFAULT_ROLES": "none"}).default_roles == ()


@pytest.mark.parametrize(
    ("change", "variable", "words"),
    [
        ({"PORTAL_TRAINING_OIDC_CLIENT_SECRET": ""}, "PORTAL_TRAINING_OIDC_CLIENT_SECRET", "is not set"),
        ({"PORTAL_TRAINING_OIDC_CLIENT_SECRET": "short"}, "PORTAL_TRAINING_OIDC_CLIENT_SECRET", "at least 32"),
        ({"PORTAL_TRAINING_OIDC_ROLE_MAP": '{"g": "superuser"}'}, "PORTAL_TRAINING_OIDC_ROLE_MAP",
         "not a portal role"),
        ({"PORTAL_TRAINING_OIDC_ROLE_MAP": "lead"}, "PORTAL_TRAINING_OIDC_ROLE_MAP", "JSON object"),
        ({"PORTAL_TRAINING_OIDC_ROLE_MAP": '["lead"]'}, "PORTAL_TRAINING_OIDC_ROLE_MAP", "JSON object"),
        ({"PORTAL_TRAINING_OIDC_DEFAULT_ROLES": "learner,boss"}, "PORTAL_TRAINING_OIDC_DEFAULT_ROLES", "boss"),
        ({"PORTAL_TRAINING_OIDC_RECHECK": "sometimes"}, "PORTAL_TRAINING_OIDC_RECHECK", "must be one of"),
        ({"PORTAL_TRAINING_OIDC_ISSUER": "login.example"}, "PORTAL_TRAINING_OIDC_ISSUER", "https://"),
        ({"PORTAL_TRAINING_SESSION_IDLE_MINUTES": "0"}, "PORTAL_TRAINING_SESSION_IDLE_MINUTES", "between"),
    ],
)
def test_bad_values_name_the_variable_in_one_line(change, variable, words):
    with pytest.raises(ConfigError) as err:
        TrainingWebSettings.from_env({**GOOD, **change})
    message = str(err.value)
    assert message.startswith(variable) and words in message and "\n" not in message


def test_each_relying_party_reads_its_own_prefix():
    env = {**GOOD, "PORTAL_ANALYTICS_SECRET_KEY": "a" * 40, "PORTAL_ANALYTICS_OIDC_CLIENT_SECRET": "d" * 40,
           "PORTAL_ANALYTICS_OIDC_ROLES_CLAIM": "groups"}
    assert AnalyticsWebSettings.from_env(env).oidc_roles_claim == "groups"
    assert TrainingWebSettings.from_env(env).oidc_roles_claim == "roles"
    assert AnalyticsWebSettings.from_env(env).oidc_client_id == "analytics"
