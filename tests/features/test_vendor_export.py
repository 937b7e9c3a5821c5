"""The vendor-style export of a demo world: its columns, codes, flaws and key files."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.contract import DEFAULT_EVENTS
from features.demo import DemoData, generate_demo
from features.demo.vendor import (
    ACCOUNTS,
    OPINION_NAMES,
    VendorExport,
    VendorOptions,
    main,
    write_vendor_export,
)

INCOME_STATEMENT = ("매출액", "매출원가", "판매비와관리비", "영업이익", "이자비용", "당기순이익")
BALANCE_SHEET = ("자산총계", "부채총계", "자본총계")


@cache
def world() -> DemoData:
    return generate_demo(1_200, seed=3, first_year=2014, last_year=2024, kosis_file=None)


def export(folder: Path, seed: int = 3, **options: Any) -> VendorExport:
    return write_vendor_export(world(), folder, seed=seed, options=VendorOptions(**options))


def read(written: VendorExport) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    statements = pd.read_csv(written.statements, encoding="cp949", dtype={"회사코드": str})
    key = pd.read_csv(written.key, dtype={"code": str, "firm_id": str})
    changes = pd.read_csv(written.changes, dtype={"code": str})
    return statements, key, changes


def test_columns_are_korean_with_no_region_filing_date_or_balance_sheet(tmp_path: Path) -> None:
    statements, _, _ = read(export(tmp_path))
    assert set(INCOME_STATEMENT) | {
        "회사코드",
        "회사명",
        "업종대분류",
        "결산일",
        "감사의견",
    } <= set(statements.columns)
    assert "영업활동현금흐름" in statements.columns and "계속기업불확실성" in statements.columns
    assert not {"시도", "시군구코드", "공시일", "제출일", "사업자등록번호"} & set(
        statements.columns
    )
    assert not set(BALANCE_SHEET) & set(statements.columns)
    assert statements["업종대분류"].str.fullmatch(r"[A-U]").all()


def test_codes_are_six_characters_with_leading_zeros_and_letters(tmp_path: Path) -> None:
    statements, key, _ = read(export(tmp_path))
    codes = statements["회사코드"]
    assert codes.str.fullmatch(r"[A-Z0-9]\d{5}").all()
    assert codes.str.startswith("0").any() and codes.str.match(r"[A-Z]").any()
    assert key["code"].is_unique and key["firm_id"].is_unique
    assert set(key["firm_id"]) == set(world().tables.firms["firm_id"])
    # Read as numbers, leading zeros would vanish: the codes only survive as text.
    assert set(codes) <= set(key["code"])


def test_share_of_firms_with_a_balance_sheet(tmp_path: Path) -> None:
    statements, key, _ = read(export(tmp_path, balance_sheet_share=0.5))
    with_sheet = statements["회사코드"].map(key.set_index("code")["balance_sheet"]).astype(bool)
    assert statements.loc[~with_sheet, list(BALANCE_SHEET)].isna().all().all()
    assert statements.loc[with_sheet, "자산총계"].notna().mean() > 0.9
    assert 0.35 < (~with_sheet).mean() < 0.65


def test_negative_cells_are_listed_in_the_key(tmp_path: Path) -> None:
    statements, _, changes = read(export(tmp_path, negative_share=0.02))
    listed = changes[changes["change"] == "negative"]
    found = set()
    for item in ("revenue", "sga"):
        negative = statements[statements[ACCOUNTS[item]] < 0]
        found |= {
            (c, y, item) for c, y in zip(negative["회사코드"], negative["결산년도"], strict=True)
        }
    assert found and found == set(
        zip(listed["code"], listed["fiscal_year"], listed["column"], strict=True)
    )


def test_missing_years_lie_inside_histories(tmp_path: Path) -> None:
    statements, _, changes = read(export(tmp_path, missing_year_share=0.1))
    dropped = changes[changes["change"] == "missing_year"]
    assert len(dropped) > 50
    years = statements.groupby("회사코드")["결산년도"].agg(["min", "max"])
    span = years.reindex(dropped["code"]).to_numpy()
    assert ((span[:, 0] < dropped["fiscal_year"]) & (dropped["fiscal_year"] < span[:, 1])).all()
    rows = set(zip(statements["회사코드"], statements["결산년도"], strict=True))
    assert not rows & set(zip(dropped["code"], dropped["fiscal_year"], strict=True))


def test_non_december_year_ends_move_the_fiscal_year(tmp_path: Path) -> None:
    statements, key, _ = read(export(tmp_path, non_december_share=0.3, missing_year_share=0.0))
    end = pd.to_datetime(statements["결산일"].astype(str), format="%Y%m%d")
    assert {3, 6, 12} == set(end.dt.month)
    assert (end.dt.year == statements["결산년도"]).all() and end.dt.is_month_end.all()
    # A June-2020 year end holds the demo's fiscal year 2019, in whole 원.
    firms = key.set_index("code")
    row = statements[end.dt.month == 6].iloc[0]
    firm = firms.loc[row["회사코드"]]
    assert firm["fiscal_year_shift"] == 1
    demo = world().tables.financials
    filed = demo[
        (demo["firm_id"] == firm["firm_id"]) & (demo["fiscal_year"] == row["결산년도"] - 1)
    ]
    assert round(filed["revenue"].iloc[-1] * 1000) == row["매출액"]


def test_some_firms_stop_filing_without_a_default(tmp_path: Path) -> None:
    statements, key, _ = read(export(tmp_path, stop_share=0.3))
    stopped = key.dropna(subset=["stopped_after"]).set_index("code")
    assert len(stopped) > 30
    last = statements.groupby("회사코드")["결산년도"].max().reindex(stopped.index)
    assert (last == stopped["stopped_after"]).all()
    assert (stopped["stopped_after"] <= 2024 - 3 + stopped["fiscal_year_shift"]).all()
    events = world().tables.events
    defaulted = events.loc[events["event_type"].isin(DEFAULT_EVENTS), "firm_id"]
    assert not stopped["firm_id"].isin(defaulted).any()


def test_audit_opinions_only_for_audited_firms(tmp_path: Path) -> None:
    statements, _, _ = read(export(tmp_path))
    audited = statements["외감여부"] == "외감"
    assert statements.loc[~audited, ["감사의견", "계속기업불확실성"]].isna().all().all()
    assert set(statements.loc[audited, "감사의견"]) <= set(OPINION_NAMES.values())
    assert set(statements.loc[audited, "계속기업불확실성"]) == {"Y", "N"}


def test_audited_only_and_events(tmp_path: Path) -> None:
    written = export(tmp_path, audited_only=True, events=True)
    statements, key, _ = read(written)
    assert (statements["외감여부"] == "외감").all()
    assert written.events is not None
    events = pd.read_csv(written.events, encoding="cp949", dtype={"회사코드": str})
    assert set(events["회사코드"]) <= set(key["code"]) and events["사유"].notna().all()


def test_same_seed_same_files_and_another_seed_differs(tmp_path: Path) -> None:
    first, again, other = (
        export(tmp_path / name, seed=s) for name, s in (("a", 1), ("b", 1), ("c", 2))
    )
    assert first.statements.read_bytes() == again.statements.read_bytes()
    assert first.key.read_bytes() == again.key.read_bytes()
    assert first.statements.read_bytes() != other.statements.read_bytes()


def test_bad_options_name_the_option() -> None:
    with pytest.raises(ValueError, match="stop_share"):
        VendorOptions(stop_share=1.5)
    with pytest.raises(ValueError, match="encoding"):
        VendorOptions(encoding="latin-1")


def test_command_line_writes_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = [
        "vendor",
        "--firms",
        "150",
        "--seed",
        "2",
        "--first-year",
        "2020",
        "--last-year",
        "2023",
    ]
    monkeypatch.setattr(sys, "argv", [*argv, "--out", str(tmp_path), "--encoding", "utf-8-sig"])
    main()
    statements = pd.read_csv(tmp_path / "statements.csv", encoding="utf-8-sig", dtype=str)
    assert statements["회사코드"].nunique() > 100
    assert (tmp_path / "key.csv").exists() and (tmp_path / "key_changes.csv").exists()
