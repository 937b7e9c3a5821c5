"""Words for what would help a firm: actions, programmes and what lowers the grade."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {
    "help_title": ("지원 방안", "What would help"),
    "help_action": ("등급별 조치", "Action at this grade"),
    "help_kosme": ("중진공 조기경보 단계", "KOSME early-warning stage"),
    "help_kosme_none": ("해당 없음 (정상)", "none (normal)"),
    "help_no_grade": ("등급이 없어 조치를 정하지 않습니다", "no grade, so no action is set"),
    "help_lower": ("등급을 낮추는 변화", "What lowers the grade"),
    "help_lower_note": (
        "모형이 계산한 가장 작은 변화 (최근 재무제표 기준, 예측이 아님)",
        "the smallest changes by the model itself (on the latest statement; not a forecast)",
    ),
    "help_to_grade": ("{steps}단계 아래 {grade}", "{steps} grade(s) down to {grade}"),
    "help_pd_after": ("바뀐 PD {pd} ({points})", "PD after {pd} ({points})"),
    "help_changes": ("바뀌는 항목", "Items that change"),
    "help_moves": ("변화를 이끈 지표", "Features that carried the change"),
    "help_funded_by": ("연계 가능한 지원", "Programmes that can fund it"),
    "help_nothing": ("제안 없음", "Nothing proposed"),
    "help_programmes": ("맞는 지원사업", "Programmes that fit"),
    "help_fits": ("맞는 이유", "Why it fits"),
    "help_region_programme": ("지역 사업", "regional programme"),
    "help_rules": ("자격 확인", "Eligibility"),
    "help_staff_check": ("직원 확인 사항", "For staff to check"),
    "help_source": ("출처", "Source"),
    "help_amount": ("한도", "Ceiling"),
    "help_amount_value": ("{amount}백만원", "KRW {amount} million"),
    "help_verified": ("확인 범위", "What was verified"),
    "help_no_programmes": (
        "기업의 위험 요인에 맞는 지원사업이 목록에 없습니다",
        "no programme in the catalogue addresses this firm's reasons",
    ),
    "help_excluded": (
        "자격 조건으로 제외된 지원사업 {count}개",
        "{count} programme(s) ruled out by eligibility",
    ),
    "help_catalogue_problem": (
        "지원사업 목록 파일을 읽을 수 없습니다",
        "The programme catalogue file cannot be read",
    ),
    "help_api": (
        "같은 내용: GET /v1/firms/{firm_id}/help",
        "Same data: GET /v1/firms/{firm_id}/help",
    ),
}
