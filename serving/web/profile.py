"""What the firm page shows beside the score: the firm's facts, its peers, its charts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from core.grades import GradeTable
from scoring import wording
from serving.domain.region_codes import served_region
from serving.domain.state import Snapshot
from serving.schemas import Reason
from serving.schemas.firms import FirmHistoryOut
from serving.schemas.scores import ScoreOut
from serving.web import charts
from serving.web.i18n import Lang, grade_name, text

# Ratios staff compare with peers first (shown when the model uses them).
PEER_FEATURES: Final[tuple[str, ...]] = (
    "operating_margin",
    "net_margin",
    "debt_ratio",
    "borrowings_to_assets",
    "interest_coverage",
    "current_ratio",
    "cash_to_assets",
    "asset_turnover",
    "receivable_days",
    "revenue_growth",
)
REASON_BARS: Final = 10
# Which end of each compared ratio is the risky one, for the peer table's "위험 방향" column:
# "high" (높을수록 위험), "low" (낮을수록 위험) or "both" (growth: a collapse and a sudden
# jump both come before distress, so the model leaves its direction free).
RISKY_END: Final[dict[str, str]] = {
    "operating_margin": "low",
    "net_margin": "low",
    "debt_ratio": "high",
    "borrowings_to_assets": "high",
    "interest_coverage": "low",
    "current_ratio": "low",
    "cash_to_assets": "low",
    "asset_turnover": "low",
    "receivable_days": "high",
    "revenue_growth": "both",
}


@dataclass(frozen=True)
class PeerRow:
    label: str
    display: str
    percentile: float | None
    strip: Any
    group: str  # who the peers were: 같은 업종·규모, … 같은 대분류 업종, 전체 기업
    risky: str  # which end is risky: "high", "low" or "both" (RISKY_END)
    same_as_most: bool  # most peers have this very value: no rank is shown


def firm_facts(snapshot: Snapshot, firm_id: str) -> dict[str, Any]:
    """The firm's contract fields (name, district, KSIC, size, …), missing ones as None; the
    region as the service names it ("00" 지역 미상 when none is stored)."""
    firms = snapshot.tables.firms
    rows = firms[(firms["firm_id"].astype("string") == firm_id).fillna(False)]
    if rows.empty:
        return {"firm_id": firm_id, "region": snapshot.regions.get(firm_id)}
    facts = rows.iloc[0].to_dict()
    out = {k: (None if _missing(v) else v) for k, v in facts.items()}
    return {**out, "region": served_region(out.get("region"))}


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def reason_chart(score: ScoreOut, lang: Lang) -> Any:
    """The largest reasons as diverging bars in probability points."""
    shown = score.reasons[:REASON_BARS]
    bars = [
        charts.Bar(
            r.label_en if lang == "en" else r.label_ko,
            r.contribution,
            charts.points_text(r.contribution),
        )
        for r in shown
    ]
    summary = "; ".join(f"{b.label} {b.text}" for b in bars)
    return charts.reason_bars(bars, f"{text(lang, 'reasons')}: {summary}")


def peer_rows(reasons: Sequence[Reason], lang: Lang) -> list[PeerRow]:
    by_name = {r.feature: r for r in reasons}
    rows = []
    for name in PEER_FEATURES:
        reason = by_name.get(name)
        if reason is None:
            continue
        label = reason.label_en if lang == "en" else reason.label_ko
        percentile = reason.peer_percentile
        if percentile is not None and not math.isfinite(percentile):
            percentile = None
        summary = (
            f"{label}: {text(lang, 'peer_rank')} {percentile:.0f}"
            if percentile is not None
            else label
        )
        display = reason.display_en if lang == "en" else reason.display
        group = reason.peer_group_en if lang == "en" else reason.peer_group_ko
        strip = charts.percentile_strip(percentile, summary)
        most = wording.says_same_as_most(reason.sentence_ko)
        risky = RISKY_END.get(name, "both")
        rows.append(PeerRow(label, display, percentile, strip, group or "–", risky, most))
    return rows


def history_chart(history: FirmHistoryOut, table: GradeTable | None, lang: Lang) -> Any:
    """PD over the stored as-of dates with the grade cut-points as dashed lines (None when the
    firm was never scored)."""
    rated = [p for p in history.points if p.pd is not None]  # stale dates have no PD to draw
    points = [
        charts.Point(
            f"{p.as_of:%Y-%m}", p.pd or 0.0, p.grade, grade_name(lang, p.grade) if p.grade else None
        )
        for p in rated
    ]
    if not points:
        return None
    bands = (
        [
            (cut, grade_name(lang, g))
            for cut, g in zip(table.cut_points, table.grades[1:], strict=True)
        ]
        if table is not None
        else []
    )
    summary = "; ".join(
        f"{p.label} {charts.percent(p.value)} {grade_name(lang, p.grade or '')}" for p in points
    )
    return charts.line(points, f"{text(lang, 'history')}: {summary}", bands)
