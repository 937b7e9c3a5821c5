"""Words for the One-Team pages: referrals to partners, a partner's inbox, the national view,
and the names of the partner, office and local-government roles."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {
    "role_partner": ("협력기관", "partner agency"),
    "role_office": ("지방중소벤처기업청", "regional SME office"),
    "role_local_gov": ("지자체", "local government"),
    "partners_nav": ("연계 의뢰", "Referrals"),
    "partners_inbox": ("연계 의뢰 받은 기업", "Firms referred to us"),
    "partners_outbox": ("협력기관 연계 현황", "Referrals to partners"),
    "partners_intro_partner": (
        "센터가 귀 기관에 연계한 기업만 보입니다. 기업의 위험 점수와 재무자료는 보이지 않습니다.",
        "Only the firms a centre referred to your organisation are shown, without their risk "
        "scores or statements.",
    ),
    "partners_intro_centre": (
        "센터가 협력기관에 연계한 기업과 기관의 처리 결과입니다.",
        "The firms the centre referred to partners, and what the partners did.",
    ),
    "partners_none": ("연계된 기업이 없습니다.", "No referrals yet."),
    "partners_no_organisation": (
        "이 계정에는 소속 기관이 지정되지 않아 볼 수 있는 연계가 없습니다. 관리자에게 문의하세요.",
        "This account names no organisation, so it sees no referrals; ask an administrator.",
    ),
    "partners_partner": ("협력기관", "Partner"),
    "partners_programme": ("지원사업", "Programme"),
    "partners_centre_note": ("센터 메모", "Centre's note"),
    "partners_status": ("처리 상태", "Status"),
    "partners_referred_on": ("연계일", "Referred on"),
    "partners_referred_by": ("연계 담당자", "Referred by"),
    "partners_decided_on": ("처리일", "Decided on"),
    "partners_amount": ("지원 금액 (천원)", "Amount (KRW thousand)"),
    "partners_partner_note": ("기관 메모", "Partner's note"),
    "partners_open": ("보기", "Open"),
    "partners_left_data": ("자료에 없는 기업", "no longer in the data"),
    "partners_filter_status": ("상태로 거르기", "Filter by status"),
    "partners_all": ("전체", "All"),
    "partners_show": ("보기", "Show"),
    "partners_referral": ("연계 의뢰", "Referral"),
    "partners_decide": ("처리 결과 기록", "Record the decision"),
    "partners_decide_help": (
        "금액은 지원 확정일 때만 적습니다. 처리일은 오늘(한국 시간) 이후일 수 없습니다.",
        "Give an amount only when approved; the date cannot be after today (Korea).",
    ),
    "partners_decided": ("처리 결과를 저장했습니다.", "The decision is saved."),
    "partners_read_only": (
        "처리 결과는 연계받은 기관이 기록합니다.",
        "The partner the firm was referred to records the decision.",
    ),
    "partners_refer": ("협력기관에 연계", "Refer to a partner"),
    "partners_refer_help": (
        "기업의 상황과 요청 사항을 적으세요. 기관은 이 메모와 기업명만 봅니다.",
        "Say what the firm needs and what you ask; the partner sees this note and the "
        "firm's name only.",
    ),
    "partners_referred": ("연계 의뢰를 보냈습니다.", "The referral is sent."),
    "partners_chain": ("협력기관 연계", "Referrals to partners"),
    "partners_no_partner_accounts": (
        "등록된 협력기관 계정이 없어 연계할 수 없습니다.",
        "No partner accounts exist yet, so there is no one to refer to.",
    ),
    "partners_save": ("저장", "Save"),
    "partners_send": ("연계 보내기", "Send referral"),
    "partners_choose": ("선택하세요", "Choose"),
    "partners_firm": ("기업", "Firm"),
    "partners_region": ("지역", "Region"),
    "partners_status_referred": ("연계 요청", "referred"),
    "partners_status_reviewing": ("검토 중", "under review"),
    "partners_status_approved": ("지원 확정", "approved"),
    "partners_status_declined": ("지원 불가", "declined"),
    "national_title": ("전국 현황", "National view"),
    "national_nav": ("전국 현황", "National"),
    "national_intro": (
        "시도별 위험 단계와 예상 위기, 위험 노출 고용, 센터의 월별 사례·방문·연계 실적입니다. "
        "단계 기준과 처리 가능 기업 수는 config/regions.yaml의 시도별 설정을 따릅니다.",
        "Each region's stage, expected crises and employees at risk beside its centre's "
        "cases, visits and referrals per month. Stage thresholds and capacities are each "
        "region's settings in config/regions.yaml.",
    ),
    "national_months": ("집계 기간", "Months counted"),
    "national_employees_at_risk": ("위험 노출 고용 (명)", "Employees at risk"),
    "national_employees_help": (
        "기업별 부실 확률 × 종업원수의 합",
        "Σ probability of distress × employees",
    ),
    "national_capacity": ("처리 가능 기업 수", "Capacity"),
    "national_coverage": ("목록 포착률", "List coverage"),
    "national_coverage_help": (
        "처리 가능 기업 수만큼 부실 확률이 높은 기업을 골랐을 때 예상 위기 중 포함되는 비율",
        "Share of the expected crises among the capacity's highest-PD firms",
    ),
    "national_open_cases": ("진행 중 사례", "Open cases"),
    "national_month": ("월", "Month"),
    "national_cases_opened": ("사례 개시", "Cases opened"),
    "national_cases_closed": ("사례 종결", "Cases closed"),
    "national_visits": ("방문·상담", "Visits"),
    "national_referrals": ("연계", "Referrals"),
    "national_approved": ("지원 확정", "Approved"),
    "national_declined": ("지원 불가", "Declined"),
    "national_amount": ("확정 금액 (천원)", "Amount approved (KRW thousand)"),
    "national_by_month": ("월별 실적", "Month by month"),
    "national_total": ("전국", "Nation"),
}
