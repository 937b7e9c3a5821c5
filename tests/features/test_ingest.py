"""Ingestion: Korean exports in 원, quarantine with reasons, idempotent upserts, other formats,
KOSIS regional tables and user label columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from core.contract import REGIONS
from features.ingestion import SourceError, ingest, load_mapping, parse_mapping
from features.labels import LabelRuleError, check_rules
from features.pipeline import build_features
from features.tables import read_tables
from tests import factories
from tests.exports import korean_export

ROOT = Path(__file__).resolve().parents[2]
KOREAN = load_mapping(ROOT / "mappings" / "korean_statements.yaml")
SHARED_DATA = ROOT.parent / "shared" / "data"
KOSIS = SHARED_DATA / "kosis" / "active_businesses_by_district_2010_2024.parquet"


def small_export() -> pd.DataFrame:
    """Two firms over three years, one of them filing income statements only, plus two bad rows."""
    firms = [factories.firm("1234567891", region="26"), factories.firm("2345678904", region="11")]
    statements = [factories.statement("1234567891", year) for year in (2020, 2021, 2022)]
    statements += [factories.statement("2345678904", year) for year in (2021, 2022)]
    tables = factories.tables(firms, statements)
    export = korean_export(tables.financials, tables.firms)
    partial = export["사업자등록번호"] == "234-56-78904"
    for account in ("자산총계", "유동자산", "부채총계", "유동부채", "자본총계", "자본금", "차입금"):
        export.loc[partial, account] = ""
    bad = export.iloc[[0, 1]].copy()
    bad["사업자등록번호"] = ["12-345", "123-45-67891"]
    bad.iloc[1, bad.columns.get_loc("매출액")] = "n/a"
    bad.iloc[1, bad.columns.get_loc("결산년도")] = "2019"
    return pd.concat([export, bad], ignore_index=True)


@pytest.fixture
def export_csv(tmp_path: Path) -> Path:
    path = tmp_path / "재무제표.csv"
    small_export().to_csv(path, index=False)
    return path


def test_korean_export_ingests_in_thousand_won_and_quarantines_bad_rows(
    export_csv: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    reports = {r.table: r for r in ingest(export_csv, KOREAN, raw)}
    fin = reports["financials"]
    assert (fin.rows_in, fin.accepted, fin.quarantined) == (7, 6, 1)
    assert fin.rows_in == fin.accepted + fin.quarantined
    assert fin.cells == {"revenue": {"is not a number": 1}}
    tables = read_tables(raw)
    row = tables.financials.set_index(["firm_id", "fiscal_year"]).loc[("1234567891", 2021)]
    assert row["revenue"] == pytest.approx(1_000_000.0)  # 1,000,000,000원 -> 1,000,000 천원
    assert row["employees"] == 20.0  # a count: not scaled
    assert row["filed_on"] == pd.Timestamp(2022, 3, 31)
    kept = tables.financials.set_index(["firm_id", "fiscal_year"]).loc[("1234567891", 2019)]
    assert np.isnan(kept["revenue"]) and kept["total_assets"] > 0  # the cell, not the row
    assert tables.firms.set_index("firm_id").loc["1234567891", "region"] == "26"
    assert not tables.firms.set_index("firm_id").loc["1234567891", "audited"]
    quarantined = pd.read_csv(fin.quarantine_file, dtype=str, keep_default_na=False)
    assert quarantined["row"].tolist() == ["6", "7"]
    assert quarantined["column"].tolist() == ["", "revenue"]
    assert quarantined["value"].tolist() == ["", "n/a"]
    assert "사업자등록번호" in quarantined.columns
    assert (
        "firm_id '12-345' is not a 10-digit business registration number"
        in quarantined.loc[0, "reason"]
    )
    assert quarantined.loc[1, "reason"] == "revenue 'n/a' is not a number"
    partial = tables.financials[tables.financials["firm_id"] == "2345678904"]
    assert partial["total_assets"].isna().all() and partial["revenue"].notna().all()
    assert reports["firms"].absent == {}
    assert set(fin.absent) >= {"audit_opinion", "going_concern"}  # an export without them


def test_reingesting_the_same_file_adds_no_duplicates(export_csv: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    ingest(export_csv, KOREAN, raw)
    first = read_tables(raw)
    again = {r.table: r for r in ingest(export_csv, KOREAN, raw)}
    assert again["financials"].written is not None
    assert (again["financials"].written.new, again["financials"].written.updated) == (0, 6)
    second = read_tables(raw)
    pd.testing.assert_frame_equal(first.financials, second.financials)
    pd.testing.assert_frame_equal(first.firms, second.firms)
    assert len(list((raw / "quarantine").iterdir())) == 2  # one per table, rewritten


def test_excel_parquet_and_cp949_give_the_same_rows(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    export = small_export()
    export.to_csv(tmp_path / "cp949.csv", index=False, encoding="cp949")
    export.to_excel(tmp_path / "export.xlsx", index=False)
    export.to_parquet(tmp_path / "export.parquet", index=False)
    with pytest.raises(SourceError, match="cp949"):
        ingest(tmp_path / "cp949.csv", KOREAN, tmp_path / "fails")
    stored = []
    for name, encoding in (("cp949.csv", "cp949"), ("export.xlsx", None), ("export.parquet", None)):
        raw = tmp_path / name.replace(".", "_")
        reports = ingest(tmp_path / name, KOREAN, raw, encoding=encoding)
        assert [(r.accepted, r.quarantined) for r in reports] == [(6, 1), (6, 1)]
        stored.append(read_tables(raw).financials)
    pd.testing.assert_frame_equal(stored[0], stored[1])
    pd.testing.assert_frame_equal(stored[0], stored[2])


def test_partial_statements_flow_into_features_with_missing_ratios(
    export_csv: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    ingest(export_csv, KOREAN, raw)
    features = build_features(read_tables(raw), [pd.Timestamp(2023, 6, 30)])
    by_firm = features.set_index("firm_id")
    assert np.isnan(by_firm.loc["2345678904", "debt_ratio"])
    assert by_firm.loc["2345678904", "operating_margin"] == pytest.approx(0.1)
    assert by_firm.loc["1234567891", "debt_ratio"] == pytest.approx(1.5)


def test_events_with_korean_codes_and_a_regional_upsert_keeps_other_indicators(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    events = pd.DataFrame(
        {
            "사업자": ["1234567891", "1234567891", "1234567891"],
            "일자": ["2022-05-01"] * 3,
            "구분": ["국세체납", "부도", "모름"],
            "금액": ["1,000,000", "", "5"],
        }
    )
    events.to_csv(tmp_path / "events.csv", index=False)
    mapping = parse_mapping(
        {
            "tables": {
                "events": {
                    "unit": "원",
                    "columns": {
                        "firm_id": "사업자",
                        "event_date": "일자",
                        "amount": "금액",
                        "event_type": {
                            "from": "구분",
                            "codes": {"국세체납": "tax_arrears", "부도": "dishonored_bill"},
                        },
                    },
                }
            }
        }
    )
    (report,) = ingest(tmp_path / "events.csv", mapping, raw)
    assert (report.accepted, report.quarantined) == (2, 1)
    assert "event_type '모름' is not one of" in pd.read_csv(report.quarantine_file)["reason"][0]
    factories.regional().to_parquet(raw / "regional.parquet", index=False)
    growth = pd.DataFrame({"시도": ["부산광역시"], "연도": ["2020 년"], "증가율": ["1.5"]})
    growth.to_csv(tmp_path / "growth.csv", index=False)
    regional = parse_mapping(
        {
            "tables": {
                "regional": {
                    "columns": {
                        "region": "시도",
                        "period": "연도",
                        "active_business_growth": "증가율",
                        "published_on": {
                            "from": "연도",
                            "format": "year",
                            "month": 6,
                            "day": 15,
                            "offset_years": 1,
                        },
                    }
                }
            }
        }
    )
    (report,) = ingest(tmp_path / "growth.csv", regional, raw)
    assert report.written is not None and (report.written.new, report.written.updated) == (0, 1)
    stored = pd.read_parquet(raw / "regional.parquet").set_index(["region", "period"])
    assert stored.loc[("26", 2020), "active_business_growth"] == 1.5
    assert stored.loc[("26", 2020), "grdp_growth"] == 2.0  # kept from before
    assert len(stored) == len(factories.regional())


@pytest.mark.skipif(not KOSIS.exists(), reason=f"KOSIS district counts not present at {KOSIS}")
def test_kosis_mapping_gives_the_demo_active_business_growth(tmp_path: Path) -> None:
    from features.demo import generate_demo

    mapping = load_mapping(ROOT / "mappings" / "kosis_active_businesses.yaml")
    (report,) = ingest(KOSIS, mapping, tmp_path / "raw")
    assert report.rows_in == report.accepted == 3440 and report.filtered_out == 17200
    kosis = pd.read_parquet(tmp_path / "raw" / "regional.parquet")
    assert set(kosis["region"]) == set(REGIONS)
    assert (
        kosis["published_on"] == pd.to_datetime((kosis["period"] + 1).astype(str) + "-06-15")
    ).all()
    demo = generate_demo(200, seed=1, first_year=2014, last_year=2024).tables.regional
    assert (demo["published_on"].dt.month == 6).all() and (demo["published_on"].dt.day == 15).all()
    assert (demo["published_on"].dt.year == demo["period"] + 1).all()
    both = demo.merge(kosis, on=["region", "period", "published_on"], suffixes=("_demo", ""))
    both = both[both["active_business_growth"].notna() & (both["active_business_growth"] < 50)]
    assert len(both) > 150
    np.testing.assert_allclose(
        both["active_business_growth_demo"], both["active_business_growth"].round(2), atol=1e-9
    )


def test_user_label_column_rule(tmp_path: Path) -> None:
    assert check_rules(["column:bankrupt", "default_event"]) == ("column:bankrupt", "default_event")
    for bad in (["column:"], ["column:two words"], ["bankrupt"]):
        with pytest.raises(LabelRuleError, match="column:<name>"):
            check_rules(bad)
    firms = [factories.firm(f"100000000{i}") for i in range(3)]
    statements = [factories.statement(f"100000000{i}", y) for i in range(3) for y in (2020, 2021)]
    tables = factories.tables(firms, statements)
    labels = pd.DataFrame(
        {
            "회사": ["1000000000", "1000000001", "1000000002"],
            "연도": [2020, 2021, None],
            "기준일": [None, None, "2022-06-30"],
            "부실": ["Y", "N", "1"],
        }
    )
    labels.to_csv(tmp_path / "labels.csv", index=False)
    mapping = parse_mapping(
        {
            "tables": {
                "labels": {
                    "columns": {
                        "firm_id": {"from": "회사", "scheme": "code"},  # test ids, no check digit
                        "fiscal_year": "연도",
                        "as_of": "기준일",
                        "bankrupt": "부실",
                    }
                }
            }
        }
    )
    ingest(tmp_path / "labels.csv", mapping, tmp_path / "raw")
    from dataclasses import replace

    with_labels = replace(tables, labels=pd.read_parquet(tmp_path / "raw" / "labels.parquet"))
    dates = [pd.Timestamp(y, 6, 30) for y in (2021, 2022, 2023)]
    built = build_features(with_labels, dates, label_rules=("column:bankrupt",))
    label = built.set_index(["firm_id", "as_of"])["label"]
    assert label[("1000000000", pd.Timestamp(2021, 6, 30))] == 1.0  # FY2020, first row on it
    assert np.isnan(label[("1000000000", pd.Timestamp(2022, 6, 30))])  # FY2021: no label
    assert label[("1000000001", pd.Timestamp(2022, 6, 30))] == 0.0
    assert np.isnan(label[("1000000001", pd.Timestamp(2023, 6, 30))])  # stale FY2021 row
    assert label[("1000000002", pd.Timestamp(2022, 6, 30))] == 1.0  # keyed by as-of
    with pytest.raises(LabelRuleError, match="no column 'other'"):
        build_features(with_labels, dates, label_rules=("column:other",))


def test_cli_ingest_prints_the_counts(export_csv: Path, tmp_path: Path) -> None:
    from cli.main import app

    mapping = ROOT / "mappings" / "korean_statements.yaml"
    args = ["ingest", str(export_csv), "--mapping", str(mapping), "--out", str(tmp_path / "raw")]
    result = CliRunner().invoke(app, [*args, "--table", "financials"])
    assert result.exit_code == 0, result.output
    assert "financials: rows in 7 = accepted 6 + quarantined 1" in result.output
    assert "quarantine" in result.output and "firms:" not in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("tables:\n  financials:\n    unit: 엔\n    columns: {firm_id: a}\n")
    result = CliRunner().invoke(app, ["ingest", str(export_csv), "--mapping", str(broken)])
    assert result.exit_code == 2 and "tables.financials.unit" in result.output
