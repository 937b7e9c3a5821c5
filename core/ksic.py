"""KSIC (10th revision) codes at any depth: section letter, division, group, class, sub-class.

Real exports carry the industry as a section letter (``C``), a 2-digit division (``25``), a
3-/4-digit group or class, a 5-digit sub-class, or a letter followed by digits (``C25111``).
All are valid; the stored form is the digits when there are any (``25111``), else the letter.
Peers and industry rates use the division where it is known and fall back to the section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import numpy as np
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
    return _per_code(ksic, _division_of)


def section(ksic: pd.Series) -> pd.Series:
    """The section letter of stored codes (a letter stays itself); missing where unknown."""
    return _per_code(ksic, _section_of)


def industry(ksic: pd.Series) -> pd.Series:
    """The industry peers and rates are grouped by: the division, else the section letter."""
    return _per_code(ksic, _industry_of)


_DIGITS: Final = re.compile(r"\d{2,5}")
_LETTER: Final = re.compile(r"[A-U]")


def _division_of(code: str) -> str | None:
    return code[:2] if _DIGITS.fullmatch(code) else None


def _section_of(code: str) -> str | None:
    if _LETTER.fullmatch(code):
        return code
    digits = _division_of(code)
    return None if digits is None else _SECTION_OF.get(int(digits))


def _industry_of(code: str) -> str | None:
    return _division_of(code) or _section_of(code)


def _per_code(ksic: pd.Series, of: Callable[[str], str | None]) -> pd.Series:
    """``of`` applied to each distinct code once (as text; missing stays missing), as a string
    Series on ``ksic``'s index: a table holds few distinct codes, and one call per code costs
    less than pandas' string operations over every row (a single firm's frame included)."""
    codes, distinct = pd.factorize(ksic.astype("string"))
    answers = np.array([*(of(str(code)) for code in distinct), None], dtype=object)
    values = pd.array(answers[codes], dtype="string")  # code -1 (missing) picks the None
    return pd.Series(values, index=ksic.index, name=ksic.name)


def section_name(letter: str, lang: str = "ko") -> str:
    entry = SECTIONS.get(letter)
    if entry is None:
        return letter
    return entry[3] if lang == "en" else entry[2]


def is_section(code: object) -> bool:
    return isinstance(code, str) and code in SECTIONS


# KSIC (10th revision) division names, Korean and English, for every page, table and workbook
# that breaks firms down by industry.
DIVISIONS: Final[dict[str, tuple[str, str]]] = {
    "01": ("농업", "agriculture"),
    "02": ("임업", "forestry"),
    "03": ("어업", "fishing"),
    "05": ("석탄·원유·천연가스 광업", "coal, oil and gas mining"),
    "06": ("금속 광업", "metal ore mining"),
    "07": ("비금속광물 광업", "non-metallic mining"),
    "08": ("광업 지원 서비스업", "mining support services"),
    "10": ("식료품", "food products"),
    "11": ("음료", "beverages"),
    "12": ("담배", "tobacco"),
    "13": ("섬유제품", "textiles"),
    "14": ("의복·모피제품", "wearing apparel"),
    "15": ("가죽·가방·신발", "leather and footwear"),
    "16": ("목재·나무제품", "wood products"),
    "17": ("펄프·종이", "pulp and paper"),
    "18": ("인쇄·기록매체 복제", "printing"),
    "19": ("코크스·석유정제품", "coke and refined petroleum"),
    "20": ("화학물질·화학제품", "chemicals"),
    "21": ("의약품", "pharmaceuticals"),
    "22": ("고무·플라스틱제품", "rubber and plastics"),
    "23": ("비금속 광물제품", "non-metallic mineral products"),
    "24": ("1차 금속", "basic metals"),
    "25": ("금속가공제품", "fabricated metal products"),
    "26": ("전자부품·컴퓨터·통신장비", "electronics and communication equipment"),
    "27": ("의료·정밀·광학기기", "medical, precision and optical instruments"),
    "28": ("전기장비", "electrical equipment"),
    "29": ("기타 기계·장비", "other machinery"),
    "30": ("자동차·트레일러", "motor vehicles"),
    "31": ("기타 운송장비 (조선 등)", "other transport equipment (ships)"),
    "32": ("가구", "furniture"),
    "33": ("기타 제품", "other manufacturing"),
    "34": ("산업용 기계 수리", "repair of industrial machinery"),
    "35": ("전기·가스·증기", "electricity, gas and steam"),
    "36": ("수도", "water supply"),
    "37": ("하수·폐수 처리", "sewerage"),
    "38": ("폐기물 처리·원료 재생", "waste and recycling"),
    "39": ("환경 정화·복원", "remediation"),
    "41": ("종합 건설", "general construction"),
    "42": ("전문직별 공사", "specialised construction"),
    "45": ("자동차·부품 판매", "motor vehicle trade"),
    "46": ("도매·상품 중개", "wholesale"),
    "47": ("소매", "retail"),
    "49": ("육상 운송", "land transport"),
    "50": ("수상 운송", "water transport"),
    "51": ("항공 운송", "air transport"),
    "52": ("창고·운송 서비스", "warehousing and transport services"),
    "55": ("숙박", "accommodation"),
    "56": ("음식점·주점", "restaurants and bars"),
    "58": ("출판", "publishing"),
    "59": ("영상·오디오 제작", "film, video and sound"),
    "60": ("방송", "broadcasting"),
    "61": ("우편·통신", "post and telecommunications"),
    "62": ("컴퓨터 프로그래밍·시스템 통합", "computer programming and IT services"),
    "63": ("정보서비스", "information services"),
    "64": ("금융", "financial services"),
    "65": ("보험·연금", "insurance and pensions"),
    "66": ("금융·보험 관련 서비스", "auxiliary financial services"),
    "68": ("부동산", "real estate"),
    "70": ("연구개발", "research and development"),
    "71": ("전문 서비스", "professional services"),
    "72": ("건축기술·엔지니어링", "architecture and engineering"),
    "73": ("기타 전문·과학·기술 서비스", "other scientific and technical services"),
    "74": ("사업시설 관리·조경", "facilities management"),
    "75": ("사업 지원 서비스", "business support services"),
    "76": ("임대 (부동산 제외)", "rental and leasing"),
    "84": ("공공 행정", "public administration"),
    "85": ("교육 서비스", "education"),
    "86": ("보건", "human health"),
    "87": ("사회복지 서비스", "social work"),
    "90": ("창작·예술·여가", "arts and recreation"),
    "91": ("스포츠·오락", "sports and amusement"),
    "94": ("협회·단체", "membership organisations"),
    "95": ("개인·소비용품 수리", "repair of household goods"),
    "96": ("기타 개인 서비스", "other personal services"),
}


def division_name(code: str | None, lang: str) -> str:
    """'25 금속가공제품' for a KSIC code of any length (its first two digits); the code alone
    when the division is unknown."""
    if not code:
        return ""
    division = str(code)[:2]
    ko, en = DIVISIONS.get(division, ("", ""))
    name = en if lang == "en" else ko
    return f"{division} {name}".strip()
