"""The words a contract table is declared in: a column's kind, unit, checks and frame type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Amounts (천원) at or beyond this size are typing slips, not statements: 10^15 천원 is ten times
# Korea's GDP. Ingestion and the API's submitted statements hold amounts to the same bound.
AMOUNT_LIMIT: Final[float] = 1e15
AMOUNT_LIMIT_PROBLEM: Final[str] = "is beyond ±10^15 천원"
# Years and dates lie in 1900-2100: a year 497 is a typing slip, and beyond pandas' nanosecond
# timestamps.
FIRST_YEAR: Final[int] = 1900
LAST_YEAR: Final[int] = 2100

# How values of each kind are read and checked (features.ingestion parses them), in words.
KINDS: Final[dict[str, str]] = {
    "firm_id": "text id in the mapping's scheme",
    "year": f"year {FIRST_YEAR}–{LAST_YEAR}",
    "date": f"date in {FIRST_YEAR}–{LAST_YEAR}",
    "region": "시도 code (17)",
    "district": "시군구 code, 5 digits",
    "ksic": "KSIC code at any depth",
    "money": "amount",
    "number": "number",
    "flag": "yes/no or a number",
    "bool": "yes/no",
    "opinion": "audit opinion",
    "choice": "one of a list",
    "text": "text",
}


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``required``: a row without it is rejected. ``key``: a re-ingested row with the same values
    in the key columns replaces the stored one. ``dtype``: the pandas type the raw tables give it
    (None: kept as read). ``framed``: always present in the raw tables, added as missing when a
    source lacks it; an unframed column is stored only when a source gives it.
    """

    name: str
    kind: str
    description: str
    unit: str = ""
    required: bool = False
    key: bool = False
    dtype: str | None = None
    choices: tuple[str, ...] = ()
    non_negative: bool = False
    framed: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: kind {self.kind!r} is not one of {list(KINDS)}")

    def checks(self) -> list[str]:
        """The value checks ingestion makes beyond the kind, in words (for the docs)."""
        found = []
        if self.choices:
            found.append("∈ " + "/".join(self.choices))
        if self.non_negative:
            found.append("≥ 0")
        if self.kind == "money":
            found.append("within ±10^15")
        return found


@dataclass(frozen=True)
class Table:
    """One contract table: its columns in order and whether rows sharing keys are kept apart.

    ``repeatable``: rows sharing the keys are genuinely different facts (two arrears on one day),
    so a re-ingested row is identified by all its values, never merged by its keys.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    repeatable: bool = False

    def names(self, **having: object) -> tuple[str, ...]:
        """Column names in declared order, those whose flags equal ``having`` (e.g. key=True)."""
        return tuple(
            c.name for c in self.columns if all(getattr(c, f) == v for f, v in having.items())
        )

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{name} is not a column of the {self.name} table")
