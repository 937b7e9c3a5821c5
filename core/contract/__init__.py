"""The raw data contract (SPEC §3): codes, and one declaration per table.

Amounts are in thousand won (천원). Only key columns are required; every other column may be
missing. Each table is declared once below (``FIRMS`` … ``VISITS``: columns, kinds, units,
checks, frame types, descriptions); ingestion's checks (``features.ingestion.schema``), the raw
tables' types (``features.tables``), the submitted-statement model (``core.contract.statement``)
and the docs table (``core.contract.docs``) are derived from it, and the column-name tuples
at the end of this module are read off it.
"""

from __future__ import annotations

from typing import Final

from core.contract.columns import Column as C
from core.contract.columns import Table

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
# The auditor's report on the statement (외감기업 only): opinion and a going-concern paragraph.
AUDIT_OPINIONS: Final[tuple[str, ...]] = ("적정", "한정", "부적정", "의견거절")

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

VISIT_FINDINGS: Final[tuple[str, ...]] = ("crisis_confirmed", "no_crisis", "supported", "referred")

FIRMS: Final = Table(
    "firms",
    "기업 (one row per firm)",
    (
        C(
            "firm_id",
            "firm_id",
            "기업 식별번호 (사업자등록번호 등)",
            required=True,
            key=True,
            dtype="string",
        ),
        C("name", "text", "기업명"),
        C("region", "region", "시도 (소재지)", dtype="string"),
        C("district", "district", "시군구", dtype="string"),
        C("ksic", "ksic", "업종 (KSIC 10차)", dtype="string"),
        C("founded", "date", "설립일", dtype="datetime64[ns]"),
        C("size_class", "choice", "기업규모", dtype="string", choices=SIZE_CLASSES),
        C("audited", "bool", "외감기업 여부"),
        C("growth_stage", "choice", "성장단계", dtype="string", choices=GROWTH_STAGES),
        C("cluster_id", "text", "산업단지 (클러스터)", dtype="string"),
        C("main_industry", "bool", "지역 주력산업 여부"),
    ),
)


def _amount(name: str, description: str, *, signed: bool = False) -> C:
    """A statement item in 천원; results, equity and cash flow may be negative."""
    return C(name, "money", description, "천원", dtype="float64", non_negative=not signed)


FINANCIALS: Final = Table(
    "financials",
    "재무제표 (one row per firm, fiscal year and filing)",
    (
        C("firm_id", "firm_id", "기업 식별번호", required=True, key=True, dtype="string"),
        C("fiscal_year", "year", "회계연도", required=True, key=True, dtype="int64"),
        C("period_end", "date", "결산일", required=True, dtype="datetime64[ns]"),
        # A restatement is a new filing: filed_on is part of the identity.
        C(
            "filed_on",
            "date",
            "공시일 (재무제표를 볼 수 있게 된 날)",
            required=True,
            key=True,
            dtype="datetime64[ns]",
        ),
        _amount("revenue", "매출액"),
        _amount("cost_of_sales", "매출원가"),
        _amount("sga", "판매비와관리비"),
        _amount("operating_income", "영업이익", signed=True),
        _amount("interest_expense", "이자비용"),
        _amount("pretax_income", "법인세차감전이익", signed=True),
        _amount("net_income", "당기순이익", signed=True),
        _amount("depreciation", "감가상각비"),
        _amount("total_assets", "자산총계"),
        _amount("current_assets", "유동자산"),
        _amount("cash", "현금및현금성자산"),
        _amount("receivables", "매출채권"),
        _amount("inventory", "재고자산"),
        _amount("total_liabilities", "부채총계"),
        _amount("current_liabilities", "유동부채"),
        _amount("borrowings", "차입금"),
        _amount("equity", "자본총계", signed=True),
        _amount("paid_in_capital", "자본금"),
        _amount("retained_earnings", "이익잉여금", signed=True),
        _amount("operating_cash_flow", "영업활동현금흐름", signed=True),
        # A count: never unit-scaled, nor held to the amount bound by ingestion.
        C("employees", "number", "종업원수", "명", dtype="float64", non_negative=True),
        _amount("payroll", "급여총액"),
        C("audit_opinion", "opinion", "감사의견", dtype="string", choices=AUDIT_OPINIONS),
        C("going_concern", "bool", "계속기업 불확실성 문단", dtype="boolean"),
    ),
)


