"""Reasons for a score: exact TreeSHAP, carried through calibration into probability points.

``booster.predict(X, pred_contrib=True)`` gives exact TreeSHAP values φ1…φk in the booster's
log-odds, with the expected value φ0 in the last column. Platt calibration is linear in that
margin, so in calibrated log-odds each feature contributes ``slope·φi`` on top of the base
``z0 = slope·φ0 + intercept``, and the firm sits at ``z = z0 + slope·Σφi``.

Staff read probabilities, not log-odds. We move along the straight line in log-odds from the base
to the firm, z(t) = z0 + t·slope·Σφi, every feature advancing in proportion to its φi, and give
each feature the probability it gains on the way (integrated gradients of σ along that path)::

    contribution_i = ∫₀¹ σ'(z(t))·slope·φi dt = slope·φi · (PD − base_pd) / (slope·Σφi)

with ``base_pd = σ(z0)``. The contributions add up exactly to ``PD − base_pd``, keep the sign and
the ranking of the SHAP values, and reduce to ``σ'(z0)·slope·φi`` as Σφi → 0 (used when
|slope·Σφi| is tiny, where the quotient is numerically unsafe). Floating-point residue is put on
the largest contribution so that ``base_pd + Σ contribution_i == PD`` to 1e-12.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

import lightgbm as lgb
import numpy as np
import pandas as pd

from core.bundle import Calibration
from features.catalog import BY_NAME, FAMILIES, Feature
from features.peers import PEER_LEVELS, PeerReference, peer_keys
from scoring import treeshap, wording

TINY_LOG_ODDS = 1e-8  # below this |slope·Σφ| the closed form gives way to its limit
DEFAULT_TOP = 8
SMALL_BATCH = 64
# Peer ranks of regional and industry conditions say nothing about the firm; not shown.
_NO_PEER_FAMILIES = frozenset({"environment"})


@dataclass(frozen=True)
class Attribution:
    """Per row: raw TreeSHAP (log-odds), the calibrated PD and its split into probability points."""

    shap: np.ndarray  # (n, k) φ1…φk, raw booster log-odds
    expected: np.ndarray  # (n,) φ0
    pd: np.ndarray  # (n,)
    base_pd: np.ndarray  # (n,)
    points: np.ndarray  # (n, k) probability points; base_pd + row sum == pd


def tree_shap(booster: lgb.Booster, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact TreeSHAP (φ1…φk, φ0) in the booster's raw log-odds for every row of ``matrix``.

    The precomputed fast TreeSHAP (``scoring.treeshap``, equal to ``pred_contrib`` to rounding)
    where the model allows it, else LightGBM's own ``pred_contrib``.
    """
    # One thread for the few rows of an online request: thread start-up costs more than it
    # saves there, and concurrent requests should not each fan out over every core.
    threads = 1 if len(matrix) < SMALL_BATCH else 0
    fast = treeshap.explainer_for(booster)
    if fast is not None:
        return fast.shap_values(matrix, threads=threads)
    contrib = np.asarray(
        booster.predict(matrix, raw_score=False, pred_contrib=True, num_threads=threads)
    )
    return contrib[:, :-1], contrib[:, -1]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def probability_points(
    shap: np.ndarray, expected: np.ndarray, calibration: Calibration
) -> Attribution:
    """Split each row's calibrated PD into base_pd plus one probability contribution per feature."""
    shap = np.atleast_2d(np.asarray(shap, dtype="float64"))
    expected = np.atleast_1d(np.asarray(expected, dtype="float64"))
    pd_ = calibration.pd(expected + shap.sum(axis=1))
    base_z = calibration.log_odds(expected)
    base_pd = _sigmoid(base_z)
    points = along_path(base_z, calibration.slope * shap)
    return Attribution(shap, expected, pd_, base_pd, _close_residual(points, pd_ - base_pd))


def along_path(start: np.ndarray, moves: np.ndarray) -> np.ndarray:
    """Probability points of log-odds ``moves`` (n, k) taken together from ``start`` (n,).

    Every move advances in proportion along the straight line from ``start`` to
    ``start + Σ moves`` and gets the probability it gains on the way, so that a row's points add
    up to σ(start + Σ moves) − σ(start); σ'(start)·move where the row barely moves.
    """
    moved = moves.sum(axis=1)
    begin, end = _sigmoid(start), _sigmoid(start + moved)
    tiny = np.abs(moved) < TINY_LOG_ODDS
    scale = np.where(tiny, begin * (1.0 - begin), (end - begin) / np.where(tiny, 1.0, moved))
    return moves * scale[:, None]


