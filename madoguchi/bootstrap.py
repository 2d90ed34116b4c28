"""What `serve` and `worker` make sure of before they start: a migrated database and a trained model."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from madoguchi.classifier import ensure_model
from madoguchi.shared import crypto
from madoguchi.shared.db import make_engine, make_session_factory
from madoguchi.shared.migrate import upgrade
from madoguchi.shared.settings import Settings, get_settings


def prepare(settings: Settings) -> None:
    upgrade(settings.database_url)
    # Trains from the corpus in the repo when no usable model exists (a fresh clone, or a new format).
    ensure_model()


def open_database(settings: Settings | None = None) -> sessionmaker[Session]:
    """For the operators' commands: the data keys configured and a session factory on DATABASE_URL."""
    settings = settings or get_settings()
    crypto.configure(settings.data_keys())
    return make_session_factory(make_engine(settings.database_url))
