"""Watch lists: a region's firms ranked by PD, filtered, cut to a centre's capacity K.

The list is the firms a centre can contact this period, so it should hold the most expected
crises (Σ PD) that K contacts can reach, and it should not churn on small PD changes: a firm
that was on the previous as-of date's list stays while it still ranks within ``rank_factor``·K
and, once it is outside the top K, its PD has not fallen by more than ``max_pd_drop`` of what
it was (docs/watchlist.md). The previous list is the plain top K of the previous as-of date
under the same filters, so the rule needs no stored state and every replica agrees.

``rank`` and ``select`` work on any feature rows and PDs (the statistical check runs them on
the training table's test year); ``watchlist`` builds the HTTP answer from the service state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.grades import GRADE_COLOURS, GRADES_EN, GradeTable
from features.catalog import FLAGS
from serving import explain
from serving.portfolio import Scored
from serving.region_codes import is_region, region_names
from serving.schemas import FlagOut, LeftItem, UnratedItem, WatchItem, WatchlistOut, WatchRule
from serving.standing import IN_STATE, STALE
from serving.state import Champion, Snapshot

DEFAULT_CAPACITY = 50
MAX_CAPACITY = 1000
TOP_REASONS = 3


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

    def describe(self) -> WatchRule:
        factor, drop = f"{self.rank_factor:g}", f"{100 * self.max_pd_drop:.0f}%"
        return WatchRule(
            rank_factor=self.rank_factor,
            max_pd_drop=self.max_pd_drop,
            text_ko=(
                f"직전 기준일 목록에 있던 기업은 부도확률 순위가 정원(K)의 {factor}배 "
                f"이내이고, 상위 K 밖이면 부도확률이 직전보다 {drop} 넘게 낮아지지 않은 한 "
                "목록에 남습니다."
            ),
            text_en=(
                f"A firm on the previous list stays while its PD rank is within {factor}×K "
                f"and, outside the top K, its PD has not fallen by more than {drop}."
            ),
        )


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
    features: pd.DataFrame,
    grade: np.ndarray,
    table: GradeTable,
    region: str | None,
    query: WatchQuery,
) -> np.ndarray:
    """Rows of ``features`` (with ladder positions ``grade``) that pass the region and filters."""
    mask = np.ones(len(features), dtype=bool)
    if region is not None:
        mask &= is_region(features["region"], region)
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


# --- the HTTP answer -----------------------------------------------------------------------

_WHY: dict[str, tuple[str, str]] = {
    "rank": ("부도확률 순위가 유지 범위 밖으로 내려감", "PD rank fell below the keep band"),
    "pd_drop": ("부도확률이 직전보다 크게 낮아짐", "PD fell by more than the margin"),
    "filtered": (
        "조건(등급·업종·지역·클러스터)에 더 이상 해당하지 않음",
        "no longer passes the filters (grade, industry, district, cluster)",
    ),
    "not_scored": (
        "최신 기준일에 평가 대상이 아님 (부실 발생·폐업 또는 재무자료 없음)",
        "not scored on the latest date (distress, closure or no statement)",
    ),
    "stale": (
        "최근 재무제표가 오래되어 등급을 매기지 않음 (자료 오래됨)",
        "latest statement too old to grade (stale data)",
    ),
    "in_state": ("이미 모형이 예측하는 상태에 있음", "already in the state the model predicts"),
}


def _ranked(scored: Scored, region: str, query: WatchQuery, table: GradeTable) -> Ranked:
    """The region's firms with a PD (not stale, not already in the state), ranked."""
    features = scored.period.features
    mask = eligible(features, scored.grade, table, region, query) & scored.standing.rated
    return rank(features["firm_id"].to_numpy(), scored.pd, mask)


