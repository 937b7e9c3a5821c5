"""What ingestion checks per table: columns, keys, required columns and value kinds.

Everything for the contract tables is read off their declaration in ``core.contract``;
``labels`` is the table of user-supplied labels (``features.labels``), keyed by firm and fiscal
year or as-of date, with any number of 0/1 label columns.
"""

from __future__ import annotations

import re
from typing import Final

from core import contract
from core.contract.columns import AMOUNT_LIMIT, AMOUNT_LIMIT_PROBLEM
from features.labels import LABEL_KEYS

TABLES: Final[tuple[str, ...]] = (*contract.TABLES, "labels")
_DECLARED: Final = contract.CONTRACT.values()

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    **{table.name: table.names() for table in _DECLARED},
    "labels": LABEL_KEYS,
}
# Columns a row must have; labels also need fiscal_year or as_of (checked separately).
REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    **{table.name: table.names(required=True) for table in _DECLARED},
    "labels": ("firm_id",),
}
# A re-ingested row replaces the stored row with the same values in these columns; in a
# repeatable table (below) they are only what a row must have, never its identity.
KEYS: Final[dict[str, tuple[str, ...]]] = {
    **{table.name: table.names(key=True) for table in _DECLARED},
    "labels": LABEL_KEYS,
}
# Tables where rows sharing the keys are genuinely different facts (two arrears of one firm on
# one day, two visits on one day): a row's identity is its values plus which occurrence of those
# values it is within its source, so nothing is merged and a re-ingest adds nothing.
REPEATABLE: Final[frozenset[str]] = frozenset(t.name for t in _DECLARED if t.repeatable)

CHOICES: Final[dict[str, tuple[str, ...]]] = {
    c.name: c.choices for table in _DECLARED for c in table.columns if c.choices
}
# Column kinds by table; the label keys' kinds are those of the same columns elsewhere.
_KINDS: Final[dict[str, dict[str, str]]] = {
    **{table.name: {c.name: c.kind for c in table.columns} for table in _DECLARED},
    "labels": {"firm_id": "firm_id", "fiscal_year": "year", "as_of": "date"},
}
# Statement items that cannot be negative (results, equity and cash flow can), nor an event's
# amount. The amount bound applies to money columns (``AMOUNT_LIMIT``, from the contract).
NON_NEGATIVE: Final[frozenset[str]] = frozenset(
    c.name for table in _DECLARED for c in table.columns if c.non_negative
)
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
__all__ = ["AMOUNT_LIMIT", "AMOUNT_LIMIT_PROBLEM"]


def kind(table: str, column: str) -> str:
    """How values of ``column`` are parsed and checked; extra label columns are 0/1 labels."""
    if table == "labels" and column not in LABEL_KEYS:
        return "label"
    return _KINDS[table][column]


def key_columns(table: str) -> frozenset[str]:
    """Columns whose problem rejects the whole row; a problem elsewhere only empties the cell."""
    return frozenset(REQUIRED[table]) | frozenset(KEYS[table])


def is_column(table: str, column: str) -> bool:
    if table == "labels":
        return column in LABEL_KEYS or bool(LABEL_NAME.match(column))
    return column in COLUMNS[table]
