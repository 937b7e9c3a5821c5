"""The audit log's hash chain: each row's hash covers its fields and the row before, so a row
changed, deleted or slipped in is found (``serving.access.audit.verify_chain``).

``chain_audit`` is the only code that appends audit rows (``records.insert`` calls it for every
write path); ``audit_hash`` is the chain's one rule, which the verifier recomputes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import (
    Engine,
    Integer,
    Select,
    String,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)

from serving.store.prepared import prepared_insert, prepared_statements
from serving.store.tables import AUDIT_LOG, CHAIN_HEAD, utc

GENESIS_HASH: Final = "0" * 64  # the first chained row's prev_hash
CHAINED_FIELDS: Final = (
    *("at", "key_id", "role", "region", "endpoint", "subject_region", "firm_ids"),
    *("model_version", "score_id", "outcome", "user_id"),
)


def audit_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    """The chain's one rule: SHA-256(prev_hash || the row's fields as compact JSON), in hex.

    ``at`` is written as naive UTC ISO 8601 (what SQLite stores and PostgreSQL returns, in UTC);
    ``firm_ids`` is the stored JSON text. The id is left out: the database assigns it. The person
    (``user_id``) joins the fields only where there is one, so rows written before staff accounts
    hash as they did and their chain still verifies.
    """
    at = utc(values["at"]).replace(tzinfo=None).isoformat(timespec="microseconds")
    fields = [at, *(values.get(name) for name in CHAINED_FIELDS[1:-1])]
    if values.get("user_id") is not None:
        fields.append(values["user_id"])
    canonical = _CANONICAL_JSON(fields)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


# One encoder: ``json.dumps`` with options builds a new one per call, a third of the hash's cost.
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def chain_audit(cursor: Any, engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert audit rows at the end of the hash chain, in the caller's open transaction.

    The first statement updates the one-row chain head, which takes SQLite's write lock or
    PostgreSQL's row lock until commit, so another transaction, process or replica appends only
    after this one commits, from the hash it left.
    """
    if not rows:
        return
    chain = prepared_statements(engine, "audit_chain", lambda: _chain_statements(engine))
    for step in ("lock", "read"):
        if step in chain:  # "read" only where UPDATE … RETURNING is missing
            cursor.execute(chain[step].sql, chain[step].params({"head": 1}))
    found = cursor.fetchone()
    if found is None:  # tables made without the migrations (``create_all``): the chain starts here
        start = chain["start"]
        cursor.execute(start.sql, start.params({"head": 1, "genesis": GENESIS_HASH}))
    prev = found[0] if found is not None else GENESIS_HASH
    chained = []
    for values in rows:
        at = utc(values["at"])  # stored as UTC, so it reads back as hashed
        row_hash = audit_hash(prev, {**values, "at": at})
        chained.append({**values, "at": at, "prev_hash": prev, "row_hash": row_hash})
        prev = row_hash
    audit = prepared_insert(engine, AUDIT_LOG)
    cursor.executemany(audit.compiled.sql, [audit.row(values) for values in chained])
    advance = chain["advance"]
    cursor.execute(advance.sql, advance.params({"head": 1, "row_hash": prev}))


def _chain_statements(engine: Engine) -> dict[str, Any]:
    head = CHAIN_HEAD.c.id == bindparam("head", type_=Integer)
    lock = update(CHAIN_HEAD).where(head).values(row_hash=CHAIN_HEAD.c.row_hash)
    last = _last_audit_id().scalar_subquery()
    statements: dict[str, Any] = {
        "advance": update(CHAIN_HEAD)
        .where(head)
        .values(row_hash=bindparam("row_hash", type_=String), last_id=last),
        "start": insert(CHAIN_HEAD).from_select(
            ["id", "genesis_id", "last_id", "row_hash"],
            select(
                bindparam("head", type_=Integer), last, last, bindparam("genesis", type_=String)
            ),
        ),
    }
    if engine.dialect.update_returning:
        statements["lock"] = lock.returning(CHAIN_HEAD.c.row_hash)
    else:
        statements["lock"] = lock
        statements["read"] = select(CHAIN_HEAD.c.row_hash).where(head)
    return statements


def _last_audit_id() -> Select[tuple[int]]:
    return select(func.coalesce(func.max(AUDIT_LOG.c.id), literal_column("0")))