def watchlist(
    snapshot: Snapshot,
    champion: Champion,
    region: str,
    query: WatchQuery,
    rule: Hysteresis = HYSTERESIS,
) -> WatchlistOut:
    """The region's list at the latest as-of date, kept steady against the previous one."""
    table = champion.model.bundle.grade_table
    current = _ranked(champion.latest, region, query, table)
    previous = _ranked(champion.previous, region, query, table) if champion.previous else None
    chosen = select(current, previous, query.capacity, set(snapshot.rows), rule)
    listed_pd = current.pd[chosen.listed]
    expected, total = float(listed_pd.sum()), float(current.pd.sum())
    unrated = _unrated_rows(champion.latest, region, query, table)
    codes = champion.latest.standing.code[unrated]
    name_ko, name_en = region_names(region)
    return WatchlistOut(
        region=region,
        region_ko=name_ko,
        region_en=name_en,
        as_of=snapshot.as_of.date(),
        previous_as_of=snapshot.previous.as_of.date() if snapshot.previous else None,
        model_name=champion.name,
        model_version=champion.version,
        grade_table_version=table.version,
        capacity=query.capacity,
        filters=query.filters(),
        n_candidates=len(current.firm_ids),
        expected_crises=expected,
        expected_crises_sd=float(np.sqrt((listed_pd * (1.0 - listed_pd)).sum())),
        region_expected_crises=total,
        coverage=expected / total if total > 0 else 0.0,
        displaced=chosen.displaced,
        rule=rule.describe(),
        items=_items(snapshot, champion, current, chosen),
        left=_left(snapshot, champion, current, previous, chosen),
        n_in_state=int((codes == IN_STATE).sum()),
        n_stale=int((codes == STALE).sum()),
        unrated=_unrated(snapshot, champion, unrated[: query.capacity]),
    )


def _unrated_rows(scored: Scored, region: str, query: WatchQuery, table: GradeTable) -> np.ndarray:
    """The region's firms without a PD that pass the filters (``min_grade`` cannot apply):
    already in the state first, then stale statements, the newest statement first."""
    standing = scored.standing
    everyone = replace(query, min_grade=None)
    mask = eligible(scored.period.features, scored.grade, table, region, everyone)
    rows = np.flatnonzero(mask & ~standing.rated)
    ends = standing.period_end[rows].astype("datetime64[D]").astype("int64")
    ids = scored.period.features["firm_id"].to_numpy()[rows].astype(str)
    return rows[np.lexsort((ids, -ends, -standing.code[rows]))]


def _unrated(snapshot: Snapshot, champion: Champion, rows: np.ndarray) -> list[UnratedItem]:
    standing, features = champion.latest.standing, snapshot.features
    firm_ids = [str(features.at[int(row), "firm_id"]) for row in rows]
    out = []
    for row, firm_id, name in zip(rows, firm_ids, _names(snapshot, firm_ids), strict=True):
        end, age = standing.statement(int(row))
        message_ko, message_en = standing.message(int(row))
        item = UnratedItem(
            firm_id=firm_id,
            name=name,
            district=_text(features.at[row, "district"]),
            ksic=_text(features.at[row, "ksic"]),
            cluster_id=_text(features.at[row, "cluster_id"]),
            status=standing.status(int(row)),
            message_ko=message_ko or "",
            message_en=message_en or "",
            statement_period_end=end.date() if end is not None else None,
            statement_age_months=age,
            flags=_flags(snapshot.flags[row]),
        )
        out.append(item)
    return out


def _names(snapshot: Snapshot, firm_ids: list[str]) -> list[str | None]:
    firms = snapshot.tables.firms
    names = firms.set_index(firms["firm_id"].astype(str))["name"]
    found = names.reindex(firm_ids)
    return [None if pd.isna(name) else str(name) for name in found]


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


@dataclass(frozen=True)
class _Listed:
    """What the list knows of one listed firm beyond its row."""

    place: int  # 0-based position on the list
    pd_rank: int  # 1-based rank among the candidates
    name: str | None
    previous_pd: float | None
    kept: bool


