"""Peer percentiles (동종업계 순위): within industry × size class, falling back to coarser peers.

A firm is compared with firms of its KSIC division and size class; where that group has fewer
than ``min_group_size`` known values (or the firm's division is not known — an export may give
only the section letter), with its division across sizes, then its KSIC section, then every firm.
Each percentile comes with the level it was taken at, so staff can be told who the peers were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from core import ksic

ALL = "*"
PEER_LEVELS: Final[tuple[str, ...]] = ("industry_size", "industry", "section", "all")
# How each level reads to staff: (Korean, English).
PEER_LEVEL_NAMES: Final[dict[str, tuple[str, str]]] = {
    "industry_size": ("같은 업종·규모", "same industry and size"),
    "industry": ("같은 업종", "same industry"),
    "section": ("같은 대분류 업종", "same industry section"),
    "all": ("전체 기업", "all firms"),
}


def peer_keys(ksic_codes: pd.Series, size_class: pd.Series) -> pd.DataFrame:
    """Each firm's group at each level but the last (missing where not known), as text."""
    division = ksic.division(ksic_codes)  # string Series, as ``section``: no conversion left
    return pd.DataFrame(
        {
            "industry_size": division + "|" + size_class.astype("string"),
            "industry": division,
            "section": ksic.section(ksic_codes),
        },
        index=ksic_codes.index,
    )


def _key(level: str, group: object) -> str:
    return f"{level}:{group}"


@dataclass(frozen=True)
class PeerReference:
    """Sorted values of each feature per peer group at every level, and over all firms."""

    values: dict[str, dict[str, np.ndarray]]
    min_group_size: int = 20

    @classmethod
    def fit(cls, frame: pd.DataFrame, keys: pd.DataFrame, columns: list[str]) -> PeerReference:
        values: dict[str, dict[str, np.ndarray]] = {}
        for column in columns:
            series = frame[column].astype("float64")
            per_group = {ALL: np.sort(series.dropna().to_numpy())}
            for level in keys.columns:
                groups = keys[level].to_numpy(object, na_value=None)
                known = groups != None  # noqa: E711 (elementwise)
                for group, part in series[known].groupby(groups[known]):
                    per_group[_key(level, group)] = np.sort(part.dropna().to_numpy())
            values[column] = per_group
        return cls(values)

    def percentile(self, frame: pd.DataFrame, keys: pd.DataFrame, column: str) -> pd.Series:
        """Share of peers (0–100) at or below each value; missing value → missing."""
        return self.percentile_and_level(frame, keys, column)[0]

    def percentile_and_level(
        self, frame: pd.DataFrame, keys: pd.DataFrame, column: str
    ) -> tuple[pd.Series, pd.Series]:
        """The percentile and the level of ``PEER_LEVELS`` it was taken at (missing with it)."""
        ranks = self.ranks(frame, keys, column)
        return ranks.at_or_below, ranks.level

    def ranks(self, frame: pd.DataFrame, keys: pd.DataFrame, column: str) -> PeerRank:
        """Each value's place among its peers: the share at or below it (the model's input),
        the share strictly below, the level it was taken at (all missing where the value is)."""
        at_or_below = np.full(len(frame), np.nan)
        below = np.full(len(frame), np.nan)
        level_of = np.full(len(frame), None, dtype=object)
        column_values = frame[column].to_numpy(dtype="float64")
        reference = self.values[column]
        pending = ~np.isnan(column_values)
        for level in (*keys.columns, "all"):
            groups = (
                np.full(len(frame), ALL, dtype=object)
                if level == "all"
                else keys[level].to_numpy(object, na_value=None)
            )
            for group in pd.unique(groups[pending]):
                if group is None:
                    continue
                sorted_values = reference.get(ALL if level == "all" else _key(level, group))
                enough = level == "all" or (
                    sorted_values is not None and len(sorted_values) >= self.min_group_size
                )
                if sorted_values is None or not enough or not len(sorted_values):
                    continue
                where = pending & (groups == group)
                asked = column_values[where]
                size = len(sorted_values)
                at_or_below[where] = 100.0 * np.searchsorted(sorted_values, asked, "right") / size
                below[where] = 100.0 * np.searchsorted(sorted_values, asked, "left") / size
                level_of[where] = level
                pending &= ~where
        index = frame.index
        return PeerRank(
            pd.Series(at_or_below, index=index, name=column),
            pd.Series(below, index=index, name=column),
            pd.Series(level_of, index=index, dtype="string", name=column),
        )


