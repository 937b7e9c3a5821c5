"""Words on the staff pages, Korean first with an English twin; the language comes from
``?lang=`` (remembered in a cookie) and defaults to Korean."""

from __future__ import annotations

from typing import Final, Literal

from core.contract import REGIONS, REGIONS_EN
from core.grades import GRADES, Grade
from serving.access.policy import UNKNOWN_REGION
from serving.domain.region_codes import UNKNOWN_NAMES
from serving.web.words import briefs, cases, changes, help, partners, people, scenarios

Lang = Literal["ko", "en"]
LANGS: Final[tuple[Lang, ...]] = ("ko", "en")
LANG_COOKIE: Final = "ews_lang"
GRADE_CHOICES: Final[tuple[str, ...]] = GRADES[1:]  # "at least 관심" … "at least 심각"

_CORE: Final[dict[str, tuple[str, str]]] = {
    "app": ("지역 중소기업 위기 조기경보", "Regional SME early warning"),
    "skip": ("본문으로 건너뛰기", "Skip to main content"),
    "nav": ("주 메뉴", "Main menu"),
    "switch_lang": ("English", "한국어"),
    "switch_lang_label": ("Switch to English", "한국어로 보기"),
    "sign_in": ("로그인", "Sign in"),
    "sign_out": ("로그아웃", "Sign out"),
    "api_key": ("API 키", "API key"),
    "api_key_help": (
        "센터에 발급된 API 키(ews_로 시작)를 입력하세요. 키는 저장되지 않습니다.",
        "Enter the API key issued to your centre (it starts with ews_). "
        "The key itself is never stored in the browser.",
    ),
    "sign_in_failed": ("알 수 없거나 폐기된 키입니다.", "Unknown or revoked key."),
    "sign_in_locked": (
        "로그인 실패가 너무 많습니다. 잠시 후 다시 시도하세요.",
        "Too many failed sign-ins; try again later.",
    ),
    "signed_out": ("로그아웃했습니다.", "You are signed out."),
    "session_expired": ("다시 로그인하세요.", "Please sign in again."),
    "role_center": ("센터", "centre"),
    "role_analyst": ("분석가", "analyst"),
    "role_admin": ("관리자", "admin"),
    "watchlist": ("관찰 대상 목록", "Watch list"),
    "nav_changes": ("이번 달 변화", "This month"),
    "nav_briefs": ("지역 브리프", "Regional brief"),
    "nav_scenarios": ("스트레스 시나리오", "Stress scenarios"),
    "nav_admin": ("관리", "Admin"),
    "region": ("지역", "Region"),
    "regions": ("전국 지역", "All regions"),
    "firm": ("기업", "Firm"),
    "find_firm": ("기업 조회", "Look up a firm"),
    "search": ("찾기", "Search"),
    "search_help": ("기업명 일부 또는 기업 번호", "Part of the name, or the firm number"),
    "search_title": ("기업 찾기", "Find a firm"),
    "search_results": ("'{q}' 검색 결과 {total:,}건", "{total:,} firms match '{q}'"),
    "search_more": (
        "처음 {shown}건만 보여 줍니다. 이름을 더 길게 적어 보세요.",
        "Only the first {shown} are shown; type more of the name.",
    ),
    "search_none": (
        "맞는 기업이 없습니다. 볼 수 있는 지역의 기업만 찾습니다.",
        "No firm matches. Only firms of the regions you can see are searched.",
    ),
    "search_short": (
        "기업명은 두 글자 이상 적어 주세요 (주식회사·(주)와 띄어쓰기는 빼고 셉니다).",
        "Type at least two characters of the name (company forms and spaces are not counted).",
    ),
    "data_statements": ("최근 재무제표 결산", "latest statement"),
    "data_events": ("최근 사건 자료", "latest event"),
    "firm_id": ("기업 번호", "Firm id"),
    "firm_id_help": (
        "사업자등록번호·법인등록번호 또는 기관 코드",
        "Business or corporate registration number, or vendor code",
    ),
    "open": ("열기", "Open"),
    "pd": ("12개월 내 부실 확률", "Probability of distress within 12 months"),
    "pd_short": ("부실 확률", "PD"),
    "grade": ("경보 단계", "Alert grade"),
    "base_pd": ("기준 확률 (평균 기업)", "Base rate (average firm)"),
    "base_pd_help": (
        "모형이 학습한 자료에서 평균적인 기업의 확률입니다. 위험 요인은 이 값에서 출발해 "
        "이 기업의 확률까지 더해집니다.",
        "The probability for an average firm of the data the model learnt from; the reasons "
        "start here and add up to this firm's probability.",
    ),
    "pd_of": ("{event} 확률 ({months}개월 내)", "Probability: {event} within {months} months"),
    "no_pd": ("확률·등급 없음", "No probability or grade"),
    "status_stale": ("자료 오래됨", "stale data"),
    "status_in_state": ("이미 해당 상태", "already in the state"),
    "statement_date": ("최근 재무제표", "Latest statement"),
    "unrated": ("확률을 매기지 않은 기업", "Firms without a probability"),
    "unrated_help": (
        "이미 모형이 예측하는 상태에 있거나 최근 재무제표가 오래되어 확률·등급을 매기지 "
        "않았습니다. 순위 없이 따로 보여 줍니다.",
        "Already in the state the model predicts, or the latest statement is too old: no "
        "probability or grade, so they are listed apart, without a rank.",
    ),
    "as_of": ("기준일", "As of"),
    "model": ("모형", "Model"),
    "grade_table": ("등급표", "Grade table"),
    "reasons": ("위험 요인 (확률 %p 기여)", "Reasons (contribution in probability points)"),
    "reasons_desc": (
        "막대는 각 요인이 평균 기업 대비 부실 확률을 올리거나(빨강) "
        "내린(파랑) 크기입니다. 모두 더하면 위 확률이 됩니다.",
        "Each bar is how much a factor raises (red) or lowers (blue) the "
        "probability of distress against an average firm; together they add up "
        "to the probability above.",
    ),
    "raises": ("높임", "raises"),
    "lowers": ("낮춤", "lowers"),
    "families": ("요인 분류별 합계", "Totals by family"),
    "family": ("분류", "Family"),
    "contribution": ("기여", "Contribution"),
    "flags": ("규칙 기반 경고", "Rule flags"),
    "no_flags": ("해당 경고 없음", "No rule flag raised"),
    "history": ("점수 이력", "Score history"),
    "history_empty": ("이력이 아직 없습니다.", "No history yet."),
    "peers": ("동종업계 비교", "Peer comparison"),
    "peer_group": ("비교 대상", "Compared with"),
    "indicator": ("지표", "Indicator"),
    "value": ("값", "Value"),
    "peer_rank": ("동종업계 백분위", "Peer percentile"),
    "peer_rank_help": (
        "백분위는 이 값 이하인 동종업계 기업의 비율입니다(같은 값은 가운데로 셈).",
        "The percentile is the share of peers at or below this value (ties counted at their "
        "middle).",
    ),
    "peer_risky": ("위험 방향", "Riskier when"),
    "peer_risky_high": ("높을수록 위험", "higher"),
    "peer_risky_low": ("낮을수록 위험", "lower"),
    "peer_risky_both": ("너무 낮거나 높으면 위험", "far from usual either way"),
    "peer_same_as_most": ("동종업계 대부분과 같음", "same as most peers"),
    "print": ("인쇄용 보고서", "Printable report"),
    "print_now": ("인쇄", "Print"),
    "sign_off": ("확인", "Sign-off"),
    "sign_off_officer": ("담당자", "Officer"),
    "sign_off_reviewer": ("확인자", "Reviewed by"),
    "sign_off_date": ("날짜", "Date"),
    "sign_off_sign": ("(서명)", "(signature)"),
    "back_to_firm": ("기업 화면으로", "Back to the firm"),
    "visits": ("방문 기록", "Visits"),
    "visit_new": ("방문 결과 기록", "Record a visit"),
    "visited_on": ("방문일", "Date of visit"),
    "finding": ("확인 결과", "Finding"),
    "note": ("메모", "Note"),
    "save": ("저장", "Save"),
    "no_visits": ("방문 기록이 없습니다.", "No visits recorded."),
    "visit_saved": ("방문 결과를 저장했습니다.", "The visit is recorded."),
    "visit_read_only": (
        "방문 기록은 해당 지역 센터와 관리자만 남길 수 있습니다.",
        "Only the firm's own centre and admins can record visits.",
    ),
    "visit_date_invalid": (
        "방문일은 2000년 이후, 오늘 이전의 날짜여야 합니다.",
        "The date of visit must be a date from 2000 up to today.",
    ),
    "visit_finding_invalid": ("확인 결과를 목록에서 고르세요.", "Choose a finding from the list."),
    "visit_note_invalid": (
        "메모는 2,000자 이내로 적어 주세요.",
        "Keep the note within 2,000 characters.",
    ),
    "recorded_by": ("기록", "Recorded by"),
    "imported": ("자료 이관", "imported"),
    "changes": ("직전 기준일 대비 가장 크게 변한 요인", "What moved most since the previous date"),
    "fiscal_year": ("결산연도", "Fiscal year"),
    "error_403_write": ("기록 권한이 없습니다", "Not allowed to record"),
    "error_403_write_body": (
        "방문 기록은 해당 지역 센터와 관리자만 남길 수 있습니다. 시도는 기록되었습니다.",
        "Only the firm's own centre and admins record visits. The attempt has been recorded.",
    ),
    "capacity": ("처리 가능 기업 수", "Capacity (firms)"),
    "capacity_help": (
        "이번 기간에 연락·방문할 수 있는 기업 수",
        "Firms you can contact this period",
    ),
    "min_grade": ("최소 경보 단계", "Minimum grade"),
    "industry": ("업종", "Industry"),
    "district": ("시군구", "District"),
    "cluster": ("산업단지·클러스터", "Cluster"),
    "all": ("전체", "All"),
    "apply": ("적용", "Apply"),
    "rank": ("순위", "Rank"),
    "name": ("기업명", "Name"),
    "top_reasons": ("주요 요인", "Top reasons"),
    "expected_crises": ("예상 위기 기업 수", "Expected crises"),
    "coverage": ("지역 예상 위기 중 포함 비율", "Share of the region's expected crises"),
    "list_size": ("목록 기업 수", "Firms listed"),
    "capacity_invalid": ("1에서 1,000 사이의 숫자를 넣으세요.", "Enter a number from 1 to 1,000."),
    "min_grade_invalid": ("경보 단계를 목록에서 고르세요.", "Choose a grade from the list."),
    "ksic_invalid": (
        "업종은 KSIC 코드 2~5자리입니다.",
        "Industry is a KSIC code of 2 to 5 digits.",
    ),
    "district_invalid": ("시군구는 5자리 코드입니다.", "A district is a 5-digit code."),
    "cluster_invalid": ("클러스터 코드가 너무 깁니다.", "The cluster code is too long."),
    "at_least": ("이상", "or higher"),
    "status": ("구분", "Status"),
    "status_new": ("신규", "new"),
    "status_kept": ("유지", "kept"),
    "previous": ("직전", "Previous"),
    "left": ("이번에 목록에서 빠진 기업", "Firms that left the list"),
    "why": ("사유", "Why"),
    "rule": ("목록 유지 규칙", "Keep rule"),
    "displaced": (
        "유지 규칙 때문에 대기 중인 상위 기업",
        "Top firms waiting because of the keep rule",
    ),
    "candidates": ("조건에 맞는 기업", "Firms passing the filters"),
    "no_firms": ("조건에 맞는 기업이 없습니다.", "No firm passes these filters."),
    "expected_rate": ("기대 부실률", "Expected distress rate"),
    "national": ("전국", "National"),
    "grade_up": ("등급 상승", "Grade up"),
    "grade_down": ("등급 하락", "Grade down"),
    "unclustered": ("클러스터 밖 기업", "Firms in no cluster"),
    "no_clusters": ("등록된 클러스터가 없습니다.", "No cluster recorded."),
    "small_sample": ("표본이 작음", "small sample"),
    "published": ("공표", "published"),
    "period": ("기간", "Period"),
    "filters": ("조건", "Filters"),
    "region_page": ("지역 위험 현황", "Regional risk"),
    "grade_dist": ("경보 단계별 기업 수", "Firms by alert grade"),
    "clusters": ("산업단지·클러스터", "Clusters"),
    "indicators": ("지역 경제 지표", "Regional indicators"),
    "trend": ("추이", "Trend"),
    "stage": ("지역 단계", "Regional stage"),
    "firms": ("기업 수", "Firms"),
    "change": ("직전 대비", "Change"),
    "drivers": ("주요 위험 요인", "Main drivers"),
    "error_403": ("접근 권한이 없습니다", "Access denied"),
    "error_403_body": (
        "이 키로는 다른 지역의 기업·자료를 볼 수 없습니다. 시도는 기록되었습니다.",
        "This key cannot open another region's firms or data. The attempt has been recorded.",
    ),
    "error_404": ("찾을 수 없습니다", "Not found"),
    "error_404_body": ("해당 기업이나 자료가 없습니다.", "No such firm or record."),
    "error_503": ("서비스 준비 중", "Service not ready"),
    "error_503_body": (
        "모형이나 자료를 불러오는 중입니다. 잠시 후 다시 시도하세요.",
        "The model or the data is still loading; try again shortly.",
    ),
    "error_csrf": ("양식이 만료되었습니다", "The form has expired"),
    "error_csrf_body": ("페이지를 새로 고친 뒤 다시 시도하세요.", "Reload the page and try again."),
    "error_400": ("요청을 처리할 수 없습니다", "The request cannot be processed"),
    "not_scorable": (
        "이 기준일에 점수를 낼 수 없습니다 (재무제표 없음 또는 이미 부실).",
        "No score on this date (no statement filed, or already in distress).",
    ),
    "home": ("처음", "Home"),
    "size_class": ("규모", "Size"),
    "founded": ("설립일", "Founded"),
    "none": ("없음", "none"),
}