def _close_residual(points: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Put each row's floating-point residue on its largest contribution."""
    if points.shape[1] == 0:
        return points
    residual = target - points.sum(axis=1)
    largest = np.abs(points).argmax(axis=1)
    points = points.copy()
    points[np.arange(len(points)), largest] += residual
    return points


def attribute(booster: lgb.Booster, calibration: Calibration, matrix: np.ndarray) -> Attribution:
    """One ``pred_contrib`` call for all rows, then calibration into probability points."""
    shap, expected = tree_shap(booster, matrix)
    return probability_points(shap, expected, calibration)


@dataclass(frozen=True)
class PeerRanks:
    """Peer percentiles shown to staff (NaN where not shown: the middle of a tie, see
    ``features.peers.PeerRank``), the share of peers with the very same value, and the level of
    ``features.peers.PEER_LEVELS`` each was taken at (-1 where none); indexing takes rows."""

    percent: np.ndarray
    level: np.ndarray
    tied: np.ndarray | None = None  # None: not known (plain percentiles), read as no tie

    def __getitem__(self, index: int | np.ndarray) -> PeerRanks:
        tied = None if self.tied is None else self.tied[index]
        return PeerRanks(self.percent[index], self.level[index], tied)

    def __len__(self) -> int:
        return len(self.percent)

    def tied_at(self, j: int) -> float:
        """Share (0–100) of peers equal to feature ``j``'s value in a one-row ``PeerRanks``."""
        return 0.0 if self.tied is None else float(self.tied[j])

    @classmethod
    def of(cls, peers: PeerRanks | np.ndarray) -> PeerRanks:
        """Plain percentiles read as taken within industry × size (the first level)."""
        if isinstance(peers, PeerRanks):
            return peers
        return cls(peers, np.where(np.isnan(peers), -1, 0).astype(np.int8))


def peer_percentiles(
    peers: PeerReference, features: pd.DataFrame, feature_names: tuple[str, ...]
) -> PeerRanks:
    """(n, k) peer rank of each value (the middle of its tie), the share of peers tied with it
    and the peer level used; NaN (level -1) where not meaningful."""
    out = np.full((len(features), len(feature_names)), np.nan)
    # Half precision: only "most peers share it" (≥ 50) is read from it, and at the national
    # size the (n, k) array would otherwise be as large as the percentiles themselves.
    tied = np.full(out.shape, np.nan, dtype=np.float16)
    levels = np.full(out.shape, -1, dtype=np.int8)
    if features.empty:
        return PeerRanks(out, levels, tied)
    groups = peer_keys(features["ksic"], features["size_class"])
    codes = {level: position for position, level in enumerate(PEER_LEVELS)}
    for j, name in enumerate(feature_names):
        feature = BY_NAME.get(name)
        if feature is None or feature.family in _NO_PEER_FAMILIES or name not in peers.values:
            continue
        ranks = peers.ranks(features, groups, name)
        out[:, j] = ranks.middle.to_numpy()
        tied[:, j] = ranks.tied.to_numpy()
        levels[:, j] = ranks.level.map(codes).fillna(-1).to_numpy(dtype=np.int8)
    return PeerRanks(out, levels, tied)


class Reason(NamedTuple):
    """One feature's share of the PD, in probability points, with its value in plain words
    (the service's response model copies these fields).

    Reasons and families are immutable named tuples rather than frozen dataclasses because a
    frozen dataclass's ``__init__`` sets each of the 17 fields through ``object.__setattr__``
    (about 4 µs a reason, as long as the response model's own validation) on every request.
    """

    feature: str
    family: str
    family_ko: str
    family_en: str
    label_ko: str
    label_en: str
    value: float | None  # None when not reported
    display: str  # the value as staff read it: 0.6배, 12.3%, 자료 없음
    display_en: str
    peer_percentile: float | None  # rank (0–100) among peers, ties counted at their middle
    peer_tied: float | None  # share (0–100) of peers with the same value
    peer_level: str | None  # one of features.peers.PEER_LEVELS: who the peers were
    peer_group_ko: str | None
    peer_group_en: str | None
    contribution: float  # probability points added to the PD (signed)
    direction: Literal["up", "down"]
    sentence_ko: str
    sentence_en: str


class Family(NamedTuple):
    """A feature family's total contribution; ``rest`` is the part not listed in reasons."""

    family: str
    name_ko: str
    name_en: str
    contribution: float
    rest: float
    n_features: int


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def reason(
    feature: Feature,
    value: float,
    peer: float,
    contribution: float,
    event: wording.Event = wording.DEFAULT_EVENT,
    peer_level: int = 0,
    peer_tied: float = 0.0,
    impaired: bool = False,
) -> Reason:
    """One feature's reason line: value as staff read it, peer rank (and who the peers were:
    ``peer_level`` in ``PEER_LEVELS``), probability points of the ``event`` the model predicts."""
    shown = _finite(value)
    shown_ko, shown_en = wording.display(feature, shown, impaired)
    missing = shown is None
    peer_value = None if missing else _finite(peer)
    level: str | None = None
    if peer_value is not None and peer_level >= 0:
        level = PEER_LEVELS[peer_level]
    tied = _finite(peer_tied) if peer_value is not None else None
    peers = wording.Peers.of(peer_value, level, tied or 0.0)
    contribution = float(contribution)
    return Reason(
        feature=feature.name,
        family=feature.family,
        family_ko=FAMILIES[feature.family],
        family_en=wording.FAMILIES_EN[feature.family],
        label_ko=feature.ko,
        label_en=feature.en,
        value=shown,
        display=shown_ko,
        display_en=shown_en,
        peer_percentile=peer_value,
        peer_tied=tied,
        peer_level=level,
        peer_group_ko=peers.group_ko if peers else None,
        peer_group_en=peers.group_en if peers else None,
        contribution=contribution,
        direction="up" if contribution > 0 else "down",
        sentence_ko=wording.sentence_ko(feature, shown_ko, missing, peers, contribution, event),
        sentence_en=wording.sentence_en(feature, shown_en, missing, peers, contribution, event),
    )


def _feature(name: str) -> Feature:
    """The catalogue entry, or a plain one for a model feature the catalogue does not know."""
    return BY_NAME.get(name) or Feature(name, "environment", name, name, "ratio")


def reasons(
    feature_names: tuple[str, ...],
    values: np.ndarray,
    peers: PeerRanks | np.ndarray,
    points: np.ndarray,
    top: int | None = DEFAULT_TOP,
    event: wording.Event = wording.DEFAULT_EVENT,
) -> tuple[list[Reason], list[Family]]:
    """One row's reasons sorted by |contribution| (``top`` of them, None for all) and families;
    sentences name the ``event`` the model predicts.

    Each family carries its total and ``rest``: the part of it not shown among the reasons.
    """
    order = np.argsort(-np.abs(points), kind="stable")
    shown = order if top is None else order[:top]
    ranks = PeerRanks.of(peers)
    impaired = equity_not_positive(feature_names, values)
    listed = [
        reason(
            _feature(feature_names[j]),
            values[j],
            ranks.percent[j],
            points[j],
            event,
            int(ranks.level[j]),
            ranks.tied_at(j),
            impaired,
        )
        for j in shown
    ]
    return listed, families(feature_names, points, set(shown.tolist()))


def equity_not_positive(feature_names: tuple[str, ...], values: np.ndarray) -> bool:
    """Whether one row's features say its equity is zero or negative (자본잠식): the equity
    ratio at or below 0, or the capital impairment ratio at 1 (100 %) or above."""
    positions = _equity_positions(feature_names)
    ratio, impairment = (float(values[j]) if j >= 0 else math.nan for j in positions)
    return ratio <= 0.0 or impairment >= 1.0  # NaN compares False: not known, not impaired


@lru_cache(maxsize=16)
def _equity_positions(feature_names: tuple[str, ...]) -> tuple[int, int]:
    """Where a model's features hold the equity ratio and the capital impairment ratio (-1)."""

    def position(name: str) -> int:
        return feature_names.index(name) if name in feature_names else -1

    return position("equity_ratio"), position("capital_impairment_ratio")


@lru_cache(maxsize=16)
def _family_index(feature_names: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """The families of a model's features (first-seen order) and each feature's family number."""
    names = [_feature(name).family for name in feature_names]
    order = tuple(dict.fromkeys(names))
    return order, np.array([order.index(family) for family in names], dtype=np.intp)


def families(feature_names: tuple[str, ...], points: np.ndarray, shown: set[int]) -> list[Family]:
    """Per-family sums of one row's contributions, largest |total| first."""
    order, index = _family_index(feature_names)
    hidden = np.asarray(points, dtype="float64").copy()
    hidden[list(shown)] = 0.0
    totals = np.bincount(index, weights=points, minlength=len(order))
    rests = np.bincount(index, weights=hidden, minlength=len(order))
    counts = np.bincount(index, minlength=len(order))
    out = [
        Family(
            family=family,
            name_ko=FAMILIES[family],
            name_en=wording.FAMILIES_EN[family],
            contribution=float(totals[f]),
            rest=float(rests[f]),
            n_features=int(counts[f]),
        )
        for f, family in enumerate(order)
    ]
    return sorted(out, key=lambda item: -abs(item.contribution))
