"""What `serve` and `worker` make sure of before they start: a migrated database and a trained model."""

from __future__ import annotations

from madoguchi.shared.migrate import upgrade
from madoguchi.shared.settings import Settings


def prepare(settings: Settings) -> None:
    upgrade(settings.database_url)
    # The worker answers with the classifier: train it now (once) rather than on the first message.
    from pathlib import Path

    from madoguchi.classifier import ensure_model
    from madoguchi.classifier.service import MODEL_FILENAME

    ensure_model(Path(settings.var_dir) / "models" / MODEL_FILENAME)
