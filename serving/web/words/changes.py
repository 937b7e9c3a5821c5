"""Words for this month's changes and the digest."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {
    "changes_title": ("이번 달 변화", "This month's changes"),
    "changes_choose": (
        "변화를 볼 지역을 고르세요.",
        "Choose the region whose changes to show.",
    ),
    "changes_month": ("월", "Month"),
    "changes_show": ("보기", "Show"),
    "changes_as_of": ("기준일", "As of"),
    "changes_previous": ("직전 월말", "Previous month-end"),
    "changes_scored": ("평가 기업", "Firms scored"),
    "changes_summary": ("요약", "Summary"),
    "changes_rises": ("등급 상승", "Grade rises"),
    "changes_rises_help": (
        "직전 월말보다 등급이 올라간(나빠진) 기업입니다.",
        "Firms whose grade rose (worsened) since the previous month-end.",
    ),
    "changes_triggers": ("새 체납·연체", "New arrears and delinquency"),
    "changes_triggers_help": (
        "이번 달에 세금·4대보험·임금 체납이나 30일 연체가 새로 생긴 기업입니다.",
        "Firms with a new tax, social-insurance or wage arrears, or a 30-day delinquency, "
        "this month.",
    ),
    "changes_failed": ("이번 달 부도·폐업", "Failed this month"),
    "changes_failed_help": (
        "이번 달에 처음으로 부도·폐업 등 채무불이행 사건이 생긴 기업입니다. 평가 대상에서 "
        "빠지며, 기업 화면에서 이력을 볼 수 있습니다.",
        "Firms with their first default-type event (dishonoured bill, 90-day delinquency, "
        "rehabilitation, bankruptcy, closure, workout) this month. They leave the scored "
        "population; their history is on the firm page.",
    ),
    "changes_failed_mark": ("부도·폐업", "Failed"),
    "changes_stale": ("자료 오래됨", "Data became stale"),
    "changes_stale_help": (
        "지난달에는 등급이 있었으나 최신 재무제표가 너무 오래되어 이번 달에는 등급을 줄 수 "
        "없는 기업입니다.",
        "Firms graded last month whose latest statement is now too old for a grade.",
    ),
    "changes_none": ("해당 기업 없음", "None this month"),
    "changes_source": ("자료 파일 (월말 재평가)", "Source file (month-end re-score)"),
    "changes_cut": (
        "전체 {total}곳 가운데 앞의 {shown}곳을 보여 줍니다 (API의 limit으로 더 받을 수 있습니다).",
        "Showing the first {shown} of {total} (the API's limit gives more).",
    ),
    "changes_firm": ("기업", "Firm"),
    "changes_district": ("시군구", "District"),
    "changes_grade": ("등급", "Grade"),
    "changes_pd": ("부실 확률", "PD"),
    "changes_events": ("새 사건", "New events"),
    "changes_reasons": ("주요 요인", "Main reasons"),
    "changes_failed_on": ("발생일", "Date"),
    "changes_event": ("사건", "Event"),
    "changes_statement": ("최신 재무제표", "Latest statement"),
    "changes_history": ("이력 보기", "History"),
    "changes_missing": ("월간 점수가 없습니다", "No monthly scores yet"),
    "changes_missing_help": (
        "이 화면은 월말 재평가 결과를 읽습니다. 운영자가 다음 명령을 실행하면 나타납니다:",
        "This page reads the month-end re-score. It appears once an operator runs:",
    ),
    "changes_digest": ("이번 달 요약 (담당자별)", "This month's digest (per person)"),
    "changes_digest_title": ("월간 변화 요약", "Monthly digest"),
    "changes_digest_help": (
        "관찰 대상(진행 중인 사례와 감시 목록) 가운데 이번 달 등급이 오르거나 새 체납·연체가 "
        "생기거나 부도·폐업한 기업입니다. 담당자가 없는 사례와 사례가 없는 기업은 센터 전체 "
        "목록에만 나옵니다.",
        "Watched firms (open cases and the watch list) that rose a grade, got new arrears or "
        "delinquency, or failed this month. Firms without a case, or with an unassigned one, "
        "are in the whole centre's list only.",
    ),
    "changes_digest_csv": ("CSV 내려받기", "Download CSV"),
    "changes_digest_centre": ("센터 전체", "Whole centre"),
    "changes_digest_owner": ("담당자", "Owner"),
    "changes_digest_change": ("변화", "Change"),
    "changes_digest_case": ("사례 단계", "Case stage"),
    "changes_digest_due": ("다음 연락일", "Next follow-up"),
    "changes_digest_back": ("이번 달 변화로", "Back to this month's changes"),
    "changes_kind_failed": ("부도·폐업", "failed"),
    "changes_kind_grade_rise": ("등급 상승", "grade rise"),
    "changes_kind_new_trigger": ("새 체납·연체", "new arrears or delinquency"),
    "changes_event_tax_arrears": ("세금 체납", "tax arrears"),
    "changes_event_social_insurance_arrears": ("4대보험 체납", "social-insurance arrears"),
    "changes_event_wage_arrears": ("임금 체불", "wage arrears"),
    "changes_event_loan_delinquency_30": ("대출 30일 연체", "30-day loan delinquency"),
    "changes_event_loan_delinquency_90": ("대출 90일 연체", "90-day loan delinquency"),
    "changes_event_dishonored_bill": ("어음 부도", "dishonoured bill"),
    "changes_event_rehabilitation_filing": ("회생 신청", "rehabilitation filing"),
    "changes_event_bankruptcy": ("파산", "bankruptcy"),
    "changes_event_closure": ("폐업", "closure"),
    "changes_event_workout": ("워크아웃", "workout"),
}
