"""What ingestion checks per contract table: columns, keys, required columns and value kinds.

The names come from ``core.contract``; ``labels`` is the table of user-supplied labels
(``features.labels``), keyed by firm and fiscal year or as-of date.
"""

from __future__ import annotations

import re
from typing import Final

from core import contract
from features.labels import LABEL_KEYS

TABLES: Final[tuple[str, ...]] = (*contract.TABLES, "labels")

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "firms": contract.FIRM_COLUMNS,
    "financials": contract.FINANCIAL_COLUMNS,
    "events": contract.EVENT_COLUMNS,
    "regional": (*contract.REGIONAL_KEYS, "district", *contract.REGIONAL_INDICATORS),
    "visits": contract.VISIT_COLUMNS,
    "labels": LABEL_KEYS,
}
# Columns a row must have; labels also need fiscal_year or as_of (checked separately).
REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "firms": ("firm_id",),
    "financials": contract.FINANCIAL_KEYS,
    "events": ("firm_id", "event_date", "event_type"),
    "regional": contract.REGIONAL_KEYS,
    "visits": ("firm_id", "visited_on"),
    "labels": ("firm_id",),
}
# A re-ingested row replaces the stored row with the same values in these columns; in a
# repeatable table (below) they are only what a row must have, never its identity.
KEYS: Final[dict[str, tuple[str, ...]]] = {
    "firms": ("firm_id",),
    "financials": ("firm_id", "fiscal_year", "filed_on"),
    "events": ("firm_id", "event_date", "event_type"),
    "regional": ("region", "district", "period", "published_on"),
    "visits": ("firm_id", "visited_on"),
    "labels": LABEL_KEYS,
}

# Tables where rows sharing the keys are genuinely different facts (two arrears of one firm on
# one day, two visits on one day): a row's identity is its values plus which occurrence of those
# values it is within its source, so nothing is merged and a re-ingest adds nothing.
REPEATABLE: Final[frozenset[str]] = frozenset({"events", "visits"})

CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "size_class": contract.SIZE_CLASSES,
    "growth_stage": contract.GROWTH_STAGES,
    "event_type": contract.EVENT_TYPES,
    "finding": contract.VISIT_FINDINGS,
    "audit_opinion": contract.AUDIT_OPINIONS,
}
_FLAGS: Final[tuple[str, ...]] = ("crisis_area", "population_decline_area")  # 0/1 or a share
_DATES: Final[tuple[str, ...]] = (
    "founded",
    "period_end",
    "filed_on",
    "event_date",
    "published_on",
    "visited_on",
    "as_of",
)
_KINDS: Final[dict[str, str]] = {
    "firm_id": "firm_id",
    "fiscal_year": "year",
    "period": "year",
    "region": "region",
    "district": "district",
    "ksic": "ksic",
    "audited": "bool",
    "main_industry": "bool",
    "going_concern": "bool",
    "audit_opinion": "opinion",
    **dict.fromkeys(contract.FINANCIAL_AMOUNTS, "money"),
    "employees": "number",  # a count: never unit-scaled
    "amount": "money",
    **dict.fromkeys(contract.REGIONAL_INDICATORS, "number"),
    **dict.fromkeys(_FLAGS, "flag"),
    **dict.fromkeys(_DATES, "date"),
    **dict.fromkeys(("size_class", "growth_stage", "event_type", "finding"), "choice"),
    **dict.fromkeys(("name", "cluster_id", "note"), "text"),
}
# Statement items that can be negative: results, equity and cash flow. All others cannot,
# nor can an event's amount.
SIGNED: Final[frozenset[str]] = frozenset(
    {
        "operating_income",
        "pretax_income",
        "net_income",
        "equity",
        "retained_earnings",
        "operating_cash_flow",
    }
)
# Amounts (천원) at or beyond this size are typing slips, not statements: 10^15 천원 is ten times
# Korea's GDP. The API's submitted statements are held to the same bound.
AMOUNT_LIMIT: Final[float] = 1e15
AMOUNT_LIMIT_PROBLEM: Final[str] = "is beyond ±10^15 천원"
NON_NEGATIVE: Final[frozenset[str]] = frozenset(contract.FINANCIAL_AMOUNTS) - SIGNED | {"amount"}
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def kind(table: str, column: str) -> str:
    """How values of ``column`` are parsed and checked; extra label columns are 0/1 labels."""
    if table == "labels" and column not in LABEL_KEYS:
        return "label"
    return _KINDS[column]


def key_columns(table: str) -> frozenset[str]:
    """Columns whose problem rejects the whole row; a problem elsewhere only empties the cell."""
    return frozenset(REQUIRED[table]) | frozenset(KEYS[table])


def is_column(table: str, column: str) -> bool:
    if table == "labels":
        return column in LABEL_KEYS or bool(LABEL_NAME.match(column))
    return column in COLUMNS[table]
