"""Ingestion of real vendor exports: ids as text by scheme, KSIC at any depth, cell-level
quarantine and audit opinions (issue 10). Each test failed before ids, KSIC and cells were
handled this way."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.contract.ids import is_firm_id
from features.ingestion import TableReport, ingest, parse_mapping

KEYS = {
    "fiscal_year": "연도",
    "period_end": {"from": "연도", "format": "year"},
    "filed_on": {"from": "연도", "format": "year", "offset_months": 3},
}


def statements(firm_id: Any = "회사코드", **columns: Any) -> dict[str, Any]:
    """A financials mapping keyed by ``firm_id``, the year, and ``columns``."""
    return {"tables": {"financials": {"columns": {"firm_id": firm_id, **KEYS, **columns}}}}


def export(tmp_path: Path, rows: dict[str, list[Any]], name: str = "export.csv") -> Path:
    path = tmp_path / name
    frame = pd.DataFrame(rows)
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    elif name.endswith(".xlsx"):
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def run(source: Path, mapping: dict[str, Any], tmp_path: Path) -> tuple[TableReport, pd.DataFrame]:
    (report,) = ingest(source, parse_mapping(mapping), tmp_path / "raw")
    stored = pd.read_parquet(tmp_path / "raw" / f"{report.table}.parquet")
    return report, stored


def quarantined(report: TableReport) -> pd.DataFrame:
    assert report.quarantine_file is not None
    return pd.read_csv(report.quarantine_file, dtype=str, keep_default_na=False)


def test_codes_keep_leading_zeros_and_letters(tmp_path: Path) -> None:
    source = export(
        tmp_path,
        {
            "회사코드": ["090414", "90414", "A0012B", " 000123 "],
            "연도": [2022] * 4,
            "매출": [1] * 4,
        },
    )
    mapping = statements({"from": "회사코드", "scheme": "code"}, revenue="매출")
    report, stored = run(source, mapping, tmp_path)
    assert (report.accepted, report.quarantined) == (4, 0)
    assert sorted(stored["firm_id"]) == ["000123", "090414", "90414", "A0012B"]  # four firms


def test_a_prefix_is_prepended(tmp_path: Path) -> None:
    source = export(tmp_path, {"회사코드": ["090414"], "연도": [2022]})
    _, stored = run(
        source, statements({"from": "회사코드", "scheme": "code", "prefix": "KIS-"}), tmp_path
    )
    assert stored["firm_id"].tolist() == ["KIS-090414"]


def test_an_id_the_service_cannot_serve_is_quarantined_not_stored(tmp_path: Path) -> None:
    """Ingestion and the service share one id rule (``core.contract.ids``): a code that starts
    with '-' or is longer than 40 characters with its prefix would ingest and then answer 422
    on every look-up, so its row is quarantined with the rule instead."""
    long_code = "A" * 37  # 41 characters with the prefix
    for prefix, codes in (("KIS-", ["090414", long_code]), ("", ["-12", "090414"])):
        folder = tmp_path / (prefix or "none")
        folder.mkdir()
        source = export(folder, {"회사코드": codes, "연도": [2022] * 2})
        mapping = statements({"from": "회사코드", "scheme": "code", "prefix": prefix})
        report, stored = run(source, mapping, folder)
        assert (report.accepted, report.quarantined) == (1, 1)
        assert stored["firm_id"].tolist() == [f"{prefix}090414"]
        (reason,) = quarantined(report)["reason"]
        assert "is not a firm id the service can serve" in reason
        assert is_firm_id(stored["firm_id"][0])


def test_padding_that_makes_two_codes_one_id_quarantines_both(tmp_path: Path) -> None:
    source = export(
        tmp_path,
        {"회사코드": ["90414", "090414", "12345", "90414"], "연도": [2021, 2021, 2021, 2022]},
    )
    mapping = statements({"from": "회사코드", "scheme": "code", "width": 6})
    report, stored = run(source, mapping, tmp_path)
    assert (report.rows_in, report.accepted, report.quarantined) == (4, 1, 3)
    assert stored["firm_id"].tolist() == ["012345"]
    lines = quarantined(report)
    assert lines["row"].tolist() == ["1", "2", "4"] and set(lines["column"]) == {""}
    assert "the source ids '090414' and '90414' are all stored as '090414'" in lines["reason"][0]
    assert "collision" in lines["reason"][1]


def test_a_collision_is_found_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from features.ingestion.sources import open_source

    # The module, not the function the package exports under the same name.
    ingest_module = importlib.import_module("features.ingestion.ingest")
    monkeypatch.setattr(
        ingest_module, "open_source", lambda path, options: open_source(path, options, 1)
    )
    codes = ["90414", "12345", "090414"]  # one row per chunk
    source = export(tmp_path, {"회사코드": codes, "연도": [2021] * 3})
    mapping = statements({"from": "회사코드", "scheme": "code", "width": 6})
    report, stored = run(source, mapping, tmp_path)
    assert (report.accepted, report.quarantined) == (1, 2)
    assert stored["firm_id"].tolist() == ["012345"]


def test_excel_number_cells_are_ids_without_dot_zero_and_collide_when_padded(
    tmp_path: Path,
) -> None:
    pytest.importorskip("openpyxl")
    source = export(
        tmp_path, {"회사코드": [90414, "090414", 4711], "연도": [2021] * 3}, name="export.xlsx"
    )
    report, stored = run(source, statements({"from": "회사코드", "scheme": "code"}), tmp_path)
    assert sorted(stored["firm_id"]) == ["090414", "4711", "90414"]
    padded = statements({"from": "회사코드", "scheme": "code", "width": 6})
    report, stored = run(source, padded, tmp_path / "padded")
    assert (report.accepted, report.quarantined) == (1, 2)
    assert stored["firm_id"].tolist() == ["004711"]


def test_a_parquet_integer_code_is_the_integer_as_text(tmp_path: Path) -> None:
    source = export(tmp_path, {"회사코드": [90414, 4711], "연도": [2021, 2021]}, "ids.parquet")
    mapping = statements({"from": "회사코드", "scheme": "code", "width": 6})
    _, stored = run(source, mapping, tmp_path)
    assert sorted(stored["firm_id"]) == ["004711", "090414"]


def test_business_numbers_with_and_without_hyphens_are_one_firm(tmp_path: Path) -> None:
    source = export(
        tmp_path,
        {"사업자": ["123-45-67891", "1234567891", "123 45 67891"], "연도": [2020, 2021, 2022]},
    )
    report, stored = run(source, statements("사업자"), tmp_path)
    assert (report.accepted, report.quarantined) == (3, 0)
    assert set(stored["firm_id"]) == {"1234567891"}


def test_a_wrong_check_digit_is_quarantined(tmp_path: Path) -> None:
    source = export(tmp_path, {"사업자": ["1234567890", "1234567891"], "연도": [2021, 2021]})
    report, _ = run(source, statements("사업자"), tmp_path)
    assert (report.accepted, report.quarantined) == (1, 1)
    reason = quarantined(report)["reason"][0]
    assert reason == (
        "firm_id '1234567890' has a wrong check digit (not a valid business registration number)"
    )


def test_corporate_registration_numbers(tmp_path: Path) -> None:
    source = export(
        tmp_path,
        {"법인": ["110111-0062432", "1101110062431", "11011-10062432"], "연도": [2021] * 3},
    )
    report, stored = run(source, statements({"from": "법인", "scheme": "crn"}), tmp_path)
    assert stored["firm_id"].tolist() == ["1101110062432"]  # rows 1 and 3: one number
    assert (report.accepted, report.quarantined) == (2, 1)
    assert "wrong check digit" in quarantined(report)["reason"][0]


def test_ksic_at_any_depth(tmp_path: Path) -> None:
    codes = ["C", "25", "C25111", "251", "2511", "g", "G25", "X9"]
    ids = ["1234567891", "2345678904", "1000000009", "1000000106", "1000000203", "1000000300"]
    ids += ["1000000407", "1000000504"]
    source = export(tmp_path, {"사업자": ids, "업종대분류": codes})
    mapping = {"tables": {"firms": {"columns": {"firm_id": "사업자", "ksic": "업종대분류"}}}}
    report, stored = run(source, mapping, tmp_path)
    assert (report.accepted, report.quarantined) == (8, 0)  # a bad code empties its cell only
    by_firm = stored.set_index("firm_id")["ksic"]
    assert by_firm[ids[:6]].tolist() == ["C", "25", "25111", "251", "2511", "G"]
    assert by_firm[ids[6:]].isna().all()
    reasons = quarantined(report)["reason"].tolist()
    assert reasons == [
        "ksic 'G25': division 25 is in section C, not G",
        "ksic 'X9' is not a KSIC code (a section letter A-U, 2-5 digits, or both)",
    ]
    assert report.cells == {"ksic": {"is not a KSIC code": 2}}


def test_a_negative_revenue_empties_the_cell_and_keeps_the_row(tmp_path: Path) -> None:
    source = export(
        tmp_path,
        {
            "사업자": ["1234567891", "1234567891", "2345678904", "12-34"],
            "연도": [2021, 2022, 2022, 2022],
            "매출": ["(1,000)", "5,000", "△200", "1"],
            "판관비": ["300", "n/a", "-10", "1"],
            "영업이익": ["-700", "-50", "-5", "1"],
        },
    )
    mapping = statements("사업자", revenue="매출", sga="판관비", operating_income="영업이익")
    report, stored = run(source, mapping, tmp_path)
    assert (report.rows_in, report.accepted, report.quarantined) == (4, 3, 1)
    assert report.rows_in == report.accepted + report.quarantined
    assert report.cells == {
        "revenue": {"is negative": 2},
        "sga": {"is negative": 1, "is not a number": 1},
    }
    assert report.cells_missing == 4
    assert report.cell_summary() == (
        "revenue 2 (is negative), sga 2 (is negative 1, is not a number 1)"
    )
    row = stored.set_index(["firm_id", "fiscal_year"]).loc[("1234567891", 2021)]
    assert np.isnan(row["revenue"]) and row["sga"] == 300 and row["operating_income"] == -700
    lines = quarantined(report)
    assert lines[["row", "column", "value"]].values.tolist() == [
        ["1", "revenue", "(1,000)"],
        ["2", "sga", "n/a"],
        ["3", "revenue", "△200"],
        ["3", "sga", "-10"],
        ["4", "", ""],
    ]
    assert lines["reason"][0] == "revenue '(1,000)' is negative"
    assert lines["매출"][0] == "(1,000)" and lines["사업자"][0] == "1234567891"


def test_a_filing_before_its_period_end_rejects_the_row(tmp_path: Path) -> None:
    source = export(tmp_path, {"사업자": ["1234567891"], "연도": [2021], "제출": ["2021-06-30"]})
    mapping = statements("사업자")
    mapping["tables"]["financials"]["columns"]["filed_on"] = "제출"
    (report,) = ingest(source, parse_mapping(mapping), tmp_path / "raw")
    assert (report.accepted, report.quarantined) == (0, 1)
    assert "filed_on" in quarantined(report)["reason"][0]


def test_audit_opinion_and_going_concern(tmp_path: Path) -> None:
    opinions = ["적정의견", "한정", "부적정 의견", "의견 거절", "Unqualified", "qualified", "모름"]
    concern = ["N", "아니오", "Y", "있음", "해당없음", "", "N"]
    ids = ["1234567891", "2345678904", "1000000009", "1000000106", "1000000203", "1000000300"]
    source = export(
        tmp_path,
        {
            "사업자": [*ids, "1000000407"],
            "연도": [2022] * 7,
            "감사의견": opinions,
            "계속기업": concern,
        },
    )
    mapping = statements("사업자", audit_opinion="감사의견", going_concern="계속기업")
    report, stored = run(source, mapping, tmp_path)
    assert (report.accepted, report.quarantined) == (7, 0)
    by_firm = stored.set_index("firm_id")
    assert by_firm["audit_opinion"].tolist()[:6] == [
        "적정",
        "한정",
        "부적정",
        "의견거절",
        "적정",
        "한정",
    ]
    assert pd.isna(by_firm.loc["1000000407", "audit_opinion"])
    assert by_firm["going_concern"].tolist()[:5] == [False, False, True, True, False]
    assert report.cells == {
        "audit_opinion": {"is not an audit opinion (적정, 한정, 부적정, 의견거절)": 1}
    }


def test_the_vendor_mapping_ingests_an_income_statement_panel(tmp_path: Path) -> None:
    from features.ingestion import load_mapping

    mapping = load_mapping(
        Path(__file__).resolve().parents[2] / "mappings" / "vendor_statements.yaml"
    )
    source = export(
        tmp_path,
        {
            "회사코드": ["090414", "090414", "00A123", "4711"],  # 4711: leading zeros lost
            "회사명": ["한빛정밀", "한빛정밀", "세진상사", "대성"],
            "업종대분류": ["C", "C", "G", "C"],
            "결산년도": [2021, 2022, 2022, 2022],
            "결산일": ["20211231", "20221231", "20220630", "20221231"],  # 00A123: June
            "매출액": ["1,000", "-20", "500", "1"],
            "영업이익": ["-30", "-40", "10", "1"],
            "이자비용": ["50", "60", "0", "1"],
            "감사의견": ["적정의견", "한정의견", "적정", "적정"],
        },
    )
    reports = {r.table: r for r in ingest(source, mapping, tmp_path / "raw", encoding="utf-8")}
    assert [(r.accepted, r.quarantined) for r in reports.values()] == [(4, 0), (4, 0)]
    assert reports["financials"].cells == {"revenue": {"is negative": 1}}
    firms = pd.read_parquet(tmp_path / "raw" / "firms.parquet").sort_values("firm_id")
    assert firms[["firm_id", "ksic"]].values.tolist() == [
        ["004711", "C"],
        ["00A123", "G"],
        ["090414", "C"],
    ]
    statements = pd.read_parquet(tmp_path / "raw" / "financials.parquet")
    assert statements["audit_opinion"].tolist() == ["적정", "한정", "적정", "적정"]
    assert statements["revenue"].isna().tolist() == [False, True, False, False]
    assert statements["total_assets"].isna().all()
    june = statements[statements["firm_id"] == "00A123"].iloc[0]
    assert june["period_end"] == pd.Timestamp(2022, 6, 30)
    assert june["filed_on"] == pd.Timestamp(2022, 9, 30)  # no filing date: the deadline


def test_an_amount_beyond_any_statement_empties_its_cell(tmp_path: Path) -> None:
    """1e308 is a typing slip, not a revenue: the same bound as the API's submitted statements."""
    source = export(
        tmp_path,
        {"사업자": ["1234567891", "1234567891"], "연도": [2021, 2022], "매출": ["1e308", "-1e300"]},
    )
    report, stored = run(source, statements("사업자", revenue="매출"), tmp_path)
    assert report.accepted == 2 and stored["revenue"].isna().all()
    assert report.cells == {"revenue": {"is beyond ±10^15 천원": 2, "is negative": 1}}
