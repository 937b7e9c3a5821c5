"""The data contract is declared once (core.contract) and what derives from it agrees: the raw
tables' types, the docs' column tables and the API's submitted statement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel, ValidationError, create_model

from core import contract
from core.contract.columns import Column
from core.contract.docs import contract_markdown
from core.contract.statement import Amount, Statement
from features.ingestion import schema
from features.tables import empty_table, normalise
from serving import schemas

ROOT = Path(__file__).resolve().parents[1]
# Descriptions the derived model words differently from serving's hand-written one (employees
# are counted in 명, not 천원); everything else must be the same.
REWORDED = {
    "filed_on": "공시일 (재무제표를 볼 수 있게 된 날); defaults to the period end",
    "employees": "종업원수, 명",
}


def test_docs_hold_the_column_tables_the_declaration_renders() -> None:
    docs = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert contract_markdown() in docs


@pytest.mark.parametrize("name", contract.TABLES)
def test_raw_tables_carry_the_declared_columns_and_types(name: str) -> None:
    declared = contract.CONTRACT[name]
    as_read = {"date": "2023-12-31", "bool": True}
    row = {c.name: [as_read.get(c.kind, "1")] for c in declared.columns if c.framed}
    for table in (empty_table(name), normalise(name, pd.DataFrame(row))):
        assert tuple(table.columns) == declared.names(framed=True)
        typed = {c.name: c.dtype for c in declared.columns if c.dtype is not None}
        assert {c: str(table[c].dtype) for c in typed} == typed


def test_ingestion_checks_are_read_off_the_declaration() -> None:
    assert {"revenue", "sga", "employees", "amount"} <= schema.NON_NEGATIVE
    assert not schema.NON_NEGATIVE & {"net_income", "equity", "operating_cash_flow"}
    assert schema.KEYS["financials"] == ("firm_id", "fiscal_year", "filed_on")
    assert schema.kind("financials", "employees") == "number"  # a count: never unit-scaled
    assert schema.kind("regional", "district") == "district"
    assert "district" not in contract.REGIONAL_COLUMNS  # stored only when a source gives it
    assert {"events", "visits"} == schema.REPEATABLE
    with pytest.raises(ValueError, match="kind 'amount'"):
        Column("revenue", "amount", "매출액")


def _without(properties: dict[str, Any], reworded: dict[str, str]) -> dict[str, Any]:
    return {
        name: {k: v for k, v in spec.items() if not (k == "description" and name in reworded)}
        for name, spec in properties.items()
    }


def test_the_derived_statement_has_the_fields_of_servings() -> None:
    derived, served = Statement.model_json_schema(), schemas.Statement.model_json_schema()
    assert list(derived["properties"]) == list(served["properties"])
    assert _without(derived["properties"], REWORDED) == _without(served["properties"], REWORDED)
    assert {k: v for k, v in derived.items() if k != "properties"} == {
        k: v for k, v in served.items() if k != "properties"
    }
    assert {n: derived["properties"][n]["description"] for n in REWORDED} == REWORDED


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ({"fiscal_year": 2023, "revenue": 1200.5, "net_income": -30}, {}),
        ({"fiscal_year": 2023, "revenue": -1}, {"revenue": "is negative"}),
        ({"fiscal_year": 2023, "net_income": 1e15}, {"net_income": "is beyond ±10^15 천원"}),
        ({"fiscal_year": 2023, "employees": 2e15}, {"employees": "is beyond ±10^15 천원"}),
        ({"fiscal_year": 1989}, {"fiscal_year": "Input should be greater than or equal to 1990"}),
        (
            {"fiscal_year": 2023, "period_end": "2023-12-31", "filed_on": "2023-06-30"},
            {"filed_on": "is before period_end"},
        ),
        (
            {"fiscal_year": 2023, "filed_on": "0497-01-01"},
            {"filed_on": "is not a date in 1900-2100"},
        ),
        ({"fiscal_year": 2023, "revnue": 1}, {"revnue": "Extra inputs are not permitted"}),
        ({"fiscal_year": 2023, "cash": "NaN"}, {"cash": "Input should be a finite number"}),
    ],
)
def test_the_derived_statement_accepts_and_refuses_as_servings(
    body: dict[str, Any], refused: dict[str, str]
) -> None:
    def problems(model: type[BaseModel]) -> dict[str, str]:
        try:
            model.model_validate(body)
        except ValidationError as error:
            return {".".join(map(str, e["loc"])): e["msg"] for e in error.errors()}
        return {}

    assert problems(Statement) == refused
    assert problems(schemas.Statement) == refused


@pytest.mark.parametrize("amount", [12.5, -1, 1e15, None])
def test_an_event_amount_is_held_to_the_same_checks(amount: float | None) -> None:
    event = create_model("Event", amount=(Amount, None))
    served = {"event_date": "2024-01-31", "event_type": "tax_arrears", "amount": amount}

    def refused(model: type[BaseModel], body: dict[str, Any]) -> list[str]:
        try:
            model.model_validate(body)
        except ValidationError as error:
            return [e["msg"] for e in error.errors()]
        return []

    assert refused(event, {"amount": amount}) == refused(schemas.Event, served)