@dataclass(frozen=True)
class PeerRank:
    """Where values sit among their peers (0–100 shares) and the peer level of each.

    ``at_or_below`` is what the model reads (a percentile feature); staff are shown ``middle``:
    a value many peers share (0건 of arrears, where most firms have none) ranks in the middle of
    its tie, not at its top, and ``tied`` says how many share it ("동종업계 대부분과 같음")."""

    at_or_below: pd.Series
    below: pd.Series
    level: pd.Series

    @property
    def middle(self) -> pd.Series:
        return (self.at_or_below + self.below) / 2.0

    @property
    def tied(self) -> pd.Series:
        return self.at_or_below - self.below


def cross_section_percentiles(
    values: np.ndarray,
    cross_section: np.ndarray,
    groups: list[np.ndarray],
    min_group_size: int = 20,
) -> tuple[np.ndarray, np.ndarray]:
    """``PeerReference.fit(...).percentile_and_level(...)`` within each row's own cross-section
    (as-of date), for many cross-sections at once. ``groups`` holds one integer code per row for
    each level but the last (-1: not known); a row takes the first level whose group has at
    least ``min_group_size`` known values, else its whole cross-section. Returns percentiles
    and level positions in ``PEER_LEVELS`` (-1 where the value is missing)."""
    known = np.flatnonzero(~np.isnan(values))
    # Values as dense ranks (ties share one), so that (key, value) orders as a single integer.
    _, rank = np.unique(values[known], return_inverse=True)
    percent = np.full(len(known), np.nan)
    level = np.full(len(known), len(groups), dtype="int64")  # the last level: all firms
    pending = np.arange(len(known))
    for position, codes in enumerate(groups):
        code = codes[known]
        width = int(code.max(initial=0)) + 2  # room for -1 (unknown) as 0
        keys = cross_section[known] * width + code + 1
        if position == 0:  # most rows settle at the first level: compute it for all at once
            found, size = _percent_at_or_below(rank, keys)
        else:  # the few rows left compare with their group only
            found, size = np.full(len(known), np.nan), np.zeros(len(known), "int64")
            found[pending], size[pending] = _percent_and_size_for(rank, keys, pending)
        settled = pending[(code[pending] >= 0) & (size[pending] >= min_group_size)]
        percent[settled], level[settled] = found[settled], position
        pending = np.setdiff1d(pending, settled, assume_unique=True)
    percent[pending] = _percent_and_size_for(rank, cross_section[known], pending)[0]
    percentile = np.full(len(values), np.nan)
    percentile[known] = percent
    levels = np.full(len(values), -1, dtype="int64")
    levels[known] = level
    return percentile, levels


def _percent_at_or_below(rank: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per value: 100 × the share of its key's values at or below it (as ``searchsorted`` on
    the key's sorted values, side "right"), and how many values the key has."""
    width = int(rank.max(initial=0)) + 1
    composite = keys.astype("int64") * width + rank
    order = np.argsort(composite)
    ordered = composite[order]  # searched in sorted order: much faster than in row order
    key_start = ordered - ordered % width
    first = np.searchsorted(ordered, key_start)
    at_or_below = np.searchsorted(ordered, ordered, "right") - first
    size = np.searchsorted(ordered, key_start + width) - first
    percent, count = np.empty(len(rank)), np.empty(len(rank), dtype="int64")
    percent[order] = 100.0 * at_or_below / size
    count[order] = size
    return percent, count


def _percent_and_size_for(
    rank: np.ndarray, keys: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``_percent_at_or_below(rank, keys)`` at ``rows`` only, cheaply when ``rows`` are few."""
    width = int(rank.max(initial=0)) + 1
    composite = keys.astype("int64") * width + rank
    ordered, asked = np.sort(composite), composite[rows]
    key_start = asked - asked % width
    first = np.searchsorted(ordered, key_start)
    at_or_below = np.searchsorted(ordered, asked, "right") - first
    size = np.searchsorted(ordered, key_start + width) - first
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * at_or_below / size, size
