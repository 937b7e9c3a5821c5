"""Mapping files: the shipped examples load; a broken mapping fails naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.ingestion import MappingError, ingest, load_mapping, parse_mapping, schema
from features.ingestion.expressions import ExpressionError, parse_expression
from features.ingestion.values import dates, numbers, pattern, years

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def financials(**columns: Any) -> dict[str, Any]:
    """A minimal financials mapping with its keys, plus ``columns``."""
    keys = {"firm_id": "id", "fiscal_year": "year", "period_end": "end", "filed_on": "filed"}
    return {"tables": {"financials": {"columns": {**keys, **columns}}}}


@pytest.mark.parametrize(
    "name", ["korean_statements", "spain", "kosis_active_businesses", "vendor_statements"]
)
def test_shipped_mappings_load(name: str) -> None:
    mapping = load_mapping(MAPPINGS / f"{name}.yaml")
    assert mapping.name == name and mapping.tables and mapping.description


def test_korean_mapping_reads_won_and_korean_account_names() -> None:
    table = load_mapping(MAPPINGS / "korean_statements.yaml").tables["financials"]
    sources = {spec.target: spec.sources for spec in table.columns}
    assert table.unit == "원"
    assert sources["revenue"][0] == "매출액" and sources["equity"] == ("자본총계",)
    assert sources["firm_id"] == ("사업자등록번호",)
    assert sources["audit_opinion"][0] == "감사의견" and sources["going_concern"]


def test_every_contract_column_has_a_kind() -> None:
    for table in schema.TABLES:
        for column in schema.COLUMNS[table]:
            assert schema.kind(table, column), (table, column)
    assert {"revenue", "sga", "total_assets", "amount"} <= schema.NON_NEGATIVE
    assert not schema.NON_NEGATIVE & {"equity", "net_income", "operating_cash_flow"}


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (financials(revnue="매출액"), "tables.financials.columns.revnue", "not a column"),
        (
            {"tables": {"financials": {"columns": {"firm_id": "id", "fiscal_year": "y"}}}},
            "tables.financials.columns",
            "period_end, filed_on is not mapped",
        ),
        (
            {
                **financials(),
                "tables": {"financials": {**financials()["tables"]["financials"], "unit": "엔"}},
            },
            "tables.financials.unit",
            "unknown unit",
        ),
        (
            financials(revenue={"from": "a", "unit": "달러"}),
            "tables.financials.columns.revenue.unit",
            "unknown unit",
        ),
        (
            financials(revenue={"expr": "__import__('os')"}),
            "tables.financials.columns.revenue.expr",
            "not allowed",
        ),
        (
            financials(revenue={"from": "a", "expr": "b"}),
            "tables.financials.columns.revenue",
            "exactly one",
        ),
        (
            financials(revenue={"from": "a", "colour": 1}),
            "tables.financials.columns.revenue.colour",
            "unknown key",
        ),
        (
            financials(revenue={"from": "a", "codes": "nope"}),
            "tables.financials.columns.revenue.codes",
            "built-in",
        ),
        ({"tables": {"balance": {}}}, "tables.balance", "not a table"),
        ({"tables": {}}, "tables", "feeds no table"),
        ({**financials(), "sources": {}}, "sources", "unknown key"),
        ({**financials(), "source": {"format": "sas"}}, "source.format", "not one of"),
        (
            {**financials(), "source": {"encoding": "klingon"}},
            "source.encoding",
            "unknown encoding",
        ),
        (
            {"tables": {"labels": {"columns": {"firm_id": "id", "bankrupt": "b"}}}},
            "tables.labels.columns",
            "fiscal_year or as_of",
        ),
        (
            financials(period_end={"from": "y", "format": "year", "month": 6, "day": 31}),
            "tables.financials.columns.period_end.day",
            "no date",
        ),
        (
            financials(firm_id={"from": "id", "scheme": "isin"}),
            "tables.financials.columns.firm_id.scheme",
            "not one of brn, crn, code",
        ),
        (
            financials(firm_id={"from": "id", "width": 6}),
            "tables.financials.columns.firm_id.width",
            "only a code is padded",
        ),
        (
            financials(firm_id={"from": "id", "scheme": "code", "prefix": 7}),
            "tables.financials.columns.firm_id.prefix",
            "quoted text",
        ),
        (
            financials(firm_id={"expr": "id * 1"}),
            "tables.financials.columns.firm_id.expr",
            "an id is text",
        ),
        (
            financials(revenue={"from": "a", "scheme": "code"}),
            "tables.financials.columns.revenue.scheme",
            "only firm_id",
        ),
    ],
)
def test_broken_mapping_names_the_field(raw: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(MappingError) as error:
        parse_mapping(raw)
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ") and words in str(error.value)


def test_mapping_against_the_file_names_the_field(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    pd.DataFrame({"id": ["1234567890"], "year": [2023], "end": ["20231231"]}).to_csv(
        source, index=False
    )
    with pytest.raises(
        MappingError, match=r"tables.financials.columns.filed_on.from: none of \['filed'\]"
    ):
        ingest(source, parse_mapping(financials()), tmp_path / "raw")
    broken = financials(filed_on={"from": "end", "offset_months": 3}, revenue={"expr": "매출 * 2"})
    with pytest.raises(MappingError, match=r"columns.revenue.expr: \['매출'\] is neither"):
        ingest(source, parse_mapping(broken), tmp_path / "raw")
    assert not (tmp_path / "raw" / "financials.parquet").exists()


def test_expressions_are_arithmetic_only() -> None:
    expression = parse_expression("a / `b c` if `b c` > 0 else nan")
    assert expression.names == {"a", "b c"}
    result = expression.evaluate(
        {"a": np.array([4.0, 4.0, 4.0]), "b c": np.array([2.0, 0.0, -1.0])}, 3
    )
    np.testing.assert_array_equal(result, [2.0, np.nan, np.nan])
    assert np.isnan(parse_expression("a / b").evaluate({"a": np.ones(1), "b": np.zeros(1)}, 1)[0])
    for text in ("open('x')", "a.b", "[a]", "a[0]", "'text'", "lambda: 1"):
        with pytest.raises(ExpressionError):
            parse_expression(text)


def test_korean_number_and_date_spellings() -> None:
    parsed, bad = numbers(
        pd.Series(["1,234,567", "(1,000)", "△500", "-", "", None, "-3.5", "abc", "1,000원"])
    )
    np.testing.assert_array_equal(
        parsed.to_numpy(), [1234567, -1000, -500, np.nan, np.nan, np.nan, -3.5, np.nan, 1000]
    )
    assert bad.tolist() == [False] * 7 + [True, False]
    parsed_dates, bad = dates(
        pd.Series(["2023-12-31", "20231231", "2023.12.31.", "31/12/2023"]), None
    )
    assert parsed_dates.iloc[:3].eq(pd.Timestamp(2023, 12, 31)).all() and bad.tolist() == [
        False
    ] * 3 + [True]
    parsed_dates, _ = dates(pd.Series(["2016 년"]), "year", 6, 15, {"years": 1})
    assert parsed_dates.iloc[0] == pd.Timestamp(2017, 6, 15)
    found, bad = years(pd.Series(["2016 년", "FY2020", "1850", "x"]))
    assert found.iloc[:2].tolist() == [2016, 2020] and bad.tolist() == [False, False, True, True]
    ids, bad = pattern(pd.Series(["123-45-67890", "1234567890.0", "12-34"]), r"\d{10}", "- ")
    assert ids.iloc[:2].tolist() == ["1234567890"] * 2 and bad.tolist() == [False, False, True]
