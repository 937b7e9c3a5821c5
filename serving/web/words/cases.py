"""Words for cases on the watch list and the firm page, and a visit's contact, programme,
amount and outcome."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {
    "case_title": ("사례 관리", "Case"),
    "case_status": ("진행 단계", "Stage"),
    "case_owner": ("담당자", "Owner"),
    "case_no_owner": ("담당 없음", "nobody"),
    "case_next": ("다음 연락 예정일", "Next follow-up"),
    "case_next_none": ("정하지 않음", "not set"),
    "case_last_contact": ("마지막 연락", "Last contact"),
    "case_overdue": ("기한 지남", "overdue"),
    "case_take": ("내가 맡기", "Take this case"),
    "case_mine": ("내 담당", "mine"),
    "case_save": ("사례 반영", "Update the case"),
    "case_note": ("사례 기록 (변경 이력에 남음)", "Case note (kept with the change)"),
    "case_saved": ("사례를 저장했습니다.", "The case is saved."),
    "case_history": ("변경 이력", "Changes"),
    "case_no_history": ("아직 변경 이력이 없습니다.", "No changes yet."),
    "case_read_only": (
        "사례는 해당 지역 센터와 관리자만 바꿀 수 있습니다.",
        "Only the firm's own centre and admins change its case.",
    ),
    "case_untouched": (
        "아직 아무도 이 기업을 맡지 않았습니다 (미접촉).",
        "Nobody has worked on this firm yet (not contacted).",
    ),
    "case_rule": (
        "단계는 앞으로 건너뛸 수 있고, 되돌릴 때는 연락 또는 모니터링으로만 돌아갑니다. "
        "종결된 사례도 연락·모니터링으로 다시 열 수 있습니다.",
        "A stage may move to any later one; going back is only to contacted or monitoring, "
        "which also reopens a closed case.",
    ),
    "case_field_status": ("단계", "stage"),
    "case_field_assignee": ("담당자", "owner"),
    "case_field_next_follow_up": ("다음 연락 예정일", "next follow-up"),
    "case_field_last_contact": ("마지막 연락", "last contact"),
    "case_field_note": ("메모", "note"),
    "case_when": ("시각", "When"),
    "case_who": ("변경자", "By"),
    "case_change": ("변경", "Change"),
    "case_status_invalid": (
        "이 단계로 옮길 수 없습니다. 되돌릴 때는 연락 또는 모니터링만 고를 수 있습니다.",
        "The case cannot move to that stage; going back is only to contacted or monitoring.",
    ),
    "case_assignee_invalid": (
        "담당자는 이 센터의 직원 목록에서 고르세요.",
        "Choose the owner from this centre's staff.",
    ),
    "case_next_invalid": (
        "다음 연락 예정일은 오늘 또는 그 이후의 날짜여야 합니다.",
        "The next follow-up must be today or a later date.",
    ),
    "case_note_invalid": (
        "메모는 2,000자 이내로 적어 주세요.",
        "Keep the note within 2,000 characters.",
    ),
    "case_nothing_changed": (
        "바뀐 내용이 없습니다. 단계, 담당자, 예정일 또는 메모를 적어 주세요.",
        "Nothing changed: set a stage, an owner, a date or a note.",
    ),
    "case_take_no_person": (
        "공용 키로 로그인하면 사례를 맡을 수 없습니다. 개인 계정으로 로그인하세요.",
        "A shared key cannot take a case: sign in with your own account.",
    ),
    "case_contact_type": ("연락 방식", "Contact"),
    "case_programme": ("연계 지원사업", "Programme referred"),
    "case_programme_help": (
        "지원사업 목록의 ID 또는 사업명 (64자 이내)",
        "A catalogue id or the programme's name (up to 64 characters)",
    ),
    "case_amount": ("금액 (천원)", "Amount (thousand won)"),
    "case_outcome": ("결과", "Outcome"),
    "case_outcome_none": ("선택 안 함", "not given"),
    "case_contact_type_invalid": ("연락 방식을 목록에서 고르세요.", "Choose a contact type."),
    "case_programme_invalid": (
        "지원사업은 64자 이내로 적어 주세요.",
        "Keep the programme within 64 characters.",
    ),
    "case_amount_invalid": (
        "금액은 0 이상의 숫자(천원)로 적어 주세요.",
        "The amount must be a number of thousand won, 0 or more.",
    ),
    "case_outcome_invalid": ("결과를 목록에서 고르세요.", "Choose an outcome from the list."),
    "case_column": ("사례", "Case"),
    "case_due": ("예정일", "Due"),
    "case_sort": ("정렬", "Sort"),
    "case_sort_pd": ("부도확률 높은 순", "Highest PD first"),
    "case_sort_pd_change": ("부도확률 상승폭 큰 순", "Largest PD rise first"),
    "case_sort_due": ("연락 예정일 빠른 순", "Soonest follow-up first"),
    "case_sort_invalid": ("정렬 방식을 목록에서 고르세요.", "Choose a sort order from the list."),
    "case_workload": ("담당자별 진행 중 사례", "Open cases per person"),
    "case_open_cases": ("진행 중", "Open"),
    "case_capacity": ("수용 가능", "Capacity"),
    "case_over": ("수용 초과", "over capacity"),
    "case_no_staff": (
        "이 센터에 등록된 직원 계정이 없습니다.",
        "No staff accounts are registered for this centre.",
    ),
    "case_off_list": ("목록 밖 진행 중 사례", "Open cases not on this list"),
    "case_off_list_help": (
        "이번 목록에서 빠졌거나 조건에 맞지 않지만 아직 종결되지 않은 사례입니다.",
        "Cases still open for firms this list (or its filters) no longer shows.",
    ),
    "case_overdue_count": ("기한 지난 연락 {n}건", "{n} follow-ups overdue"),
}
