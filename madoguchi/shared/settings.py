"""Settings from the environment (see README and spec/interfaces.md).

Two modes: simulator (no LINE credentials: secrets generated under var/) and
live (both LINE variables set: the keys are required).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """The configuration cannot run; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = "sqlite:///var/madoguchi.db"
    line_channel_secret: SecretStr | None = None
    line_channel_access_token: SecretStr | None = None
    line_api_base_url: str | None = None
    madoguchi_secret_key: SecretStr | None = None
    madoguchi_data_key: SecretStr | None = None
    madoguchi_admin_email: str | None = None
    madoguchi_admin_password: SecretStr | None = None
    madoguchi_cookie_secure: bool | None = None
    madoguchi_tz: str = "Asia/Tokyo"
    madoguchi_suppress_below: int = 3
    var_dir: Path = Field(default=Path("var"), alias="MADOGUCHI_VAR_DIR")

    # Outbox: how long a failing message keeps being retried before it ends as failed.
    outbox_give_up_after_s: float = Field(default=24 * 3600, alias="MADOGUCHI_OUTBOX_GIVE_UP_AFTER_S")
    outbox_backoff_cap_s: float = Field(default=300.0, alias="MADOGUCHI_OUTBOX_BACKOFF_CAP_S")
    # After LINE says the monthly quota is used up, pushes wait this long before trying again.
    outbox_quota_pause_s: float = Field(default=600.0, alias="MADOGUCHI_OUTBOX_QUOTA_PAUSE_S")
    line_request_timeout_s: float = Field(default=10.0, alias="MADOGUCHI_LINE_TIMEOUT_S")
    event_max_attempts: int = Field(default=5, alias="MADOGUCHI_EVENT_MAX_ATTEMPTS")
    worker_poll_s: float = Field(default=0.2, alias="MADOGUCHI_WORKER_POLL_S")
    # Messages arriving within this window are read together as one worry.
    coalesce_window_s: float = Field(default=3.0, alias="MADOGUCHI_COALESCE_WINDOW_S")
    # When coordinators are on duty, in the opening-hours grammar of knowledge/README.md (the console will
    # edit it later). Holidays come from the `holidays` calendar (祝日休み).
    # How long residents' messages are kept (said in the privacy notice; crisis records the same).
    retention_days: int = Field(default=365, alias="MADOGUCHI_RETENTION_DAYS")
    duty_hours: str = Field(default="月-金 8:30-17:15; 祝日休み; 年末年始休み", alias="MADOGUCHI_DUTY_HOURS")

    @property
    def mode(self) -> Literal["simulator", "live"]:
        return "live" if self.line_channel_secret and self.line_channel_access_token else "simulator"

    @property
    def cookie_secure(self) -> bool:
        if self.madoguchi_cookie_secure is not None:
            return self.madoguchi_cookie_secure
        return self.mode == "live"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _check_mode(self) -> Settings:
        has_secret = bool(self.line_channel_secret)
        has_token = bool(self.line_channel_access_token)
        if has_secret != has_token:
            present, missing = (
                ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")
                if has_secret
                else ("LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET")
            )
            raise ConfigError(
                f"{present} is set but {missing} is not: set both for live mode, or neither for the simulator."
            )
        return self

    def require_live_keys(self) -> None:
        """Live mode refuses to start without its keys, naming the missing one."""
        if self.mode != "live":
            return
        missing = [
            name
            for name, value in (
                ("MADOGUCHI_SECRET_KEY", self.madoguchi_secret_key),
                ("MADOGUCHI_DATA_KEY", self.madoguchi_data_key),
            )
            if not value or not value.get_secret_value().strip()
        ]
        if missing:
            raise ConfigError(f"live mode needs {' and '.join(missing)} (see `madoguchi keys new`).")

    # --- secrets that simulator mode generates under var/ -------------------------------

    def _var_secret(self, name: str, make: callable) -> str:  # type: ignore[valid-type]
        path = self.var_dir / name
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        value = make()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(value + "\n")
        tmp.chmod(0o600)
        tmp.replace(path)
        return value

    def channel_secret(self) -> str:
        if self.line_channel_secret:
            return self.line_channel_secret.get_secret_value()
        return self._var_secret("channel_secret", lambda: secrets.token_hex(16))

    def channel_access_token(self) -> str:
        if self.line_channel_access_token:
            return self.line_channel_access_token.get_secret_value()
        return self._var_secret("channel_access_token", lambda: secrets.token_urlsafe(32))

    def data_keys(self) -> list[str]:
        raw = (
            self.madoguchi_data_key.get_secret_value()
            if self.madoguchi_data_key
            else self._var_secret("data_key", lambda: Fernet.generate_key().decode())
        )
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        if not keys:
            raise ConfigError("MADOGUCHI_DATA_KEY is empty.")
        return keys

    def secret_key(self) -> str:
        if self.madoguchi_secret_key:
            return self.madoguchi_secret_key.get_secret_value()
        return self._var_secret("secret_key", lambda: secrets.token_urlsafe(32))


@lru_cache
def get_settings() -> Settings:
    return Settings()
