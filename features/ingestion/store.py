"""The raw folder: accepted rows upserted into one Parquet file per table, rejects quarantined.

A quarantine file holds one line per rejected row (``column`` blank, all its reasons) and one
per rejected cell of an accepted row (``column`` the contract column, ``value`` as read), each
followed by the source row as read, in source row order.

Ingestion is idempotent and loses nothing. In a keyed table (firms, financials, regional,
labels) the keys name one fact: a re-ingested row updates only the columns its mapping fills,
so a KOSIS table can add one indicator to regional rows that hold others. In a repeatable table
(events, visits) rows sharing the keys are different facts, so a row's identity is its values
in the columns the source fills plus its occurrence among identical rows of that source: the
second identical arrears of a day is a second row, and the same file twice adds nothing. Every
file is replaced atomically (a temporary file in the same folder, then ``os.replace``), so a
crash leaves the previous table.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.ingestion import schema
from features.labels import normalise_labels
from features.tables import normalise

QUARANTINE_DIR = "quarantine"


@dataclass(frozen=True)
class Upserted:
    """How one source's rows met the stored table: ``total == before + new``, and the source
    rows written are ``new + updated + unchanged + merged``."""

    path: Path
    before: int  # rows stored before
    new: int  # rows added: keys (or, in a repeatable table, row identities) not stored before
    updated: int  # keyed tables: source keys already stored, their values refreshed
    unchanged: int  # repeatable tables: source rows already stored as they are
    merged: int  # keyed tables: source rows merged into another row of the source with their key
    total: int  # rows stored afterwards


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
    """Merge ``rows`` into ``raw_dir/<table>.parquet``: on the keys (new values win) in a keyed
    table, by row identity in a repeatable one. Older stored tables load as they are."""
    path = raw_dir / f"{table}.parquet"
    incoming = typed(table, rows)
    stored = typed(table, pd.read_parquet(path)) if path.exists() else incoming.iloc[:0]
    if table in schema.REPEATABLE:
        filled = [c for c in rows.columns if c in incoming.columns]
        merged, counts = _add_new(stored, incoming, filled)
    else:
        merged, counts = _update(stored, incoming, list(schema.KEYS[table]))
    _replace(path, lambda temp: typed(table, merged).to_parquet(temp, index=False))
    return Upserted(path, len(stored), *counts, total=len(merged))


Counts = tuple[int, int, int, int]  # new, updated, unchanged, merged


def _add_new(
    stored: pd.DataFrame, incoming: pd.DataFrame, columns: list[str]
) -> tuple[pd.DataFrame, Counts]:
    """Append the source rows whose identity (values in ``columns``, occurrence among identical
    rows) is not stored: k identical source rows need k identical stored rows."""
    stored_ids, incoming_ids = _group_ids(stored, incoming, columns)
    groups = int(max(stored_ids.max(initial=-1), incoming_ids.max(initial=-1))) + 1
    stored_count = np.bincount(stored_ids, minlength=groups)
    occurrence = pd.Series(incoming_ids).groupby(incoming_ids).cumcount().to_numpy()
    new = occurrence >= stored_count[incoming_ids]
    added = pd.concat([stored, incoming[new]], ignore_index=True)
    return added, (int(new.sum()), 0, int((~new).sum()), 0)


def _update(
    stored: pd.DataFrame, incoming: pd.DataFrame, keys: list[str]
) -> tuple[pd.DataFrame, Counts]:
    """Refresh stored rows whose key comes again (present values win) and append the other
    keys; stored rows are never merged with each other, so nothing stored is lost."""
    unique = _unique(incoming, keys)
    stored_ids, incoming_ids = _group_ids(stored, unique, keys)
    known = np.isin(incoming_ids, stored_ids)
    position = pd.Series(np.arange(len(unique)), index=incoming_ids)
    matched = np.isin(stored_ids, incoming_ids)
    refreshed = stored.copy()
    if matched.any():
        source_row = position.reindex(stored_ids).fillna(0).astype("int64").to_numpy()
        for column in (c for c in unique.columns if c not in keys):
            values = unique[column].iloc[source_row].set_axis(refreshed.index)
            take = matched & values.notna().to_numpy(bool)
            current = (
                refreshed[column] if column in refreshed else pd.Series(pd.NA, refreshed.index)
            )
            refreshed[column] = current.mask(take, values)
    updated = pd.concat([refreshed, unique[~known]], ignore_index=True)
    counts = (int((~known).sum()), int(known.sum()), 0, len(incoming) - len(unique))
    return updated, counts


def _group_ids(
    first: pd.DataFrame, second: pd.DataFrame, columns: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """One id per distinct combination of ``columns`` across both frames (missing = missing)."""
    both = pd.concat([_canonical(first[columns]), _canonical(second[columns])], ignore_index=True)
    ids = both.groupby(columns, dropna=False, sort=False).ngroup().to_numpy("int64")
    return ids[: len(first)], ids[len(first) :]


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Types under which equal values compare equal whichever file they came from."""
    canonical = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            canonical[column] = values.astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            canonical[column] = values.astype("Float64")
        else:
            canonical[column] = values.astype("string")
    return pd.DataFrame(canonical, index=frame.index)


def _unique(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key: per column, the last present value (later rows win, gaps keep older)."""
    if rows.empty:
        return rows
    order = rows[keys].drop_duplicates()
    last = rows.groupby(keys, dropna=False, sort=False).last().reset_index()
    return order.merge(last, on=keys, how="left")[rows.columns]


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder and ``os.replace`` it onto ``path``:
    readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


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
    # BOM: Excel shows the Korean
    _replace(path, lambda temp: lines.to_csv(temp, index=False, encoding="utf-8-sig"))
    return path
