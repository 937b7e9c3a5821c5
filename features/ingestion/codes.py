"""Built-in translations a mapping can name: money units, 시도 names, KOSIS codes, yes/no,
audit opinions."""

from __future__ import annotations

from typing import Final

from core import contract

# Source unit -> factor to thousand won (천원), the contract's unit.
UNITS: Final[dict[str, float]] = {
    "원": 0.001,
    "won": 0.001,
    "천원": 1.0,
    "thousand_won": 1.0,
    "백만원": 1_000.0,
    "million_won": 1_000.0,
    "억원": 100_000.0,
}

# Long, short, old and English names of each 시도 (an address's first word works too).
_SIDO_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "11": ("서울특별시", "서울시", "서울", "Seoul"),
    "26": ("부산광역시", "부산시", "부산", "Busan"),
    "27": ("대구광역시", "대구시", "대구", "Daegu"),
    "28": ("인천광역시", "인천시", "인천", "Incheon"),
    "29": ("광주광역시", "광주시", "광주", "Gwangju"),
    "30": ("대전광역시", "대전시", "대전", "Daejeon"),
    "31": ("울산광역시", "울산시", "울산", "Ulsan"),
    "36": ("세종특별자치시", "세종시", "세종", "Sejong"),
    "41": ("경기도", "경기", "Gyeonggi", "Gyeonggi-do"),
    "51": ("강원특별자치도", "강원도", "강원", "Gangwon", "Gangwon-do"),
    "43": ("충청북도", "충북", "Chungbuk", "Chungcheongbuk-do"),
    "44": ("충청남도", "충남", "Chungnam", "Chungcheongnam-do"),
    "52": ("전북특별자치도", "전라북도", "전북", "Jeonbuk", "Jeollabuk-do"),
    "46": ("전라남도", "전남", "Jeonnam", "Jeollanam-do"),
    "47": ("경상북도", "경북", "Gyeongbuk", "Gyeongsangbuk-do"),
    "48": ("경상남도", "경남", "Gyeongnam", "Gyeongsangnam-do"),
    "50": ("제주특별자치도", "제주도", "제주", "Jeju", "Jeju-do"),
}
SIDO: Final[dict[str, str]] = {
    **{code: code for code in contract.REGIONS},
    **{name: code for code, names in _SIDO_NAMES.items() for name in names},
    # Old 시도 codes before the 2023-24 special self-governing provinces.
    "42": "51",
    "45": "52",
}

# KOSIS district classification (e.g. table 15133JYB): characters 9-10 name the 시도.
_KOSIS_SIDO: Final[dict[str, str]] = {
    "07": "11",
    "08": "28",
    "09": "41",
    "0A": "51",
    "0B": "30",
    "0C": "43",
    "0D": "44",
    "0E": "29",
    "0F": "52",
    "0G": "46",
    "0H": "27",
    "0I": "47",
    "0J": "26",
    "0K": "31",
    "0L": "48",
    "0M": "50",
}
_KOSIS_SEJONG: Final[str] = "15133JYB0D0GA01"  # 세종 sits under 충남's code prefix

YES_NO: Final[dict[str, bool]] = {
    **dict.fromkeys(("y", "yes", "true", "t", "1", "예", "여", "o", "○", "유", "있음"), True),
    **dict.fromkeys(("n", "no", "false", "f", "0", "아니오", "부", "x", "×", "무", "없음"), False),
    "해당": True,  # a going-concern paragraph: 해당 / 해당없음
    "해당없음": False,
}

# The auditor's opinion as exports spell it (spaces and case ignored) -> the contract's word.
_OPINION_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "적정": ("적정의견", "unqualified", "unqualifiedopinion", "clean"),
    "한정": ("한정의견", "qualified", "qualifiedopinion"),
    "부적정": ("부적정의견", "adverse", "adverseopinion"),
    "의견거절": ("의견거절의견", "disclaimer", "disclaimerofopinion"),
}
AUDIT_OPINIONS: Final[dict[str, str]] = {
    **{opinion: opinion for opinion in contract.AUDIT_OPINIONS},
    **{spelling: opinion for opinion, names in _OPINION_SPELLINGS.items() for spelling in names},
}

BUILT_IN: Final[tuple[str, ...]] = ("sido", "kosis_sido", "yes_no", "audit_opinion")


def sido_code(value: str) -> str | None:
    """시도 code for a code, a name in any common spelling, or an address (first word)."""
    words = value.split()
    return SIDO.get(words[0]) if words else None


def kosis_sido_code(value: str) -> str | None:
    """시도 code for a KOSIS district code such as ``15133JYB0701`` (서울 강남구)."""
    if value == _KOSIS_SEJONG:
        return "36"
    return _KOSIS_SIDO.get(value[8:10]) if len(value) >= 10 else None


def yes_no(value: str) -> bool | None:
    return YES_NO.get(value.strip().lower())


def audit_opinion(value: str) -> str | None:
    """적정, 한정, 부적정 or 의견거절 for any spelling ``AUDIT_OPINIONS`` knows."""
    return AUDIT_OPINIONS.get("".join(value.split()).lower())


def translate_built_in(name: str, value: str) -> object:
    """One value through a built-in table; ``None`` where the table does not know it."""
    if name == "sido":
        return sido_code(value)
    if name == "kosis_sido":
        return kosis_sido_code(value)
    if name == "audit_opinion":
        return audit_opinion(value)
    return yes_no(value)
