"""The per-date reference build: ``features_as_of`` as first written, one as-of date at a time.

``features.pipeline`` computes all dates in one vectorised pass; this slow, plainly point-in-time
version (each date filters the raw tables afresh) stays as the definition the fast one must
equal, row for row (``tests/features/test_vectorised.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from features import environment, signals, statements
from features.catalog import FEATURE_NAMES
from features.flags import icr_below_one_2y, rule_flags
from features.labels import DEFAULT_RULES
from features.peers import PeerReference, peer_keys
from features.pipeline import (
    PEER_FEATURES,
    PEER_LEVEL_COLUMNS,
    MarketContext,
    as_of_dates,
    with_labels,
)
from features.ratios import compute_ratios
from features.tables import RawTables


def population(tables: RawTables, as_of: pd.Timestamp) -> pd.DataFrame:
    """Firms to score on ``as_of``: founded, with a filed statement, not already in distress."""
    panel = statements.latest_statements(tables.financials, as_of)
    firms = tables.firms.set_index("firm_id")
    panel = panel[panel.index.isin(firms.index)]
    panel = panel[~panel.index.isin(signals.defaulted_before(tables.events, as_of))]
    founded = firms["founded"].reindex(panel.index)
    return panel[~(founded > as_of)]


def features_as_of_by_date(
    tables: RawTables, as_of: pd.Timestamp, context: MarketContext | None = None
) -> pd.DataFrame:
    """Feature rows for every eligible firm in ``tables`` on ``as_of`` (no labels)."""
    panel = population(tables, as_of)
    firms = tables.firms.set_index("firm_id").reindex(panel.index)
    arrears = signals.arrears_signals(tables.events, panel.index, as_of)
    frame = compute_ratios(panel).join(arrears)
    frame["firm_age"] = (as_of - firms["founded"]).dt.days / 365.25
    frame["statement_age_months"] = (as_of - panel["period_end"]).dt.days / signals.DAYS_PER_MONTH
    region = environment.regional_as_of(tables.regional, as_of)
    frame = frame.join(region.reindex(firms["region"].to_numpy()).set_axis(frame.index))
    if context is None:
        rates = environment.industry_distress_rate(tables.firms, tables.events, as_of)
    else:
        rates = context.industry_rates
    industry = environment.industry_of(firms["ksic"])
    frame["industry_distress_rate"] = industry.map(rates).astype("float64").to_numpy()
    keys = peer_keys(firms["ksic"], firms["size_class"])
    peers = (
        context.peers
        if context is not None
        else PeerReference.fit(frame, keys, list(PEER_FEATURES.values()))
    )
    for column, source in PEER_FEATURES.items():
        percentile, level = peers.percentile_and_level(frame, keys, source)
        frame[column], frame[PEER_LEVEL_COLUMNS[column]] = percentile, level
    ids = firms[["region", "district", "ksic", "size_class", "cluster_id", "audited"]].copy()
    ids["as_of"] = as_of
    ids["fiscal_year"] = panel["fiscal_year"]
    ids["period_end"] = panel["period_end"]
    flags = rule_flags(panel, arrears)
    extra = [*FEATURE_NAMES, "altman_z", *PEER_LEVEL_COLUMNS.values()]
    out = pd.concat([ids, frame[extra], flags], axis=1)
    out["icr_below_one_2y"] = icr_below_one_2y(panel).to_numpy()
    return out.rename_axis("firm_id").reset_index()


def features_by_date(
    tables: RawTables, dates: Sequence[pd.Timestamp] | None = None
) -> pd.DataFrame:
    """The feature rows of ``build_features_by_date``, before labels."""
    dates = list(dates) if dates is not None else as_of_dates(tables.financials)
    return pd.concat([features_as_of_by_date(tables, d) for d in dates], ignore_index=True)


def build_features_by_date(
    tables: RawTables,
    dates: Sequence[pd.Timestamp] | None = None,
    label_rules: Sequence[str] = DEFAULT_RULES,
    horizon_months: int = 12,
) -> pd.DataFrame:
    """``features.pipeline.build_features``, one ``features_as_of_by_date`` call per date."""
    return with_labels(features_by_date(tables, dates), tables, label_rules, horizon_months)
