"""Source files as real data arrive: a Korean statement export made from contract tables.

The export spells accounts the Korean way (매출액, 자산총계 …), keeps amounts in 원 with
thousands separators, writes business numbers as 123-45-67890, regions as names and dates as
20231231, so that ingesting it with ``mappings/korean_statements.yaml`` must undo all of it.
"""

from __future__ import annotations

import pandas as pd

from core.contract import REGIONS

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


def won(amount: float) -> str:
    """천원 -> 원 as an export prints it: thousands separators, negatives in parentheses."""
    if pd.isna(amount):
        return ""
    text = f"{abs(round(amount * 1000)):,}"
    return f"({text})" if amount < 0 else text


def korean_export(financials: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """One row per statement with the firm's details, Korean column names, amounts in 원."""
    details = firms.set_index("firm_id").reindex(financials["firm_id"]).reset_index(drop=True)
    rows = financials.reset_index(drop=True)
    export = pd.DataFrame(
        {
            "사업자등록번호": rows["firm_id"].str[:3]
            + "-"
            + rows["firm_id"].str[3:5]
            + "-"
            + rows["firm_id"].str[5:],
            "상호": details["name"],
            "시도": details["region"].map(REGIONS),
            "시군구코드": details["district"],
            "업종코드": details["ksic"],
            "설립일": details["founded"].dt.strftime("%Y-%m-%d"),
            "기업규모": details["size_class"],
            "외감여부": details["audited"].map({True: "외감", False: "비외감"}),
            "결산년도": rows["fiscal_year"].astype(str),
            "결산일": rows["period_end"].dt.strftime("%Y%m%d"),
            "공시일": rows["filed_on"].dt.strftime("%Y.%m.%d"),
        }
    )
    for item, account in ACCOUNTS.items():
        export[account] = rows[item].map(won)
    export["종업원수"] = rows["employees"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    return export


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


def korean_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events as a Korean extract lists them: 사업자등록번호, 발생일, 사유, 금액 (원)."""
    return pd.DataFrame(
        {
            "사업자등록번호": events["firm_id"].to_numpy(),
            "발생일": events["event_date"].dt.strftime("%Y-%m-%d").to_numpy(),
            "사유": events["event_type"].map(EVENT_NAMES).to_numpy(),
            "금액": events["amount"].map(won).to_numpy(),
        }
    )
