"""The hub's page tests sign in through the mock OpenID Connect provider, as the sign-in tests do."""

from ..signin.conftest import provider, provider_server, rp_factory  # noqa: F401
