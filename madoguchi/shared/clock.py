"""One source of 'now' (UTC, aware), replaceable in tests for fixed or sped-up time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _source()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Tests pin or speed up the clock; None restores the real one."""
    global _source
    _source = source or (lambda: datetime.now(UTC))
