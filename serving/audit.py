"""The audit log for an inspector: who read or scored what, when, with which model, and how it
ended; written before every response (``audited``) and exported as CSV or JSON Lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from serving.db import ApiKey, AuditEntry, Base, audit_row, record

EXPORT_COLUMNS = (
    "id", "at", "key_id", "key_prefix", "role", "region", "endpoint", "subject_region",
    "firm_ids", "model_version", "score_id", "outcome",
)  # fmt: skip


def audited(
    session: Session,
    key: ApiKey,
    endpoint: str,
    outcome: str,
    firm_ids: Iterable[str | None] = (),
    model_version: str | None = None,
    subject_region: str | None = None,
    rows: Iterable[Base] = (),
) -> None:
    """Commit one audit row (with ``rows`` in the same transaction); raises if it cannot."""
    entry = audit_row(endpoint, firm_ids, outcome, key, model_version,
                      subject_region=subject_region)  # fmt: skip
    record(session, [*rows, entry])


def audit_rows(
    engine: Engine, since: dt.datetime, until: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Audit entries at or after ``since`` (and before ``until``), oldest first."""
    query = (select(AuditEntry, ApiKey.prefix)
             .join(ApiKey, AuditEntry.key_id == ApiKey.id, isouter=True)
             .where(AuditEntry.at >= since).order_by(AuditEntry.id))  # fmt: skip
    if until is not None:
        query = query.where(AuditEntry.at < until)
    with Session(engine) as session:
        for entry, prefix in session.execute(query.execution_options(yield_per=1000)):
            yield _row(entry, prefix)


def _row(entry: AuditEntry, prefix: str | None) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    return {
        "id": entry.id, "at": at.isoformat(), "key_id": entry.key_id, "key_prefix": prefix,
        "role": entry.role, "region": entry.region, "endpoint": entry.endpoint,
        "subject_region": entry.subject_region, "firm_ids": json.loads(entry.firm_ids),
        "model_version": entry.model_version, "score_id": entry.score_id,
        "outcome": entry.outcome,
    }  # fmt: skip


def write_audit(rows: Iterable[dict[str, Any]], stream: IO[str], fmt: str) -> int:
    """Write rows as ``csv`` (firm ids joined by spaces) or ``jsonl``; returns the count."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"format must be csv or jsonl; got {fmt!r}")
    writer = csv.DictWriter(stream, fieldnames=EXPORT_COLUMNS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    count = 0
    for row in rows:
        if writer is not None:
            writer.writerow({**row, "firm_ids": " ".join(row["firm_ids"])})
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def format_for(path: Path | None, fmt: str | None) -> str:
    """The export format: as asked, else from the file's suffix, else CSV."""
    if fmt is not None:
        return fmt
    return "jsonl" if path is not None and path.suffix in (".jsonl", ".json") else "csv"
