"""Firms by name: an index of every stored firm's name per 시도, built once per snapshot.

A query matches anywhere in a name ("대한" finds "대한정밀(주)"), ignoring spaces, letter case
and the company-form marks staff leave out or write differently (주식회사, (주), ㈜, (유) …).
Each region's names are one string, so a search is one C-level scan of the caller's region
(``str.find``), not a Python loop over its firms. Firms stored without a name cannot match a
name; they are still found by their number.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from core.grades import Grade
from serving.access import policy
from serving.access.policy import UNKNOWN_REGION, Refusal
from serving.domain.region_codes import district_name, served_regions
from serving.domain.state import Champion, Snapshot
from serving.errors import InvalidSubmission
from serving.schemas import normalise_firm_id
from serving.schemas.search import FirmMatch, FirmSearchOut

MIN_QUERY: Final = 2  # characters after normalising: "대한" yes, "대" would list half a region
MAX_QUERY: Final = 50
LIMIT: Final = 50
_FORMS: Final = re.compile(r"주식회사|유한회사|합자회사|\((주|유|합|재|사)\)|\s+")
_SEPARATOR: Final = "\n"  # never inside a normalised name (whitespace is removed)


def normalise(name: str) -> str:
    """A name as the index keeps it: NFKC (㈜ becomes (주)), lower case, no company forms or
    spaces."""
    return _FORMS.sub("", unicodedata.normalize("NFKC", name).casefold())


def _normalise_all(names: pd.Series) -> pd.Series:
    text = names.astype("string").str.normalize("NFKC").str.casefold()
    return text.str.replace(_FORMS, "", regex=True)


@dataclass(frozen=True)
class _RegionNames:
    """One region's named firms: their normalised names joined, and where each one starts."""

    text: str
    starts: np.ndarray  # offset of each name in ``text``, ascending
    positions: np.ndarray  # row of each name in the firms table


@dataclass(frozen=True)
class NameIndex:
    regions: dict[str, _RegionNames]
    firm_rows: dict[str, int]  # firm_id -> row of the firms table

    @classmethod
    def build(cls, firms: pd.DataFrame) -> NameIndex:
        keys = _normalise_all(firms["name"]).reset_index(drop=True)
        region = pd.Series(served_regions(firms["region"]).to_numpy())
        named = keys.notna() & (keys.str.len() > 0)
        regions = {}
        for code, part in keys[named].groupby(region[named], sort=False):
            lengths = part.str.len().to_numpy(dtype=np.int64) + len(_SEPARATOR)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            text = _SEPARATOR.join(part.tolist())
            regions[str(code)] = _RegionNames(text, starts, part.index.to_numpy())
        ids = firms["firm_id"].astype("string").tolist()
        return cls(regions, {firm_id: row for row, firm_id in enumerate(ids)})

    def find(self, query: str, region: str) -> np.ndarray:
        """Rows of the firms table whose names contain ``query`` (normalised), in ``region``."""
        names = self.regions.get(region)
        if names is None:
            return np.zeros(0, dtype=np.int64)
        hits, at = [], names.text.find(query)
        while at >= 0:
            hits.append(at)
            at = names.text.find(query, at + 1)
        if not hits:
            return np.zeros(0, dtype=np.int64)
        found = np.unique(np.searchsorted(names.starts, np.asarray(hits), side="right") - 1)
        return names.positions[found]


_lock = threading.Lock()
_kept: dict[str, tuple[Snapshot, NameIndex]] = {}


def name_index(snapshot: Snapshot) -> NameIndex:
    """The snapshot's index, built on first use and kept until the snapshot changes."""
    with _lock:
        found = _kept.get("current")
        if found is not None and found[0] is snapshot:
            return found[1]
        index = NameIndex.build(snapshot.tables.firms)
        _kept["current"] = (snapshot, index)
        return index


def checked_query(query: str) -> str:
    """The normalised query, or a 422 naming ``q`` when too short or too long to search."""
    key = normalise(query)
    if len(query) > MAX_QUERY:
        raise InvalidSubmission(("query", "q"), f"q: at most {MAX_QUERY} characters")
    if len(key) < MIN_QUERY:
        raise InvalidSubmission(
            ("query", "q"),
            f"q: at least {MIN_QUERY} characters of a name (company forms and spaces aside)",
        )
    return key


def search_firms(
    snapshot: Snapshot,
    champion: Champion,
    query: str,
    regions: list[str] | None,
    limit: int = LIMIT,
) -> FirmSearchOut:
    """Firms of ``regions`` (None: all) whose name contains ``query`` or whose id is it."""
    key = checked_query(query)
    index = name_index(snapshot)
    firms = snapshot.tables.firms
    scope = list(index.regions) if regions is None else regions
    rows = np.concatenate([index.find(key, region) for region in scope] or [np.zeros(0)])
    firm_id = normalise_firm_id(query)
    exact_id = index.firm_rows.get(firm_id)
    if exact_id is not None and (regions is None or snapshot.regions.get(firm_id) in regions):
        rows = np.concatenate([[exact_id], rows[rows != exact_id]])
    else:
        exact_id = None  # another region's firm: not even its existence is said
    rows = rows.astype(np.int64)
    order = _ranked(firms, rows, key, exact_id)
    matches = [_match(snapshot, champion, int(row)) for row in rows[order[:limit]]]
    return FirmSearchOut(query=key, as_of=snapshot.as_of.date(), total=len(rows), firms=matches)


def _ranked(firms: pd.DataFrame, rows: np.ndarray, key: str, exact_id: int | None) -> np.ndarray:
    """The id itself, then exact names, then names that start with the query, then the rest;
    by name within each."""
    names = firms["name"].iloc[rows].astype("string").fillna("")
    keys = _normalise_all(names).fillna("")
    tier = np.where(keys == key, 1, np.where(keys.str.startswith(key), 2, 3))
    tier = np.where(rows == exact_id, 0, tier) if exact_id is not None else tier
    return np.lexsort((names.to_numpy(dtype=object), tier))


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]


def _match(snapshot: Snapshot, champion: Champion, row: int) -> FirmMatch:
    firm = snapshot.tables.firms.iloc[row]
    firm_id = str(firm["firm_id"])
    district = _text(firm.get("district"))
    grade = _grade(snapshot, champion, firm_id)
    return FirmMatch(
        firm_id=firm_id,
        name=_text(firm.get("name")),
        region=snapshot.regions.get(firm_id, "00"),
        district=district,
        district_name=district_name(district),
        grade=grade.name if grade else None,
        grade_en=grade.en if grade else None,
    )


def _grade(snapshot: Snapshot, champion: Champion, firm_id: str) -> Grade | None:
    """The firm's grade at the latest as-of date, None when it has none (stale, not scored)."""
    row = snapshot.rows.get(firm_id)
    latest = champion.latest
    if row is None or not latest.standing.rated[row]:
        return None
    return Grade.named(champion.model.bundle.grade_table.grades[int(latest.grade[row])])


def searched_regions(key: policy.Caller) -> tuple[list[str] | None, Refusal | None]:
    """The regions a caller's search covers (None: all, for analysts and admins, who alone see
    "00"; a centre its own 시도), or the refusal of a caller that sees no firms."""
    if policy.sees_region(key, UNKNOWN_REGION):
        return None, None
    own = key.region or UNKNOWN_REGION
    refusal = policy.read_region(key, own)
    return ([] if refusal else [own]), refusal
