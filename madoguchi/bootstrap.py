"""What `serve` and `worker` make sure of before they start: a migrated database and a trained model."""

from __future__ import annotations

from madoguchi.classifier import ensure_model
from madoguchi.shared.migrate import upgrade
from madoguchi.shared.settings import Settings


def prepare(settings: Settings) -> None:
    upgrade(settings.database_url)
    # Trains from the corpus in the repo when no usable model exists (a fresh clone, or a new format).
    ensure_model()
