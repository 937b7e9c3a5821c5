"""Is the list worth visiting? The hit rate at visit: of the firms staff visited, the share
where they confirmed a crisis, by the grade the list showed when they went and by centre.

Each visit is matched to the firm's latest score on or before the visit (the list staff
worked from). Only visits that decided something count in the rate (``crisis_confirmed`` or
``no_crisis``); visits that arranged help are counted beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.contract import REGIONS
from core.grades import GRADES
from features.visit_labels import CLEARED, CONFIRMED

COLUMNS = ("visits", "decided", "confirmed", "help_arranged", "hit_rate")


def visits_at_scores(scores: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Each visit with the grade and region of the firm's latest score on or before it;
    visits before a firm's first score are left out.

    ``scores``: firm_id, as_of, grade, region; ``visits``: firm_id, visited_on, finding.
    """
    left = visits.assign(
        firm_id=visits["firm_id"].astype("string"),
        # One resolution on both sides: merge_asof refuses ns against us keys.
        visited_on=pd.to_datetime(visits["visited_on"]).astype("datetime64[ns]"),
    ).dropna(subset=["visited_on"])
    right = scores[["firm_id", "as_of", "grade", "region"]].assign(
        firm_id=scores["firm_id"].astype("string"),
        as_of=pd.to_datetime(scores["as_of"]).astype("datetime64[ns]"),
    )
    matched = pd.merge_asof(
        left.sort_values("visited_on"),
        right.dropna(subset=["as_of"]).sort_values("as_of"),
        left_on="visited_on",
        right_on="as_of",
        by="firm_id",
        direction="backward",
    )
    return matched.dropna(subset=["grade"]).reset_index(drop=True)


def hit_rates(matched: pd.DataFrame, by: str) -> pd.DataFrame:
    """Visits, decided visits, confirmed crises, help arranged and the hit rate per ``by``
    value (grade or region), plus an 전체 row; the rate is missing where nothing was decided."""
    finding = matched["finding"]
    counts = pd.DataFrame(
        {
            by: matched[by].astype("string").fillna("00"),
            "visits": 1,
            "decided": finding.isin([CONFIRMED, CLEARED]).astype(int),
            "confirmed": (finding == CONFIRMED).astype(int),
            "help_arranged": finding.isin(["supported", "referred"]).astype(int),
        }
    )
    table = counts.groupby(by, sort=False)[list(COLUMNS[:-1])].sum()
    order = list(GRADES) if by == "grade" else [*REGIONS, "00"]
    table = table.reindex([k for k in order if k in table.index])
    table.loc["전체"] = table.sum()
    decided = table["decided"].to_numpy(dtype="float64")
    table["hit_rate"] = np.where(decided > 0, table["confirmed"] / np.maximum(decided, 1), np.nan)
    return table.reset_index().rename(columns={"index": by})
