from portal_common.alembic_env import run

run("analytics")
