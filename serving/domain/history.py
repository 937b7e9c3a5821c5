"""A firm's PD and grade at every stored as-of date, and the reasons that moved it most.

Each date uses the feature rows training used on it (``features_as_of`` over the whole
cross-section, kept by the snapshot's ``Timeline``) scored by the current champion, so the
latest point equals the firm's current score and the others are what this model says of the
past. Between consecutive dates the reasons whose probability points changed most are listed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from core.grades import Grade
from features.catalog import BY_NAME, FLAGS, Feature
from scoring import explain, wording
from scoring.korean import attach
from scoring.standing import Standing, standing_of
from scoring.timeline import Period
from serving.domain.state import Champion, Snapshot
from serving.schemas.firms import FirmHistoryOut, HistoryPoint, PeriodChange, ReasonChange

TOP_CHANGES = 3


def _firm_periods(snapshot: Snapshot, firm_id: str) -> list[tuple[Period, int]]:
    """Each as-of date on which the firm has a feature row, oldest first, with that row."""
    found = []
    for as_of in snapshot.timeline.dates:
        period = snapshot.timeline.period(as_of)
        row = period.rows.get(firm_id)
        if row is not None:
            found.append((period, row))
    return found


def firm_history(
    snapshot: Snapshot, champion: Champion, firm_id: str, top: int = TOP_CHANGES
) -> FirmHistoryOut:
    """The firm's history under the current model (empty when it was never scorable)."""
    bundle = champion.model.bundle
    periods = _firm_periods(snapshot, firm_id)
    points: list[HistoryPoint] = []
    changes: list[PeriodChange] = []
    if periods:
        rows = pd.concat([p.features.iloc[[r]] for p, r in periods], ignore_index=True)
        matrix = champion.model.matrix(rows)
        attribution = explain.attribute(champion.model.booster, bundle.calibration, matrix)
        standing = standing_of(rows, bundle.label_rules, snapshot.stale_after_months)
        points = [
            _point(champion, period, row, float(attribution.pd[i]), standing, i)
            for i, (period, row) in enumerate(periods)
        ]
        rated = np.flatnonzero(standing.rated)  # changes between dates that have a PD
        changes = [
            _change(champion, points[i], points[j], matrix[[i, j]], attribution.points[[i, j]], top)
            for i, j in itertools.pairwise(rated)
        ]
    return FirmHistoryOut(
        firm_id=firm_id,
        region=snapshot.regions[firm_id],
        model_name=champion.name,
        model_version=champion.version,
        grade_table_version=bundle.grade_table.version,
        horizon_months=bundle.horizon_months,
        points=points,
        changes=changes,
    )


def _point(
    champion: Champion, period: Period, row: int, pd_: float, standing: Standing, i: int
) -> HistoryPoint:
    """One date; without a PD there (stale, already in the state) it says why instead."""
    rated = bool(standing.rated[i])
    grade = champion.model.bundle.grade_table.grade(pd_) if rated else None
    year = period.features.at[row, "fiscal_year"]
    message_ko, message_en = standing.message(i)
    return HistoryPoint(
        as_of=period.as_of.date(),
        fiscal_year=int(year) if pd.notna(year) else None,
        status=standing.status(i),
        message_ko=message_ko,
        message_en=message_en,
        pd=pd_ if rated else None,
        **Grade.fields(grade),
        flags=[flag for flag, on in zip(FLAGS, period.flags[row], strict=True) if on],
    )


def _change(
    champion: Champion,
    before: HistoryPoint,
    after: HistoryPoint,
    values: np.ndarray,
    points: np.ndarray,
    top: int,
) -> PeriodChange:
    moved = points[1] - points[0]
    order = np.argsort(-np.abs(moved), kind="stable")[:top]
    reasons = [
        _reason(_feature(champion.feature_names[j]), values[:, j], points[:, j], champion.event)
        for j in order
    ]
    assert after.pd is not None and before.pd is not None  # changes join dates with a PD
    return PeriodChange(
        from_as_of=before.as_of,
        to_as_of=after.as_of,
        pd_change=after.pd - before.pd,
        reasons=reasons,
    )


def _feature(name: str) -> Feature:
    return BY_NAME.get(name) or Feature(name, "environment", name, name, "ratio")


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _reason(
    feature: Feature,
    values: np.ndarray,
    points: np.ndarray,
    event: wording.Event = wording.DEFAULT_EVENT,
) -> ReasonChange:
    """One feature's move between two dates, said in one Korean and one English line."""
    (before_ko, before_en), (after_ko, after_en) = (
        wording.display(feature, _finite(v)) for v in values
    )
    was, now = float(points[0]), float(points[1])
    verb_ko = "커졌습니다" if now > was else "작아졌습니다"
    verb_en = "rose" if now > was else "fell"
    if not np.isfinite(values).any():
        what_ko = f"{attach(feature.ko, '은/는')} 자료가 없으나"
        what_en = f"{feature.en} is not reported, yet"
    elif before_ko == after_ko:
        what_ko = f"{attach(feature.ko, '은/는')} {after_ko} 그대로이나"
        what_en = f"{feature.en} stayed at {after_en}, yet"
    else:
        what_ko = (
            f"{attach(feature.ko, '이/가')} {before_ko}에서 {attach(after_ko, '으로/로')} 바뀌어"
        )
        what_en = f"{feature.en} went from {before_en} to {after_en};"
    return ReasonChange(
        feature=feature.name,
        family=feature.family,
        label_ko=feature.ko,
        label_en=feature.en,
        value_before=_finite(values[0]),
        value_after=_finite(values[1]),
        display_before=before_ko,
        display_after=after_ko,
        contribution_before=was,
        contribution_after=now,
        change=now - was,
        sentence_ko=(
            f"{what_ko} {event.ko} 기여도가 {_signed(was)}에서 {_signed(now)}로 {verb_ko}."
        ),
        sentence_en=(
            f"{what_en[:1].upper() + what_en[1:]} its contribution to the {event.en} "
            f"{verb_en} from {_signed(was)} to {_signed(now)}."
        ),
    )


def _signed(contribution: float) -> str:
    sign = "+" if contribution >= 0 else "−"
    return f"{sign}{wording.points(contribution)}%p"