def _merged(*parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    words: dict[str, tuple[str, str]] = {}
    for part in parts:
        twice = words.keys() & part.keys()
        if twice:
            raise ValueError(f"page words given twice: {sorted(twice)}")
        words.update(part)
    return words


TEXT: Final = _merged(
    _CORE,
    people.WORDS,
    cases.WORDS,
    help.WORDS,
    changes.WORDS,
    scenarios.WORDS,
    briefs.WORDS,
    partners.WORDS,
)


SIZES: Final[dict[str, str]] = {"소기업": "small", "중기업": "medium-sized"}


def size_name(lang: Lang, size_class: str) -> str:
    return SIZES.get(size_class, size_class) if lang == "en" else size_class


def pick_lang(value: str | None) -> Lang | None:
    return value if value in LANGS else None  # type: ignore[return-value]


def text(lang: Lang, name: str) -> str:
    ko, en = TEXT[name]
    return en if lang == "en" else ko


def grade_name(lang: Lang, grade: str) -> str:
    return Grade.named(grade).en if lang == "en" else grade


def region_name(lang: Lang, region: str | None) -> str:
    if region is None:
        return text(lang, "all")
    if region == UNKNOWN_REGION:
        return UNKNOWN_NAMES[1 if lang == "en" else 0]
    names = REGIONS_EN if lang == "en" else REGIONS
    return names.get(region, region)
