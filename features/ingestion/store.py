"""The raw folder: accepted rows upserted into one Parquet file per table, rejects quarantined.

A quarantine file holds one line per rejected row (``column`` blank, all its reasons) and one
per rejected cell of an accepted row (``column`` the contract column, ``value`` as read), each
followed by the source row as read, in source row order.

Upserting on the table's keys makes ingestion idempotent: the same file twice leaves the same
rows. A re-ingested row updates only the columns its mapping fills, so a KOSIS table can add
one indicator to regional rows that hold others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.ingestion import schema
from features.labels import normalise_labels
from features.tables import normalise

QUARANTINE_DIR = "quarantine"


@dataclass(frozen=True)
class Upserted:
    path: Path
    new: int  # keys not stored before
    updated: int  # keys stored before, values refreshed
    total: int  # rows in the stored table afterwards


def typed(table: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Contract types: the ones ``read_tables`` gives, so stored and new rows line up."""
    if table == "labels":
        return normalise_labels(rows)
    rows = normalise(table, rows)
    if table == "regional":  # 시도 rows have no district; it is part of the key
        district = rows["district"] if "district" in rows else pd.Series(pd.NA, index=rows.index)
        rows["district"] = district.astype("string")
    return rows


def upsert(table: str, rows: pd.DataFrame, raw_dir: Path) -> Upserted:
    """Merge ``rows`` into ``raw_dir/<table>.parquet`` on the table's keys (new values win)."""
    path = raw_dir / f"{table}.parquet"
    keys = list(schema.KEYS[table])
    incoming = _unique(typed(table, rows), keys)
    stored = typed(table, pd.read_parquet(path)) if path.exists() else incoming.iloc[:0]
    known = pd.MultiIndex.from_frame(incoming[keys]).isin(pd.MultiIndex.from_frame(stored[keys]))
    merged = _unique(pd.concat([stored, incoming], ignore_index=True), keys)
    raw_dir.mkdir(parents=True, exist_ok=True)
    typed(table, merged).to_parquet(path, index=False)
    return Upserted(path, int((~known).sum()), int(known.sum()), len(merged))


def _unique(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key: per column, the last present value (later rows win, gaps keep older)."""
    if rows.empty:
        return rows
    order = rows[keys].drop_duplicates()
    last = rows.groupby(keys, dropna=False, sort=False).last().reset_index()
    return order.merge(last, on=keys, how="left")[rows.columns]


def quarantine(
    rejected: pd.DataFrame, cells: pd.DataFrame, raw_dir: Path, source: Path, table: str
) -> Path | None:
    """Write rejected rows and cells with their reasons; ``None`` (and no stale file) when there
    are none."""
    path = raw_dir / QUARANTINE_DIR / f"{source.stem}.{table}.csv"
    lines = pd.concat([p for p in (rejected, cells) if not p.empty] or [rejected.iloc[:0]])
    if lines.empty:
        path.unlink(missing_ok=True)
        return None
    lines = lines.sort_values("row", kind="stable")
    path.parent.mkdir(parents=True, exist_ok=True)
    lines.to_csv(path, index=False, encoding="utf-8-sig")  # BOM: Excel shows the Korean
    return path
