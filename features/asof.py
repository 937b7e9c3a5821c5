"""Point-in-time look-ups for many (firm, as-of date) rows at once.

Building the training table asks the same questions for every firm on every as-of date: which
of its filings were known by then, how many arrears fell in the year before, what the region had
published. Instead of filtering whole tables once per date, each table is sorted once by key and
time, and all (key, date) questions are answered together by binary search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def positions(index: pd.Index, labels: pd.Series) -> np.ndarray:
    """Position of each label in ``index`` (-1 if absent), looking each distinct label up once."""
    codes, distinct = pd.factorize(labels)
    found = np.append(index.get_indexer(distinct), -1)
    return found[codes]  # a missing label (code -1) picks the -1 appended last


class TimeIndex:
    """Rows grouped by an integer key (≥ 0), in time order within a key (ties keep row order);
    times are datetime64 and never missing.

    Queries are (key, date) pairs given as ``keys``, a short array ``dates`` and each query's
    position ``date`` in it. Positions returned by ``end`` count rows in the sorted order;
    ``order`` maps them back to rows of the table the index was built from.
    """

    def __init__(self, keys: np.ndarray, times: np.ndarray) -> None:
        # A time becomes its rank among the table's distinct times, so (key, rank) fits one int64
        # whose order is the (key, time) order.
        distinct, rank = np.unique(times.view("int64"), return_inverse=True)
        self._times = distinct.view(times.dtype)
        self._width = len(distinct) + 1
        composite = keys.astype("int64") * self._width + rank.reshape(-1)
        self.order = _stable_argsort(composite)
        self._sorted = composite[self.order]
        # The key and table row of the row just before each sorted position (-1 before the first).
        self._key_before = np.append(-1, keys.astype("int64")[self.order])
        self._row_before = np.append(-1, self.order)

    def end(
        self, keys: np.ndarray, dates: np.ndarray, date: np.ndarray, inclusive: bool
    ) -> np.ndarray:
        """Sorted position just past the rows of ``keys[i]`` at or before ``dates[date[i]]``
        (strictly before, unless ``inclusive``)."""
        dates = np.asarray(dates).astype(self._times.dtype)
        # Rows of a key up to a date are those whose time rank lies below the date's bound.
        bound = np.searchsorted(self._times, dates, side="right" if inclusive else "left")
        return np.searchsorted(self._sorted, keys.astype("int64") * self._width + bound[date])

    def row_before(self, keys: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Table row of each key's last row before sorted position ``end``; -1 where none."""
        return np.where(self._key_before[end] == keys, self._row_before[end], -1)

    def last(
        self, keys: np.ndarray, dates: np.ndarray, date: np.ndarray, inclusive: bool
    ) -> np.ndarray:
        """Table row of each key's last row at or before ``dates[date]`` (strictly before, unless
        ``inclusive``); -1 where the key has none."""
        return self.row_before(keys, self.end(keys, dates, date, inclusive))


def _stable_argsort(values: np.ndarray) -> np.ndarray:
    """``argsort(values, kind="stable")``: ties keep row order."""
    n = len(values)
    if n and values.max() < (np.iinfo("int64").max - n) // n:
        # The row number breaks ties, so the faster unstable sort gives the same order.
        return np.argsort(values * n + np.arange(n))
    return np.argsort(values, kind="stable")


def days_between(earlier: np.ndarray | pd.Series, later: np.ndarray) -> np.ndarray:
    """Whole days from ``earlier`` to ``later``, rounded down as ``Series.dt.days`` does; NaN
    where either date is missing."""
    delta = np.asarray(later) - np.asarray(earlier)
    with np.errstate(invalid="ignore"):  # a missing date divides as 0: masked below
        days = (delta // np.timedelta64(1, "D")).astype("float64")
    days[np.isnat(delta)] = np.nan
    return days


def take_or_missing(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[..., rows]`` as floats (rows on the last axis), NaN where ``rows`` is -1."""
    missing = np.full((*values.shape[:-1], 1), np.nan)
    padded = np.concatenate([np.asarray(values, dtype="float64"), missing], axis=-1)
    # -1 picks the missing row appended last; ``take`` writes its result contiguously.
    return np.take(padded, rows, axis=-1)


@dataclass(frozen=True)
class ByDate:
    """Small per-date facts (a region's indicators, an industry's rate) for many rows at once:
    ``values[d, k]`` holds the columns for the ``d``-th as-of date and key ``keys[k]``."""

    keys: pd.Index
    values: np.ndarray  # (dates, keys, columns), float

    def lookup(self, date: np.ndarray, keys: pd.Series, firm: np.ndarray) -> np.ndarray:
        """Values for rows (``date[i]``, ``keys[firm[i]]``): keys per firm, firm per row; NaN
        where a key is missing or unknown."""
        code = self.keys.get_indexer(keys)[firm]
        # One extra all-NaN key at the end: unknown keys (code -1) land there.
        missing = np.full((*self.values.shape[:1], 1, self.values.shape[2]), np.nan)
        return np.concatenate([self.values, missing], axis=1)[date, code]
