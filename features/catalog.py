"""The feature catalogue: each model feature with its family, labels and how to say its value.

Families are the ones centre staff recognise (SPEC §6). The catalogue is the contract between
the feature pipeline, the model (feature order) and the explanations shown to staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FAMILIES: Final[dict[str, str]] = {
    "profitability": "수익성",
    "leverage": "안정성",
    "debt_service": "상환능력",
    "liquidity": "유동성",
    "activity": "활동성",
    "growth": "성장성",
    "size_age": "규모·업력",
    "non_financial": "비재무 신호",
    "environment": "지역·산업 환경",
}


@dataclass(frozen=True)
class Feature:
    name: str
    family: str
    ko: str
    en: str
    # pct | ratio | times | days | count | years | log_krw | months | flag | index | percentile
    # | streak (consecutive years a state held, said "2년 연속 <state>") | opinion (감사의견)
    unit: str
    state_ko: str = ""  # streaks: the state that held ("이자보상배율 1 미만")
    state_en: str = ""


_F = Feature
CATALOG: Final[tuple[Feature, ...]] = (
    _F("operating_margin", "profitability", "영업이익률", "operating margin", "pct"),
    _F(
        "operating_margin_l1",
        "profitability",
        "전년도 영업이익률",
        "operating margin a year earlier",
        "pct",
    ),
    _F("net_margin", "profitability", "순이익률", "net margin", "pct"),
    _F("roa", "profitability", "총자산순이익률", "return on assets", "pct"),
    _F("ebitda_margin", "profitability", "EBITDA 마진", "EBITDA margin", "pct"),
    _F("loss_years_3y", "profitability", "최근 3년 적자 연수", "loss years in last 3", "count"),
    _F(
        "loss_streak_years",
        "profitability",
        "연속 적자 연수",
        "consecutive loss years",
        "streak",
        "적자",
        "losses",
    ),
    _F(
        "impairment_streak_years",
        "leverage",
        "연속 자본잠식 연수",
        "consecutive years of capital impairment",
        "streak",
        "자본잠식",
        "capital impairment",
    ),
    _F("debt_ratio", "leverage", "부채비율", "debt-to-equity ratio", "pct"),
    _F("equity_ratio", "leverage", "자기자본비율", "equity ratio", "pct"),
    _F("borrowings_to_assets", "leverage", "차입금의존도", "borrowings to assets", "pct"),
    _F("capital_impairment_ratio", "leverage", "자본잠식률", "capital impairment ratio", "pct"),
    _F("debt_ratio_change", "leverage", "부채비율 변화", "change in debt ratio", "pct"),
    _F("interest_coverage", "debt_service", "이자보상배율", "interest coverage", "times"),
    _F(
        "interest_coverage_l1",
        "debt_service",
        "전년도 이자보상배율",
        "interest coverage a year earlier",
        "times",
    ),
    _F(
        "interest_coverage_l2",
        "debt_service",
        "2년 전 이자보상배율",
        "interest coverage two years earlier",
        "times",
    ),
    _F(
        "interest_coverage_change",
        "debt_service",
        "이자보상배율 변화",
        "change in interest coverage",
        "times",
    ),
    _F(
        "icr_below_one_years",
        "debt_service",
        "이자보상배율 1 미만 연속 연수",
        "consecutive years of interest coverage below 1",
        "streak",
        "이자보상배율 1 미만",
        "interest coverage below 1",
    ),
    _F(
        "interest_coverage_min_3y",
        "debt_service",
        "3년 최저 이자보상배율",
        "lowest interest coverage in 3 years",
        "times",
    ),
    _F("interest_to_revenue", "debt_service", "매출액 대비 이자비용", "interest to revenue", "pct"),
    _F(
        "ocf_to_borrowings",
        "debt_service",
        "차입금 대비 영업현금흐름",
        "operating cash flow to borrowings",
        "pct",
    ),
    _F(
        "ocf_to_revenue",
        "debt_service",
        "매출액 대비 영업현금흐름",
        "operating cash flow to revenue",
        "pct",
    ),
    _F(
        "ocf_to_interest",
        "debt_service",
        "이자비용 대비 영업현금흐름",
        "operating cash flow to interest expense",
        "times",
    ),
    _F("current_ratio", "liquidity", "유동비율", "current ratio", "pct"),
    _F("quick_ratio", "liquidity", "당좌비율", "quick ratio", "pct"),
    _F("cash_to_assets", "liquidity", "현금성자산 비중", "cash to assets", "pct"),
    _F("asset_turnover", "activity", "총자산회전율", "asset turnover", "times"),
    _F("receivable_days", "activity", "매출채권회수기간", "receivable days", "days"),
    _F("inventory_days", "activity", "재고자산회전기간", "inventory days", "days"),
    _F("revenue_growth", "growth", "매출액증가율", "revenue growth", "pct"),
    _F(
        "revenue_growth_3y",
        "growth",
        "3년 연평균 매출증가율",
        "3-year revenue growth (CAGR)",
        "pct",
    ),
    _F(
        "revenue_growth_volatility",
        "growth",
        "매출증가율 변동성",
        "revenue growth volatility",
        "pct",
    ),
    _F("asset_growth", "growth", "총자산증가율", "asset growth", "pct"),
    _F("employee_growth", "growth", "종업원수 증가율", "employee growth", "pct"),
    _F("operating_margin_change", "growth", "영업이익률 변화", "change in operating margin", "pct"),
    _F("log_revenue", "size_age", "매출 규모(로그)", "revenue size (log)", "log_krw"),
    _F("log_assets", "size_age", "자산 규모(로그)", "asset size (log)", "log_krw"),
    _F("employees", "size_age", "종업원수", "employees", "count"),
    _F("firm_age", "size_age", "업력", "firm age", "years"),
    _F(
        "statement_age_months",
        "size_age",
        "최근 재무제표 경과월수",
        "months since latest statement period",
        "months",
    ),
    _F("tax_arrears_12m", "non_financial", "국세 체납(12개월)", "tax arrears (12 months)", "count"),
    _F(
        "social_insurance_arrears_12m",
        "non_financial",
        "4대보험 체납(12개월)",
        "social-insurance arrears (12 months)",
        "count",
    ),
    _F(
        "wage_arrears_12m",
        "non_financial",
        "임금 체불(12개월)",
        "wage arrears (12 months)",
        "count",
    ),
    _F(
        "loan_delinquency_12m",
        "non_financial",
        "단기 연체(12개월)",
        "30-day loan delinquencies (12 months)",
        "count",
    ),
    _F(
        "months_since_arrears",
        "non_financial",
        "최근 체납 후 경과월수",
        "months since the latest arrears",
        "months",
    ),
    _F("audit_opinion_severity", "non_financial", "감사의견", "audit opinion", "opinion"),
    _F(
        "going_concern_doubt",
        "non_financial",
        "계속기업 불확실성",
        "going-concern doubt",
        "flag",
    ),
    _F(
        "region_grdp_growth",
        "environment",
        "지역 GRDP 성장률",
        "regional GRDP growth",
        "pct_points",
    ),
    _F(
        "region_unemployment_rate",
        "environment",
        "지역 실업률",
        "regional unemployment rate",
        "pct_points",
    ),
    _F(
        "region_manufacturing_growth",
        "environment",
        "지역 제조업 생산 증가율",
        "regional manufacturing growth",
        "pct_points",
    ),
    _F(
        "region_active_business_growth",
        "environment",
        "지역 가동사업자 증가율",
        "regional active-business growth",
        "pct_points",
    ),
    _F(
        "region_delinquency_rate",
        "environment",
        "지역 연체율",
        "regional delinquency rate",
        "pct_points",
    ),
    _F(
        "region_depopulation_index",
        "environment",
        "지방소멸위험지수",
        "depopulation index",
        "index",
    ),
    _F("region_crisis_area", "environment", "위기지역 지정", "designated crisis area", "flag"),
    _F(
        "industry_distress_rate",
        "environment",
        "업종 부실률(12개월)",
        "industry distress rate (12 months)",
        "pct",
    ),
    _F(
        "peer_pct_operating_margin",
        "environment",
        "동종업계 내 영업이익률 순위",
        "operating-margin percentile among peers",
        "percentile",
    ),
    _F(
        "peer_pct_debt_ratio",
        "environment",
        "동종업계 내 부채비율 순위",
        "debt-ratio percentile among peers",
        "percentile",
    ),
)

BY_NAME: Final[dict[str, Feature]] = {feature.name: feature for feature in CATALOG}
FEATURE_NAMES: Final[tuple[str, ...]] = tuple(feature.name for feature in CATALOG)

# Rule flags are shown beside the score, never hidden inside the model (SPEC §6).
FLAGS: Final[dict[str, tuple[str, str]]] = {
    "marginal_firm": (
        "한계기업 (3년 연속 이자보상배율 1 미만)",
        "marginal firm (interest coverage below 1 for 3 years)",
    ),
    "temporary_marginal": (
        "일시적 한계 (올해 이자보상배율 1 미만)",
        "temporarily marginal (interest coverage below 1 this year)",
    ),
    "partial_capital_impairment": ("부분 자본잠식", "partial capital impairment"),
    "complete_capital_impairment": ("완전 자본잠식", "complete capital impairment"),
    "losses_3y": ("3년 연속 적자", "losses three years running"),
    "recent_arrears": ("최근 12개월 체납·연체", "arrears or delinquency in the last 12 months"),
    "qualified_opinion": (
        "감사의견 비적정 (한정·부적정·의견거절)",
        "audit opinion not clean (qualified, adverse or disclaimed)",
    ),
    "going_concern": (
        "계속기업 불확실성 (감사보고서)",
        "going-concern doubt in the audit report",
    ),
}
