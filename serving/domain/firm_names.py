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

    def find(self, query: str) -> Hits:
        hits, at = [], self.text.find(query)
        while at >= 0:
            hits.append(at)
            at = self.text.find(query, at + 1)
        if not hits:
            return Hits.none()
        offsets = np.asarray(hits, dtype=np.int64)
        names = np.searchsorted(self.starts, offsets, side="right") - 1
        # The first hit in each name decides its tier: at the start (a prefix), and the whole
        # name (exact) when the name is exactly as long as the query.
        names, first = np.unique(names, return_index=True)
        start = self.starts[names]
        ends = np.append(self.starts[1:], len(self.text) + len(_SEPARATOR))[names]
        length = ends - start - len(_SEPARATOR)
        prefix = offsets[first] == start
        tier = np.where(prefix & (length == len(query)), 1, np.where(prefix, 2, 3))
        return Hits(self.positions[names], tier.astype(np.int8))


@dataclass(frozen=True)
class Hits:
    """Rows of the firms table that match, and how well: 0 the firm id itself, 1 the whole
    name, 2 a name starting with the query, 3 elsewhere in the name."""

    rows: np.ndarray
    tier: np.ndarray

    @classmethod
    def none(cls) -> Hits:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8))

    @classmethod
    def joined(cls, parts: list[Hits]) -> Hits:
        if not parts:
            return cls.none()
        return cls(np.concatenate([p.rows for p in parts]), np.concatenate([p.tier for p in parts]))


@dataclass(frozen=True)
class NameIndex:
    regions: dict[str, _RegionNames]
    firm_rows: dict[str, int]  # firm_id -> row of the firms table (named or not)

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

    def find(self, query: str, region: str) -> Hits:
        """Firms of ``region`` whose names contain ``query`` (normalised), with their tier."""
        names = self.regions.get(region)
        return Hits.none() if names is None else names.find(query)


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
    hits = Hits.joined([index.find(key, region) for region in scope])
    exact = _id_row(snapshot, index, normalise_firm_id(query), regions)
    if exact is not None:
        keep = hits.rows != exact
        hits = Hits(np.append(exact, hits.rows[keep]), np.append(np.int8(0), hits.tier[keep]))
    names = firms["name"].take(hits.rows).astype("string").fillna("").to_numpy(dtype=object)
    chosen = hits.rows[np.lexsort((names, hits.tier))[:limit]]
    matches = _matches(snapshot, champion, chosen)
    return FirmSearchOut(
        query=key, as_of=snapshot.as_of.date(), total=len(hits.rows), firms=matches
    )


def _id_row(
    snapshot: Snapshot, index: NameIndex, firm_id: str, regions: list[str] | None
) -> int | None:
    """The firms-table row of a stored firm whose id is the query, in a searched region."""
    region = snapshot.regions.get(firm_id)
    if region is None or (regions is not None and region not in regions):
        return None  # another region's firm: not even its existence is said
    return index.firm_rows.get(firm_id)


def _texts(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values.tolist()]


def _matches(snapshot: Snapshot, champion: Champion, rows: np.ndarray) -> list[FirmMatch]:
    """The listed firms, each column read once for all of them (not row by row)."""
    firms = snapshot.tables.firms
    ids = [str(v) for v in firms["firm_id"].take(rows).tolist()]
    names = _texts(firms["name"].take(rows))
    districts = _texts(firms["district"].take(rows)) if "district" in firms else [None] * len(ids)
    out = []
    for firm_id, name, district in zip(ids, names, districts, strict=True):
        grade = _grade(snapshot, champion, firm_id)
        out.append(
            FirmMatch(
                firm_id=firm_id,
                name=name,
                region=snapshot.regions.get(firm_id, UNKNOWN_REGION),
                district=district,
                district_name=district_name(district),
                grade=grade.name if grade else None,
                grade_en=grade.en if grade else None,
            )
        )
    return out


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
