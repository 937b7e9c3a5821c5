"""The raw data contract (SPEC §3): table names, columns, codes.

Amounts are in thousand won (천원). Only key columns are required; every other column may be
missing. This module is the single place that spells these names.
"""

from __future__ import annotations

from typing import Final

# 시도 by the administrative standard code.
REGIONS: Final[dict[str, str]] = {
    "11": "서울",
    "26": "부산",
    "27": "대구",
    "28": "인천",
    "29": "광주",
    "30": "대전",
    "31": "울산",
    "36": "세종",
    "41": "경기",
    "51": "강원",
    "43": "충북",
    "44": "충남",
    "52": "전북",
    "46": "전남",
    "47": "경북",
    "48": "경남",
    "50": "제주",
}

REGIONS_EN: Final[dict[str, str]] = {
    "11": "Seoul",
    "26": "Busan",
    "27": "Daegu",
    "28": "Incheon",
    "29": "Gwangju",
    "30": "Daejeon",
    "31": "Ulsan",
    "36": "Sejong",
    "41": "Gyeonggi",
    "51": "Gangwon",
    "43": "Chungbuk",
    "44": "Chungnam",
    "52": "Jeonbuk",
    "46": "Jeonnam",
    "47": "Gyeongbuk",
    "48": "Gyeongnam",
    "50": "Jeju",
}

SIZE_CLASSES: Final[tuple[str, ...]] = ("소기업", "중기업")
GROWTH_STAGES: Final[tuple[str, ...]] = ("잠재", "예비", "선도", "none")

FIRM_COLUMNS: Final[tuple[str, ...]] = (
    "firm_id",
    "name",
    "region",
    "district",
    "ksic",
    "founded",
    "size_class",
    "audited",
    "growth_stage",
    "cluster_id",
    "main_industry",
)

FINANCIAL_KEYS: Final[tuple[str, ...]] = ("firm_id", "fiscal_year", "period_end", "filed_on")
FINANCIAL_AMOUNTS: Final[tuple[str, ...]] = (
    "revenue",
    "cost_of_sales",
    "sga",
    "operating_income",
    "interest_expense",
    "pretax_income",
    "net_income",
    "depreciation",
    "total_assets",
    "current_assets",
    "cash",
    "receivables",
    "inventory",
    "total_liabilities",
    "current_liabilities",
    "borrowings",
    "equity",
    "paid_in_capital",
    "retained_earnings",
    "operating_cash_flow",
    "employees",
    "payroll",
)
# The auditor's report on the statement (외감기업 only): opinion and a going-concern paragraph.
AUDIT_OPINIONS: Final[tuple[str, ...]] = ("적정", "한정", "부적정", "의견거절")
FINANCIAL_NOTES: Final[tuple[str, ...]] = ("audit_opinion", "going_concern")
FINANCIAL_COLUMNS: Final[tuple[str, ...]] = FINANCIAL_KEYS + FINANCIAL_AMOUNTS + FINANCIAL_NOTES
# The balance-sheet items: missing together when only an income statement was filed.
BALANCE_SHEET: Final[tuple[str, ...]] = (
    "total_assets",
    "current_assets",
    "cash",
    "receivables",
    "inventory",
    "total_liabilities",
    "current_liabilities",
    "borrowings",
    "equity",
    "paid_in_capital",
    "retained_earnings",
)

EVENT_COLUMNS: Final[tuple[str, ...]] = ("firm_id", "event_date", "event_type", "amount")
EVENT_TYPES: Final[tuple[str, ...]] = (
    "tax_arrears",
    "social_insurance_arrears",
    "wage_arrears",
    "loan_delinquency_30",
    "loan_delinquency_90",
    "dishonored_bill",
    "rehabilitation_filing",
    "bankruptcy",
    "closure",
    "workout",
)
# Events that count as distress under the default-type rule (SPEC §5).
DEFAULT_EVENTS: Final[frozenset[str]] = frozenset(
    {
        "dishonored_bill",
        "loan_delinquency_90",
        "rehabilitation_filing",
        "bankruptcy",
        "closure",
        "workout",
    }
)
ARREARS_EVENTS: Final[frozenset[str]] = frozenset(
    {"tax_arrears", "social_insurance_arrears", "wage_arrears", "loan_delinquency_30"}
)

REGIONAL_KEYS: Final[tuple[str, ...]] = ("region", "period", "published_on")
REGIONAL_INDICATORS: Final[tuple[str, ...]] = (
    "grdp_growth",
    "unemployment_rate",
    "manufacturing_growth",
    "active_business_growth",
    "employee_growth",
    "payroll_growth",
    "delinquency_rate",
    "depopulation_index",
    "crisis_area",
    "population_decline_area",
)
REGIONAL_COLUMNS: Final[tuple[str, ...]] = REGIONAL_KEYS + REGIONAL_INDICATORS

VISIT_FINDINGS: Final[tuple[str, ...]] = ("crisis_confirmed", "no_crisis", "supported", "referred")
VISIT_COLUMNS: Final[tuple[str, ...]] = ("firm_id", "visited_on", "finding", "note")

# Table name -> file stem under the raw data folder.
TABLES: Final[tuple[str, ...]] = ("firms", "financials", "events", "regional", "visits")
