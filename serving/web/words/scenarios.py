"""Words for stress scenarios (the page ``/web/scenarios`` and its result page)."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {
    "scenario_title": ("스트레스 시나리오", "Stress scenarios"),
    "scenario_intro": (
        "재무제표에 충격을 주고, 같은 시점 기준 파이프라인으로 지표를 다시 만들어 현재 모델로 "
        "다시 평가합니다. 결과는 현재 재무제표 그대로의 평가와 비교합니다.",
        "A scenario shocks the statements, rebuilds the features through the same point-in-time "
        "pipeline and scores them with the current model, beside the firms as filed.",
    ),
    "scenario_build": ("시나리오 만들기", "Build a scenario"),
    "scenario_file": ("저장된 시나리오", "Saved scenario"),
    "scenario_file_none": ("직접 만들기 (아래 항목)", "Build my own (fields below)"),
    "scenario_file_help": (
        "저장된 시나리오를 고르면 아래 항목은 쓰지 않습니다.",
        "A saved scenario, when chosen, replaces the fields below.",
    ),
    "scenario_type": ("충격 종류", "Shock"),
    "scenario_type_interest_rate": ("금리 상승 (차입금 이자)", "Interest rate (on borrowings)"),
    "scenario_type_revenue": ("매출 감소", "Revenue"),
    "scenario_type_wage": ("인건비·최저임금 상승", "Wages, minimum wage"),
    "scenario_type_energy": ("에너지 비용 상승", "Energy costs"),
    "scenario_size": ("크기", "Size"),
    "scenario_size_help": (
        "금리는 bp(100 = 1%p), 그 밖에는 % (매출 감소는 -10처럼 음수).",
        "Interest rate in basis points (100 = 1 point); others in % (a revenue fall is negative, "
        "e.g. -10).",
    ),
    "scenario_scope": ("대상", "Scope"),
    "scenario_region": ("지역 (시도)", "Region (시도)"),
    "scenario_region_all": ("전국", "Every region"),
    "scenario_division": ("업종 (KSIC 중분류 2자리)", "Industry (KSIC division, 2 digits)"),
    "scenario_district": ("시군구 코드 (5자리)", "District code (5 digits)"),
    "scenario_cluster": ("산업단지 (클러스터)", "Industrial complex (cluster)"),
    "scenario_cluster_all": ("전체", "All"),
    "scenario_max_wage": (
        "최저임금 대상: 1인당 평균 연봉 상한 (천원, 선택)",
        "Minimum wage: highest average pay per employee (천원 a year, optional)",
    ),
    "scenario_run": ("실행", "Run"),
    "scenario_runs": ("지난 실행", "Past runs"),
    "scenario_runs_none": ("아직 실행한 시나리오가 없습니다.", "No scenario has been run yet."),
    "scenario_files": ("시나리오 파일", "Scenario files"),
    "scenario_files_problem": ("읽을 수 없는 파일", "Files that cannot be read"),
    "scenario_created": ("실행 시각", "Run at"),
    "scenario_result": ("시나리오 결과", "Scenario result"),
    "scenario_totals": ("전체", "Total"),
    "scenario_firms": ("평가 기업", "Rated firms"),
    "scenario_hit": ("충격 대상", "Hit"),
    "scenario_expected_before": ("예상 위기기업 (현재)", "Expected crises (as filed)"),
    "scenario_expected_after": ("예상 위기기업 (충격 후)", "Expected crises (after)"),
    "scenario_expected_delta": ("예상 위기기업 증감", "Δ expected crises"),
    "scenario_employees_delta": ("위험 종사자 증감 (Σ PD × 종업원)", "Δ employees at risk"),
    "scenario_payroll_delta": ("위험 급여 증감 (천원)", "Δ payroll at risk (천원)"),
    "scenario_worse": ("등급 악화", "Worse grade"),
    "scenario_better": ("등급 개선", "Better grade"),
    "scenario_entered": ("예측 상태 진입", "Entered the state"),
    "scenario_by_region": ("지역별", "By region"),
    "scenario_by_industry": ("업종별 (KSIC 중분류)", "By industry (KSIC division)"),
    "scenario_by_district": ("시군구별", "By district"),
    "scenario_by_cluster": ("산업단지별", "By industrial complex"),
    "scenario_unknown": ("(미상)", "(unknown)"),
    "scenario_col_industry": ("업종", "Industry"),
    "scenario_col_district": ("시군구", "District"),
    "scenario_col_cluster": ("산업단지", "Industrial complex"),
    "scenario_changed": (
        "재무제표를 바꾼 기업 (평가 제외 기업 포함)",
        "Statements changed (unrated firms included)",
    ),
    "scenario_crossings": ("등급 이동", "Grade changes"),
    "scenario_from": ("현재 등급", "Grade as filed"),
    "scenario_to": ("충격 후 등급", "Grade after"),
    "scenario_reach": ("충격별 대상", "What each shock reached"),
    "scenario_unpriced": (
        "필요한 항목이 없어 그대로 둔 기업 (예: 재무상태표 없음)",
        "Left as filed: the figure needed is missing (e.g. no balance sheet)",
    ),
    "scenario_assumptions": (
        "가정: 매출 충격은 매출원가가 매출에 비례하고 판관비는 고정, 금리 충격은 차입금 × 금리 "
        "변화, 손실은 현금에서 지급하고 부족분은 단기 차입. 에너지 비중은 업종별 가정치입니다 "
        "(docs/scenarios.md).",
        "Assumptions: in a revenue shock the cost of sales moves with revenue and SG&A does not; "
        "an interest shock is borrowings × the rate change; a loss is paid from cash and the rest "
        "borrowed short-term; energy shares are assumed by industry (docs/scenarios.md).",
    ),
    "scenario_top": ("예상 위기기업 증가가 큰 순서, 상위 {n}개", "Largest rise first, top {n}"),
    "scenario_bad_size": ("크기를 숫자로 적어 주세요.", "Give the size as a number."),
}
