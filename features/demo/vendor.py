"""A demo world as a data vendor hands it over: one Korean statement CSV keyed by company code.

The export is shaped like a real extract of Korean audited unlisted firms (docs/demo-data.md,
"Vendor export"): a 6-character company code (leading zeros, some letters) instead of the
business number, the industry as a KSIC section letter, no region, no filing date, amounts in
원, audit opinions; by default no balance sheet. It also has the flaws real extracts have:
missing years inside histories, negative revenue or SG&A (reversals), March and June year
ends, and firms that stop filing years before the end without any default event.

Two key files tie it back to the demo world for tests: ``key.csv`` (code -> demo firm_id and
what was done to the firm) and ``key_changes.csv`` (every dropped firm-year and negative cell).
Ingest the statements with ``mappings/vendor_statements.yaml``.

    python -m features.demo.vendor --firms 20000 --seed 7 --out data/vendor
"""

from __future__ import annotations

import argparse
import string
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from core import ksic
from core.contract import BALANCE_SHEET, DEFAULT_EVENTS
from features.demo.world import DemoData, generate_demo

STATEMENTS_FILE = "statements.csv"
EVENTS_FILE = "events.csv"
KEY_FILE = "key.csv"
CHANGES_FILE = "key_changes.csv"
ENCODINGS = ("cp949", "utf-8-sig")
_STREAM = 1201  # the writer's own SeedSequence key: its draws never touch the world's streams

# Contract item -> the account name in the export (amounts in 원).
ACCOUNTS = {
    "revenue": "매출액",
    "cost_of_sales": "매출원가",
    "sga": "판매비와관리비",
    "operating_income": "영업이익",
    "interest_expense": "이자비용",
    "pretax_income": "법인세비용차감전순이익",
    "net_income": "당기순이익",
    "depreciation": "감가상각비",
    "total_assets": "자산총계",
    "current_assets": "유동자산",
    "cash": "현금및현금성자산",
    "receivables": "매출채권",
    "inventory": "재고자산",
    "total_liabilities": "부채총계",
    "current_liabilities": "유동부채",
    "borrowings": "차입금",
    "equity": "자본총계",
    "paid_in_capital": "자본금",
    "retained_earnings": "이익잉여금",
    "operating_cash_flow": "영업활동현금흐름",
    "payroll": "급여",
}
EVENT_NAMES = {
    "tax_arrears": "국세체납",
    "social_insurance_arrears": "4대보험체납",
    "wage_arrears": "임금체불",
    "loan_delinquency_30": "대출연체30일",
    "loan_delinquency_90": "대출연체90일",
    "dishonored_bill": "당좌부도",
    "rehabilitation_filing": "회생신청",
    "bankruptcy": "파산",
    "closure": "폐업",
    "workout": "워크아웃",
}
OPINION_NAMES = {
    "적정": "적정의견",
    "한정": "한정의견",
    "부적정": "부적정의견",
    "의견거절": "의견거절",
}
_YEAR_ENDS = (3, 6)  # the non-December year ends drawn, March twice as often as June
_REVERSED = ("revenue", "sga")  # the items a reversal can turn negative


@dataclass(frozen=True)
class VendorOptions:
    """What the export looks like; shares are of firms unless they say firm-years or rows."""

    balance_sheet_share: float = 0.0  # firms whose rows carry a balance sheet (0: no BS columns)
    audited_only: bool = False  # only 외감 firms, as the real extract
    non_december_share: float = 0.08  # firms with a March or June year end
    stop_share: float = 0.1  # surviving firms that stop filing 3–8 years before the end
    missing_year_share: float = 0.03  # firm-years dropped inside a history (not first or last)
    negative_share: float = 0.003  # rows where revenue or SG&A is a negative reversal
    letter_share: float = 0.1  # codes led by a letter (A00123) instead of six digits
    events: bool = False  # also write the firms' events as a vendor extract
    encoding: str = "cp949"

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_share") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{item.name} must be between 0 and 1, got {value}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, got {self.encoding!r}")


@dataclass(frozen=True)
class VendorExport:
    """The files written; ``events`` is None unless asked for."""

    statements: Path
    key: Path
    changes: Path
    events: Path | None


def write_vendor_export(
    data: DemoData, folder: Path, seed: int = 0, options: VendorOptions | None = None
) -> VendorExport:
    """Write ``data`` as a vendor export to ``folder``; the same seed writes the same files."""
    options = options or VendorOptions()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAM,)))
    tables = data.tables
    key = vendor_firms(rng, tables.firms, options)
    statements = final_statements(tables.financials, key, options.audited_only)
    statements, key = stop_filing(rng, statements, key, tables.events, options.stop_share)
    statements, dropped = drop_middle_years(rng, statements, options.missing_year_share)
    statements, negatives = reverse_signs(rng, statements, options.negative_share)
    statements = balance_sheets(statements, options.balance_sheet_share)
    folder.mkdir(parents=True, exist_ok=True)
    written = VendorExport(
        statements=folder / STATEMENTS_FILE,
        key=folder / KEY_FILE,
        changes=folder / CHANGES_FILE,
        events=folder / EVENTS_FILE if options.events else None,
    )
    export_rows(statements).to_csv(written.statements, index=False, encoding=options.encoding)
    key.drop(columns=["name", "section", "founded"]).to_csv(written.key, index=False)
    pd.concat([dropped, negatives], ignore_index=True).to_csv(written.changes, index=False)
    if written.events is not None:
        events = event_rows(tables.events, key.set_index("firm_id")["code"])
        events.to_csv(written.events, index=False, encoding=options.encoding)
    return written


