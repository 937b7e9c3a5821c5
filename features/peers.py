"""Peer percentiles within industry × size class (동종업계 순위)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ALL = "*"


def peer_group(industry: pd.Series, size_class: pd.Series) -> pd.Series:
    return industry.fillna("??").astype("string") + "|" + size_class.fillna("?").astype("string")


@dataclass(frozen=True)
class PeerReference:
    """Sorted values of each feature per peer group, and over all firms as the fallback."""

    values: dict[str, dict[str, np.ndarray]]
    min_group_size: int = 20

    @classmethod
    def fit(cls, frame: pd.DataFrame, groups: pd.Series, columns: list[str]) -> PeerReference:
        values: dict[str, dict[str, np.ndarray]] = {}
        for column in columns:
            series = frame[column].astype("float64")
            per_group = {
                str(g): np.sort(s.dropna().to_numpy()) for g, s in series.groupby(groups.to_numpy())
            }
            per_group[ALL] = np.sort(series.dropna().to_numpy())
            values[column] = per_group
        return cls(values)

    def percentile(self, frame: pd.DataFrame, groups: pd.Series, column: str) -> pd.Series:
        """Share of peers (0–100) at or below each value; missing value → missing."""
        out = np.full(len(frame), np.nan)
        column_values = frame[column].to_numpy(dtype="float64")
        group_keys = groups.to_numpy()
        for key in pd.unique(group_keys):
            sorted_values = self.values[column].get(str(key))
            if sorted_values is None or len(sorted_values) < self.min_group_size:
                sorted_values = self.values[column][ALL]
            where = group_keys == key
            if len(sorted_values):
                ranks = np.searchsorted(sorted_values, column_values[where], side="right")
                out[where] = 100.0 * ranks / len(sorted_values)
        out[np.isnan(column_values)] = np.nan
        return pd.Series(out, index=frame.index, name=column)


def cross_section_percentiles(
    values: np.ndarray, cross_section: np.ndarray, groups: np.ndarray, min_group_size: int = 20
) -> np.ndarray:
    """``PeerReference.fit(...).percentile(...)`` within each row's own cross-section, for many
    cross-sections (as-of dates) at once: the share of the row's group (or, where the group has
    fewer than ``min_group_size`` known values, of its cross-section) at or below its value."""
    known = np.flatnonzero(~np.isnan(values))
    # Values as dense ranks (ties share one), so that (key, value) orders as a single integer.
    _, rank = np.unique(values[known], return_inverse=True)
    width = int(groups.max(initial=0)) + 1
    percent, group_size = _percent_at_or_below(rank, (cross_section * width + groups)[known])
    # The few rows of small groups compare with their whole cross-section instead.
    small = np.flatnonzero(group_size < min_group_size)
    percent[small] = _percent_at_or_below_for(rank, cross_section[known], small)
    percentile = np.full(len(values), np.nan)
    percentile[known] = percent
    return percentile


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


def _percent_at_or_below_for(rank: np.ndarray, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``_percent_at_or_below(rank, keys)[0][rows]``, cheaply when ``rows`` are few."""
    width = int(rank.max(initial=0)) + 1
    composite = keys.astype("int64") * width + rank
    ordered, asked = np.sort(composite), composite[rows]
    key_start = asked - asked % width
    first = np.searchsorted(ordered, key_start)
    at_or_below = np.searchsorted(ordered, asked, "right") - first
    return 100.0 * at_or_below / (np.searchsorted(ordered, key_start + width) - first)
