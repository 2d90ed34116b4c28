"""Imports every package's models so Base.metadata is complete (Alembic, schema tests)."""

from madoguchi.bot import models as bot_models  # noqa: F401
from madoguchi.knowledge import models as knowledge_models  # noqa: F401
from madoguchi.shared import models as shared_models  # noqa: F401
from madoguchi.shared.db import Base

metadata = Base.metadata
