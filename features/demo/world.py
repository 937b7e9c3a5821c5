"""The demo world end to end: firms -> simulated years -> contract tables and the oracle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.demo import events as demo_events
from features.demo.audit import audit_reports
from features.demo.firms import draw_firms, firms_table
from features.demo.geography import KOSIS_FILE, district_table
from features.demo.panel import BURN_IN_YEARS, simulate
from features.demo.regional import regional_table
from features.demo.visits import visit_outcomes
from features.tables import RawTables, normalise, write_tables

ORACLE_FILE = "oracle.parquet"
_OVERDRAW = 1.5  # burn-in exits take roughly a quarter of the firms drawn


@dataclass(frozen=True)
class DemoData:
    """Contract tables of a synthetic panel and the true PD of every firm at every as-of."""

    tables: RawTables
    oracle: pd.DataFrame  # firm_id, as_of, true_pd


def generate_demo(
    n_firms: int = 20_000,
    seed: int = 7,
    first_year: int = 2012,
    last_year: int = 2025,
    progress: bool = False,
    kosis_file: Path | None = KOSIS_FILE,
) -> DemoData:
    """Simulate ``n_firms`` firms over fiscal years ``first_year`` .. ``last_year``.

    As-of dates run June 30 of ``first_year + 1`` .. ``last_year + 1``; events are simulated
    through June 30 of ``last_year + 2`` so the last as-of has outcomes too.
    """
    _check(n_firms, first_year, last_year)
    # A stream per stage; a stage added later takes a new stream so older columns stay the same.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    table = district_table(kosis_file)
    # Draw more firms than asked: those that exit during the burn-in never enter the world.
    firms = draw_firms(streams[0], int(n_firms * _OVERDRAW) + 20, table, first_year, last_year)
    panel = simulate(streams[1], firms, table, first_year, last_year, n_firms, progress)
    kept = panel.kept
    reports = audit_reports(
        streams[5],
        panel.financials["firm"].to_numpy(),
        panel.financials["fiscal_year"].to_numpy(),
        firms.audited,
        panel.risk,
    )
    for name in reports.columns:
        panel.financials[name] = reports[name].array
    horizon = np.datetime64(f"{last_year + 2}-06-30")
    # Events of all simulated firms feed the regional delinquency rate; only kept firms' remain.
    all_events = pd.concat(
        [
            demo_events.arrears_events(streams[2], panel.risk),
            demo_events.default_events(streams[2], panel.risk, horizon),
        ],
        ignore_index=True,
    )
    risk = panel.risk[kept[panel.risk["firm"].to_numpy()]]
    events = all_events[kept[all_events["firm"].to_numpy()]]
    # Arrow-backed strings: millions of ids as Python objects would cost gigabytes.
    firm_ids = pd.array(firms.firm_id, dtype="string")
    region = table.regions[firms.district]
    periods = range(first_year - BURN_IN_YEARS + 1, last_year + 1)
    regional = regional_table(
        streams[3], panel.regional, _delinquent(all_events, region), table, periods, kosis_file
    )
    tables = RawTables(
        firms=normalise(
            "firms", firms_table(firms, table, streams[4])[kept].reset_index(drop=True)
        ),
        financials=normalise("financials", _financials(panel.financials, firm_ids)),
        events=normalise(
            "events", _with_ids(events, firm_ids).sort_values(["firm_id", "event_date"])
        ),
        regional=normalise("regional", regional[regional["period"] >= first_year - 2]),
        visits=normalise("visits", visit_outcomes(streams[4], risk, firm_ids, last_year)),
    )
    return DemoData(tables=tables, oracle=_oracle(risk, firm_ids, first_year))


def write_demo(data: DemoData, folder: Path) -> None:
    """Write the contract tables and ``oracle.parquet`` to ``folder``."""
    write_tables(data.tables, folder)
    data.oracle.to_parquet(folder / ORACLE_FILE, index=False)


def _check(n_firms: int, first_year: int, last_year: int) -> None:
    if n_firms < 1:
        raise ValueError(f"n_firms must be at least 1, got {n_firms}")
    if last_year < first_year:
        raise ValueError(f"last_year ({last_year}) must not be before first_year ({first_year})")
    if first_year <= 1990:
        raise ValueError(
            f"first_year must be after 1990 (firms are founded from 1985), got {first_year}"
        )


def _with_ids(frame: pd.DataFrame, firm_ids: pd.api.extensions.ExtensionArray) -> pd.DataFrame:
    """Replace the internal firm index by the firm_id text."""
    out = frame.drop(columns="firm")
    out.insert(0, "firm_id", firm_ids[frame["firm"].to_numpy()])
    return out


def _financials(filed: pd.DataFrame, firm_ids: pd.api.extensions.ExtensionArray) -> pd.DataFrame:
    """Swap the internal firm index for ``firm_id`` in place (the frame can be gigabytes)."""
    filed.insert(0, "firm_id", firm_ids[filed.pop("firm").to_numpy()])
    return filed


def _oracle(
    risk: pd.DataFrame, firm_ids: pd.api.extensions.ExtensionArray, first_year: int
) -> pd.DataFrame:
    rows = risk[risk["as_of_year"] >= first_year + 1]
    return pd.DataFrame(
        {
            "firm_id": firm_ids[rows["firm"].to_numpy()],
            "as_of": pd.to_datetime(rows["as_of_year"].astype(str) + "-06-30").astype(
                "datetime64[ns]"
            ),
            "true_pd": rows["true_pd"].to_numpy(float),
        }
    ).reset_index(drop=True)


def _delinquent(events: pd.DataFrame, region: np.ndarray) -> pd.DataFrame:
    """Firms with a loan delinquency (30 or 90 days) per region and calendar year."""
    loans = events[events["event_type"].isin(["loan_delinquency_30", "loan_delinquency_90"])]
    keys = pd.DataFrame(
        {
            "region": region[loans["firm"].to_numpy()],
            "year": pd.DatetimeIndex(loans["event_date"]).year,
            "firm": loans["firm"].to_numpy(),
        }
    ).drop_duplicates()
    return keys.groupby(["region", "year"]).size().rename("delinquent").reset_index()
