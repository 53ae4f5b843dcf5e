from portal_common.alembic_env import run
from services.training.models import Base

run(Base.metadata)
