"""Each region's expected distress rate at every stored as-of date, for the region page's trend.

The champion scores each date's feature rows (the snapshot's ``Timeline``, warmed in the
background at start), as the firm history does; the result is kept per champion, so a model
reload brings a fresh trend and the page pays for it once.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import numpy as np

from scoring.portfolio import Scored, score_period
from serving.domain.region_codes import served_regions
from serving.domain.state import Champion, Snapshot

NATIONAL = "*"


@dataclass(frozen=True)
class TrendPoint:
    as_of: dt.date
    n_firms: int
    expected_rate: float  # mean PD: expected distressed firms per firm within 12 months


_lock = threading.Lock()
_kept: dict[str, tuple[Champion, dict[str, list[TrendPoint]]]] = {}


def region_trends(snapshot: Snapshot, champion: Champion) -> dict[str, list[TrendPoint]]:
    """Region code (and ``NATIONAL``) → points oldest first, for the current champion."""
    with _lock:
        found = _kept.get("current")
        if found is not None and found[0] is champion:
            return found[1]
        trends = _compute(snapshot, champion)
        _kept["current"] = (champion, trends)
        return trends


def _scored(snapshot: Snapshot, champion: Champion, as_of: object) -> Scored:
    for known in (champion.latest, champion.previous):
        if known is not None and known.period.as_of == as_of:
            return known
    period = snapshot.timeline.period(as_of)  # type: ignore[arg-type]
    return score_period(period, champion.model, snapshot.stale_after_months)


def _compute(snapshot: Snapshot, champion: Champion) -> dict[str, list[TrendPoint]]:
    trends: dict[str, list[TrendPoint]] = {}
    for as_of in snapshot.timeline.dates:
        scored = _scored(snapshot, champion, as_of)
        rated = scored.standing.rated  # stale and in-state firms have no PD to average
        if not rated.any():
            continue
        day = scored.period.as_of.date()
        regions = served_regions(scored.period.features["region"]).to_numpy()[rated]
        everyone = scored.pd[rated]
        trends.setdefault(NATIONAL, []).append(
            TrendPoint(day, len(everyone), float(everyone.mean()))
        )
        for region in np.unique(regions):
            pd_ = everyone[regions == region]
            trends.setdefault(str(region), []).append(TrendPoint(day, len(pd_), float(pd_.mean())))
    return trends
