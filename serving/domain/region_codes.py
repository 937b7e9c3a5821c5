"""The 시도 codes the service answers for: the contract's 17, and ``UNKNOWN_REGION`` ("00",
지역 미상, defined with the access rules in ``serving.access.policy``) for firms stored without a
region (or with a code that is not a 시도).

Only analyst and admin keys see "00": a centre key's region is always one of the 17, so the
ordinary region check refuses a firm without one exactly as it refuses another region's firm.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from core.contract import REGIONS, REGIONS_EN
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
