"""A small world with the firms real panels bring (issue 10): no region, vendor codes with
leading zeros, a stale last statement, one already a 한계기업, missing values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from fastapi import FastAPI

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.app import create_app
from tests.factories import firm, random_panel, statement, tables

NO_REGION = "A00123"  # a vendor code, stored without a region
VENDOR = "090414"  # leading zero: must never become 90414
STALE = "KIS-000777"  # last statement for FY2021: 30 months old on 30 June 2024
MARGINAL = "1300000000001"  # 13-digit 법인등록번호; interest coverage below 1 for years
GAPS = "2000000009"  # most amounts missing

YEARS = range(2016, 2024)


def _extra_firms() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    firms = [
        firm(NO_REGION, region=None, district=None),
        firm(VENDOR),
        firm(STALE),
        firm(MARGINAL),
        firm(GAPS, ksic=None, size_class=None, founded=None),
    ]
    rows = [statement(NO_REGION, y) for y in YEARS] + [statement(VENDOR, y) for y in YEARS]
    rows += [statement(STALE, y) for y in YEARS if y <= 2021]
    losing = {
        "operating_income": 10_000.0,
        "interest_expense": 40_000.0,
        "pretax_income": -30_000.0,
        "net_income": -30_000.0,
    }
    rows += [statement(MARGINAL, y, **losing) for y in YEARS]
    missing = ("total_assets", "equity", "borrowings", "cash", "interest_expense", "employees")
    rows += [statement(GAPS, y, **dict.fromkeys(missing, float("nan"))) for y in YEARS]
    return firms, rows


def world() -> RawTables:
    base = random_panel(n_firms=40, seed=11)
    firms, rows = _extra_firms()
    extra = tables(firms, rows)
    return replace(
        base,
        firms=pd.concat([base.firms, extra.firms], ignore_index=True),
        financials=pd.concat([base.financials, extra.financials], ignore_index=True),
    )


def marginal_model(model: LoadedModel) -> LoadedModel:
    """The same booster, served as a "becomes 한계기업" model."""
    return LoadedModel(replace(model.bundle, label_rules=("marginal_firm",)), model.booster)


def app(folder: Path, panel: RawTables, model: LoadedModel) -> FastAPI:
    url = f"sqlite:///{folder / 'service.db'}"
    settings = Settings(database_url=url, models_dir=folder, data_dir=folder / "data")
    return create_app(settings, model=("1", model), tables=panel)
