"""Visit findings as a label source (``--label-rules visit_confirmed``): what centre staff
found on site is the closest thing to ground truth the product gets.

A row (firm, as-of) is labelled by the firm's visits in [as_of, as_of + horizon):

- 1 when any visit confirmed a crisis (``crisis_confirmed``): a confirmed crisis is final, even
  while the horizon is still open;
- 0 when visits found no crisis (``no_crisis``) and none confirmed one, once the horizon has
  closed (a firm found sound in month 2 may still fail in month 10, so an open window decides
  nothing);
- missing otherwise: no visit, or only visits that arranged help (``supported``, ``referred``),
  which say what staff did, not whether the firm was in crisis.

Combined with other rules (``default_event,visit_confirmed``) a 1 from either rule wins, as for
every rule (``features.labels.make_labels``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

CONFIRMED: Final = "crisis_confirmed"
CLEARED: Final = "no_crisis"


def visit_confirmed(
    keys: pd.DataFrame,
    visits: pd.DataFrame,
    horizon_end: pd.Series,
    observed_until: pd.Timestamp,
) -> pd.Series:
    """The visit label of each row of ``keys`` (firm_id, as_of): 1, 0 or missing (see above).

    ``horizon_end`` is each row's as_of + horizon; ``observed_until`` the last date the data
    cover (a 0 needs the whole window observed).
    """
    label = pd.Series(np.nan, index=keys.index, dtype="float64")
    found = visits[visits["finding"].isin([CONFIRMED, CLEARED])]
    if found.empty or keys.empty:
        return label
    rows = pd.DataFrame(
        {
            "row": np.arange(len(keys)),
            "firm_id": keys["firm_id"].astype("string").to_numpy(),
            "start": pd.to_datetime(keys["as_of"]).to_numpy(),
            "end": pd.to_datetime(horizon_end).to_numpy(),
        }
    )
    seen = found.assign(
        firm_id=found["firm_id"].astype("string"), visited_on=pd.to_datetime(found["visited_on"])
    )[["firm_id", "visited_on", "finding"]]
    # One firm has few visits, so joining on the firm and filtering the window stays small.
    pairs = rows.merge(seen, on="firm_id", how="inner")
    inside = pairs[(pairs["visited_on"] >= pairs["start"]) & (pairs["visited_on"] < pairs["end"])]
    confirmed = np.unique(inside.loc[inside["finding"] == CONFIRMED, "row"].to_numpy())
    cleared = np.unique(inside.loc[inside["finding"] == CLEARED, "row"].to_numpy())
    closed = (rows["end"] <= observed_until).to_numpy()
    values = label.to_numpy(copy=True)
    values[cleared[closed[cleared]]] = 0.0
    values[confirmed] = 1.0
    return pd.Series(values, index=keys.index, dtype="float64")
