"""Feature building in pieces: by firm partition (national batch) or by as-of date (on Dask).

``features_as_of`` mixes per-firm work with two cross-sectional facts: industry distress rates
and peer percentiles. Split by firms, each piece computes its own firms' features with the
*global* industry rates (their counts add up over pieces) and no peers; the peer reference is
then fitted once on the pieces' peer-source columns and the peer columns are filled in. The
result equals ``features_as_of`` on the whole panel, row for row.

Split by as-of date, each date is a whole cross-section already, so ``build_features_dask``
ships the tables to the workers once and builds one date per task.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from features import environment
from features.labels import DEFAULT_RULES
from features.peers import ALL, PeerReference, peer_keys
from features.pipeline import (
    PEER_FEATURES,
    PEER_LEVEL_COLUMNS,
    MarketContext,
    as_of_dates,
    features_as_of,
    with_labels,
)
from features.tables import RawTables, read_tables

_NO_PEERS = PeerReference({source: {ALL: np.empty(0)} for source in PEER_FEATURES.values()})


def industry_counts(tables: RawTables, as_of: pd.Timestamp) -> pd.DataFrame:
    """This piece's industry counts at ``as_of``; sum them over pieces with ``combine_counts``."""
    return environment.industry_distress_counts(tables.firms, tables.events, as_of)


def combine_counts(counts: Iterable[pd.DataFrame]) -> pd.Series:
    """Industry distress rates from the counts of disjoint pieces."""
    total = pd.concat(list(counts)).groupby(level=0).sum()
    return environment.distress_rate(total)


def features_without_peers(
    tables: RawTables, as_of: pd.Timestamp, rates: pd.Series
) -> pd.DataFrame:
    """``features_as_of`` for this piece's firms, with global rates and peer columns left empty."""
    return features_as_of(tables, as_of, MarketContext(as_of, _NO_PEERS, rates))


def peer_groups(features: pd.DataFrame) -> pd.DataFrame:
    return peer_keys(features["ksic"], features["size_class"])


def peer_sources(features: pd.DataFrame) -> pd.DataFrame:
    """The small slice of a piece that the global peer reference needs."""
    return features[["ksic", "size_class", *PEER_FEATURES.values()]]


def fit_peers(sources: Iterable[pd.DataFrame]) -> PeerReference:
    frame = pd.concat(list(sources), ignore_index=True)
    return PeerReference.fit(frame, peer_groups(frame), list(PEER_FEATURES.values()))


def with_peers(features: pd.DataFrame, peers: PeerReference) -> pd.DataFrame:
    """Fill the peer-percentile columns from the global reference."""
    groups = peer_groups(features)
    out = features.copy()
    for column, source in PEER_FEATURES.items():
        percentile, level = peers.percentile_and_level(features, groups, source)
        out[column], out[PEER_LEVEL_COLUMNS[column]] = percentile.to_numpy(), level.to_numpy()
    return out


def build_features_dask(
    tables_dir: Path,
    scheduler: str | object,
    dates: Sequence[pd.Timestamp] | None = None,
    label_rules: Sequence[str] = DEFAULT_RULES,
    horizon_months: int = 12,
) -> pd.DataFrame:
    """``build_features`` with one as-of date per Dask task; ``scheduler`` is an address or Client.

    Equals ``features.pipeline.build_features`` (tested). Every worker holds the tables once.
    """
    from dask.distributed import Client

    tables = read_tables(tables_dir)
    dates = list(dates) if dates is not None else as_of_dates(tables.financials)
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        shared = client.scatter(tables, broadcast=True)
        futures = [client.submit(features_as_of, shared, d, pure=False) for d in dates]
        table = pd.concat(client.gather(futures), ignore_index=True)
    finally:
        if client is not scheduler:
            client.close()
    return with_labels(table, tables, label_rules, horizon_months)
