"""Where demo firms sit: 시도 and 시군구 weights, industries (KSIC 10th) and their regional mix.

District weights come from the real count of active corporations (가동사업자, 법인) per 시군구
published by the National Tax Service on KOSIS, when ``../shared/data/kosis`` is present; a
small built-in table stands in otherwise. District codes are synthetic but stable: the 시도
code followed by ``010``, ``020``, … in the order of the KOSIS code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.contract import REGIONS
from features.ingestion.codes import kosis_sido_code

KOSIS_FILE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "kosis"
    / "active_businesses_by_district_2010_2024.parquet"
)
_KOSIS_CODE, _KOSIS_NAME, _KOSIS_TYPE = "[15133JYB]시군구별", "시군구별", "사업자별"
_KOSIS_YEAR, _KOSIS_VALUE = "시점", "가동사업자 현황[명]"

# Used without the KOSIS file: a few districts per region, weights ≈ corporations (thousands).
_FALLBACK_DISTRICTS: dict[str, list[tuple[str, float]]] = {
    "11": [
        ("강남구", 60),
        ("서초구", 35),
        ("영등포구", 25),
        ("송파구", 25),
        ("중구", 20),
        ("마포구", 18),
    ],
    "26": [("해운대구", 8), ("사하구", 6), ("강서구", 7), ("부산진구", 8), ("영도구", 2)],
    "27": [("달서구", 8), ("북구", 6), ("수성구", 5), ("군위군", 0.3)],
    "28": [("남동구", 9), ("서구", 8), ("연수구", 6), ("강화군", 1)],
    "29": [("광산구", 5), ("북구", 4), ("서구", 4)],
    "30": [("유성구", 6), ("서구", 4), ("대덕구", 3)],
    "31": [("남구", 4), ("동구", 1.5), ("북구", 2), ("울주군", 3)],
    "36": [("세종", 4)],
    "41": [
        ("성남시", 20),
        ("화성시", 18),
        ("수원시", 14),
        ("고양시", 12),
        ("용인시", 12),
        ("안산시", 10),
        ("가평군", 1),
        ("연천군", 0.6),
    ],
    "51": [("원주시", 4), ("춘천시", 4), ("강릉시", 3), ("정선군", 0.6)],
    "43": [("청주시", 10), ("충주시", 3), ("음성군", 3), ("괴산군", 0.8)],
    "44": [("천안시", 9), ("아산시", 6), ("당진시", 3), ("서천군", 0.8)],
    "52": [("전주시", 8), ("군산시", 4), ("익산시", 4), ("완주군", 2), ("임실군", 0.6)],
    "46": [("여수시", 4), ("순천시", 3), ("목포시", 3), ("영암군", 1.5), ("고흥군", 0.8)],
    "47": [("포항시", 7), ("구미시", 6), ("경산시", 4), ("의성군", 0.8)],
    "48": [("창원시", 14), ("김해시", 10), ("거제시", 3), ("통영시", 2), ("합천군", 0.7)],
    "50": [("제주시", 8), ("서귀포시", 3)],
}

# 인구감소지역 (designated October 2021; 군위군 counted under 대구 from 2023): number per 시도.
DECLINE_AREAS: dict[str, int] = {
    "26": 3,
    "27": 2,
    "28": 2,
    "41": 2,
    "51": 12,
    "43": 6,
    "44": 9,
    "52": 10,
    "46": 16,
    "47": 15,
    "48": 11,
}


@dataclass(frozen=True)
class Industry:
    """One KSIC (10th revision) sub-class with the shape of its statements."""

    code: str
    name: str
    section: str
    weight: float  # national share of SMEs filing statements (relative)
    margin: float  # typical operating margin
    gross_margin: float  # (revenue - cost of sales) / revenue
    turnover: float  # revenue / total assets
    current_share: float  # current assets / total assets
    revenue_per_employee: float  # 천원
    wage: float  # 천원 per employee per year
    suffixes: tuple[str, ...]  # endings for firm names

    @property
    def manufacturing(self) -> bool:
        return self.section == "C"


_MFG = ("정밀", "산업", "테크", "공업", "기계", "소재")
INDUSTRIES: tuple[Industry, ...] = (
    # code, name, section,
    #   weight, margin, gross margin, turnover, current share, revenue/employee, wage, name endings
    Industry(
        "10121",
        "가금류 가공 및 저장 처리업",
        "C",
        1.0,
        0.035,
        0.15,
        1.4,
        0.40,
        400_000,
        38_000,
        ("식품", "농산", "푸드"),
    ),
    Industry(
        "10799",
        "그 외 기타 식품 제조업",
        "C",
        3.0,
        0.050,
        0.25,
        1.2,
        0.45,
        250_000,
        36_000,
        ("식품", "푸드", "농산"),
    ),
    Industry(
        "20499",
        "그 외 기타 분류 안된 화학제품 제조업",
        "C",
        1.5,
        0.060,
        0.22,
        1.0,
        0.45,
        450_000,
        52_000,
        ("화학", "케미칼", "소재"),
    ),
    Industry(
        "21210",
        "완제 의약품 제조업",
        "C",
        0.8,
        0.070,
        0.45,
        0.8,
        0.50,
        300_000,
        55_000,
        ("제약", "바이오", "메디칼"),
    ),
    Industry(
        "24111",
        "제철업",
        "C",
        0.5,
        0.040,
        0.12,
        0.9,
        0.40,
        600_000,
        58_000,
        ("제강", "철강", "금속"),
    ),
    Industry(
        "25999",
        "그 외 기타 분류 안된 금속 가공제품 제조업",
        "C",
        4.0,
        0.045,
        0.18,
        1.1,
        0.45,
        220_000,
        42_000,
        ("금속", *_MFG),
    ),
    Industry(
        "26111",
        "메모리용 전자집적회로 제조업",
        "C",
        0.8,
        0.070,
        0.25,
        0.9,
        0.45,
        400_000,
        60_000,
        ("반도체", "세미콘", "테크"),
    ),
    Industry(
        "26299",
        "그 외 기타 전자부품 제조업",
        "C",
        2.0,
        0.050,
        0.20,
        1.1,
        0.50,
        280_000,
        45_000,
        ("전자", "일렉트로닉스", "테크"),
    ),
    Industry(
        "28202",
        "축전지 제조업",
        "C",
        0.5,
        0.060,
        0.20,
        0.9,
        0.45,
        400_000,
        52_000,
        ("에너지", "배터리", "테크"),
    ),
    Industry(
        "29199",
        "그 외 기타 일반 목적용 기계 제조업",
        "C",
        3.0,
        0.050,
        0.22,
        1.0,
        0.50,
        250_000,
        46_000,
        ("기계", *_MFG),
    ),
    Industry(
        "30399",
        "그 외 기타 자동차 부품 제조업",
        "C",
        2.5,
        0.040,
        0.14,
        1.1,
        0.42,
        300_000,
        48_000,
        ("오토텍", "모터스", "오토", *_MFG),
    ),
    Industry(
        "31113",
        "선박 구성 부분품 제조업",
        "C",
        1.2,
        0.040,
        0.14,
        0.9,
        0.45,
        280_000,
        50_000,
        ("조선", "해양", "중공업", "마린"),
    ),
    Industry(
        "41121",
        "사무·상업용 및 공공기관용 건물 건설업",
        "F",
        5.0,
        0.050,
        0.10,
        1.0,
        0.65,
        500_000,
        50_000,
        ("건설", "종합건설", "개발"),
    ),
    Industry(
        "46800",
        "상품 종합 도매업",
        "G",
        8.0,
        0.030,
        0.12,
        2.0,
        0.70,
        800_000,
        40_000,
        ("상사", "유통", "무역"),
    ),
    Industry(
        "49301",
        "일반 화물자동차 운송업",
        "H",
        2.5,
        0.035,
        0.15,
        1.3,
        0.30,
        150_000,
        38_000,
        ("물류", "운수", "로지스"),
    ),
    Industry(
        "55101",
        "호텔업",
        "I",
        0.6,
        0.060,
        0.60,
        0.35,
        0.15,
        120_000,
        34_000,
        ("호텔", "리조트", "관광"),
    ),
    Industry(
        "56111",
        "한식 일반 음식점업",
        "I",
        3.0,
        0.040,
        0.60,
        1.6,
        0.20,
        80_000,
        28_000,
        ("푸드", "외식", "F&B"),
    ),
    Industry(
        "58221",
        "시스템 소프트웨어 개발 및 공급업",
        "J",
        1.5,
        0.060,
        0.60,
        1.2,
        0.60,
        150_000,
        55_000,
        ("소프트", "시스템즈", "랩스"),
    ),
    Industry(
        "62010",
        "컴퓨터 프로그래밍 서비스업",
        "J",
        2.5,
        0.050,
        0.50,
        1.3,
        0.60,
        130_000,
        52_000,
        ("정보통신", "아이티", "솔루션"),
    ),
)
INDUSTRY_CODES: tuple[str, ...] = tuple(item.code for item in INDUSTRIES)

# Regional concentration: multipliers on the national industry weights.
_CONCENTRATION: dict[str, dict[str, float]] = {
    "11": {"62010": 3, "58221": 3, "46800": 1.5, "manufacturing": 0.4},
    "26": {"31113": 1.5, "30399": 1.3, "46800": 1.2, "49301": 1.5},
    "27": {"30399": 1.8, "29199": 1.5},
    "28": {"30399": 1.3, "49301": 1.5, "29199": 1.2},
    "29": {"30399": 1.8, "26299": 1.5},
    "30": {"62010": 1.5, "21210": 1.5},
    "31": {"31113": 6, "30399": 4, "20499": 4},
    "36": {"62010": 1.3, "21210": 1.5},
    "41": {"26111": 1.5, "62010": 1.3, "29199": 1.3},
    "51": {"21210": 2, "55101": 2.5, "10799": 1.5},
    "43": {"26111": 4, "28202": 4, "21210": 2.5, "10799": 1.3},
    "44": {"26111": 2, "28202": 2, "30399": 1.5, "20499": 1.5},
    "52": {"30399": 3, "10799": 3, "10121": 3},
    "46": {"31113": 2.5, "20499": 3, "24111": 2, "10799": 1.5},
    "47": {"26299": 3, "24111": 5, "30399": 1.5},
    "48": {"31113": 4, "30399": 2, "29199": 2.5, "25999": 1.5},
    "50": {"55101": 10, "56111": 3, "10799": 2, "manufacturing": 0.3},
}
# Districts known for one industry (by name within their 시도).
_DISTRICT_CONCENTRATION: dict[tuple[str, str], dict[str, float]] = {
    ("31", "동구"): {"31113": 5},
    ("48", "거제시"): {"31113": 6},
    ("48", "통영시"): {"31113": 4},
    ("52", "군산시"): {"30399": 4},
    ("47", "포항시"): {"24111": 4},
    ("47", "구미시"): {"26299": 3},
    ("43", "청주시"): {"26111": 2, "28202": 2},
    ("46", "여수시"): {"20499": 4},
    ("50", "서귀포시"): {"55101": 2},
}

# 주력산업: the region's designated main industries (simplified to the codes above).
MAIN_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "11": ("62010", "58221"),
    "26": ("31113", "30399", "49301"),
    "27": ("30399", "29199"),
    "28": ("30399", "29199", "49301"),
    "29": ("30399", "26299"),
    "30": ("62010", "21210"),
    "31": ("31113", "30399", "20499"),
    "36": ("62010", "21210"),
    "41": ("26111", "62010", "29199"),
    "51": ("21210", "55101"),
    "43": ("26111", "28202", "21210"),
    "44": ("26111", "28202", "30399"),
    "52": ("30399", "10799", "10121"),
    "46": ("31113", "20499", "24111"),
    "47": ("26299", "24111", "30399"),
    "48": ("31113", "29199", "30399"),
    "50": ("55101", "56111", "10799"),
}


@dataclass(frozen=True)
class DistrictTable:
    """Districts with their 시도, Korean name and weight (share of firms)."""

    codes: np.ndarray
    regions: np.ndarray
    names: np.ndarray
    weights: np.ndarray
    from_kosis: bool


def read_kosis(path: Path, kind: str) -> pd.DataFrame:
    """KOSIS counts of one business type ("법인", "총계", …) as region, name, period, count."""
    counts = pd.read_parquet(path)
    counts = counts[counts[_KOSIS_TYPE] == kind]
    code = counts[_KOSIS_CODE].astype(str)
    return pd.DataFrame(
        {
            "code": code,
            "region": code.map(kosis_sido_code),
            "name": counts[_KOSIS_NAME],
            "period": counts[_KOSIS_YEAR].str.extract(r"(\d{4})", expand=False).astype(int),
            "count": counts[_KOSIS_VALUE],
        }
    ).dropna(subset=["region"])


def _kosis_districts(path: Path) -> pd.DataFrame:
    """Latest-year 법인 counts per district (districts merged earlier drop out)."""
    counts = read_kosis(path, "법인")
    latest = counts[counts["period"] == counts["period"].max()].sort_values("code")
    return latest.rename(columns={"count": "weight"})[["region", "name", "weight"]]


def _fallback_districts() -> pd.DataFrame:
    rows = [
        (region, name, weight)
        for region, items in _FALLBACK_DISTRICTS.items()
        for name, weight in items
    ]
    return pd.DataFrame(rows, columns=["region", "name", "weight"])


@lru_cache(maxsize=4)
def district_table(kosis_file: Path | None = KOSIS_FILE) -> DistrictTable:
    """All districts, from the KOSIS file when it exists, else the built-in table."""
    from_kosis = kosis_file is not None and kosis_file.exists()
    table = _kosis_districts(kosis_file) if from_kosis else _fallback_districts()  # type: ignore[arg-type]
    table = table[table["weight"] > 0].reset_index(drop=True)
    order = table.groupby("region").cumcount() + 1
    codes = table["region"] + (order * 10).map("{:03d}".format)
    weights = table["weight"].to_numpy(float)
    return DistrictTable(
        codes=codes.to_numpy(str),
        regions=table["region"].to_numpy(str),
        names=table["name"].to_numpy(str),
        weights=weights / weights.sum(),
        from_kosis=from_kosis,
    )


def districts(kosis_file: Path | None = KOSIS_FILE) -> dict[str, str]:
    """District code -> Korean name, for the districts the demo data uses."""
    table = district_table(kosis_file)
    return dict(zip(table.codes.tolist(), table.names.tolist(), strict=True))


def district_code(region: str, name: str, kosis_file: Path | None = KOSIS_FILE) -> str | None:
    """The demo code of a district named ``name`` in ``region`` (None when absent)."""
    table = district_table(kosis_file)
    hits = table.codes[(table.regions == region) & (table.names == name)]
    return str(hits[0]) if len(hits) else None


def industry_mix(table: DistrictTable) -> np.ndarray:
    """P(industry | district): a districts × industries matrix whose rows sum to 1."""
    base = np.array([item.weight for item in INDUSTRIES])
    manufacturing = np.array([item.manufacturing for item in INDUSTRIES])
    mix = np.tile(base, (len(table.codes), 1))
    for row, (region, name) in enumerate(zip(table.regions, table.names, strict=True)):
        for key, factor in _CONCENTRATION.get(region, {}).items():
            if key == "manufacturing":
                mix[row, manufacturing] *= factor
            else:
                mix[row, INDUSTRY_CODES.index(key)] *= factor
        for key, factor in _DISTRICT_CONCENTRATION.get((region, name), {}).items():
            mix[row, INDUSTRY_CODES.index(key)] *= factor
    return mix / mix.sum(axis=1, keepdims=True)


def region_codes() -> tuple[str, ...]:
    """The 17 시도 codes in contract order."""
    return tuple(REGIONS)
