"""What `serve` and `worker` make sure of before they start: a migrated database."""

from __future__ import annotations

from madoguchi.shared.migrate import upgrade
from madoguchi.shared.settings import Settings


def prepare(settings: Settings) -> None:
    upgrade(settings.database_url)
