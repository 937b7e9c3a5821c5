"""The raw contract tables in memory and on disk (one Parquet file per table)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd

from core import contract

LABELS = "labels"  # file stem of the user-supplied labels table


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
    return normalise(
        name, pd.DataFrame({c: [] for c in contract.CONTRACT[name].names(framed=True)})
    )


def normalise(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Add absent contract columns as missing and give each column its declared type."""
    table = table.copy()
    declared = contract.CONTRACT[name]
    for absent in [c for c in declared.names(framed=True) if c not in table.columns]:
        table[absent] = pd.NA
    for column in declared.columns:
        if column.dtype is not None and column.name in table.columns:
            table[column.name] = _typed(table[column.name], column.dtype)
    return table


def _typed(values: pd.Series, dtype: str) -> pd.Series:
    """Dates parsed, numbers coerced (unreadable ones missing), everything else cast."""
    if dtype.startswith("datetime64"):
        return pd.to_datetime(values).astype(dtype)
    if dtype == "float64":
        return pd.to_numeric(values, errors="coerce").astype(dtype)
    return values.astype(dtype)


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
