"""Deployment settings from the environment (prefix ``EWS_``); see ``.env.example``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EWS_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    models_dir: Path = Path("models")
    # Files the operators edit: the programme catalogue, per-region settings, scenario files.
    config_dir: Path = Path("config")
    mlflow_tracking_uri: str = ""
    database_url: str = ""
    model_name: str = "sme-distress"
    model_alias: str = "champion"
    host: str = "127.0.0.1"
    port: int = 8000
    # A statement older than this (months after its period end) gets no fresh grade (자료 오래됨).
    stale_after_months: int = 18
    # Larger request bodies get 413 before authentication or parsing (1 MiB by default).
    max_body_bytes: int = 1_048_576
    # HMAC key: promotion signs the champion's bundle digest, readers refuse unsigned versions.
    model_signing_key: SecretStr = SecretStr("")
    # Abuse limits, counted in each process's memory (each replica counts its own callers).
    # Requests per API key and per client address: a burst, refilled at so many a second.
    limit_key_burst: int = 600
    limit_key_per_s: float = 100.0
    limit_address_burst: int = 1200
    limit_address_per_s: float = 200.0
    # Failures that lock a caller out for limit_lockout_s seconds: unknown or revoked keys per
    # client address; failed sign-ins per address and per typed key's first 8 characters.
    limit_bad_keys: int = 20
    limit_sign_in_failures: int = 10
    limit_lockout_s: float = 300.0
    # The monthly digest (`ews digest`): where its HTML and CSV files go (models/digests when
    # empty) and an optional webhook that gets each digest as JSON (none when empty).
    digest_dir: Path | None = None
    digest_webhook_url: str = ""
    digest_webhook_timeout_s: float = 10.0

    @property
    def tracking_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.models_dir.resolve()}/mlflow.db"

    @property
    def artifact_root(self) -> str:
        return (self.models_dir.resolve() / "artifacts").as_uri()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.models_dir.resolve()}/service.db"

    @field_validator("digest_dir", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        # ``EWS_DIGEST_DIR=`` (as .env.example writes it) means the default, not the cwd.
        return None if value == "" else value

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def features_dir(self) -> Path:
        return self.data_dir / "features"

    @property
    def digests_dir(self) -> Path:
        return self.digest_dir or self.models_dir / "digests"


@lru_cache
def get_settings() -> Settings:
    return Settings()
