"""The demo firms: who they are (the firms table) and the hidden traits that drive their paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.check_digits import brn_check_digit
from features.demo.geography import (
    INDUSTRIES,
    INDUSTRY_CODES,
    MAIN_INDUSTRIES,
    DistrictTable,
    industry_mix,
)

_SYLLABLES = np.array(list("한빛대성동아세진우신영광태평화일미래은하새솔금강주유경명정보현도선청"))
# 중기업 above these revenues (천원): a simplification of the SME Act's size criteria.
_MEDIUM_REVENUE_MANUFACTURING = 12_000_000
_MEDIUM_REVENUE_OTHER = 6_000_000
_FIRST_FOUNDED = 1985


@dataclass(frozen=True)
class Firms:
    """One entry per firm: observable attributes and hidden traits (arrays of equal length)."""

    firm_id: np.ndarray
    name: np.ndarray
    district: np.ndarray  # index into the DistrictTable
    industry: np.ndarray  # index into INDUSTRIES
    founded: np.ndarray  # datetime64[D]
    audited: np.ndarray
    log_scale: np.ndarray  # long-run log revenue (천원)
    margin_mean: np.ndarray
    turnover: np.ndarray
    current_share: np.ndarray
    borrowing_share: np.ndarray  # borrowings / liabilities
    current_liability_share: np.ndarray
    spread: np.ndarray  # over the SME lending rate
    equity_ratio: np.ndarray  # at entry
    frailty: np.ndarray  # persistent, unobserved part of risk
    late_filing: np.ndarray  # probability that a statement is filed after June
    sparsity: np.ndarray  # scales the chance that an unaudited firm omits an item

    @property
    def founded_year(self) -> np.ndarray:
        return self.founded.astype("datetime64[Y]").astype(int) + 1970


def business_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique 10-digit business registration numbers with a valid check digit."""
    numbers = np.empty(0, dtype=np.int64)
    while len(numbers) < n:
        need = n - len(numbers)
        office = rng.integers(101, 800, need)
        kind = rng.choice(np.array([81, 86, 87, 88]), need, p=[0.6, 0.25, 0.1, 0.05])
        serial = rng.integers(0, 10_000, need)
        stem = office * 1_000_000 + kind * 10_000 + serial
        numbers = np.concatenate([numbers, stem * 10 + brn_check_digit(stem)])
        _, first = np.unique(numbers, return_index=True)
        numbers = numbers[np.sort(first)]  # drop repeats, keep draw order
    return numbers[:n].astype("U10")


def _names(rng: np.random.Generator, industry: np.ndarray) -> np.ndarray:
    """Names like "(주)한빛정밀": two syllables and an ending that fits the industry."""
    n = len(industry)
    stem = pd.Series(_SYLLABLES[rng.integers(0, len(_SYLLABLES), n)]).str.cat(
        _SYLLABLES[rng.integers(0, len(_SYLLABLES), n)]
    )
    pick = rng.random(n)
    suffix = np.empty(n, dtype=object)
    for index, item in enumerate(INDUSTRIES):
        rows = industry == index
        options = np.array(item.suffixes, dtype=object)
        suffix[rows] = options[(pick[rows] * len(options)).astype(int)]
    name = stem.str.cat(pd.Series(suffix))
    style = rng.random(n)
    name = name.where(style < 0.15, "(주)" + name)
    name = name.where(~((style >= 0.05) & (style < 0.15)), "주식회사 " + name)
    return name.to_numpy(dtype=object)


def _founded(rng: np.random.Generator, n: int, first_year: int, last_year: int) -> np.ndarray:
    """Founding dates: about 35 % enter during the panel; earlier cohorts thin out with age."""
    entrant = rng.random(n) < 0.35
    before = np.arange(_FIRST_FOUNDED, first_year)
    weights = np.exp(0.06 * (before - first_year))  # survivors of older cohorts are fewer
    year = np.where(
        entrant,
        rng.integers(first_year, last_year + 1, n),
        rng.choice(before, n, p=weights / weights.sum()),
    )
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return start + rng.integers(0, 365, n).astype("timedelta64[D]")