def _items(
    snapshot: Snapshot, champion: Champion, current: Ranked, chosen: Selection
) -> list[WatchItem]:
    """The listed firms with grades, three reasons (explained now if not yet) and flags."""
    rows = current.rows[chosen.listed]
    points = champion.latest.explanations.points(rows)
    firm_ids = [current.firm_ids[i] for i in chosen.listed]
    before = _previous_pds(champion, firm_ids)
    names = _names(snapshot, firm_ids)
    return [
        _item(
            snapshot,
            champion,
            int(row),
            points[place],
            _Listed(
                place,
                chosen.listed[place] + 1,
                names[place],
                before.get(firm_id),
                firm_id in chosen.kept,
            ),
        )
        for place, (row, firm_id) in enumerate(zip(rows, firm_ids, strict=True))
    ]


def _item(
    snapshot: Snapshot, champion: Champion, row: int, points: np.ndarray, listed: _Listed
) -> WatchItem:
    latest, table = champion.latest, champion.model.bundle.grade_table
    grade = table.grades[latest.grade[row]]
    reasons, _ = explain.reasons(
        champion.feature_names,
        latest.matrix[row],
        champion.peers[row],
        points,
        TOP_REASONS,
        champion.event,
    )
    features, before = snapshot.features, listed.previous_pd
    return WatchItem(
        rank=listed.place + 1,
        pd_rank=listed.pd_rank,
        firm_id=str(features.at[row, "firm_id"]),
        name=listed.name,
        district=_text(features.at[row, "district"]),
        ksic=_text(features.at[row, "ksic"]),
        cluster_id=_text(features.at[row, "cluster_id"]),
        pd=float(latest.pd[row]),
        grade=grade,
        grade_en=GRADES_EN.get(grade, grade),
        grade_colour=GRADE_COLOURS.get(grade, "grey"),
        status="kept" if listed.kept else "new",
        previous_pd=before,
        previous_grade=table.grade(before) if before is not None else None,
        reasons=reasons,
        flags=_flags(snapshot.flags[row]),
    )


def _flags(on: np.ndarray) -> list[FlagOut]:
    return [
        FlagOut(flag=f, label_ko=FLAGS[f][0], label_en=FLAGS[f][1])
        for f, set_ in zip(FLAGS, on, strict=True)
        if set_
    ]


def _previous_pds(champion: Champion, firm_ids: list[str]) -> dict[str, float]:
    """PD at the previous as-of date of those firms that had a score then."""
    if champion.previous is None:
        return {}
    rows = champion.previous.period.positions(firm_ids)
    return {
        f: float(champion.previous.pd[r]) for f, r in zip(firm_ids, rows, strict=True) if r >= 0
    }


def _left(
    snapshot: Snapshot,
    champion: Champion,
    current: Ranked,
    previous: Ranked | None,
    chosen: Selection,
) -> list[LeftItem]:
    if previous is None or not chosen.left:
        return []
    was = dict(zip(previous.firm_ids, previous.pd, strict=True))
    position = current.index
    firm_ids = [firm_id for firm_id, _ in chosen.left]
    out = []
    for (firm_id, why), name in zip(chosen.left, _names(snapshot, firm_ids), strict=True):
        at = position.get(firm_id)
        now = champion.latest.period.rows.get(firm_id)
        if now is not None and not champion.latest.standing.rated[now]:
            why = champion.latest.standing.status(now)  # no PD now: say why, show none
            now = None
        out.append(
            LeftItem(
                firm_id=firm_id,
                name=name,
                previous_pd=float(was[firm_id]),
                pd=float(champion.latest.pd[now]) if now is not None else None,
                pd_rank=at + 1 if at is not None else None,
                why=why,  # type: ignore[arg-type]
                why_ko=_WHY[why][0],
                why_en=_WHY[why][1],
            )
        )
    return out
