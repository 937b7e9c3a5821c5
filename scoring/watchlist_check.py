"""Do watch lists hold as many true crises as their PDs promise? An out-of-time check.

For every 시도, the watch list of capacity K is built exactly as the service builds it (same
ranking and anti-flapping rule, the previous year as the previous list) on the feature table's
test year, scored by the champion. Its expected crises E = Σ PD are compared with the observed
crises O = Σ label. If the PDs are calibrated and firms fail independently, O − E has standard
deviation σ = √Σ PD(1 − PD); the check passes when |O − E| ≤ 3σ + ``allowance``·E, the
allowance covering a calibration that drifts a little from the validation to the test year.

The command ``cli/watchlist_check.py`` runs it on the stored feature table and the champion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from core.contract import REGIONS
from scoring.watchlist import HYSTERESIS, Hysteresis, WatchQuery, eligible, rank, select

CALIBRATION_ALLOWANCE = 0.10
SIGMAS = 3.0


@dataclass(frozen=True)
class ListCheck:
    """One region's list: how many firms, expected and observed crises, and σ."""

    region: str
    listed: int
    labelled: int
    expected: float
    observed: int
    sd: float


@dataclass(frozen=True)
class CheckResult:
    year: int
    capacity: int
    allowance: float
    lists: list[ListCheck]
    year_expected: float  # Σ PD over every labelled firm of the year, listed or not
    year_observed: int

    @property
    def expected(self) -> float:
        return sum(item.expected for item in self.lists)

    @property
    def observed(self) -> int:
        return sum(item.observed for item in self.lists)

    @property
    def sd(self) -> float:
        return math.sqrt(sum(item.sd**2 for item in self.lists))

    @property
    def tolerance(self) -> float:
        return SIGMAS * self.sd + self.allowance * self.expected

    @property
    def passed(self) -> bool:
        return abs(self.observed - self.expected) <= self.tolerance


def held_out_year(model: LoadedModel) -> int:
    """The out-of-time test year recorded with the model (``test_year``, or last ``test_years``)."""
    split = model.bundle.split
    if "test_year" in split:
        return int(split["test_year"])
    return int(split["test_years"][-1])


def check_watchlists(
    table: pd.DataFrame,
    model: LoadedModel,
    year: int,
    capacity: int,
    allowance: float = CALIBRATION_ALLOWANCE,
    rule: Hysteresis = HYSTERESIS,
) -> CheckResult:
    """Every region's capacity-``capacity`` list on ``year``'s as-of rows against its labels."""
    now = _year(table, year)
    before = _year(table, year - 1)
    pd_now, pd_before = model.predict_pd(now), model.predict_pd(before)
    grade_table, query = model.bundle.grade_table, WatchQuery(capacity)
    grades_now = np.searchsorted(grade_table.cut_points, pd_now, side="right")
    grades_before = np.searchsorted(grade_table.cut_points, pd_before, side="right")
    scored = set(now["firm_id"].astype(str))
    labels = now["label"].to_numpy(dtype="float64")
    lists = []
    passes_now = eligible(now, grades_now, grade_table, query)
    passes_before = eligible(before, grades_before, grade_table, query)
    for region in REGIONS:
        current = rank(now["firm_id"].to_numpy(), pd_now, passes_now & _in(now, region))
        previous = rank(
            before["firm_id"].to_numpy(), pd_before, passes_before & _in(before, region)
        )
        rows = current.rows[select(current, previous, capacity, scored, rule).listed]
        lists.append(_list_check(region, pd_now[rows], labels[rows]))
    everyone = _list_check("", pd_now, labels)
    return CheckResult(year, capacity, allowance, lists, everyone.expected, everyone.observed)


def _in(table: pd.DataFrame, region: str) -> np.ndarray:
    """Rows of one of the contract's 시도 (the table has no unknown-region firms to serve)."""
    return (table["region"].astype("string") == region).fillna(False).to_numpy(dtype=bool)


def _year(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table[pd.to_datetime(table["as_of"]).dt.year == year].reset_index(drop=True)


def _list_check(region: str, pd_: np.ndarray, labels: np.ndarray) -> ListCheck:
    known = ~np.isnan(labels)
    p = pd_[known]
    return ListCheck(
        region,
        len(pd_),
        int(known.sum()),
        float(p.sum()),
        int(labels[known].sum()),
        float(np.sqrt((p * (1 - p)).sum())),
    )


def report(result: CheckResult) -> str:
    """A plain-text table, one line per region and the total with the verdict."""
    header = f"{'region':>8} {'listed':>7} {'expected':>9} {'observed':>9} {'sigma':>7}"
    lines = [
        f"watch lists of capacity {result.capacity} per 시도, as-of year {result.year}",
        header,
    ]
    for item in result.lists:
        lines.append(
            f"{item.region + ' ' + REGIONS[item.region]:>8} {item.listed:>7} "
            f"{item.expected:>9.1f} {item.observed:>9d} {item.sd:>7.2f}"
        )
    lines.append(
        f"{'total':>8} {sum(i.listed for i in result.lists):>7} "
        f"{result.expected:>9.1f} {result.observed:>9d} {result.sd:>7.2f}"
    )
    lines.append(
        f"{'all firms':>8} {'':>7} {result.year_expected:>9.1f} "
        f"{result.year_observed:>9d}   (the whole year, listed or not)"
    )
    verdict = "PASS" if result.passed else "FAIL"
    lines.append(
        f"|observed - expected| = {abs(result.observed - result.expected):.1f} <= "
        f"{SIGMAS:g}·sigma + {result.allowance:g}·expected = {result.tolerance:.1f}? "
        f"{verdict}"
    )
    return "\n".join(lines)
