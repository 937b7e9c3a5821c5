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