def company_codes(rng: np.random.Generator, n: int, letter_share: float) -> np.ndarray:
    """Unique 6-character codes: six digits, leading zeros kept (``090414``), or a letter and
    five digits (``A00123``)."""
    lettered = rng.random(n) < letter_share
    k = int(lettered.sum())
    if n - k > 900_000:
        raise ValueError(f"firms must be at most about 900,000 for 6-digit codes, got {n}")
    numbers = rng.choice(1_000_000, n - k, replace=False)
    drawn = rng.choice(26 * 100_000, k, replace=False)
    codes = np.empty(n, dtype="U6")
    codes[~lettered] = pd.Series(numbers).astype(str).str.zfill(6).to_numpy(str)
    letters = np.array(list(string.ascii_uppercase))[drawn // 100_000]
    digits = pd.Series(drawn % 100_000).astype(str).str.zfill(5).to_numpy(str)
    codes[lettered] = np.char.add(letters, digits)
    return codes


def vendor_firms(
    rng: np.random.Generator, firms: pd.DataFrame, options: VendorOptions
) -> pd.DataFrame:
    """One row per demo firm: its code, year-end month and whether it files a balance sheet."""
    n = len(firms)
    non_december = rng.random(n) < options.non_december_share
    month = np.where(rng.random(n) < 2 / 3, _YEAR_ENDS[0], _YEAR_ENDS[1])
    return pd.DataFrame(
        {
            "code": company_codes(rng, n, options.letter_share),
            "firm_id": firms["firm_id"].to_numpy(str),
            "name": firms["name"].to_numpy(),
            "section": ksic.section(firms["ksic"]).to_numpy(),
            "founded": firms["founded"].to_numpy(),
            "audited": firms["audited"].astype(bool).to_numpy(),
            "year_end_month": np.where(non_december, month, 12),
            # A March or June year end that follows demo year t falls in t + 1: so does its
            # fiscal year (the year the statement ends in).
            "fiscal_year_shift": non_december.astype(int),
            "balance_sheet": rng.random(n) < options.balance_sheet_share,
            "stopped_after": pd.array([pd.NA] * n, dtype="Int64"),
        }
    )


def final_statements(
    financials: pd.DataFrame, key: pd.DataFrame, audited_only: bool
) -> pd.DataFrame:
    """The last filing per firm-year (a restatement replaces the first), on the vendor calendar."""
    latest = financials.sort_values("filed_on", kind="stable").drop_duplicates(
        ["firm_id", "fiscal_year"], keep="last"
    )
    rows = latest.drop(columns=["period_end", "filed_on"]).merge(
        key, on="firm_id", validate="many_to_one"
    )
    if audited_only:
        rows = rows[rows["audited"]]
    fiscal_year = rows["fiscal_year"] + rows["fiscal_year_shift"]
    rows = rows.assign(
        fiscal_year=fiscal_year, period_end=_month_end(fiscal_year, rows["year_end_month"])
    )
    return rows.sort_values(["code", "fiscal_year"], kind="stable").reset_index(drop=True)


def _month_end(year: pd.Series, month: pd.Series) -> np.ndarray:
    months = ((year - 1970) * 12 + month - 1).to_numpy().astype("datetime64[M]")
    return (months + 1).astype("datetime64[D]") - 1


def stop_filing(
    rng: np.random.Generator,
    statements: pd.DataFrame,
    key: pd.DataFrame,
    events: pd.DataFrame,
    share: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A share of firms that file to the end and never default stop 3–8 years early.

    ``key.stopped_after`` gets the last fiscal year such a firm still filed.
    """
    span = statements.groupby("code")["fiscal_year"].agg(["min", "max"])
    last = statements.groupby("year_end_month")["fiscal_year"].max()
    defaulted = set(events.loc[events["event_type"].isin(DEFAULT_EVENTS), "firm_id"])
    months = key.set_index("code")["year_end_month"].reindex(span.index)
    firm_ids = key.set_index("code")["firm_id"].reindex(span.index)
    candidate = (span["max"] == months.map(last)) & ~firm_ids.isin(defaulted)
    chosen = candidate & (rng.random(len(span)) < share)
    stop = span["max"] - rng.integers(3, 9, len(span))
    stopped = stop[chosen & (stop >= span["min"])]  # a firm too young to stop that early files on
    kept = statements[~(statements["fiscal_year"] > statements["code"].map(stopped))]
    # The last year actually filed: the firm may have skipped the year it was cut at.
    last_filed = kept[kept["code"].isin(stopped.index)].groupby("code")["fiscal_year"].max()
    key = key.copy()
    key["stopped_after"] = key["code"].map(last_filed).astype("Int64")
    return kept.reset_index(drop=True), key


def drop_middle_years(
    rng: np.random.Generator, statements: pd.DataFrame, share: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop a share of firm-years that are neither a firm's first nor its last in the export."""
    position = statements.groupby("code").cumcount()
    count = statements.groupby("code")["code"].transform("size")
    inside = (position > 0) & (position < count - 1)
    dropped = inside & (rng.random(len(statements)) < share)
    changes = pd.DataFrame(
        {
            "code": statements.loc[dropped, "code"],
            "fiscal_year": statements.loc[dropped, "fiscal_year"],
            "change": "missing_year",
            "column": pd.NA,
        }
    )
    return statements[~dropped].reset_index(drop=True), changes


def reverse_signs(
    rng: np.random.Generator, statements: pd.DataFrame, share: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn revenue or SG&A negative in a share of rows: a reversal a small fraction in size."""
    statements = statements.copy()
    n = len(statements)
    item = np.asarray(_REVERSED)[rng.integers(0, len(_REVERSED), n)]
    scale = rng.uniform(0.002, 0.05, n)
    hit = rng.random(n) < share
    changes = []
    for name in _REVERSED:
        rows = hit & (item == name) & (statements[name] > 0).to_numpy()
        statements.loc[rows, name] = -statements.loc[rows, name] * scale[rows]
        changes.append(
            pd.DataFrame(
                {
                    "code": statements.loc[rows, "code"],
                    "fiscal_year": statements.loc[rows, "fiscal_year"],
                    "change": "negative",
                    "column": name,
                }
            )
        )
    return statements, pd.concat(changes, ignore_index=True)


def balance_sheets(statements: pd.DataFrame, share: float) -> pd.DataFrame:
    """Blank the balance sheet of firms that file none; with no such firm, drop its columns."""
    if share == 0.0:
        return statements.drop(columns=list(BALANCE_SHEET))
    blanked = statements.copy()
    blanked.loc[~blanked["balance_sheet"], list(BALANCE_SHEET)] = np.nan
    return blanked


def export_rows(statements: pd.DataFrame) -> pd.DataFrame:
    """Korean columns as the vendor writes them: text codes, YYYYMMDD dates, whole 원."""
    export = pd.DataFrame(
        {
            "회사코드": statements["code"],
            "회사명": statements["name"],
            "업종대분류": statements["section"],
            "설립일": pd.to_datetime(statements["founded"]).dt.strftime("%Y%m%d"),
            "외감여부": np.where(statements["audited"], "외감", "비외감"),
            "결산년도": statements["fiscal_year"],
            "결산일": pd.to_datetime(statements["period_end"]).dt.strftime("%Y%m%d"),
        }
    )
    for item, account in ACCOUNTS.items():
        if item in statements.columns:
            export[account] = _won(statements[item])
    export["종업원수"] = statements["employees"].round().astype("Int64")
    export["감사의견"] = statements["audit_opinion"].map(OPINION_NAMES)
    export["계속기업불확실성"] = statements["going_concern"].map({True: "Y", False: "N"})
    return export


def _won(amount: pd.Series) -> pd.Series:
    """천원 -> whole 원 (missing stays missing)."""
    return (amount * 1000).round().astype("Int64")


def event_rows(events: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """The firms' events as a vendor extract: 회사코드, 발생일, 사유, 금액 (원)."""
    mine = events[events["firm_id"].isin(codes.index)].reset_index(drop=True)
    return pd.DataFrame(
        {
            "회사코드": mine["firm_id"].map(codes),
            "발생일": mine["event_date"].dt.strftime("%Y-%m-%d"),
            "사유": mine["event_type"].map(EVENT_NAMES),
            "금액": _won(mine["amount"]),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a demo world as a vendor export.")
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--first-year", type=int, default=2012)
    parser.add_argument("--last-year", type=int, default=2025)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--balance-sheet-share", type=float, default=0.0)
    parser.add_argument("--audited-only", action="store_true")
    parser.add_argument("--events", action="store_true")
    parser.add_argument("--encoding", choices=ENCODINGS, default="cp949")
    args = parser.parse_args()
    started = time.perf_counter()
    data = generate_demo(
        args.firms, seed=args.seed, first_year=args.first_year, last_year=args.last_year
    )
    options = VendorOptions(
        balance_sheet_share=args.balance_sheet_share,
        audited_only=args.audited_only,
        events=args.events,
        encoding=args.encoding,
    )
    written = write_vendor_export(data, args.out, seed=args.seed, options=options)
    seconds = time.perf_counter() - started
    for path in (written.statements, written.key, written.changes, written.events):
        if path is not None:
            print(path)
    print(f"{args.firms} firms in {seconds:.1f} s")


if __name__ == "__main__":
    main()
