"""Accounts: staff sign-in, the OpenID Connect provider of the staff services (docs/adr/0009)."""
