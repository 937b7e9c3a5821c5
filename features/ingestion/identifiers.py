"""Firm ids as text, by scheme: 사업자등록번호 (``brn``), 법인등록번호 (``crn``) or a ``code``.

An id never passes through arithmetic: numbers that a spreadsheet or a Parquet file made of an
id are written back as whole-number text, and leading zeros that text still has are kept.
Each scheme first normalises the source value's *spelling* (``123-45-67890`` is
``1234567890``); that is the source id. The stored id is the mapping's ``prefix`` plus the
source id, left zero-padded to ``width`` for codes. Padding can make two different source ids
one stored id (``90414`` and ``090414`` at width 6): such a collision is found over the whole
file (``collisions``) and its rows are quarantined, never merged. A stored id must also be one
the service can serve (``core.contract.ids``): a row whose id is not (too long with its prefix,
or starting with '-') is quarantined with the rule, not stored out of reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from core.check_digits import brn_check_digit, crn_check_digit
from core.contract.ids import FIRM_ID_PATTERN, FIRM_ID_RULE
from features.ingestion.values import per_unique

SCHEMES: Final[tuple[str, ...]] = ("brn", "crn", "code")
CODE_CHARACTERS: Final[str] = r"[A-Za-z0-9._\-]+"
_SEPARATORS: Final[str] = r"[\s\-]"
_NUMBERS: Final[dict[str, tuple[int, Callable[[np.ndarray], np.ndarray], str]]] = {
    "brn": (10, brn_check_digit, "business registration number"),
    "crn": (13, crn_check_digit, "corporate registration number"),
}


@dataclass(frozen=True)
class IdFormat:
    """How a mapping reads firm ids: the scheme, a prefix, and for codes a zero-pad width."""

    scheme: str = "brn"
    prefix: str = ""
    width: int | None = None

    @property
    def can_collide(self) -> bool:
        """Only padding makes two source ids one stored id (a prefix is the same for all)."""
        return self.width is not None


@dataclass(frozen=True)
class ParsedIds:
    stored: pd.Series  # the id as stored; missing where the value is blank or broken
    source: pd.Series  # the source id the stored one comes from (what collisions compare)
    flaws: list[tuple[np.ndarray, str]]  # rows with a broken id, and what is wrong


def parse_ids(values: pd.Series, fmt: IdFormat) -> ParsedIds:
    text = id_text(values)
    if fmt.scheme == "code":
        bad = text.notna() & ~text.str.fullmatch(CODE_CHARACTERS, na=False)
        source = text.where(~bad)
        flaws = [(bad.to_numpy(bool), "is not a code (letters, digits, '-', '_', '.')")]
        padded = source if fmt.width is None else source.str.rjust(fmt.width, "0")
    else:
        source, flaws = _registration_number(text, fmt.scheme)
        padded = source
    stored = fmt.prefix + padded
    unservable = stored.notna() & ~stored.str.fullmatch(FIRM_ID_PATTERN, na=False)
    flaws.append(
        (unservable.to_numpy(bool), f"is not a firm id the service can serve ({FIRM_ID_RULE})")
    )
    return ParsedIds(stored.where(~unservable), source.where(~unservable), flaws)


def id_text(values: pd.Series) -> pd.Series:
    """Ids as text: whole numbers (Excel cells, Parquet integers) without ``.0``, text stripped,
    blanks missing."""

    def one(value: Any) -> str:
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        return str(value).strip()

    text = per_unique(values, one).astype("string")
    return text.mask(text == "")


def collisions(pairs: Iterable[pd.DataFrame]) -> dict[str, tuple[str, ...]]:
    """Stored ids that more than one source id maps to, with those source ids.

    ``pairs`` are frames of ``stored`` and ``source`` ids, e.g. one per chunk of a file.
    """
    seen = pd.concat([p.drop_duplicates() for p in pairs], ignore_index=True).dropna()
    seen = seen.drop_duplicates()
    shared = seen[seen.duplicated("stored", keep=False)]
    return {
        str(stored): tuple(sorted(group["source"].astype(str)))
        for stored, group in shared.groupby("stored", sort=True)
    }


def _registration_number(
    text: pd.Series, scheme: str
) -> tuple[pd.Series, list[tuple[np.ndarray, str]]]:
    length, check_digit, name = _NUMBERS[scheme]
    digits = text.str.replace(r"\.0+$", "", regex=True).str.replace(_SEPARATORS, "", regex=True)
    malformed = digits.notna() & ~digits.str.fullmatch(rf"\d{{{length}}}", na=False)
    well_formed = digits[digits.notna() & ~malformed]
    stems = well_formed.str[:-1].astype("int64").to_numpy()
    last = well_formed.str[-1].astype("int64").to_numpy()
    wrong = pd.Series(False, index=text.index)
    wrong[well_formed.index] = check_digit(stems) != last
    flaws = [
        (malformed.to_numpy(bool), f"is not a {length}-digit {name}"),
        (wrong.to_numpy(bool), f"has a wrong check digit (not a valid {name})"),
    ]
    return digits.where(~malformed & ~wrong), flaws
