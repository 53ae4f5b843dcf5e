from portal_common.alembic_env import run
from services.redactor.models import Base

run(Base.metadata)
