"""How a feature value, a peer rank and a contribution read to centre staff (Korean first).

Units come from the feature catalogue; ratios stored as fractions are shown as percentages,
revenue and assets (log10 of 천원) are shown back in 억원.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from features.catalog import Feature
from features.labels import DEFAULT_RULES, event_name
from features.peers import PEER_LEVEL_NAMES
from scoring.korean import attach

NONE_KO: Final = "해당 없음"  # a streak of 0 years, a flag not raised
NONE_EN: Final = "none"
MISSING_KO: Final = "자료 없음"
MISSING_EN: Final = "not reported"
# Ratios over equity cannot be computed when equity is zero or negative (자본잠식): said so,
# rather than "자료 없음", which would send staff looking for a statement that was filed.
EQUITY_DENOMINATED: Final = frozenset({"debt_ratio", "debt_ratio_change", "peer_pct_debt_ratio"})
IMPAIRED_KO: Final = "자본잠식으로 계산 불가"
IMPAIRED_EN: Final = "not computable: negative equity"
# A value shared by at least this share (%) of peers is "the same as most", not ranked.
MOST_TIED: Final = 50.0
_SAME_AS_MOST_KO: Final = "대부분과 같습니다"
_THOUSAND_WON_PER_EOK: Final = 1e5  # 1억원 = 100,000천원


def _number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _log_krw(value: float) -> tuple[str, str]:
    thousand_won = 10.0**value
    eok = thousand_won / _THOUSAND_WON_PER_EOK
    return f"{_number(eok, 1)}억원", f"KRW {_number(eok / 10.0, 2)}bn"


def _percentile(value: float) -> tuple[str, str]:
    return peer_rank(value)


_DISPLAY: Final[dict[str, Callable[[float], tuple[str, str]]]] = {
    "pct": lambda v: (f"{_number(100 * v)}%", f"{_number(100 * v)}%"),
    "pct_points": lambda v: (f"{_number(v)}%", f"{_number(v)}%"),
    "times": lambda v: (f"{_number(v)}배", f"{_number(v)}x"),
    "ratio": lambda v: (_number(v, 2), _number(v, 2)),
    "days": lambda v: (f"{v:,.0f}일", f"{v:,.0f} days"),
    "count": lambda v: (f"{v:,.0f}건", f"{v:,.0f}"),
    "years": lambda v: (f"{_number(v)}년", f"{_number(v)} years"),
    "months": lambda v: (f"{_number(v)}개월", f"{_number(v)} months"),
    "log_krw": _log_krw,
    "percentile": _percentile,
    "flag": lambda v: ("해당" if v >= 0.5 else "해당 없음", "yes" if v >= 0.5 else "no"),
    "index": lambda v: (_number(v, 2), _number(v, 2)),
}


def _streak(feature: Feature, value: float) -> tuple[str, str]:
    """Consecutive years as staff say them: "2년 연속 이자보상배율 1 미만"."""
    years = round(value)
    if years == 0:
        return NONE_KO, NONE_EN
    if years == 1:
        return f"올해 {feature.state_ko}", f"{feature.state_en} this year"
    return f"{years}년 연속 {feature.state_ko}", f"{feature.state_en} for {years} years running"


_OPINIONS: Final[dict[int, tuple[str, str]]] = {
    0: ("적정", "unqualified"),
    1: ("한정", "qualified"),
    2: ("부적정·의견거절", "adverse or disclaimed"),
}


def display(feature: Feature, value: float | None, impaired: bool = False) -> tuple[str, str]:
    """The value as staff read it, in Korean and English ("12.3%", "0.8배", "45일", …);
    ``impaired``: the firm's equity is zero or negative, which explains a missing ratio over it."""
    if value is None or not math.isfinite(value):
        if impaired and feature.name in EQUITY_DENOMINATED:
            return IMPAIRED_KO, IMPAIRED_EN
        return MISSING_KO, MISSING_EN
    if feature.name == "employees":
        return f"{value:,.0f}명", f"{value:,.0f}"
    if feature.unit == "streak":
        return _streak(feature, value)
    if feature.unit == "opinion":
        return _OPINIONS.get(min(max(round(value), 0), 2), _OPINIONS[2])
    show = _DISPLAY.get(feature.unit, _DISPLAY["ratio"])
    return show(value)


def peer_rank(percentile: float) -> tuple[str, str]:
    """A 0–100 'share of peers at or below' as "하위 12%" / "상위 5%" (never 0%)."""
    if percentile <= 50.0:
        share = max(1, round(percentile))
        return f"하위 {share}%", f"bottom {share}%"
    share = max(1, round(100.0 - percentile))
    return f"상위 {share}%", f"top {share}%"


def says_same_as_most(sentence_ko: str) -> bool:
    """Whether a reason's Korean sentence says the value is what most peers have (so a table
    beside it shows that, not a rank)."""
    return _SAME_AS_MOST_KO in sentence_ko


def peer_place(percentile: float, tied: float = 0.0) -> tuple[str, str]:
    """``peer_rank``, or "동종업계 대부분과 같음" when ``tied`` (the share of peers with the same
    value, 0–100) is most of them: no arrears where most peers have none is not "상위 3%"."""
    if tied >= MOST_TIED:
        return "동종업계 대부분과 같음", "same as most peers"
    return peer_rank(percentile)


