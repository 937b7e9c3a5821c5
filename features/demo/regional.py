"""Regional indicators per 시도 and year, published June 15 of the next year (SPEC §3.4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.demo import economy
from features.demo.geography import DECLINE_AREAS, DistrictTable, read_kosis

# Long-run GRDP growth relative to the nation (percentage points), e.g. 세종's build-out.
_GRDP_OFFSET = {
    "11": 0.0,
    "26": -0.6,
    "27": -0.5,
    "28": 0.3,
    "29": -0.2,
    "30": 0.0,
    "31": -1.0,
    "36": 5.0,
    "41": 1.0,
    "51": -0.3,
    "43": 1.2,
    "44": 0.6,
    "52": -0.5,
    "46": -0.2,
    "47": -0.6,
    "48": -0.6,
    "50": 0.4,
}
_UNEMPLOYMENT_OFFSET = {
    "11": 0.6,
    "26": 0.4,
    "27": 0.2,
    "28": 0.6,
    "29": 0.0,
    "30": 0.2,
    "31": 0.3,
    "36": -0.3,
    "41": 0.3,
    "51": -0.3,
    "43": -0.6,
    "44": -0.5,
    "52": -0.7,
    "46": -0.9,
    "47": -0.2,
    "48": 0.0,
    "50": -1.0,
}


def active_business_growth(kosis_file: Path | None) -> pd.DataFrame:
    """Growth (%) of all active businesses (총계) per 시도 and year, from KOSIS when present."""
    columns = ["region", "period", "active_business_growth"]
    if kosis_file is None or not kosis_file.exists():
        return pd.DataFrame(columns=columns)
    counts = read_kosis(kosis_file, "총계")
    totals = counts.groupby(["region", "period"])["count"].sum().unstack("period")
    growth = (totals.pct_change(axis=1) * 100).stack().rename("active_business_growth")
    # 세종 starts in 2012 out of 충남; its first years are not growth.
    growth = growth[np.isfinite(growth) & (growth < 50)]
    return growth.reset_index()[columns]


def regional_table(
    rng: np.random.Generator,
    sums: pd.DataFrame,
    delinquent: pd.DataFrame,
    table: DistrictTable,
    periods: range,
    kosis_file: Path | None,
) -> pd.DataFrame:
    """Indicators for ``periods``, from the simulated firms where the data allow it."""
    regions = np.unique(table.regions)
    sums = sums.assign(region=regions[sums["region_index"].to_numpy()])
    sums = sums[sums["year"].isin(periods)].merge(delinquent, on=["region", "year"], how="left")
    national = sums.groupby("year")[["revenue", "previous_revenue"]].sum()
    national_growth = (national["revenue"] / national["previous_revenue"] - 1).rename("national")
    sums = sums.join(national_growth, on="year")
    n = len(sums)
    enough = sums["established"] >= 5
    region_growth = (sums["revenue"] / sums["previous_revenue"] - 1).where(enough)
    relative = (region_growth - sums["national"]).fillna(0.0).to_numpy()
    real = sums["year"].map(economy.real_growth).to_numpy()
    grdp = (
        real + sums["region"].map(_GRDP_OFFSET).to_numpy() + 60 * relative + rng.normal(0, 0.4, n)
    )
    manufacturing = (
        sums["manufacturing_revenue"] / sums["previous_manufacturing_revenue"] - 1
    ).where(sums["manufacturers"] >= 5)
    manufacturing = manufacturing.fillna(sums["national"]).to_numpy() * 100
    unemployment = (
        sums["year"].map(economy.unemployment).to_numpy()
        + sums["region"].map(_UNEMPLOYMENT_OFFSET).to_numpy()
        + 0.15 * np.maximum(0.0, real - grdp)
        + rng.normal(0, 0.15, n)
    )
    counts = pd.Series(table.regions).value_counts()
    declining = sums["region"].map(DECLINE_AREAS).fillna(0) / sums["region"].map(counts)
    indicators = pd.DataFrame(
        {
            "region": sums["region"].to_numpy(),
            "period": sums["year"].to_numpy(),
            "published_on": pd.to_datetime(sums["year"].astype(str) + "-06-15")
            + pd.DateOffset(years=1),
            "grdp_growth": grdp.round(2),
            "unemployment_rate": np.clip(unemployment, 0.8, None).round(2),
            "manufacturing_growth": manufacturing.round(2),
            "employee_growth": _growth(sums["employees"], sums["previous_employees"]),
            "payroll_growth": _growth(sums["payroll"], sums["previous_payroll"]),
            "delinquency_rate": (100 * sums["delinquent"].fillna(0) / sums["firms"])
            .round(3)
            .to_numpy(),
            "depopulation_index": [
                round(economy.depopulation_index(r, y), 3)
                for r, y in zip(sums["region"], sums["year"], strict=True)
            ],
            "crisis_area": [
                economy.crisis_area(r, y) for r, y in zip(sums["region"], sums["year"], strict=True)
            ],
            "population_decline_area": np.where(
                sums["year"] >= 2021, np.minimum(declining, 1.0), 0.0
            ).round(3),
        }
    )
    return _with_business_growth(rng, indicators, active_business_growth(kosis_file))


def _growth(now: pd.Series, before: pd.Series) -> np.ndarray:
    return (100 * (now / before.where(before > 0) - 1)).round(2).to_numpy()


def _with_business_growth(
    rng: np.random.Generator, indicators: pd.DataFrame, kosis: pd.DataFrame
) -> pd.DataFrame:
    """KOSIS growth where published; otherwise a value that follows GRDP growth."""
    merged = indicators.merge(kosis, on=["region", "period"], how="left")
    synthetic = 1.5 + 0.5 * merged["grdp_growth"] + rng.normal(0, 0.8, len(merged))
    merged["active_business_growth"] = merged["active_business_growth"].fillna(synthetic).round(2)
    return merged
