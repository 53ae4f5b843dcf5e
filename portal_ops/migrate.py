"""Run each service's Alembic migrations against that service's own database.

    portal-migrate                 # every service, URLs from the environment
    portal-migrate intake training

Only each service's database URL is read: no secret is needed to migrate.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from alembic import command
from alembic.config import Config

from portal_common.settings import ConfigError

from . import registry


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(registry.service(service).migrations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(service: str, url: str) -> None:
    command.upgrade(alembic_config(service, url), "head")


def database_url(service: str, env: Mapping[str, str] | None = None) -> str:
    return registry.service(service).database.from_env(env).database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("services", nargs="*", help=f"any of {', '.join(registry.NAMES)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [s for s in args.services if s not in registry.BY_NAME]
    if unknown:
        parser.error(f"unknown service(s): {', '.join(unknown)}")
    for service in args.services or registry.NAMES:
        try:
            url = database_url(service)
        except ConfigError as exc:
            print(f"portal-migrate: {exc}", file=sys.stderr)
            return 2
        upgrade(service, url)
        print(f"{service}: migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