def points(contribution: float) -> str:
    """A probability contribution in percentage points, with enough digits to be non-zero."""
    size = abs(contribution) * 100.0
    digits = 1 if size >= 0.1 else 2 if size >= 0.01 else 3
    return f"{size:.{digits}f}"


@dataclass(frozen=True)
class Event:
    """What the served model predicts, as reasons name it: "한계기업 진입 위험" (a noun phrase)
    and "risk of becoming a marginal firm"."""

    ko: str
    en: str

    @classmethod
    def of(cls, rules: Sequence[str]) -> Event:
        return cls(event_name(rules, "ko"), event_name(rules, "en"))


DEFAULT_EVENT: Final = Event.of(DEFAULT_RULES)


def _effect_ko(contribution: float, event: Event) -> str:
    if contribution == 0.0:
        return f"{event.ko}에 영향이 없습니다."
    verb = "높입니다" if contribution > 0 else "낮춥니다"
    return f"{attach(event.ko, '을/를')} {points(contribution)}%p {verb}."


def _effect_en(contribution: float, event: Event) -> str:
    if contribution == 0.0:
        return f"does not move the {event.en}."
    verb = "raises" if contribution > 0 else "lowers"
    return f"{verb} the {event.en} by {points(contribution)} points."


@dataclass(frozen=True)
class Peers:
    """A peer rank and who the peers were ("같은 업종·규모", "같은 대분류 업종", …)."""

    percentile: float  # the middle of the value's tie among peers
    group_ko: str
    group_en: str
    tied: float = 0.0  # share (0–100) of peers with the same value

    @classmethod
    def of(cls, percentile: float | None, level: str | None, tied: float = 0.0) -> Peers | None:
        if percentile is None:
            return None
        group_ko, group_en = PEER_LEVEL_NAMES.get(level or "industry_size", ("", ""))
        return cls(percentile, group_ko, group_en, tied)

    @property
    def most(self) -> bool:
        """The value is what most peers have (ranking it would mislead)."""
        return self.tied >= MOST_TIED

    @property
    def fine(self) -> bool:
        """Ranked among its own industry and size: said simply "동종업계"."""
        return self.group_ko == PEER_LEVEL_NAMES["industry_size"][0]


def sentence_ko(
    feature: Feature,
    shown: str,
    missing: bool,
    peers: Peers | None,
    contribution: float,
    event: Event = DEFAULT_EVENT,
) -> str:
    """One Korean line: what the value is, where it ranks, and how it moves the ``event``."""
    effect = _effect_ko(contribution, event)
    if missing and shown == IMPAIRED_KO:
        return f"{attach(feature.ko, '은/는')} 자본잠식으로 계산할 수 없습니다. {effect}"
    if missing:
        return f"{attach(feature.ko, '은/는')} 자료가 없습니다. {effect}"
    if feature.unit == "streak" and shown == NONE_KO:
        return f"올해는 {attach(feature.state_ko, '이/가')} 아닙니다. {effect}"
    if feature.unit == "streak":
        return f"{shown}입니다. {effect}"
    if peers is None or feature.unit == "percentile":
        return f"{attach(feature.ko, '이/가')} {shown}입니다. {effect}"
    subject, value = attach(feature.ko, "이/가"), attach(shown, "으로/로")
    if peers.most:
        among = "동종업계" if peers.fine else f"{peers.group_ko} 기업"
        return f"{subject} {value} {among} {_SAME_AS_MOST_KO}. {effect}"
    among = "동종업계" if peers.fine else f"{peers.group_ko} 기업 중"
    return f"{subject} {value} {among} {peer_rank(peers.percentile)[0]}입니다. {effect}"


def sentence_en(
    feature: Feature,
    shown: str,
    missing: bool,
    peers: Peers | None,
    contribution: float,
    event: Event = DEFAULT_EVENT,
) -> str:
    """The English line matching ``sentence_ko``."""
    label = feature.en[:1].upper() + feature.en[1:]
    effect = _effect_en(contribution, event)
    if missing and shown == IMPAIRED_EN:
        return f"{label} cannot be computed as equity is negative; {effect}"
    if missing:
        return f"{label} is not reported; {effect}"
    if feature.unit == "streak" and shown == NONE_EN:
        return f"No {feature.state_en} this year; {effect}"
    if feature.unit == "streak":
        return f"{shown[:1].upper()}{shown[1:]}; {effect}"
    if peers is None or feature.unit == "percentile":
        return f"{label} is {shown}; {effect}"
    if peers.most:
        among = "most peers" if peers.fine else f"most firms of the {peers.group_en}"
        return f"{label} is {shown}, the same as {among}; {effect}"
    among = "among peers" if peers.fine else f"among firms of the {peers.group_en}"
    return f"{label} is {shown}, {peer_rank(peers.percentile)[1]} {among}; {effect}"


FAMILIES_EN: Final[dict[str, str]] = {
    "profitability": "profitability",
    "leverage": "leverage",
    "debt_service": "debt service",
    "liquidity": "liquidity",
    "activity": "activity",
    "growth": "growth",
    "size_age": "size and age",
    "non_financial": "non-financial signals",
    "environment": "regional and industry conditions",
}
