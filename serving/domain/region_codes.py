"""The 시도 codes the service answers for: the contract's 17, and ``UNKNOWN_REGION`` ("00",
지역 미상, defined with the access rules in ``serving.access.policy``) for firms stored without a
region (or with a code that is not a 시도).

Only analyst and admin keys see "00": a centre key's region is always one of the 17, so the
ordinary region check refuses a firm without one exactly as it refuses another region's firm.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import pandas as pd

from core.contract import REGIONS, REGIONS_EN
from features.demo.clusters import clusters
from features.demo.geography import districts
from serving.access.policy import UNKNOWN_REGION

UNKNOWN_NAMES: Final = ("지역 미상", "unknown region")


def served_region(value: object) -> str:
    """A stored region value as the service names it: its 시도 code, or ``UNKNOWN_REGION``."""
    return value if isinstance(value, str) and value in REGIONS else UNKNOWN_REGION


def served_regions(values: pd.Series) -> pd.Series:
    """``served_region`` of a column (missing values become "00", never "nan" or "<NA>")."""
    text = values.astype("string")
    return text.where(text.isin(list(REGIONS)), UNKNOWN_REGION).astype(object)


def is_region(values: pd.Series, region: str) -> np.ndarray:
    """Rows whose served region is ``region`` ("00" matches a missing or unknown region)."""
    if region == UNKNOWN_REGION:
        return ~values.astype("string").isin(list(REGIONS)).to_numpy(dtype=bool)
    return (values.astype("string") == region).fillna(False).to_numpy(dtype=bool)


def region_names(region: str) -> tuple[str, str]:
    """(Korean, English) name of a served region code."""
    if region == UNKNOWN_REGION:
        return UNKNOWN_NAMES
    return REGIONS.get(region, region), REGIONS_EN.get(region, region)


@dataclass(frozen=True)
class PlaceNames:
    """District (시군구) and cluster names by code, built once from the demo geography tables."""

    districts: dict[str, str]
    clusters: dict[str, tuple[str, str]]


@lru_cache(maxsize=1)
def place_names() -> PlaceNames:
    """The names table: district names from ``features.demo.geography.districts()`` (KOSIS
    names when ``../shared`` is there, the built-in table otherwise) and cluster names from
    ``features.demo.clusters``. Read once per process: the codes never change while serving."""
    return PlaceNames(districts=districts(), clusters=clusters())


def district_name(code: object) -> str | None:
    """The 시군구 name of a district code, None for a missing or unknown code (a real export's
    codes need not be the demo's: pages then show the code itself)."""
    if not isinstance(code, str):
        return None
    return place_names().districts.get(code)


def cluster_name(code: object, lang: str = "ko") -> str | None:
    """The industrial-complex name of a cluster id in Korean (``lang="ko"``) or English, None
    for a missing or unknown id."""
    if not isinstance(code, str):
        return None
    pair = place_names().clusters.get(code)
    if pair is None:
        return None
    return pair[1] if lang == "en" else pair[0]


def district_label(code: object) -> str:
    """What a page shows for a district: its name, else the code, else "" when missing."""
    return district_name(code) or (code if isinstance(code, str) else "")


def cluster_label(code: object, lang: str = "ko") -> str:
    """What a page shows for a cluster: its name, else the id, else "" when missing."""
    return cluster_name(code, lang) or (code if isinstance(code, str) else "")
