"""`ews watchlist-check`: do the champion's watch lists hold as many true crises as their PDs
promise on the out-of-time test year? (``scoring.watchlist_check``; it writes nothing.)"""

from __future__ import annotations

from typing import Annotated

import typer

from scoring.watchlist import MAX_CAPACITY
from scoring.watchlist_check import CALIBRATION_ALLOWANCE

FEATURES_FILE = "features.parquet"


def check(
    capacity: Annotated[
        int, typer.Option(min=1, max=MAX_CAPACITY, help="Firms per 시도 list (K).")
    ] = 50,
    year: Annotated[
        int | None, typer.Option(help="As-of year (default: the model's test year).")
    ] = None,
    allowance: Annotated[
        float, typer.Option(min=0.0, help="Share of expected crises allowed for drift.")
    ] = CALIBRATION_ALLOWANCE,
) -> None:
    """Every 시도's list on the stored feature table, scored by the champion: expected vs
    observed crises; exits 1 when they differ by more than 3σ plus the allowance."""
    import pandas as pd

    from core.bundle import fetch_registered
    from core.settings import get_settings
    from scoring.watchlist_check import check_watchlists, held_out_year, report

    settings = get_settings()
    _, model = fetch_registered(settings.tracking_uri, settings.model_name, settings.model_alias)
    table = pd.read_parquet(settings.features_dir / FEATURES_FILE)
    result = check_watchlists(table, model, year or held_out_year(model), capacity, allowance)
    typer.echo(report(result))
    if not result.passed:
        raise typer.Exit(code=1)
