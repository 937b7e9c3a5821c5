"""A scenario run: shocked statements -> the same point-in-time features -> the champion's PDs,
against the firms as filed, summed by region, industry (KSIC division), district and cluster.

The shocked firms' features are rebuilt by ``features.pipeline.features_as_of`` with the
baseline's market context (peer reference and industry rates of the as-filed cross-section), so
a shocked firm is measured against today's peers, and a firm the scenario does not touch keeps
its baseline PD exactly (it is not even recomputed). Only rated firms count (a stale statement
or a firm already in the predicted state has no PD); a firm the shock puts into the predicted
state (e.g. 한계기업 for a marginal-firm model) counts as one expected crisis (PD 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from core.contract.ids import among
from features.environment import industry_distress_rate
from features.peers import ALL, PeerReference, peer_keys
from features.pipeline import PEER_FEATURES, MarketContext, as_of_dates, features_as_of
from features.tables import RawTables
from scoring.standing import DEFAULT_STALE_AFTER_MONTHS, IN_STATE, standing_of
from scoring.stress import shocks
from scoring.stress.spec import Scenario, load_scenario

# What results are summed by, and the column of ``StressResult.firms`` each reads.
GROUPS: Final[dict[str, str]] = {
    "region": "region",
    "industry": "division",
    "district": "district",
    "cluster": "cluster_id",
}
ENTERED_STATE: Final = -1  # grade position of a firm the shock puts into the predicted state


@dataclass(frozen=True)
class Baseline:
    """The firms as filed on one as-of date, scored: what a scenario is measured against."""

    tables: RawTables
    as_of: pd.Timestamp
    features: pd.DataFrame  # one row per scorable firm, positional index
    context: MarketContext
    pd: np.ndarray  # (n,) PD of each row (meaningful where ``rated``)
    grade: np.ndarray  # (n,) position on the grade ladder
    rated: np.ndarray  # (n,) bool: rows that get a PD


def baseline(
    tables: RawTables,
    model: LoadedModel,
    as_of: pd.Timestamp | None = None,
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
) -> Baseline:
    """Features, context and scores of every firm at ``as_of`` (default: the latest date)."""
    when = as_of if as_of is not None else as_of_dates(tables.financials)[-1]
    features = features_as_of(tables, when).reset_index(drop=True)
    rates = industry_distress_rate(tables.firms, tables.events, when)
    context = peer_context(features, rates)
    pd_, grade, code = _score(features, model, stale_after_months)
    return Baseline(tables, when, features, context, pd_, grade, code == 0)


def peer_context(features: pd.DataFrame, industry_rates: pd.Series) -> MarketContext:
    """``build_context`` cut to what rebuilding features reads: the peer reference of the two
    peer-feature sources only (the pages' other peer ranks are not needed here, and fitting
    every feature's groups cost five times the features themselves)."""
    keys = peer_keys(features["ksic"], features["size_class"])
    sources = sorted(set(PEER_FEATURES.values()))
    return MarketContext(
        features["as_of"].iloc[0], fit_peers(features, keys, sources), industry_rates
    )


def fit_peers(frame: pd.DataFrame, keys: pd.DataFrame, columns: list[str]) -> PeerReference:
    """``PeerReference.fit`` in one sort per column and level instead of a pandas group loop:
    the same sorted values under the same group names (tested equal)."""
    values: dict[str, dict[str, np.ndarray]] = {}
    for column in columns:
        numbers = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        known = ~np.isnan(numbers)
        per_group = {ALL: np.sort(numbers[known])}
        for level in keys.columns:
            codes, names = pd.factorize(keys[level])  # missing groups get -1
            inside = known & (codes >= 0)
            order = np.lexsort((numbers[inside], codes[inside]))
            grouped, sorted_values = codes[inside][order], numbers[inside][order]
            starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
            for part, start in zip(np.split(sorted_values, starts[1:]), starts, strict=True):
                if len(part):
                    per_group[f"{level}:{names[grouped[start]]}"] = part
            # A group whose values are all missing is kept, empty, as the group loop keeps it.
            for code in np.setdiff1d(np.unique(codes[codes >= 0]), grouped):
                per_group[f"{level}:{names[code]}"] = np.zeros(0)
        values[column] = per_group
    return PeerReference(values)


def _score(
    features: pd.DataFrame, model: LoadedModel, stale_after_months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PD, grade position and standing code of each feature row (as ``score_period``)."""
    if features.empty:
        return np.zeros(0), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int8)
    pd_ = model.predict_pd(features)
    grade = np.searchsorted(np.asarray(model.bundle.grade_table.cut_points), pd_, side="right")
    standing = standing_of(features, model.bundle.label_rules, stale_after_months)
    return pd_, grade, standing.code


@dataclass(frozen=True)
class StressResult:
    """One scenario run: per firm before and after, and the shocks' reach."""

    scenario: Scenario
    as_of: pd.Timestamp
    region: str | None
    grades: tuple[str, ...]
    firms: pd.DataFrame  # rated firms in the run's region, one row each (see ``run``)
    counts: tuple[shocks.ShockCount, ...]

    def table(self, by: str) -> pd.DataFrame:
        """Sums by ``by`` (a key of ``GROUPS``), the largest rise in expected crises first."""
        column = GROUPS[by]
        keys = self.firms[column].astype(object).where(self.firms[column].notna(), "")
        grouped = _sums(self.firms.assign(**{by: keys}), by)
        order = grouped.sort_values(["expected_crises_delta", by], ascending=[False, True])
        return order.reset_index(drop=True)

    def totals(self) -> dict[str, float]:
        """The same sums over every firm of the run (zeros when it has none)."""
        sums = _sums(self.firms.assign(all=""), "all")
        if sums.empty:
            return dict.fromkeys(COLUMNS, 0.0)
        return {name: float(sums[name].iloc[0]) for name in COLUMNS}

    def crossings(self) -> pd.DataFrame:
        """Firms by grade before (rows) and after (columns); '진입' = entered the state."""
        names = [*self.grades, "진입"]
        before = pd.Categorical.from_codes(self.firms["grade_before"], categories=names)
        after_codes = self.firms["grade_after"].to_numpy().copy()
        after_codes[after_codes == ENTERED_STATE] = len(self.grades)
        after = pd.Categorical.from_codes(after_codes, categories=names)
        table = pd.crosstab(before, after, rownames=["before"], colnames=["after"], dropna=False)
        return table.iloc[: len(self.grades)]


_SUMS: Final[dict[str, tuple[str, str]]] = {
    "firms": ("firm_id", "size"),
    "hit": ("hit", "sum"),
    "expected_crises_before": ("pd_before", "sum"),
    "expected_crises_after": ("pd_after", "sum"),
    "employees_at_risk_before": ("employees_at_risk_before", "sum"),
    "employees_at_risk_after": ("employees_at_risk_after", "sum"),
    "payroll_at_risk_before": ("payroll_at_risk_before", "sum"),
    "payroll_at_risk_after": ("payroll_at_risk_after", "sum"),
    "worse": ("worse", "sum"),
    "better": ("better", "sum"),
    "entered_state": ("entered_state", "sum"),
    "employees_unknown": ("employees_unknown", "sum"),
}
_DELTAS: Final = ("expected_crises", "employees_at_risk", "payroll_at_risk")
# The columns of a result table after its key, in the order they are shown.
COLUMNS: Final[tuple[str, ...]] = (
    "firms",
    "hit",
    *(f"{name}_{when}" for name in _DELTAS for when in ("before", "after", "delta")),
    "worse",
    "better",
    "entered_state",
    "employees_unknown",
)


def _sums(firms: pd.DataFrame, by: str) -> pd.DataFrame:
    """The figures a result table shows, per value of ``by``."""
    sums = firms.groupby(by, sort=True).agg(**_SUMS)  # type: ignore[call-overload]
    for name in _DELTAS:
        sums[f"{name}_delta"] = sums[f"{name}_after"] - sums[f"{name}_before"]
    return sums[list(COLUMNS)].reset_index()


def run(
    base: Baseline,
    model: LoadedModel,
    scenario: Scenario,
    region: str | None = None,
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
) -> StressResult:
    """Shock the statements of the firms ``scenario`` hits (within ``region``: None for every
    region), rebuild their features, score them, and set them beside the baseline."""
    tables = base.tables
    latest = shocks.latest_statements(tables.financials, tables.firms, base.as_of)
    shocked = shocks.apply(tables.financials, latest, scenario, region)
    hit = shocked.firm_ids
    sub = RawTables(
        firms=tables.firms[among(tables.firms["firm_id"], hit)],
        financials=shocked.financials,
        events=tables.events[among(tables.events["firm_id"], hit)],
        regional=tables.regional,
        visits=tables.visits.iloc[:0],
    )
    after = features_as_of(sub, base.as_of, base.context).reset_index(drop=True)
    pd_after, grade_after, code_after = _score(after, model, stale_after_months)
    firms = _firm_rows(base, latest, region)
    rows = pd.Index(firms["firm_id"]).get_indexer(after["firm_id"].astype("string"))
    inside = rows >= 0  # shocked firms rated at baseline, in the region
    places, codes = rows[inside], code_after[inside]
    entered = codes == IN_STATE
    firms.loc[places, "hit"] = True
    firms.loc[places, "pd_after"] = np.where(entered, 1.0, pd_after[inside])
    firms.loc[places, "grade_after"] = np.where(entered, ENTERED_STATE, grade_after[inside])
    _derive(firms)
    grades = tuple(model.bundle.grade_table.grades)
    return StressResult(scenario, base.as_of, region, grades, firms, shocked.counts)


def _firm_rows(base: Baseline, latest: shocks.Latest, region: str | None) -> pd.DataFrame:
    """The baseline's rated firms in ``region``, before the shock (after = before for now)."""
    features = base.features
    firm_ids = features["firm_id"].astype("string")
    place = pd.Index(latest.firms["firm_id"]).get_indexer(firm_ids)  # every row has a filing
    who = latest.firms.take(place).reset_index(drop=True)
    payroll = base.tables.financials["payroll"].to_numpy(dtype="float64", na_value=np.nan)
    frame = pd.DataFrame(
        {
            "firm_id": firm_ids.to_numpy(),
            "region": who["region"].to_numpy(),
            "division": who["division"].to_numpy(),
            "district": who["district"].to_numpy(),
            "cluster_id": who["cluster_id"].to_numpy(),
            "employees": features["employees"].to_numpy(dtype="float64", na_value=np.nan),
            "payroll": payroll[latest.rows[place]],
            "pd_before": base.pd,
            "grade_before": base.grade.astype(np.int64),
        }
    )
    keep = base.rated.copy()
    if region is not None:
        keep &= (frame["region"] == region).to_numpy(dtype=bool)
    frame = frame[keep].reset_index(drop=True)
    frame["hit"] = False
    frame["pd_after"] = frame["pd_before"]
    frame["grade_after"] = frame["grade_before"]
    return frame


def _derive(firms: pd.DataFrame) -> None:
    """The per-firm figures the sums add up (missing headcount or payroll adds nothing)."""
    employees, payroll = firms["employees"].fillna(0.0), firms["payroll"].fillna(0.0)
    firms["employees_at_risk_before"] = firms["pd_before"] * employees
    firms["employees_at_risk_after"] = firms["pd_after"] * employees
    firms["payroll_at_risk_before"] = firms["pd_before"] * payroll
    firms["payroll_at_risk_after"] = firms["pd_after"] * payroll
    entered = firms["grade_after"] == ENTERED_STATE
    firms["entered_state"] = entered
    firms["worse"] = entered | (firms["grade_after"] > firms["grade_before"])
    firms["better"] = ~entered & (firms["grade_after"] < firms["grade_before"])
    firms["employees_unknown"] = firms["employees"].isna()


def summary(
    tables: RawTables,
    model: LoadedModel,
    scenario: Scenario | Path,
    region: str | None = None,
    *,
    by: str = "industry",
    as_of: pd.Timestamp | None = None,
    base: Baseline | None = None,
) -> pd.DataFrame:
    """One scenario's result table by ``by`` (region, industry, district or cluster), from the
    raw tables (or a ``base`` already scored): the call a brief makes."""
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    scored = base if base is not None else baseline(tables, model, as_of)
    return run(scored, model, spec, region).table(by)
