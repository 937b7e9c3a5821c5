"""Particles follow the last syllable's final consonant; values read as staff expect."""

import pytest

from features.catalog import BY_NAME
from scoring.korean import attach, particle
from scoring.wording import Event, Peers, display, peer_rank, sentence_en, sentence_ko


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("부채비율", "이/가", "이"),
        ("매출액", "이/가", "이"),
        ("업력", "은/는", "은"),
        ("EBITDA 마진", "이/가", "이"),
        ("차입금의존도", "이/가", "가"),
        ("매출 규모(로그)", "은/는", "는"),
        ("국세 체납(12개월)", "이/가", "이"),
        ("0.6배", "으로/로", "로"),
        ("45일", "으로/로", "로"),  # ㄹ takes 로
        ("2건", "으로/로", "으로"),
        ("12.3%", "으로/로", "로"),
        ("3", "이/가", "이"),  # 삼
        ("2", "이/가", "가"),  # 이
        ("GDP", "을/를", "를"),
        ("URL", "이/가", "이"),
    ],
)
def test_particle_follows_final_consonant(word: str, pair: str, expected: str) -> None:
    assert particle(word, pair) == expected


def test_attach_and_unknown_pair() -> None:
    assert attach("이자보상배율", "이/가") == "이자보상배율이"
    with pytest.raises(ValueError, match="pair"):
        particle("부채비율", "도/만")


@pytest.mark.parametrize(
    ("feature", "value", "ko", "en"),
    [
        ("operating_margin", 0.123, "12.3%", "12.3%"),
        ("interest_coverage", 0.8, "0.8배", "0.8x"),
        ("receivable_days", 45.2, "45일", "45 days"),
        ("tax_arrears_12m", 2.0, "2건", "2"),
        ("firm_age", 7.5, "7.5년", "7.5 years"),
        ("statement_age_months", 3.0, "3.0개월", "3.0 months"),
        ("log_revenue", 6.0, "10.0억원", "KRW 1.00bn"),  # 10^6 천원 = 10억원
        ("peer_pct_debt_ratio", 88.0, "상위 12%", "top 12%"),
        ("employees", 20.0, "20명", "20"),
        ("debt_ratio", None, "자료 없음", "not reported"),
    ],
)
def test_display(feature: str, value: float | None, ko: str, en: str) -> None:
    assert display(BY_NAME[feature], value) == (ko, en)


def test_peer_rank_never_says_zero() -> None:
    assert peer_rank(100.0) == ("상위 1%", "top 1%")
    assert peer_rank(12.0) == ("하위 12%", "bottom 12%")


def test_sentences() -> None:
    icr = BY_NAME["interest_coverage"]
    assert sentence_ko(icr, "0.6배", False, Peers.of(12.0, None), 0.018) == (
        "이자보상배율이 0.6배로 동종업계 하위 12%입니다. 부도·폐업 위험을 1.8%p 높입니다."
    )
    assert sentence_en(icr, "0.6x", False, Peers.of(12.0, None), 0.018) == (
        "Interest coverage is 0.6x, bottom 12% among peers; raises the risk of default or "
        "closure by 1.8 points."
    )
    missing = sentence_ko(icr, "자료 없음", True, None, -0.0004)
    assert missing == "이자보상배율은 자료가 없습니다. 부도·폐업 위험을 0.04%p 낮춥니다."


def test_sentences_name_the_event_the_model_predicts() -> None:
    icr, event = BY_NAME["interest_coverage"], Event.of(["marginal_firm"])
    assert sentence_ko(icr, "0.6배", False, Peers.of(12.0, None), 0.027, event) == (
        "이자보상배율이 0.6배로 동종업계 하위 12%입니다. 한계기업 진입 위험을 2.7%p 높입니다."
    )
    assert sentence_en(icr, "0.6x", False, Peers.of(12.0, None), 0.027, event).endswith(
        "raises the risk of becoming a marginal firm by 2.7 points."
    )
    assert "부도" not in sentence_ko(icr, "0.6배", False, Peers.of(12.0, None), 0.0, event)


def test_sentences_say_who_the_peers_were_when_they_are_coarser() -> None:
    margin = BY_NAME["operating_margin"]
    section = Peers.of(30.0, "section")
    assert sentence_ko(margin, "3.0%", False, section, -0.01) == (
        "영업이익률이 3.0%로 같은 대분류 업종 기업 중 하위 30%입니다. "
        "부도·폐업 위험을 1.0%p 낮춥니다."
    )
    assert "among firms of the same industry section" in sentence_en(
        margin, "3.0%", False, section, -0.01
    )


def test_streaks_read_as_staff_say_them() -> None:
    streak, event = BY_NAME["icr_below_one_years"], Event.of(["marginal_firm"])
    assert display(streak, 2.0) == (
        "2년 연속 이자보상배율 1 미만",
        "interest coverage below 1 for 2 years running",
    )
    shown = display(streak, 2.0)[0]
    assert sentence_ko(streak, shown, False, None, 0.05, event) == (
        "2년 연속 이자보상배율 1 미만입니다. 한계기업 진입 위험을 5.0%p 높입니다."
    )
    assert sentence_ko(streak, display(streak, 0.0)[0], False, None, -0.01, event) == (
        "올해는 이자보상배율 1 미만이 아닙니다. 한계기업 진입 위험을 1.0%p 낮춥니다."
    )
    assert display(BY_NAME["audit_opinion_severity"], 1.0) == ("한정", "qualified")
