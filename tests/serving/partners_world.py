"""A served world for the One-Team tests: the serving panel with one firm of no region ("00"),
the app on it, and staff keys for every role (a user behind each, naming its organisation)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import pandas as pd
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key, hash_key
from serving.app import create_app
from serving.domain.state import ModelLoader
from serving.store.tables import ApiKey, User

FIRM_00: Final = "1000000002"  # stored without a region: 지역 미상


def without_region(panel: RawTables, firm_id: str = FIRM_00) -> RawTables:
    """The panel with ``firm_id``'s region blanked, as real exports leave some."""
    firms = panel.firms.copy()
    firms["region"] = firms["region"].astype("string")
    firms.loc[firms["firm_id"] == firm_id, "region"] = pd.NA
    return RawTables(
        firms=firms,
        financials=panel.financials,
        events=panel.events,
        regional=panel.regional,
        visits=panel.visits,
    )


def one_team_app(
    folder: Path,
    panel: RawTables,
    loaded: LoadedModel,
    loader: ModelLoader | None = None,
    **settings: object,
) -> FastAPI:
    base = Settings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        models_dir=folder / "models",
        data_dir=folder / "data",
        **settings,  # type: ignore[arg-type]
    )
    return create_app(base, model=("1", loaded), tables=without_region(panel), loader=loader)


def staff_key(
    engine: Engine,
    role: str,
    region: str | None = None,
    organisation: str | None = None,
    name: str | None = None,
) -> str:
    """A key for a new staff account of ``role`` (its user names ``organisation``)."""
    key = create_key(engine, role, region)
    stamp = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        user = User(
            username=f"{role}-{region or organisation or 'x'}-{key[4:12]}",
            display_name=name or f"{role} {region or organisation or ''}".strip(),
            role=role,
            region=region,
            organisation=organisation,
            password_hash="not-used-in-these-tests",
            created_at=stamp,
            password_changed_at=stamp,
            failed_logins=0,
        )
        session.add(user)
        session.flush()
        row = session.query(ApiKey).filter(ApiKey.key_hash == hash_key(key)).one()
        row.user_id = user.id
    return key
