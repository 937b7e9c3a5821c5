"""Watch-list selection: firms ranked by PD, filtered, cut to a centre's capacity K.

The list is the firms a centre can contact this period, so it should hold the most expected
crises (Σ PD) that K contacts can reach, and it should not churn on small PD changes: a firm
that was on the previous as-of date's list stays while it still ranks within ``rank_factor``·K
and, once it is outside the top K, its PD has not fallen by more than ``max_pd_drop`` of what
it was (docs/watchlist.md). The previous list is the plain top K of the previous as-of date
under the same filters, so the rule needs no stored state and every replica agrees.

``rank`` and ``select`` work on any feature rows and PDs: the service runs them on its scored
periods (``serving.domain.watchlist``), the statistical check on the training table's test year
(``scoring.watchlist_check``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.grades import GradeTable

DEFAULT_CAPACITY = 50
MAX_CAPACITY = 1000


@dataclass(frozen=True)
class WatchQuery:
    """Which firms may be listed and how many; ``ksic`` matches a KSIC code prefix."""

    capacity: int = DEFAULT_CAPACITY
    min_grade: str | None = None
    ksic: str | None = None
    district: str | None = None
    cluster: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity must be between 1 and {MAX_CAPACITY}")

    def filters(self) -> dict[str, str]:
        named = {
            "min_grade": self.min_grade,
            "ksic": self.ksic,
            "district": self.district,
            "cluster": self.cluster,
        }
        return {name: value for name, value in named.items() if value is not None}


@dataclass(frozen=True)
class Hysteresis:
    """Keep a listed firm while PD rank ≤ ``rank_factor``·K and, outside the top K, PD ≥
    (1 − ``max_pd_drop``) × its previous PD."""

    rank_factor: float = 1.25
    max_pd_drop: float = 0.30

    def band(self, capacity: int) -> int:
        return max(capacity, math.floor(self.rank_factor * capacity))


HYSTERESIS = Hysteresis()


@dataclass(frozen=True)
class Ranked:
    """A period's eligible firms, highest PD first (ties by firm_id, so the order is stable)."""

    firm_ids: list[str]
    pd: np.ndarray
    rows: np.ndarray  # positions in the scored period

    @property
    def index(self) -> dict[str, int]:
        return {firm_id: i for i, firm_id in enumerate(self.firm_ids)}


def eligible(
    features: pd.DataFrame, grade: np.ndarray, table: GradeTable, query: WatchQuery
) -> np.ndarray:
    """Rows of ``features`` (with ladder positions ``grade``) that pass the query's filters;
    the caller picks the region's rows, as it names regions (the service has "00")."""
    mask = np.ones(len(features), dtype=bool)
    columns = {"district": query.district, "cluster_id": query.cluster}
    for column, wanted in columns.items():
        if wanted is not None:
            mask &= (features[column].astype("string") == wanted).fillna(False).to_numpy()
    if query.ksic is not None:
        matches = features["ksic"].astype("string").str.startswith(query.ksic)
        mask &= matches.fillna(False).to_numpy(dtype=bool)
    if query.min_grade is not None:
        mask &= grade >= table.rank(query.min_grade)
    return mask


def rank(firm_ids: np.ndarray, pd_: np.ndarray, mask: np.ndarray) -> Ranked:
    """The masked firms ordered by PD, highest first."""
    rows = np.flatnonzero(mask)
    ids = np.asarray(firm_ids, dtype=object)[rows].astype(str)
    order = np.lexsort((ids, -pd_[rows]))
    return Ranked([str(f) for f in ids[order]], pd_[rows][order], rows[order])


@dataclass(frozen=True)
class Selection:
    """Positions in the current ``Ranked`` that make the list (PD order), and what changed."""

    listed: list[int]
    kept: set[str]
    left: list[tuple[str, str]]  # (firm_id, why: rank | pd_drop | filtered | not_scored)
    displaced: int


def select(
    current: Ranked,
    previous: Ranked | None,
    capacity: int,
    scored_now: set[str] | None = None,
    rule: Hysteresis = HYSTERESIS,
) -> Selection:
    """The top ``capacity`` firms, except that the previous list's firms are kept by ``rule``.

    Kept firms come first, the rest of the places go to the highest-ranked other firms, so the
    list never exceeds the capacity. ``scored_now`` (firms with a score now, eligible or not)
    tells a firm filtered out from one no longer scored; without it both read ``filtered``.
    """
    position = current.index
    was_on = previous.firm_ids[:capacity] if previous is not None else []
    was_pd = dict(zip(was_on, previous.pd[:capacity], strict=True)) if previous else {}
    kept: list[str] = []
    left: list[tuple[str, str]] = []
    for firm_id in was_on:
        why = _why_leaves(position.get(firm_id), current, was_pd[firm_id], capacity, rule)
        if why is None:
            kept.append(firm_id)
        elif why != "absent":
            left.append((firm_id, why))
        else:
            gone = scored_now is not None and firm_id not in scored_now
            left.append((firm_id, "not_scored" if gone else "filtered"))
    keep = set(kept)
    others = [position[f] for f in current.firm_ids[: capacity + len(kept)] if f not in keep]
    listed = sorted([position[f] for f in kept] + others[: capacity - len(kept)])
    top = set(range(min(capacity, len(current.firm_ids))))
    return Selection(listed, keep, left, len(top - set(listed)))


def _why_leaves(
    at: int | None, current: Ranked, previous_pd: float, capacity: int, rule: Hysteresis
) -> str | None:
    """None when a previously listed firm stays; otherwise why it leaves ("absent": no rank)."""
    if at is None:
        return "absent"
    if at < capacity:
        return None
    if at >= rule.band(capacity):
        return "rank"
    if current.pd[at] < (1.0 - rule.max_pd_drop) * previous_pd:
        return "pd_drop"
    return None