def draw_firms(
    rng: np.random.Generator, n: int, table: DistrictTable, first_year: int, last_year: int
) -> Firms:
    """Draw ``n`` firms: place, industry, founding date, size and financial habits."""
    district = rng.choice(len(table.codes), n, p=table.weights)
    cdf = industry_mix(table).cumsum(axis=1)[district]
    industry = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), len(INDUSTRIES) - 1)
    attr = {
        name: np.array([getattr(item, name) for item in INDUSTRIES])[industry]
        for name in ("margin", "turnover", "current_share", "revenue_per_employee")
    }
    size_shift = np.select(
        [INDUSTRIES_ARRAY[industry] == code for code in ("46800", "56111", "24111", "41121")],
        [0.4, -0.5, 0.6, 0.2],
        0.0,
    )
    log_scale = np.log(1_500_000) + size_shift + rng.normal(0, 1.05, n)
    audited = log_scale + rng.normal(0, 0.45, n) > np.log(4_200_000)
    late_prone = rng.random(n) < 0.15
    return Firms(
        firm_id=business_numbers(rng, n),
        name=_names(rng, industry),
        district=district,
        industry=industry,
        founded=_founded(rng, n, first_year, last_year),
        audited=audited,
        log_scale=log_scale,
        margin_mean=attr["margin"] - 0.009 + rng.normal(0, 0.05, n),
        turnover=attr["turnover"] * np.exp(rng.normal(0, 0.25, n)),
        current_share=np.clip(attr["current_share"] * rng.uniform(0.75, 1.2, n), 0.08, 0.92),
        borrowing_share=rng.beta(5, 4, n) * 0.9,
        current_liability_share=rng.uniform(0.4, 0.8, n),
        spread=np.clip(
            0.012 + 0.004 * (np.log(1_600_000) - log_scale) + rng.normal(0, 0.006, n), 0.0, 0.05
        ),
        equity_ratio=np.clip(rng.beta(3.4, 4.2, n), 0.03, 0.9),
        frailty=rng.normal(0, 0.35, n),
        late_filing=np.where(late_prone, 0.35, 0.035),
        sparsity=rng.uniform(0.6, 1.3, n),
    )


INDUSTRIES_ARRAY = np.array(INDUSTRY_CODES)


def firms_table(firms: Firms, table: DistrictTable, rng: np.random.Generator) -> pd.DataFrame:
    """The contract's firms table (SPEC §3.1)."""
    n = len(firms.firm_id)
    region = table.regions[firms.district]
    ksic = INDUSTRIES_ARRAY[firms.industry]
    manufacturing = np.array([item.manufacturing for item in INDUSTRIES])[firms.industry]
    main = np.zeros(n, dtype=bool)
    for code, industries in MAIN_INDUSTRIES.items():
        main |= (region == code) & np.isin(ksic, industries)
    threshold = np.where(manufacturing, _MEDIUM_REVENUE_MANUFACTURING, _MEDIUM_REVENUE_OTHER)
    return pd.DataFrame(
        {
            "firm_id": firms.firm_id,
            "name": firms.name,
            "region": region,
            "district": table.codes[firms.district],
            "ksic": ksic,
            "founded": firms.founded.astype("datetime64[ns]"),
            "size_class": np.where(np.exp(firms.log_scale) > threshold, "중기업", "소기업"),
            "audited": firms.audited,
            "growth_stage": _growth_stage(rng, firms),
            "cluster_id": _cluster(rng, region, ksic, manufacturing, main),
            "main_industry": main,
        }
    )


def _growth_stage(rng: np.random.Generator, firms: Firms) -> np.ndarray:
    """Mostly "none"; larger, more profitable firms are likelier to be 잠재/예비/선도."""
    merit = (
        (firms.log_scale - 14.3) * 0.8
        + firms.margin_mean * 15
        + rng.normal(0, 1, len(firms.firm_id))
    )
    return np.select([merit > 2.6, merit > 2.0, merit > 1.4], ["선도", "예비", "잠재"], "none")


def _cluster(
    rng: np.random.Generator,
    region: np.ndarray,
    ksic: np.ndarray,
    manufacturing: np.ndarray,
    main: np.ndarray,
) -> np.ndarray:
    """About half of manufacturers sit in a cluster: one per main industry, plus a general one."""
    joins = manufacturing & (rng.random(len(region)) < np.where(main, 0.7, 0.35))
    index = np.zeros(len(region), dtype=int)
    for code, industries in MAIN_INDUSTRIES.items():
        for position, industry in enumerate(industries, start=1):
            index[(region == code) & (ksic == industry)] = position
    general = len(max(MAIN_INDUSTRIES.values(), key=len)) + 1
    index = np.where(index == 0, general, index)
    cluster = pd.Series(region).str.cat(pd.Series(index).map("-C{:02d}".format))
    return cluster.where(joins, None).to_numpy(dtype=object)
