"""Watch lists as the service answers them: a region's list at the latest as-of date, kept
steady against the previous one, with grades, reasons and flags.

Ranking, filters and the anti-flapping rule are the model layer's (``scoring.watchlist``,
docs/watchlist.md); this module builds the HTTP answer from the service state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypedDict

import numpy as np
import pandas as pd

from core.grades import Grade, GradeTable
from features.catalog import FLAGS
from scoring import explain
from scoring.portfolio import Scored
from scoring.standing import IN_STATE, STALE
from scoring.watchlist import (
    HYSTERESIS,
    Hysteresis,
    Ranked,
    Selection,
    WatchQuery,
    eligible,
    rank,
    select,
)
from serving.domain.region_codes import cluster_name, district_name, is_region, region_names
from serving.domain.state import Champion, Snapshot
from serving.schemas import FlagOut, Reason
from serving.schemas.watchlist import LeftItem, UnratedItem, WatchItem, WatchlistOut, WatchRule

TOP_REASONS = 3

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
    mask = is_region(features["region"], region) & scored.standing.rated
    mask &= eligible(features, scored.grade, table, query)
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
        rule=_rule(rule),
        items=_items(snapshot, champion, current, chosen),
        left=_left(snapshot, champion, current, previous, chosen),
        n_in_state=int((codes == IN_STATE).sum()),
        n_stale=int((codes == STALE).sum()),
        unrated=_unrated(snapshot, champion, unrated[: query.capacity]),
    )


SORTS: dict[str, tuple[str, str]] = {
    "pd": ("부도확률 높은 순", "highest PD first"),
    "pd_change": ("부도확률 상승폭 큰 순", "largest PD rise first"),
    "due": ("연락 예정일 빠른 순", "soonest follow-up first"),
}


def sorted_items(items: list[WatchItem], sort: str) -> list[WatchItem]:
    """The listed firms in the order asked (``SORTS``); each keeps its ``rank`` on the list.

    ``pd_change``: the largest rise since the previous date first, firms with no previous PD
    (new to the data) after those with one. ``due``: the soonest next follow-up first (overdue
    ones lead), firms without a date (or without the case read) last. Ties keep the list order.
    """
    if sort == "pd_change":
        return sorted(
            items,
            key=lambda i: (i.previous_pd is None, -(i.pd - (i.previous_pd or 0.0)), i.rank),
        )
    if sort == "due":

        def due(item: WatchItem) -> tuple[bool, str, int]:
            when = item.case.next_follow_up if item.case is not None else None
            return when is None, when.isoformat() if when else "", item.rank

        return sorted(items, key=due)
    return sorted(items, key=lambda i: i.rank)


def _rule(rule: Hysteresis) -> WatchRule:
    """The anti-flapping rule in words, for the list's readers."""
    factor, drop = f"{rule.rank_factor:g}", f"{100 * rule.max_pd_drop:.0f}%"
    return WatchRule(
        rank_factor=rule.rank_factor,
        max_pd_drop=rule.max_pd_drop,
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


def _unrated_rows(scored: Scored, region: str, query: WatchQuery, table: GradeTable) -> np.ndarray:
    """The region's firms without a PD that pass the filters (``min_grade`` cannot apply):
    already in the state first, then stale statements, the newest statement first."""
    standing = scored.standing
    everyone = replace(query, min_grade=None)
    features = scored.period.features
    mask = is_region(features["region"], region) & eligible(features, scored.grade, table, everyone)
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
            **_places(features, int(row)),
            status=standing.status(int(row)),
            message_ko=message_ko or "",
            message_en=message_en or "",
            statement_period_end=end.date() if end is not None else None,
            statement_age_months=age,
            flags=_flags(snapshot.flags[row]),
        )
        out.append(item)
    return out


def firm_names(snapshot: Snapshot, firm_ids: list[str]) -> dict[str, str | None]:
    """Firm id → stored name (None where the data have none)."""
    return dict(zip(firm_ids, _names(snapshot, firm_ids), strict=True))


def _names(snapshot: Snapshot, firm_ids: list[str]) -> list[str | None]:
    firms = snapshot.tables.firms
    names = firms.set_index(firms["firm_id"].astype(str))["name"]
    found = names.reindex(firm_ids)
    return [None if pd.isna(name) else str(name) for name in found]


class _Places(TypedDict):
    district: str | None
    district_name: str | None
    ksic: str | None
    cluster_id: str | None
    cluster_name: str | None
    cluster_name_en: str | None


def _places(features: pd.DataFrame, row: int) -> _Places:
    """A firm's district, industry and cluster codes with the names known for them (a code with
    no known name keeps only its code: real exports need not use the demo's codes)."""
    district, cluster = _text(features.at[row, "district"]), _text(features.at[row, "cluster_id"])
    return {
        "district": district,
        "district_name": district_name(district),
        "ksic": _text(features.at[row, "ksic"]),
        "cluster_id": cluster,
        "cluster_name": cluster_name(cluster),
        "cluster_name_en": cluster_name(cluster, "en"),
    }


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
    grade = Grade.named(table.grades[latest.grade[row]])
    found, _ = explain.reasons(
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
        **_places(features, row),
        pd=float(latest.pd[row]),
        grade=grade.name,
        grade_en=grade.en,
        grade_colour=grade.colour,
        status="kept" if listed.kept else "new",
        previous_pd=before,
        previous_grade=table.grade(before) if before is not None else None,
        reasons=[Reason.of(r) for r in found],
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
