"""The audit log for an inspector: who read or scored what, when, with which model, and how it
ended; written before every response (``attempt``, ``audited``), searched by person, firm,
action and date (``audit_rows`` with an ``AuditQuery``), exported as CSV or JSON Lines with the
person's username and name, and checked against its hash chain (``verify_chain``; the rule is
``serving.store.audit_chain.audit_hash``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, Row, func, select
from sqlalchemy.orm import Session

from serving.access.policy import Refusal
from serving.errors import NotScorable, RegionForbidden, RoleForbidden, ServingError, UnknownFirm
from serving.schemas.scores import Outcome
from serving.store.audit_chain import CHAINED_FIELDS, GENESIS_HASH, audit_hash
from serving.store.records import NewRow, audit_row, record
from serving.store.tables import AUDIT_LOG, CHAIN_HEAD, ApiKey, AuditEntry, Base, User

EXPORT_COLUMNS = (
    "id",
    "at",
    "key_id",
    "key_prefix",
    "user_id",
    "username",
    "display_name",
    "role",
    "region",
    "endpoint",
    "subject_region",
    "firm_ids",
    "model_version",
    "score_id",
    "outcome",
    "prev_hash",
    "row_hash",
)
_OUTCOMES: dict[type[ServingError], Outcome] = {
    UnknownFirm: "not_found",
    NotScorable: "not_scorable",
    RegionForbidden: "forbidden",
    RoleForbidden: "forbidden",
}


def outcome(error: ServingError) -> Outcome:
    """The audit outcome (and batch item status) of a domain error."""
    return _OUTCOMES.get(type(error), "invalid")


@dataclass
class Attempt:
    """One call's audit row, filled in as the call learns (the listed firms, the score served,
    rows to commit with it); ``attempt`` writes it when the call ends, granted or refused."""

    firm_ids: list[str | None]
    model_version: str | None = None
    subject_region: str | None = None
    score_id: str | None = None
    rows: list[Base | NewRow] = field(default_factory=list)  # committed with the granted row

    def check(self, refusal: Refusal | None) -> None:
        """Go on when the rule allows; else raise its error, audited with what was asked about."""
        if refusal is not None:
            self.subject_region = refusal.subject_region
            raise refusal.error()


@contextmanager
def attempt(
    session: Session,
    key: ApiKey,
    endpoint: str,
    firm_ids: Iterable[str | None] = (),
    model_version: str | None = None,
    subject_region: str | None = None,
    score_id: str | None = None,
) -> Iterator[Attempt]:
    """Audit one use, granted or refused: one row when the block ends, ``ok`` (with the
    attempt's ``rows`` in the same transaction), or the outcome of the domain error escaping it.
    Other exceptions (a missing report, a failed write) escape unaudited, as an HTTP error."""
    entry = Attempt(list(firm_ids), model_version, subject_region, score_id)
    try:
        yield entry
    except ServingError as error:
        record(session, [_audit_row(entry, endpoint, outcome(error), key)])
        raise
    record(session, [*entry.rows, _audit_row(entry, endpoint, "ok", key)])


def _audit_row(entry: Attempt, endpoint: str, outcome: str, key: ApiKey) -> NewRow:
    return audit_row(
        endpoint,
        entry.firm_ids,
        outcome,
        key,
        entry.model_version,
        entry.score_id,
        entry.subject_region,
    )


def refused(
    session: Session,
    key: ApiKey,
    endpoint: str,
    refusal: Refusal | None,
    firm_ids: Iterable[str | None] = (),
    model_version: str | None = None,
) -> None:
    """Go on when the rule allows; else audit the refusal and raise its error (for a call whose
    granted row is written elsewhere)."""
    if refusal is not None:
        audited(
            session, key, endpoint, refusal.outcome, firm_ids, model_version, refusal.subject_region
        )
        raise refusal.error()


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
    entry = audit_row(
        endpoint, firm_ids, outcome, key, model_version, subject_region=subject_region
    )
    record(session, [*rows, entry])


@dataclass(frozen=True)
class AuditQuery:
    """Which audit rows to read: ``since`` ≤ at < ``until``; the person (a user id); a firm
    among the row's firm ids; ``action`` within the endpoint (case-insensitive); an outcome."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    user_id: int | None = None
    firm_id: str | None = None
    action: str | None = None
    outcome: str | None = None


def audit_rows(
    engine: Engine,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    where: AuditQuery | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> Iterator[dict[str, Any]]:
    """Audit entries at or after ``since`` (and before ``until``) matching ``where``, oldest
    first (newest first for a page), each with its key's prefix and its person."""
    where = where or AuditQuery()
    query = (
        select(AuditEntry, ApiKey.prefix, User.username, User.display_name)
        .join(ApiKey, AuditEntry.key_id == ApiKey.id, isouter=True)
        .join(User, AuditEntry.user_id == User.id, isouter=True)
        .order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id)
    )
    since, until = since or where.since, until or where.until
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if where.user_id is not None:
        query = query.where(AuditEntry.user_id == where.user_id)
    if where.firm_id:  # the stored JSON list holds each id as a JSON string
        query = query.where(
            AuditEntry.firm_ids.contains(json.dumps(where.firm_id), autoescape=True)
        )
    if where.action:
        query = query.where(
            func.lower(AuditEntry.endpoint).contains(where.action.lower(), autoescape=True)
        )
    if where.outcome:
        query = query.where(AuditEntry.outcome == where.outcome)
    if limit is not None:
        query = query.limit(limit)
    with Session(engine) as session:
        for entry, prefix, username, name in session.execute(
            query.execution_options(yield_per=1000)
        ):
            yield _row(entry, prefix, username, name)


def _row(
    entry: AuditEntry, prefix: str | None, username: str | None, name: str | None
) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    return {
        "id": entry.id,
        "at": at.isoformat(),
        "key_id": entry.key_id,
        "key_prefix": prefix,
        "user_id": entry.user_id,
        "username": username,
        "display_name": name,
        "role": entry.role,
        "region": entry.region,
        "endpoint": entry.endpoint,
        "subject_region": entry.subject_region,
        "firm_ids": json.loads(entry.firm_ids),
        "model_version": entry.model_version,
        "score_id": entry.score_id,
        "outcome": entry.outcome,
        "prev_hash": entry.prev_hash,
        "row_hash": entry.row_hash,
    }


def _csv_values(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "firm_ids": " ".join(row["firm_ids"])}


def csv_chunks(rows: Iterable[dict[str, Any]], size: int = 65_536) -> Iterator[str]:
    """The CSV export in pieces of about ``size`` characters, header first (for a streamed
    download)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(_csv_values(row))
        if buffer.tell() >= size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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
            writer.writerow(_csv_values(row))
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def format_for(path: Path | None, fmt: str | None) -> str:
    """The export format: as asked, else from the file's suffix, else CSV."""
    if fmt is not None:
        return fmt
    return "jsonl" if path is not None and path.suffix in (".jsonl", ".json") else "csv"


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found: how far the chain holds, and the first row that breaks it."""

    genesis_id: int  # rows up to this id predate the chain and are not checked
    checked: int
    last_id: int
    head: str
    broken_id: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def describe(self) -> str:
        if not self.intact:
            return f"audit chain broken at row {self.broken_id}: {self.problem}"
        genesis = (
            f"; rows up to id {self.genesis_id} predate the chain (genesis), not checked"
            if self.genesis_id
            else ""
        )
        return (
            f"audit chain intact: {self.checked:,} rows checked, up to id {self.last_id}"
            f"{genesis}; head {self.head}"
        )


def verify_chain(engine: Engine, passes: int = 3) -> ChainReport:
    """Recompute the chain from genesis and compare it with each row and with the chain head.

    Rows committed while this runs are checked too (up to ``passes`` rereads of the head); the
    head is read after the rows, so a row past the head's last id was not written by the chain.
    """
    with engine.connect() as connection:
        head = _head(connection)
        if head is None:
            return ChainReport(0, 0, 0, GENESIS_HASH, None, None)
        genesis, prev, last_id, checked = head.genesis_id, GENESIS_HASH, head.genesis_id, 0
        for _ in range(passes):
            query = select(AUDIT_LOG).where(AUDIT_LOG.c.id > last_id).order_by(AUDIT_LOG.c.id)
            for row in connection.execute(query):
                problem = _problem(row, prev, last_id, genesis)
                if problem is not None:
                    return ChainReport(genesis, checked, last_id, head.row_hash, row.id, problem)
                prev, last_id, checked = row.row_hash, row.id, checked + 1
            head = _head(connection)
            assert head is not None
            if head.last_id <= last_id:
                break
        return _against_head(
            connection, ChainReport(genesis, checked, last_id, head.row_hash), prev, head.last_id
        )


def _head(connection: Connection) -> Row[Any] | None:
    return connection.execute(select(CHAIN_HEAD)).first()


def _problem(row: Row[Any], prev: str, prev_id: int, genesis: int) -> str | None:
    after = f"row {prev_id}" if prev_id > genesis else "the genesis"
    if row.row_hash is None or row.prev_hash is None:
        return "it has no hash: it was written outside the chain (inserted by hand or old code)"
    if row.prev_hash != prev:
        return (
            f"its previous hash does not match {after}: a row between them was deleted, "
            "or this row was inserted"
        )
    if audit_hash(prev, {k: row._mapping[k] for k in CHAINED_FIELDS}) != row.row_hash:
        return "its fields do not match its hash: it was changed after it was written"
    return None


def _against_head(
    connection: Connection, report: ChainReport, prev: str, head_last_id: int
) -> ChainReport:
    """The chain's end must be the head's: no rows appended past it, none deleted before it."""
    if report.last_id > head_last_id:
        first = connection.scalar(
            select(func.min(AUDIT_LOG.c.id)).where(AUDIT_LOG.c.id > head_last_id)
        )
        problem = f"it lies past the chain head (row {head_last_id}): it was appended by hand"
        return _broken(report, first, problem)
    if report.last_id < head_last_id:
        problem = (
            f"the chain head names row {head_last_id}, the last row is {report.last_id}: "
            "the rows after it were deleted"
        )
        return _broken(report, report.last_id, problem)
    if prev != report.head:
        return _broken(report, report.last_id, "the chain head does not match the last row")
    return report


def _broken(report: ChainReport, row_id: int | None, problem: str) -> ChainReport:
    return ChainReport(
        report.genesis_id, report.checked, report.last_id, report.head, row_id, problem
    )
