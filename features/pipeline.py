"""Raw contract tables -> point-in-time feature table (one row per firm and as-of date).

The same code serves training (``build_features``: every as-of date in one vectorised pass,
30 June each year by default, or every month-end with ``frequency="monthly"``)
and online scoring (``features_as_of``: one firm, one date): the service passes the
``MarketContext`` it built from the stored cross-section so that peer percentiles and industry
rates mean the same thing online as in training. ``features.reference`` keeps the plain
per-date version that this one is tested against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features import environment, signals, statements
from features.asof import ByDate, days_between
from features.catalog import FEATURE_NAMES, FLAGS
from features.flags import icr_below_one_2y, rule_flags
from features.labels import DEFAULT_RULES, make_labels
from features.peers import PEER_LEVELS, PeerReference, cross_section_percentiles, peer_keys
from features.ratios import EARLIER_YEARS, Columns, ratio_arrays
from features.statements import as_of_dates
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
    "period_end",
)
PEER_FEATURES = {
    "peer_pct_operating_margin": "operating_margin",
    "peer_pct_debt_ratio": "debt_ratio",
}
# Beside each peer percentile: the level of ``features.peers.PEER_LEVELS`` it was taken at.
PEER_LEVEL_COLUMNS = {
    column: column.replace("peer_pct_", "peer_level_") for column in PEER_FEATURES
}


@dataclass(frozen=True)
class MarketContext:
    """Cross-sectional facts at one as-of date that a single firm cannot supply itself."""

    as_of: pd.Timestamp
    peers: PeerReference
    industry_rates: pd.Series


def build_context(features: pd.DataFrame, industry_rates: pd.Series) -> MarketContext:
    """Peer reference and industry rates from one as-of cross-section of features."""
    keys = peer_keys(features["ksic"], features["size_class"])
    peers = PeerReference.fit(features, keys, list(FEATURE_NAMES))
    return MarketContext(features["as_of"].iloc[0], peers, industry_rates)


def features_as_of(
    tables: RawTables, as_of: pd.Timestamp, context: MarketContext | None = None
) -> pd.DataFrame:
    """Feature rows for every eligible firm in ``tables`` on ``as_of`` (no labels)."""
    return features_on_dates(tables, [as_of], context)


def features_on_dates(
    tables: RawTables, dates: Sequence[pd.Timestamp], context: MarketContext | None = None
) -> pd.DataFrame:
    """``features_as_of`` on each of ``dates``, concatenated: by date, then by firm_id.

    All dates are computed together: each table is sorted once and every (firm, date) row looks
    up what was known on its date. Cross-sectional facts (peer percentiles, industry rates) are
    computed within each date, unless a ``context`` (one date only) supplies them.
    """
    when = pd.DatetimeIndex(dates)
    if context is not None and len(when) != 1:
        raise ValueError(f"a market context holds one as-of date; got {len(when)} dates")
    firms = _firms_by_id(tables.firms)
    filings = statements.Filings(tables.financials, firms.index)
    keys = filings.latest_years(when)
    keys = keys[_eligible(keys, firms, tables.events, when)].reset_index(drop=True)
    rows = _Rows(when, keys["date"].to_numpy(), keys["firm"].to_numpy())
    panel = filings.panel(keys, when, EARLIER_YEARS)
    arrears = signals.arrears_signals_at(tables.events, firms.index, rows.firm, when, rows.date)
    columns = Columns.numeric(panel)  # converted once for the ratios and the rule flags
    # Feature columns as arrays, framed once at the end: a frame per step, joined and reordered,
    # costs more than the features themselves on a single firm's rows.
    values: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {
        **ratio_arrays(columns),
        **{name: arrears[name].to_numpy() for name in arrears.columns},
        **_ages_and_environment(tables, firms, panel, rows, context),
    }
    keys = peer_keys(firms["ksic"], firms["size_class"])
    for column, source in PEER_FEATURES.items():
        percentile, level = _peer_percentile(values[source], rows, keys, source, context)
        values[column], values[PEER_LEVEL_COLUMNS[column]] = percentile, level
    flags = rule_flags(panel, arrears, columns)
    flags["icr_below_one_2y"] = icr_below_one_2y(panel, columns).to_numpy()
    return _feature_rows(firms, panel, rows, values, flags)


@dataclass(frozen=True)
class _Rows:
    """The (firm, as-of date) rows being built: positions in the firms table and in ``dates``."""

    dates: pd.DatetimeIndex
    date: np.ndarray
    firm: np.ndarray

    @property
    def as_of(self) -> np.ndarray:
        return self.dates.to_numpy()[self.date]


def _firms_by_id(firms: pd.DataFrame) -> pd.DataFrame:
    """The firm attributes the rows need, by firm_id in sorted order (the rows' order)."""
    attributes = ["region", "district", "ksic", "size_class", "cluster_id", "audited", "founded"]
    by_id = firms[["firm_id", *attributes]].set_index("firm_id")
    # Ids already in order (the planner's candidates, most stored tables) need no sort.
    return by_id if by_id.index.is_monotonic_increasing else by_id.sort_index()


def _eligible(
    keys: pd.DataFrame, firms: pd.DataFrame, events: pd.DataFrame, dates: pd.DatetimeIndex
) -> np.ndarray:
    """Rows to score: firms founded by the date and not already in distress before it."""
    as_of = dates.to_numpy()[keys["date"].to_numpy()]
    firm = keys["firm"].to_numpy()
    first = signals.first_default(events, firms.index.to_series()).to_numpy()[firm]
    founded = firms["founded"].to_numpy()[firm]
    # Missing dates compare False: never founded "after", never defaulted "before".
    return ~(first < as_of) & ~(founded > as_of)


def _ages_and_environment(
    tables: RawTables,
    firms: pd.DataFrame,
    panel: pd.DataFrame,
    rows: _Rows,
    context: MarketContext | None,
) -> dict[str, np.ndarray]:
    """Firm and statement age, regional indicators and the industry's distress rate."""
    as_of = rows.as_of
    regional = environment.regional_by_date(tables.regional, rows.dates)
    region = regional.lookup(rows.date, firms["region"], rows.firm)
    rates = _industry_rates(tables, rows.dates, context)
    industry = environment.industry_of(firms["ksic"])
    return {
        "firm_age": days_between(firms["founded"].to_numpy()[rows.firm], as_of) / 365.25,
        "statement_age_months": days_between(panel["period_end"], as_of) / signals.DAYS_PER_MONTH,
        **dict(zip(environment.REGION_FEATURES, region.T, strict=True)),
        "industry_distress_rate": rates.lookup(rows.date, industry, rows.firm)[:, 0],
    }


def _industry_rates(
    tables: RawTables, dates: pd.DatetimeIndex, context: MarketContext | None
) -> ByDate:
    """Industry distress rates on each date, or the context's (which has one date)."""
    if context is None:
        return environment.industry_rates_by_date(tables.firms, tables.events, dates)
    rates = context.industry_rates.astype("float64")
    return ByDate(rates.index, rates.to_numpy()[np.newaxis, :, np.newaxis])


def _peer_percentile(
    values: np.ndarray,
    rows: _Rows,
    keys: pd.DataFrame,
    source: str,
    context: MarketContext | None,
) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """Percentile of ``values`` (feature ``source``) among the row's peers (``keys``: each
    firm's peer groups) and the peer level it was taken at (as text): within the row's own
    date, or in the context's reference."""
    if context is not None:
        row_keys = keys.take(rows.firm).reset_index(drop=True)
        frame = pd.DataFrame({source: values}, index=row_keys.index, copy=False)
        percentile, level = context.peers.percentile_and_level(frame, row_keys, source)
        return percentile.to_numpy("float64"), level.array
    codes = [pd.factorize(keys[level])[0][rows.firm] for level in keys.columns]
    percentile, found = cross_section_percentiles(
        np.asarray(values, dtype="float64"), rows.date, codes
    )
    names = np.array([*PEER_LEVELS, None], dtype=object)  # -1 (missing) reads the None
    return percentile, pd.array(names[found], dtype="string")


def _feature_rows(
    firms: pd.DataFrame,
    panel: pd.DataFrame,
    rows: _Rows,
    values: dict[str, np.ndarray | pd.api.extensions.ExtensionArray],
    flags: pd.DataFrame,
) -> pd.DataFrame:
    """Identifiers, model features (and Altman's Z), rule flags and peer levels: the columns
    ``features_as_of`` returns, in its order."""
    ids = firms[["region", "district", "ksic", "size_class", "cluster_id", "audited"]]
    ids = ids.take(rows.firm).reset_index()
    ids = ids.assign(
        as_of=rows.as_of, fiscal_year=panel["fiscal_year"], period_end=panel["period_end"]
    )
    extra = [*FEATURE_NAMES, "altman_z", *PEER_LEVEL_COLUMNS.values()]
    features = pd.DataFrame({name: values[name] for name in extra}, index=ids.index, copy=False)
    return pd.concat([ids, features, flags], axis=1)


ANNUAL, MONTHLY = "annual", "monthly"
FREQUENCIES = (ANNUAL, MONTHLY)
# Month-end dates built together in one vectorised pass: a year of them bounds the memory of the
# intermediate arrays (about 12 annual tables' worth) whatever the span of the monthly table.
MONTHS_PER_PASS = 12


def monthly_as_of_dates(
    financials: pd.DataFrame, years: int | None = None, until: pd.Timestamp | None = None
) -> list[pd.Timestamp]:
    """Every month-end from the first yearly as-of date (``as_of_dates``) to the last, or to
    ``until`` when that is later; with ``years``, only those from the last ``years`` calendar
    years up to the last yearly date (and every later one).

    The yearly dates (30 June) are month-ends, so they are among these: a monthly table holds
    the annual one's rows on its 30 June dates.
    """
    annual = as_of_dates(financials)
    if not annual:
        return []
    end = max(annual[-1], until) if until is not None else annual[-1]
    dates = list(pd.date_range(annual[0], end, freq="ME"))
    if years is not None:
        if years < 1:
            raise ValueError(f"years must be at least 1; got {years}")
        dates = [d for d in dates if d.year > annual[-1].year - years]
    return dates


def data_end(tables: RawTables) -> pd.Timestamp | None:
    """The last month-end the event feed covers: the month-end on or before its newest event.
    Monthly rows run to it, past the last yearly date: they are what the service scores now
    (their labels are missing, the horizon being open) and what a lead time counts back from."""
    newest = tables.events["event_date"].max()
    if pd.isna(newest):
        return None
    return pd.offsets.MonthEnd().rollback(pd.Timestamp(newest).normalize())


def build_features(
    tables: RawTables,
    dates: Sequence[pd.Timestamp] | None = None,
    label_rules: Sequence[str] = DEFAULT_RULES,
    horizon_months: int = 12,
    progress: bool = False,
    frequency: str = ANNUAL,
    years: int | None = None,
) -> pd.DataFrame:
    """The training table: features and flags per (firm, as-of), with a ``label`` column.

    ``label_rules`` may include ``column:<name>``: a label column of ``tables.labels``.
    As-of dates are ``dates`` when given, else 30 June of each year (``frequency`` "annual") or
    every month-end of the same span and on to the event feed's end (``monthly_as_of_dates``
    to ``data_end``; the last ``years`` years when given). Dates are built in vectorised passes
    of up to ``MONTHS_PER_PASS`` (each row depends only on its own date, so the passes
    concatenate to the one-pass table); ``progress`` is kept for callers.
    """
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}; got {frequency!r}")
    if dates is None:
        dates = (
            as_of_dates(tables.financials)
            if frequency == ANNUAL
            else monthly_as_of_dates(tables.financials, years, data_end(tables))
        )
    dates = list(dates)
    if frequency == ANNUAL or len(dates) <= MONTHS_PER_PASS:
        table = features_on_dates(tables, dates)
    else:
        parts = [
            features_on_dates(tables, dates[start : start + MONTHS_PER_PASS])
            for start in range(0, len(dates), MONTHS_PER_PASS)
        ]
        table = pd.concat(parts, ignore_index=True)
        del parts
    if frequency == MONTHLY:
        # Month-ends run to the event feed's end, and later filings must not pass for observed
        # months without events: a default label is decided by the events only up to there.
        end = tables.events["event_date"].max()
        return with_labels(table, tables, label_rules, horizon_months, end)
    return with_labels(table, tables, label_rules, horizon_months)


def with_labels(
    table: pd.DataFrame,
    tables: RawTables,
    label_rules: Sequence[str],
    horizon_months: int,
    observed_until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The feature table with its ``label`` column (see ``features.labels``); the data are
    observed until ``observed_until``, by default the later of the newest event and filing."""
    if observed_until is None or pd.isna(observed_until):
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
        tables.visits,
    )
    return table


FEATURE_TABLE_COLUMNS = (
    *ID_COLUMNS,
    *FEATURE_NAMES,
    "altman_z",
    *PEER_LEVEL_COLUMNS.values(),
    *FLAGS,
    "icr_below_one_2y",
    "label",
)
