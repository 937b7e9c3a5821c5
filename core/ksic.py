"""KSIC (10th revision) codes at any depth: section letter, division, group, class, sub-class.

Real exports carry the industry as a section letter (``C``), a 2-digit division (``25``), a
3-/4-digit group or class, a 5-digit sub-class, or a letter followed by digits (``C25111``).
All are valid; the stored form is the digits when there are any (``25111``), else the letter.
Peers and industry rates use the division where it is known and fall back to the section.
"""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

# Section letter -> (first division, last division, Korean name, English name).
SECTIONS: Final[dict[str, tuple[int, int, str, str]]] = {
    "A": (1, 3, "농업, 임업 및 어업", "agriculture, forestry and fishing"),
    "B": (5, 8, "광업", "mining and quarrying"),
    "C": (10, 34, "제조업", "manufacturing"),
    "D": (35, 35, "전기, 가스, 증기 및 공기조절 공급업", "electricity, gas and steam"),
    "E": (36, 39, "수도, 하수 및 폐기물 처리, 원료 재생업", "water, sewerage and waste"),
    "F": (41, 42, "건설업", "construction"),
    "G": (45, 47, "도매 및 소매업", "wholesale and retail trade"),
    "H": (49, 52, "운수 및 창고업", "transportation and storage"),
    "I": (55, 56, "숙박 및 음식점업", "accommodation and food services"),
    "J": (58, 63, "정보통신업", "information and communication"),
    "K": (64, 66, "금융 및 보험업", "financial and insurance activities"),
    "L": (68, 68, "부동산업", "real estate"),
    "M": (70, 73, "전문, 과학 및 기술 서비스업", "professional, scientific and technical"),
    "N": (74, 76, "사업시설 관리, 사업 지원 및 임대 서비스업", "business support and rental"),
    "O": (84, 84, "공공 행정, 국방 및 사회보장 행정", "public administration and defence"),
    "P": (85, 85, "교육 서비스업", "education"),
    "Q": (86, 87, "보건업 및 사회복지 서비스업", "human health and social work"),
    "R": (90, 91, "예술, 스포츠 및 여가관련 서비스업", "arts, sports and recreation"),
    "S": (94, 96, "협회 및 단체, 수리 및 기타 개인 서비스업", "associations, repair, personal"),
    "T": (97, 98, "가구 내 고용활동 및 자가 소비 생산활동", "households as employers"),
    "U": (99, 99, "국제 및 외국기관", "extraterritorial organisations"),
}
_CODE: Final = re.compile(r"^([A-Ua-u])?(\d{2,5})?$")
# Division number -> its section letter (divisions that belong to no section are absent).
_SECTION_OF: Final[dict[int, str]] = {
    division: letter
    for letter, (first, last, _, _) in SECTIONS.items()
    for division in range(first, last + 1)
}


class KsicError(ValueError):
    """A value that is not a KSIC code at any depth."""


def normalise(code: str) -> str:
    """The stored form of one KSIC code: its digits, or its section letter when it has none.

    Raises ``KsicError`` for anything else, and for a letter that disagrees with its digits
    (``G25``: division 25 is in section C).
    """
    match = _CODE.match(code.strip())
    if match is None or not (match.group(1) or match.group(2)):
        raise KsicError(f"{code!r} is not a KSIC code (a section letter A-U, 2-5 digits, or both)")
    letter, digits = match.group(1), match.group(2)
    if digits is None:
        return letter.upper()
    section = _SECTION_OF.get(int(digits[:2]))
    if section is None:
        raise KsicError(f"{code!r}: {digits[:2]} is not a KSIC division")
    if letter is not None and letter.upper() != section:
        raise KsicError(f"{code!r}: division {digits[:2]} is in section {section}, not {letter}")
    return digits


def division(ksic: pd.Series) -> pd.Series:
    """The 2-digit division of stored codes; missing for a section letter or a missing code."""
    text = ksic.astype("string")
    digits = text.str.fullmatch(r"\d{2,5}").fillna(False).astype(bool)
    return text.str[:2].where(digits)


def section(ksic: pd.Series) -> pd.Series:
    """The section letter of stored codes (a letter stays itself); missing where unknown."""
    text = ksic.astype("string")
    letters = text.where(text.str.fullmatch(r"[A-U]").fillna(False).astype(bool))
    numbers = pd.to_numeric(division(ksic), errors="coerce")
    from_digits = numbers.map(_SECTION_OF, na_action="ignore").astype("string")
    return letters.fillna(from_digits)


def industry(ksic: pd.Series) -> pd.Series:
    """The industry peers and rates are grouped by: the division, else the section letter."""
    return division(ksic).fillna(section(ksic))


def section_name(letter: str, lang: str = "ko") -> str:
    entry = SECTIONS.get(letter)
    if entry is None:
        return letter
    return entry[3] if lang == "en" else entry[2]


def is_section(code: object) -> bool:
    return isinstance(code, str) and code in SECTIONS
