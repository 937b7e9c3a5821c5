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
# A re-ingested row replaces the stored row with the same values in these columns.
KEYS: Final[dict[str, tuple[str, ...]]] = {
    "firms": ("firm_id",),
    "financials": ("firm_id", "fiscal_year", "filed_on"),
    "events": ("firm_id", "event_date", "event_type"),
    "regional": ("region", "district", "period", "published_on"),
    "visits": ("firm_id", "visited_on"),
    "labels": LABEL_KEYS,
}

CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "size_class": contract.SIZE_CLASSES,
    "growth_stage": contract.GROWTH_STAGES,
    "event_type": contract.EVENT_TYPES,
    "finding": contract.VISIT_FINDINGS,
}
_FLAGS: Final[tuple[str, ...]] = ("crisis_area", "population_decline_area")  # 0/1 or a share
_KINDS: Final[dict[str, str]] = {
    "firm_id": "firm_id",
    "fiscal_year": "year",
    "period": "year",
    "region": "region",
    "district": "district",
    "ksic": "ksic",
    "audited": "bool",
    "main_industry": "bool",
    **dict.fromkeys(_FLAGS, "flag"),
    "amount": "money",
    "employees": "number",
    **{name: "date" for name in ("founded", "period_end", "filed_on", "event_date")},
    **{name: "date" for name in ("published_on", "visited_on", "as_of")},
    **dict.fromkeys(CHOICES, "choice"),
    **{name: "text" for name in ("name", "cluster_id", "note")},
    **{name: "money" for name in contract.FINANCIAL_AMOUNTS if name != "employees"},
    **{name: "number" for name in contract.REGIONAL_INDICATORS if name not in _FLAGS},
}
# Statement items that cannot be negative (income and equity items can).
NON_NEGATIVE: Final[frozenset[str]] = frozenset(
    {
        "revenue",
        "cost_of_sales",
        "sga",
        "interest_expense",
        "depreciation",
        "total_assets",
        "current_assets",
        "cash",
        "receivables",
        "inventory",
        "total_liabilities",
        "current_liabilities",
        "borrowings",
        "paid_in_capital",
        "employees",
        "payroll",
        "amount",
    }
)
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def kind(table: str, column: str) -> str:
    """How values of ``column`` are parsed and checked; extra label columns are 0/1 labels."""
    if table == "labels" and column not in LABEL_KEYS:
        return "label"
    return _KINDS[column]


def is_column(table: str, column: str) -> bool:
    if table == "labels":
        return column in LABEL_KEYS or bool(LABEL_NAME.match(column))
    return column in COLUMNS[table]
