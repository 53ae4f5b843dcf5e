"""Run each service's Alembic migrations against that service's own database.

    portal-migrate                 # every service, URLs from the environment
    portal-migrate intake training
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from .config import SERVICES, ConfigError, load_settings


def alembic_config(service: str, url: str) -> Config:
    import services

    base = Path(services.__file__).resolve().parent / service / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(base))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(service: str, url: str) -> None:
    command.upgrade(alembic_config(service, url), "head")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("services", nargs="*", help=f"any of {', '.join(SERVICES)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [s for s in args.services if s not in SERVICES]
    if unknown:
        parser.error(f"unknown service(s): {', '.join(unknown)}")
    for service in args.services or SERVICES:
        try:
            settings = load_settings(service, _env_without_secrets_check(service))
        except ConfigError as exc:
            print(f"portal-migrate: {exc}", file=sys.stderr)
            return 2
        upgrade(service, settings.database_url)
        print(f"{service}: migrated")
    return 0


def _env_without_secrets_check(service: str) -> dict[str, str]:
    """Migrations need only the database URL: fill secrets with throwaway values."""
    import os

    from .crypto import new_key

    env = dict(os.environ)
    env.setdefault(f"PORTAL_{service.upper()}_SECRET_KEY", "x" * 32)
    env.setdefault("PORTAL_FERNET_KEYS", new_key())
    return env


if __name__ == "__main__":
    sys.exit(main())
