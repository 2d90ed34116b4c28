"""Test databases: SQLite always, PostgreSQL as well when TEST_DATABASE_URL is set.

Each run migrates fresh databases (the schema only ever comes from migrations),
then each test rolls back, or truncates when it needs real commits.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.shared import crypto
from madoguchi.shared.db import make_engine
from madoguchi.shared.migrate import upgrade

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL")

# A fixed test data key: tests read raw tables and must be able to decrypt.
TEST_DATA_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="
crypto.configure([TEST_DATA_KEY])


def backends() -> list[str]:
    if PG_URL:
        return ["sqlite", "postgresql"]
    if IN_CI:
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must not skip")
    return ["sqlite"]


def _create_pg_database(server_url: str) -> str:
    url = make_url(server_url)
    name = f"madoguchi_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(server_url: str, db_url: str) -> None:
    name = make_url(db_url).database
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=backends())
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database URL for this run (one per backend)."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    assert PG_URL
    try:
        url = _create_pg_database(PG_URL)
    except Exception as exc:  # pragma: no cover - depends on the machine
        if IN_CI:
            raise
        pytest.skip(f"PostgreSQL not reachable at TEST_DATABASE_URL: {exc}")
    upgrade(url)
    yield url
    _drop_pg_database(PG_URL, url)


@pytest.fixture(scope="session")
def classifier_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model trained from the repo's corpus for the whole run (training takes tens of seconds)."""
    from madoguchi.classifier import ensure_model
    from madoguchi.classifier.service import MODEL_FILENAME

    return ensure_model(tmp_path_factory.mktemp("model") / MODEL_FILENAME, announce=False)


def install_model(model_path: Path, var_dir: Path) -> None:
    """Put the run's model where a madoguchi process with this var dir looks for it."""
    import shutil

    target = var_dir / "models" / model_path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(model_path, target)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (services only flush)."""
    conn = engine.connect()
    trans = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        trans.rollback()
        conn.close()


@pytest.fixture
def committing_db(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """For tests that need real commits (workers, servers): every table is emptied afterwards."""
    yield sessionmaker(engine, expire_on_commit=False)
    truncate_all(engine)


def truncate_all(engine: Engine) -> None:
    from madoguchi.all_models import metadata

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
