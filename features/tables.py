"""The raw contract tables in memory and on disk (one Parquet file per table)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd

from core import contract

_COLUMNS: dict[str, tuple[str, ...]] = {
    "firms": contract.FIRM_COLUMNS,
    "financials": contract.FINANCIAL_COLUMNS,
    "events": contract.EVENT_COLUMNS,
    "regional": contract.REGIONAL_COLUMNS,
    "visits": contract.VISIT_COLUMNS,
}
LABELS = "labels"  # file stem of the user-supplied labels table
_DATES: dict[str, tuple[str, ...]] = {
    "firms": ("founded",),
    "financials": ("period_end", "filed_on"),
    "events": ("event_date",),
    "regional": ("published_on",),
    "visits": ("visited_on",),
}


@dataclass(frozen=True)
class RawTables:
    """The five contract tables (SPEC §3); optional columns may be absent or empty.

    ``labels`` holds user-supplied label columns when the user brought them (see
    ``features.labels``); it is not a contract table and usually absent.
    """

    firms: pd.DataFrame
    financials: pd.DataFrame
    events: pd.DataFrame
    regional: pd.DataFrame
    visits: pd.DataFrame
    labels: pd.DataFrame | None = None

    def for_firms(self, firm_ids: list[str]) -> RawTables:
        """The same tables cut to some firms (regional indicators are kept whole)."""
        keep = set(firm_ids)
        return replace(
            self,
            firms=self.firms[self.firms["firm_id"].isin(keep)],
            financials=self.financials[self.financials["firm_id"].isin(keep)],
            events=self.events[self.events["firm_id"].isin(keep)],
            visits=self.visits[self.visits["firm_id"].isin(keep)],
            labels=None if self.labels is None else self.labels[self.labels["firm_id"].isin(keep)],
        )


def empty_table(name: str) -> pd.DataFrame:
    return normalise(name, pd.DataFrame({c: [] for c in _COLUMNS[name]}))


def normalise(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Add absent contract columns as missing and give keys and dates their types."""
    table = table.copy()
    for column in _COLUMNS[name]:
        if column not in table.columns:
            table[column] = pd.NA
    for column in _DATES[name]:
        table[column] = pd.to_datetime(table[column]).astype("datetime64[ns]")
    if "firm_id" in table.columns:
        table["firm_id"] = table["firm_id"].astype("string")
    if name == "financials":
        table["fiscal_year"] = table["fiscal_year"].astype("int64")
        for column in contract.FINANCIAL_AMOUNTS:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
        table["audit_opinion"] = table["audit_opinion"].astype("string")
        table["going_concern"] = table["going_concern"].astype("boolean")
    if name == "events":
        table["amount"] = pd.to_numeric(table["amount"], errors="coerce").astype("float64")
    if name == "regional":
        table["region"] = table["region"].astype("string")
        table["period"] = table["period"].astype("int64")
        for column in contract.REGIONAL_INDICATORS:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    if name == "firms":
        for column in ("region", "district", "ksic", "size_class", "growth_stage", "cluster_id"):
            table[column] = table[column].astype("string")
    return table


def write_tables(tables: RawTables, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for item in fields(tables):
        table = getattr(tables, item.name)
        if table is not None:
            table.to_parquet(folder / f"{item.name}.parquet", index=False)


def read_tables(folder: Path) -> RawTables:
    """Read the contract tables; a missing table reads as empty, except ``firms``.

    A ``labels.parquet`` (user-supplied labels) is read when present.
    """
    if not (folder / "firms.parquet").exists():
        raise FileNotFoundError(
            f"no firms table at {folder / 'firms.parquet'}; run `ews demo-data` or `ews ingest`"
        )
    loaded = {}
    for name in contract.TABLES:
        path = folder / f"{name}.parquet"
        loaded[name] = (
            normalise(name, pd.read_parquet(path)) if path.exists() else empty_table(name)
        )
    labels = folder / f"{LABELS}.parquet"
    return RawTables(**loaded, labels=pd.read_parquet(labels) if labels.exists() else None)
