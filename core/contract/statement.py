"""The submitted statement (one fiscal year's financials row), as a pydantic model derived from
the contract's ``financials`` declaration and held to ingestion's checks, in its words; its
``Amount`` and ``ContractDate`` types serve the API's other submitted rows (events, firms)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from core.contract import CONTRACT, FINANCIAL_AMOUNTS, FINANCIALS
from core.contract.columns import AMOUNT_LIMIT, AMOUNT_LIMIT_PROBLEM, FIRST_YEAR, LAST_YEAR

# The API scores statements from 1990 on; ingested history may reach back to FIRST_YEAR.
SUBMITTED_FIRST_YEAR: Final[int] = 1990
# By column name, as ingestion's: an event's ``amount`` is held to it too.
_NON_NEGATIVE: Final[frozenset[str]] = frozenset(
    c.name for table in CONTRACT.values() for c in table.columns if c.non_negative
)


def _amount_in_contract(value: float | None, info: ValidationInfo) -> float | None:
    """Ingestion's checks of an amount: a non-negative item is never negative, and no item is
    beyond ``AMOUNT_LIMIT`` (employees included: a count that large is a slip too)."""
    if value is None:
        return None
    if info.field_name in _NON_NEGATIVE and value < 0:
        raise PydanticCustomError("value_error", "is negative")
    if not math.isfinite(value) or abs(value) >= AMOUNT_LIMIT:
        raise PydanticCustomError("value_error", AMOUNT_LIMIT_PROBLEM)
    return value


Amount = Annotated[
    float | None,
    Field(default=None, allow_inf_nan=False),
    AfterValidator(_amount_in_contract),
]


def _contract_date(value: dt.date) -> dt.date:
    """As ingestion: dates lie in FIRST_YEAR-LAST_YEAR."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError("value_error", f"is not a date in {FIRST_YEAR}-{LAST_YEAR}")
    return value


ContractDate = Annotated[dt.date, AfterValidator(_contract_date)]


class StatementKeys(BaseModel):
    """A statement's year and dates; unknown fields are rejected, so that a misspelt amount never
    silently scores as missing."""

    model_config = ConfigDict(extra="forbid")

    fiscal_year: int = Field(
        ge=SUBMITTED_FIRST_YEAR,
        le=LAST_YEAR,
        description=f"{FINANCIALS.column('fiscal_year').description} (fiscal year)",
    )
    period_end: ContractDate | None = Field(
        None,
        description=f"{FINANCIALS.column('period_end').description}; defaults to 31 December "
        "of the fiscal year",
    )
    filed_on: ContractDate | None = Field(
        None,
        description=f"{FINANCIALS.column('filed_on').description}; defaults to the period end",
    )

    @field_validator("filed_on")
    @classmethod
    def _filed_after_period(cls, filed_on: dt.date | None, info: ValidationInfo) -> dt.date | None:
        """As ingestion: a statement cannot be filed before its period ends."""
        year = info.data.get("fiscal_year")
        period_end = info.data.get("period_end") or (dt.date(year, 12, 31) if year else None)
        if filed_on is not None and period_end is not None and filed_on < period_end:
            raise PydanticCustomError("value_error", "is before period_end")
        return filed_on


def statement_fields() -> dict[str, Any]:
    """The amount fields of a submitted statement: every item of ``financials``, optional."""
    fields: dict[str, Any] = {}
    for name in FINANCIAL_AMOUNTS:
        column = FINANCIALS.column(name)
        description = f"{column.description}, {column.unit}"
        fields[name] = (Amount, Field(None, allow_inf_nan=False, description=description))
    return fields


Statement = create_model(  # type: ignore[call-overload]
    "Statement",
    __base__=StatementKeys,
    __doc__="One fiscal year's statement; every amount (천원) may be left out.",
    **statement_fields(),
)
