from portal_common.alembic_env import run
from services.analytics.models import Base

run(Base.metadata)
