"""Modes and the refusals that keep a live deployment from starting half-configured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.shared.settings import ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_no_credentials_is_simulator_mode_with_generated_secrets(tmp_path: Path) -> None:
    s = Settings(MADOGUCHI_VAR_DIR=tmp_path)
    assert s.mode == "simulator"
    assert s.cookie_secure is False
    key = s.data_keys()
    assert key == Settings(MADOGUCHI_VAR_DIR=tmp_path).data_keys()  # generated once, then reused
    assert (tmp_path / "data_key").stat().st_mode & 0o077 == 0


def test_one_line_variable_alone_refuses_naming_the_other() -> None:
    with pytest.raises(ConfigError, match="LINE_CHANNEL_ACCESS_TOKEN"):
        Settings(line_channel_secret="s")
    with pytest.raises(ConfigError, match="LINE_CHANNEL_SECRET"):
        Settings(line_channel_access_token="t")


def test_live_mode_needs_both_keys() -> None:
    live = Settings(line_channel_secret="s", line_channel_access_token="t")
    assert live.mode == "live" and live.cookie_secure is True
    with pytest.raises(ConfigError, match="MADOGUCHI_SECRET_KEY and MADOGUCHI_DATA_KEY"):
        live.require_live_keys()
    partial = Settings(line_channel_secret="s", line_channel_access_token="t", madoguchi_secret_key="k")
    with pytest.raises(ConfigError, match="MADOGUCHI_DATA_KEY"):
        partial.require_live_keys()


def test_several_data_keys_are_a_comma_separated_list() -> None:
    s = Settings(madoguchi_data_key=" a , b ,")
    assert s.data_keys() == ["a", "b"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LINE_CHANNEL_SECRET": "s"}, "LINE_CHANNEL_ACCESS_TOKEN"),
        ({"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}, "MADOGUCHI_SECRET_KEY"),
    ],
)
def test_serve_refuses_to_start_and_says_why(env: dict[str, str], expected: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "madoguchi.cli", "serve", "--port", "1"],
        env={"PATH": "/usr/bin:/bin", "MADOGUCHI_VAR_DIR": str(tmp_path), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert expected in result.stderr