EVENTS: Final = Table(
    "events",
    "사건 (arrears, delinquency, default)",
    (
        C("firm_id", "firm_id", "기업 식별번호", required=True, key=True, dtype="string"),
        C("event_date", "date", "발생일", required=True, key=True, dtype="datetime64[ns]"),
        C("event_type", "choice", "사건 유형", required=True, key=True, choices=EVENT_TYPES),
        C("amount", "money", "금액", "천원", dtype="float64", non_negative=True),
    ),
    repeatable=True,
)


def _rate(name: str, description: str) -> C:
    return C(name, "number", description, "%", dtype="float64")


REGIONAL: Final = Table(
    "regional",
    "지역 지표 (per 시도, or 시군구, and period)",
    (
        C("region", "region", "시도", required=True, key=True, dtype="string"),
        C("period", "year", "기간 (연도)", required=True, key=True, dtype="int64"),
        C("published_on", "date", "공표일", required=True, key=True, dtype="datetime64[ns]"),
        # A row without a district is the whole 시도: never added as a missing column.
        C("district", "district", "시군구 (시군구별 자료만)", key=True, framed=False),
        _rate("grdp_growth", "지역내총생산 성장률"),
        _rate("unemployment_rate", "실업률"),
        _rate("manufacturing_growth", "광공업생산 증가율"),
        _rate("active_business_growth", "가동사업자 증가율"),
        _rate("employee_growth", "종사자 증가율"),
        _rate("payroll_growth", "급여총액 증가율"),
        _rate("delinquency_rate", "연체율"),
        C("depopulation_index", "number", "인구소멸지수", dtype="float64"),
        C("crisis_area", "flag", "산업위기 대응지역 (0/1 or a share)", dtype="float64"),
        C("population_decline_area", "flag", "인구감소지역 (0/1 or a share)", dtype="float64"),
    ),
)

VISITS: Final = Table(
    "visits",
    "현장 방문 결과 (staff feedback)",
    (
        C("firm_id", "firm_id", "기업 식별번호", required=True, key=True, dtype="string"),
        C("visited_on", "date", "방문일", required=True, key=True, dtype="datetime64[ns]"),
        C("finding", "choice", "방문 결과", choices=VISIT_FINDINGS),
        C("note", "text", "메모"),
    ),
    repeatable=True,
)

# The contract tables by name, in the order of SPEC §3 (file stems under the raw data folder).
CONTRACT: Final[dict[str, Table]] = {
    t.name: t for t in (FIRMS, FINANCIALS, EVENTS, REGIONAL, VISITS)
}
TABLES: Final[tuple[str, ...]] = tuple(CONTRACT)

# Column names read off the declarations, for code that names a group of columns.
FIRM_COLUMNS: Final = FIRMS.names(framed=True)
FINANCIAL_KEYS: Final = FINANCIALS.names(required=True)
FINANCIAL_AMOUNTS: Final = tuple(
    c.name for c in FINANCIALS.columns if c.kind in ("money", "number")
)
FINANCIAL_NOTES: Final = FINANCIALS.names(kind="opinion") + FINANCIALS.names(kind="bool")
FINANCIAL_COLUMNS: Final = FINANCIALS.names(framed=True)
EVENT_COLUMNS: Final = EVENTS.names(framed=True)
REGIONAL_KEYS: Final = REGIONAL.names(required=True)
REGIONAL_INDICATORS: Final = tuple(c.name for c in REGIONAL.columns if c.kind in ("number", "flag"))
REGIONAL_COLUMNS: Final = REGIONAL.names(framed=True)
VISIT_COLUMNS: Final = VISITS.names(framed=True)
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
