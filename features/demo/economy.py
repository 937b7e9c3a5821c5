"""The demo world's economy: national series by year and the shocks that hit regions and industries.

National figures follow Korea's published record in shape (nominal growth, SME lending rate,
unemployment); shocks are the episodes SPEC §4 names plus a few smaller ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Nominal GDP growth (%), SME average lending rate (%), real GDP growth (%), unemployment (%).
_NOMINAL_GROWTH = {
    2008: 5.6,
    2009: 3.8,
    2010: 9.9,
    2011: 5.3,
    2012: 3.4,
    2013: 4.3,
    2014: 3.9,
    2015: 5.0,
    2016: 4.9,
    2017: 5.4,
    2018: 3.4,
    2019: 1.2,
    2020: 0.8,
    2021: 6.7,
    2022: 4.0,
    2023: 3.4,
    2024: 5.0,
    2025: 3.0,
    2026: 3.5,
    2027: 3.5,
}
_LENDING_RATE = {
    2008: 7.3,
    2009: 5.7,
    2010: 6.2,
    2011: 6.0,
    2012: 5.7,
    2013: 5.1,
    2014: 4.6,
    2015: 3.9,
    2016: 3.6,
    2017: 3.7,
    2018: 3.9,
    2019: 3.7,
    2020: 3.1,
    2021: 3.1,
    2022: 4.6,
    2023: 5.6,
    2024: 5.0,
    2025: 4.4,
    2026: 4.2,
    2027: 4.2,
}
_REAL_GROWTH = {
    2008: 3.0,
    2009: 0.8,
    2010: 7.0,
    2011: 3.7,
    2012: 2.4,
    2013: 3.2,
    2014: 3.2,
    2015: 2.8,
    2016: 2.9,
    2017: 3.2,
    2018: 2.9,
    2019: 2.2,
    2020: -0.7,
    2021: 4.6,
    2022: 2.7,
    2023: 1.4,
    2024: 2.0,
    2025: 1.0,
    2026: 1.8,
    2027: 2.0,
}
_UNEMPLOYMENT = {
    2008: 3.2,
    2009: 3.6,
    2010: 3.7,
    2011: 3.4,
    2012: 3.2,
    2013: 3.1,
    2014: 3.5,
    2015: 3.6,
    2016: 3.7,
    2017: 3.7,
    2018: 3.8,
    2019: 3.8,
    2020: 4.0,
    2021: 3.7,
    2022: 2.9,
    2023: 2.7,
    2024: 2.8,
    2025: 2.9,
    2026: 3.0,
    2027: 3.0,
}


def _lookup(series: dict[int, float], year: int) -> float:
    """The value for ``year``; years outside the table take the nearest end."""
    return series[min(max(year, min(series)), max(series))]


def nominal_growth(year: int) -> float:
    return _lookup(_NOMINAL_GROWTH, year) / 100


def lending_rate(year: int) -> float:
    """Average SME lending rate as a fraction: the 2022–2023 rise drives interest expense."""
    return _lookup(_LENDING_RATE, year) / 100


def real_growth(year: int) -> float:
    return _lookup(_REAL_GROWTH, year)


def unemployment(year: int) -> float:
    return _lookup(_UNEMPLOYMENT, year)


@dataclass(frozen=True)
class Shock:
    """An episode hitting some industries in some regions, with an intensity per year.

    Intensity 1 means: revenue growth ``growth``, operating margin ``margin`` (fractions) and
    ``hazard`` on the default logit. Named districts scale the intensity.
    """

    name: str
    years: dict[int, float]
    industries: frozenset[str] | None  # None: all industries
    regions: dict[str, float] | None  # region -> scale; None: everywhere at 1
    growth: float
    margin: float
    hazard: float
    districts: dict[tuple[str, str], float] = field(default_factory=dict)  # (region, name)
    elsewhere: float = 0.0  # scale in regions not listed


SHOCKS: tuple[Shock, ...] = (
    Shock(
        "조선업 구조조정",
        {2015: 0.6, 2016: 1.0, 2017: 0.7, 2018: 0.3},
        frozenset({"31113"}),
        {"31": 1.0, "48": 1.0, "46": 0.9, "26": 0.5},
        growth=-0.30,
        margin=-0.05,
        hazard=0.7,
        districts={("31", "동구"): 1.4, ("48", "거제시"): 1.4, ("48", "통영시"): 1.3},
    ),
    Shock(
        "조선 협력 금속가공",
        {2016: 0.6, 2017: 0.5},
        frozenset({"25999", "29199"}),
        {"31": 1.0, "48": 1.0},
        growth=-0.15,
        margin=-0.03,
        hazard=0.4,
    ),
    Shock(
        "한국GM 군산공장 폐쇄",
        {2018: 1.0, 2019: 0.6, 2020: 0.3},
        frozenset({"30399"}),
        {"52": 0.6},
        growth=-0.30,
        margin=-0.05,
        hazard=0.8,
        districts={("52", "군산시"): 2.7},
    ),
    Shock(
        "철강 공급과잉",
        {2015: 0.5, 2016: 0.4},
        frozenset({"24111"}),
        None,
        growth=-0.12,
        margin=-0.03,
        hazard=0.3,
    ),
    Shock(
        "코로나19 관광·외식",
        {2020: 1.0, 2021: 0.6, 2022: 0.15},
        frozenset({"55101", "56111"}),
        {"50": 1.5},
        growth=-0.30,
        margin=-0.08,
        hazard=0.7,
        elsewhere=1.0,
    ),
    Shock(
        "코로나19 제주",
        {2020: 1.0, 2021: 0.6},
        None,
        {"50": 1.0},
        growth=-0.12,
        margin=-0.03,
        hazard=0.35,
    ),
    Shock("코로나19 전반", {2020: 1.0}, None, None, growth=-0.04, margin=-0.01, hazard=0.1),
    Shock(
        "반도체 하강",
        {2019: 0.6, 2023: 0.8},
        frozenset({"26111"}),
        None,
        growth=-0.15,
        margin=-0.03,
        hazard=0.2,
    ),
    Shock(
        "건설 PF 부실",
        {2023: 0.6, 2024: 1.0, 2025: 0.6},
        frozenset({"41121"}),
        None,
        growth=-0.10,
        margin=-0.03,
        hazard=0.45,
    ),
    Shock(
        "이차전지 호황",
        {2017: 0.5, 2018: 0.7, 2021: 1.0, 2022: 1.0},
        frozenset({"28202"}),
        None,
        growth=0.15,
        margin=0.02,
        hazard=0.0,
    ),
)


@dataclass(frozen=True)
class ShockEffect:
    """Per-firm effects of all shocks in one year."""

    growth: np.ndarray
    margin: np.ndarray
    hazard: np.ndarray


def shock_effect(
    year: int, region: np.ndarray, district_name: np.ndarray, ksic: np.ndarray
) -> ShockEffect:
    """Sum of all shocks active in ``year`` for firms in ``region`` × ``ksic``."""
    growth, margin, hazard = (np.zeros(len(region)) for _ in range(3))
    for shock in SHOCKS:
        intensity = shock.years.get(year, 0.0)
        if intensity == 0.0:
            continue
        scale = np.full(len(region), intensity)
        if shock.industries is not None:
            scale *= np.isin(ksic, list(shock.industries))
        if shock.regions is not None:
            scale *= _map(region, shock.regions, shock.elsewhere)
        for (code, name), factor in shock.districts.items():
            scale[(region == code) & (district_name == name)] *= factor
        growth += shock.growth * scale
        margin += shock.margin * scale
        hazard += shock.hazard * scale
    return ShockEffect(growth, margin, hazard)


def _map(keys: np.ndarray, mapping: dict[str, float], default: float) -> np.ndarray:
    values = np.full(len(keys), default)
    for key, value in mapping.items():
        values[keys == key] = value
    return values


def crisis_area(region: str, year: int) -> float:
    """1 for 산업위기대응특별지역 years at region level (울산 동구, 거제/통영, 군산)."""
    if region in ("31", "48") and 2016 <= year <= 2022:
        return 1.0
    if region == "52" and 2018 <= year <= 2022:
        return 1.0
    return 0.0


# Depopulation index (women 20–39 ÷ people 65+) around 2025; earlier years scale it up.
_DEPOPULATION_2025 = {
    "11": 0.95,
    "26": 0.55,
    "27": 0.62,
    "28": 0.85,
    "29": 0.85,
    "30": 0.90,
    "31": 0.80,
    "36": 1.50,
    "41": 0.90,
    "51": 0.45,
    "43": 0.58,
    "44": 0.55,
    "52": 0.45,
    "46": 0.38,
    "47": 0.40,
    "48": 0.55,
    "50": 0.70,
}


def depopulation_index(region: str, year: int) -> float:
    """Declines about 4.5 % a year, as ageing has since the early 2010s."""
    return _DEPOPULATION_2025[region] * float(np.exp(0.045 * (2025 - year)))
