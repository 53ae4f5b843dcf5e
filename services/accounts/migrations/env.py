from portal_common.alembic_env import run
from services.accounts.models import Base

run(Base.metadata)
