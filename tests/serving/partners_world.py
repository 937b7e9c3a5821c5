"""A served world for the One-Team tests: the serving panel with one firm of no region ("00"),
an app with the referral and national routers and pages, and staff keys for every role.

Until ``serving.app``, ``serving.web.pages`` and ``serving.web.i18n`` take the new routers and
words, ``one_team_app`` adds them (once: what the app already has is not added twice).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import pandas as pd
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key, hash_key
from serving.api import national as national_api
from serving.api import referrals as referrals_api
from serving.app import create_app
from serving.store.tables import ApiKey, User
from serving.web import i18n
from serving.web import national as national_pages
from serving.web import partners as partner_pages
from serving.web.words import partners as partner_words

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


def _paths(app: FastAPI) -> set[str]:
    return {route.path for route in app.router.routes if isinstance(route, APIRoute)}


def mount(app: FastAPI, routers: tuple[APIRouter, ...]) -> None:
    for router in routers:
        paths = {route.path for route in router.routes if isinstance(route, APIRoute)}
        if not paths & _paths(app):
            app.include_router(router)


def merge_words() -> None:
    """The One-Team page words, until ``serving.web.i18n`` merges them itself."""
    for name, pair in partner_words.WORDS.items():
        i18n.TEXT.setdefault(name, pair)


def one_team_app(
    folder: Path, panel: RawTables, loaded: LoadedModel, **settings: object
) -> FastAPI:
    base = Settings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        models_dir=folder / "models",
        data_dir=folder / "data",
        **settings,  # type: ignore[arg-type]
    )
    merge_words()
    app = create_app(base, model=("1", loaded), tables=without_region(panel))
    routers = (referrals_api.router, national_api.router)
    mount(app, (*routers, partner_pages.router, national_pages.router))
    return app


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
