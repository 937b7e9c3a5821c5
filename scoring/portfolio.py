"""One champion's view of a period: every firm's PD and grade, and its reasons on demand.

PDs and grades of all stored firms are one ``predict`` call, cheap enough to make at start for
the latest and the previous as-of date. Reasons (exact TreeSHAP in probability points) cost
about 0.4 ms a firm, so they are computed for the rows a request needs and kept, and a
background warm-up fills in the rest after the service is ready.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from core.bundle import LoadedModel
from scoring import explain
from scoring.standing import DEFAULT_STALE_AFTER_MONTHS, Standing, standing_of
from scoring.timeline import Period

log = logging.getLogger(__name__)
WARM_CHUNK = 2_000  # rows per SHAP call while warming, so requests wait at most one chunk


class Explanations:
    """Probability-point contributions of a period's rows, computed once per row on demand."""

    def __init__(self, model: LoadedModel, matrix: np.ndarray) -> None:
        self.model, self.matrix = model, matrix
        self._points = np.zeros(matrix.shape, dtype="float64")
        self._done = np.zeros(len(matrix), dtype=bool)
        self._lock = threading.Lock()
        self.base_pd = float(self._attribute(matrix[:1]).base_pd[0]) if len(matrix) else 0.0

    def _attribute(self, matrix: np.ndarray) -> explain.Attribution:
        return explain.attribute(self.model.booster, self.model.bundle.calibration, matrix)

    def points(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), k) contributions; ``base_pd`` plus a row's sum is that firm's PD."""
        rows = np.asarray(rows, dtype=np.intp)
        with self._lock:
            missing = np.unique(rows[~self._done[rows]])
            if len(missing):
                self._points[missing] = self._attribute(self.matrix[missing]).points
                self._done[missing] = True
            return self._points[rows].copy()

    @property
    def explained(self) -> int:
        """How many rows have their contributions computed."""
        return int(self._done.sum())

    def warm(self) -> None:
        """Explain every row, a chunk at a time; for a background thread, so never raises."""
        try:
            for start in range(0, len(self.matrix), WARM_CHUNK):
                self.points(np.arange(start, min(start + WARM_CHUNK, len(self.matrix))))
        except Exception:  # a failed warm-up only makes first requests slower
            log.exception("explanation warm-up failed")


@dataclass(frozen=True)
class Scored:
    """A period scored by one model: PD and grade (ladder position) per row of the period, and
    which rows get them (``standing``: stale statements and firms already in the state do not;
    their PD is kept here only so that arrays stay aligned, and is never shown)."""

    period: Period
    matrix: np.ndarray  # (n, k) model features
    pd: np.ndarray  # (n,)
    grade: np.ndarray  # (n,) position on the grade ladder, 0 = 정상
    explanations: Explanations
    standing: Standing


def score_period(
    period: Period, model: LoadedModel, stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS
) -> Scored:
    """PDs and grades of every firm in ``period``; reasons are left for ``explanations``."""
    matrix = np.ascontiguousarray(model.matrix(period.features))
    pd_ = model.bundle.calibration.pd(
        np.asarray(model.booster.predict(matrix, raw_score=True)) if len(matrix) else np.zeros(0)
    )
    cuts = np.asarray(model.bundle.grade_table.cut_points)
    grade = np.searchsorted(cuts, pd_, side="right")  # as GradeTable.grade (bisect_right)
    standing = standing_of(period.features, model.bundle.label_rules, stale_after_months)
    return Scored(period, matrix, pd_, grade, Explanations(model, matrix), standing)
