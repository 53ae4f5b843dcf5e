"""The accounts service's pages and OpenID Connect endpoints."""
