"""Words for staff accounts, keys and the admin pages."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {
    "people_organisation": ("소속 기관", "Organisation"),
    "people_organisation_help": (
        "협력기관(partner) 계정은 필수: 이 기관에 연계된 기업만 봅니다 (예: 중진공).",
        "Required for a partner account: it sees only the firms referred to this agency "
        "(e.g. 중진공).",
    ),
    # sign-in
    "people_with_password": ("아이디와 비밀번호로 로그인", "Sign in with your username"),
    "people_with_key": ("API 키로 로그인", "Sign in with an API key"),
    "people_sign_in_with_key": ("API 키로 로그인", "Sign in with the key"),
    "people_username": ("아이디", "Username"),
    "people_password": ("비밀번호", "Password"),
    "people_sign_in_failed": (
        "아이디 또는 비밀번호가 맞지 않습니다. 5번 연속 틀리면 15분 동안 잠깁니다.",
        "Wrong username or password. Five wrong tries in a row lock the account for 15 minutes.",
    ),
    # admin pages
    "people_admin": ("관리", "Administration"),
    "people_admin_intro": (
        "직원 계정, API 키와 감사 기록을 관리합니다. 모든 관리 작업은 감사 기록에 남습니다.",
        "Staff accounts, API keys and the audit log. Every action here is audited.",
    ),
    "people_admin_only": ("관리자 전용", "Administrators only"),
    "people_admin_only_body": (
        "이 화면은 관리자 계정만 열 수 있습니다. 시도는 기록되었습니다.",
        "Only administrators open this page. The attempt has been recorded.",
    ),
    "people_users": ("직원 계정", "Staff accounts"),
    "people_keys": ("API 키", "API keys"),
    "people_audit": ("감사 기록", "Audit log"),
    "people_users_count": ("활성 계정 {active}개 / 전체 {total}개", "{active} active of {total}"),
    "people_keys_count": ("사용 중인 키 {live}개", "{live} live keys"),
    "people_audit_hint": (
        "사람·기업·작업·기간으로 찾고 CSV로 내려받습니다.",
        "Search by person, firm, action and dates; download as CSV.",
    ),
    "people_name": ("이름", "Name"),
    "people_role": ("역할", "Role"),
    "people_region": ("시도", "Region"),
    "people_hq": ("본부", "HQ"),
    "people_capacity": ("담당 한도(건)", "Capacity (cases)"),
    "people_capacity_default": ("센터 기본값", "centre default"),
    "people_status": ("상태", "Status"),
    "people_active": ("사용 중", "active"),
    "people_disabled": ("사용 중지", "disabled"),
    "people_locked": ("잠김", "locked"),
    "people_created": ("만든 날", "Created"),
    "people_actions": ("작업", "Actions"),
    "people_create_user": ("계정 만들기", "Create an account"),
    "people_password_optional": (
        "비밀번호 (비우면 새로 만들어 한 번만 보여 줍니다)",
        "Password (leave empty to generate one, shown once)",
    ),
    "people_create": ("만들기", "Create"),
    "people_disable": ("사용 중지", "Disable"),
    "people_enable": ("다시 사용", "Enable"),
    "people_reset": ("비밀번호 재설정", "Reset password"),
    "people_set_capacity": ("한도 저장", "Save capacity"),
    "people_created_notice": (
        "{username} 계정을 만들었습니다. 비밀번호는 지금 한 번만 보입니다: {password}",
        "Created {username}. The password is shown only now: {password}",
    ),
    "people_reset_notice": (
        "{username}의 비밀번호를 바꾸고 열린 세션을 끝냈습니다. "
        "새 비밀번호(한 번만 보임): {password}",
        "Reset {username}'s password and ended their sessions. "
        "New password (shown once): {password}",
    ),
    "people_disabled_notice": (
        "{username} 계정을 중지했습니다. 키와 세션이 바로 끊겼습니다.",
        "Disabled {username}: their keys and sessions stopped at once.",
    ),
    "people_enabled_notice": ("{username} 계정을 다시 열었습니다.", "Enabled {username} again."),
    "people_capacity_notice": (
        "{username}의 담당 한도를 저장했습니다.",
        "Saved {username}'s capacity.",
    ),
    "people_key_prefix": ("키 앞자리", "Prefix"),
    "people_key_person": ("사람", "Person"),
    "people_key_label": ("용도", "Label"),
    "people_key_revoked": ("폐기", "Revoked"),
    "people_key_live": ("사용 중", "live"),
    "people_revoke": ("즉시 폐기", "Revoke now"),
    "people_create_key": ("키 발급", "Issue a key"),
    "people_key_for_user": (
        "사람 (고르면 그 사람의 역할·시도로 발급)",
        "Person (the key takes their role and region)",
    ),
    "people_key_shared": ("공용 키 (사람 없음)", "shared key (no person)"),
    "people_key_created_notice": (
        "키를 발급했습니다. 지금 한 번만 보입니다: {key}",
        "Key issued. It is shown only now: {key}",
    ),
    "people_key_revoked_notice": (
        "키 {key_id}를 폐기했습니다. 다음 요청부터 거부됩니다.",
        "Revoked key {key_id}: its next request is refused.",
    ),
    "people_key_not_live": (
        "키 {key_id}는 이미 폐기되었거나 없습니다.",
        "Key {key_id} is not live.",
    ),
    "people_audit_person": ("사람", "Person"),
    "people_audit_anyone": ("모두", "anyone"),
    "people_audit_firm": ("기업 번호", "Firm id"),
    "people_audit_action": ("작업(경로 일부)", "Action (part of the path)"),
    "people_audit_outcome": ("결과", "Outcome"),
    "people_audit_since": ("시작일", "From"),
    "people_audit_until": ("종료일(포함)", "To (inclusive)"),
    "people_audit_search": ("기록 찾기", "Search the log"),
    "people_audit_csv": ("CSV 내려받기", "Download CSV"),
    "people_audit_at": ("시각 (UTC)", "When (UTC)"),
    "people_audit_endpoint": ("작업", "Action"),
    "people_outcome_ok": ("허용", "ok"),
    "people_outcome_forbidden": ("거부(권한 없음)", "forbidden"),
    "people_outcome_not_found": ("대상 없음", "not found"),
    "people_outcome_unauthorised": ("인증 실패", "unauthorised"),
    "people_outcome_locked": ("잠김", "locked"),
    "people_outcome_invalid": ("입력 오류", "invalid"),
    "people_outcome_refused": ("거절", "refused"),
    "people_outcome_not_scorable": ("점수 없음", "not scorable"),
    "people_audit_firms": ("기업", "Firms"),
    "people_audit_shown": (
        "최근 {shown}건을 보여 줍니다 (최대 {limit}건). 전체는 CSV로 받으세요.",
        "Showing the latest {shown} rows (at most {limit}); the CSV has them all.",
    ),
    "people_audit_none": ("조건에 맞는 기록이 없습니다.", "No rows match."),
    "people_invalid": ("입력을 확인하세요: {detail}", "Please check the form: {detail}"),
}
