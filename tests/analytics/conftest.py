"""Signed-in page tests reuse the OpenID Connect provider mock of tests/signin."""

from ..signin.conftest import provider, provider_server, rp_factory  # noqa: F401
