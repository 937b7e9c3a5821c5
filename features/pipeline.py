"""Raw contract tables -> point-in-time feature table (one row per firm and as-of date).

The same ``features_as_of`` serves training (many as-of dates) and online scoring (one firm,
one date): the service passes the ``MarketContext`` it built from the stored cross-section so
that peer percentiles and industry rates mean the same thing online as in training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from features import environment, signals, statements
from features.catalog import FEATURE_NAMES, FLAGS
from features.flags import rule_flags
from features.labels import DEFAULT_RULES, make_labels
from features.peers import PeerReference, peer_group
from features.ratios import _icr, compute_ratios
from features.tables import RawTables

ID_COLUMNS = (
    "firm_id",
    "as_of",
    "region",
    "district",
    "ksic",
    "size_class",
    "cluster_id",
    "audited",
    "fiscal_year",
)
PEER_FEATURES = {
    "peer_pct_operating_margin": "operating_margin",
    "peer_pct_debt_ratio": "debt_ratio",
}


@dataclass(frozen=True)
class MarketContext:
    """Cross-sectional facts at one as-of date that a single firm cannot supply itself."""

    as_of: pd.Timestamp
    peers: PeerReference
    industry_rates: pd.Series


def as_of_dates(financials: pd.DataFrame, month: int = 6, day: int = 30) -> list[pd.Timestamp]:
    """Yearly as-of dates (default 30 June), from the first filing to the year after the last
    fiscal year: a late restatement does not open an as-of year with no new statements."""
    first = financials["filed_on"].min()
    years = range(first.year, int(financials["fiscal_year"].max()) + 2)
    dates = [pd.Timestamp(year=y, month=month, day=day) for y in years]
    return [d for d in dates if first <= d]


def _population(tables: RawTables, as_of: pd.Timestamp) -> pd.DataFrame:
    """Firms to score on ``as_of``: founded, with a filed statement, not already in distress."""
    panel = statements.latest_statements(tables.financials, as_of)
    firms = tables.firms.set_index("firm_id")
    panel = panel[panel.index.isin(firms.index)]
    panel = panel[~panel.index.isin(signals.defaulted_before(tables.events, as_of))]
    founded = firms["founded"].reindex(panel.index)
    return panel[~(founded > as_of)]


def build_context(features: pd.DataFrame, industry_rates: pd.Series) -> MarketContext:
    """Peer reference and industry rates from one as-of cross-section of features."""
    groups = peer_group(environment.industry_of(features["ksic"]), features["size_class"])
    peers = PeerReference.fit(features, groups, list(FEATURE_NAMES))
    return MarketContext(features["as_of"].iloc[0], peers, industry_rates)


def features_as_of(
    tables: RawTables, as_of: pd.Timestamp, context: MarketContext | None = None
) -> pd.DataFrame:
    """Feature rows for every eligible firm in ``tables`` on ``as_of`` (no labels)."""
    panel = _population(tables, as_of)
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
    groups = peer_group(industry, firms["size_class"])
    peers = (
        context.peers
        if context is not None
        else PeerReference.fit(frame, groups, list(PEER_FEATURES.values()))
    )
    for column, source in PEER_FEATURES.items():
        frame[column] = peers.percentile(frame, groups, source)
    ids = firms[["region", "district", "ksic", "size_class", "cluster_id", "audited"]].copy()
    ids["as_of"] = as_of
    ids["fiscal_year"] = panel["fiscal_year"]
    flags = rule_flags(panel, arrears)
    below = (_icr(panel) < 1.0) & (_icr(panel, "_l1") < 1.0)
    out = pd.concat([ids, frame[[*FEATURE_NAMES, "altman_z"]], flags], axis=1)
    out["icr_below_one_2y"] = below.to_numpy()
    return out.rename_axis("firm_id").reset_index()


def build_features(
    tables: RawTables,
    dates: Sequence[pd.Timestamp] | None = None,
    label_rules: Sequence[str] = DEFAULT_RULES,
    horizon_months: int = 12,
    progress: bool = False,
) -> pd.DataFrame:
    """The training table: features and flags per (firm, as-of), with a ``label`` column.

    ``label_rules`` may include ``column:<name>``: a label column of ``tables.labels``.
    """
    dates = list(dates) if dates is not None else as_of_dates(tables.financials)
    parts = [features_as_of(tables, d) for d in tqdm(dates, desc="features", disable=not progress)]
    table = pd.concat(parts, ignore_index=True)
    # Skip NaT: a panel without events is observed until its last filing.
    observed_until = pd.Series(
        [tables.events["event_date"].max(), tables.financials["filed_on"].max()]
    ).max()
    table["label"] = make_labels(
        table,
        tables.financials,
        tables.events,
        label_rules,
        horizon_months,
        observed_until,
        tables.labels,
    )
    return table


FEATURE_TABLE_COLUMNS = (
    *ID_COLUMNS,
    *FEATURE_NAMES,
    "altman_z",
    *FLAGS,
    "icr_below_one_2y",
    "label",
)
