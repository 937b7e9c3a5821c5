"""The firm id every part of the product stores, looks up and serves: one rule, here.

Ingestion turns a source id into this form (``features.ingestion.identifiers``) and quarantines
a row whose id cannot take it; the service's paths and bodies validate against the same
pattern. A firm that ingests is therefore always reachable by its id (a looser ingest rule
once let ids in that every look-up then refused with a 422).
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FIRM_ID_MAX: Final = 40  # the stored column's width (``serving.store.tables``)
# A letter or digit first (no id that reads as an option or a path step), then letters, digits,
# '.', '_' or '-': what 사업자등록번호, 법인등록번호 and vendor codes (090414, KIS-090414) need.
FIRM_ID_PATTERN: Final = rf"^[0-9A-Za-z][0-9A-Za-z._-]{{0,{FIRM_ID_MAX - 1}}}$"
FIRM_ID_RULE: Final = (
    f"a letter or digit first, then letters, digits, '.', '_' or '-', "
    f"at most {FIRM_ID_MAX} characters"
)
FIRM_ID_DESCRIPTION: Final = (
    "Firm id as stored: 사업자등록번호 (10 digits), 법인등록번호 (13 digits) or a vendor code "
    f"(e.g. 090414, A00123, KIS-090414); {FIRM_ID_RULE}"
)
_FIRM_ID: Final = re.compile(FIRM_ID_PATTERN)


def is_firm_id(value: str) -> bool:
    """Whether ``value`` is a firm id the product can store and serve."""
    return _FIRM_ID.fullmatch(value) is not None


def among(column: pd.Series, ids: object) -> np.ndarray:
    """``column.isin(ids)`` for firm-id text as a boolean array, by Arrow: pandas' isin on
    Arrow-backed text converts each id alone (a second per 20,000 ids, the larger part of a
    national scenario run and of a monthly chunk's join with last month)."""
    wanted = pd.Series(ids, dtype="string")
    if not len(wanted):
        return np.zeros(len(column), dtype=bool)
    value_set = pa.array(wanted, type=pa.large_string())
    found = pc.is_in(pa.array(column.astype("string"), type=pa.large_string()), value_set=value_set)
    return np.asarray(found.fill_null(False), dtype=bool)
