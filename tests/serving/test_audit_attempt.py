"""``serving.access.audit.attempt``: one audit row per use, granted or refused, with the outcome
of the domain error that ends it; other failures escape unaudited (an HTTP error, no verdict)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import create_key, find_key
from serving.errors import NotScorable, RegionForbidden
from serving.store.engine import make_engine
from serving.store.schema import create_schema
from serving.store.tables import ApiKey, AuditEntry

ENDPOINT = "GET /test"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def centre(engine: Engine) -> ApiKey:
    found = find_key(engine, create_key(engine, "center", "26"))
    assert found is not None
    return found


def _rows(engine: Engine) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with Session(engine) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [
            (e.outcome, e.firm_ids, e.model_version, e.subject_region, e.score_id) for e in entries
        ]


def test_a_granted_use_is_one_ok_row_with_what_the_call_learnt(
    engine: Engine, centre: ApiKey
) -> None:
    with (
        Session(engine) as session,
        attempt(session, centre, ENDPOINT, ["1"], "7", "26") as entry,
    ):
        entry.check(policy.read_region(centre, "26"))
        entry.firm_ids, entry.score_id = ["1", "2"], "s-1"
    assert _rows(engine) == [("ok", '["1", "2"]', "7", "26", "s-1")]


def test_a_refusal_is_one_row_naming_what_was_asked_about(engine: Engine, centre: ApiKey) -> None:
    with (
        Session(engine) as session,
        pytest.raises(RegionForbidden),
        attempt(session, centre, ENDPOINT, ["1"], "7", "26") as entry,
    ):
        entry.check(policy.read_firm(centre, "1", "11"))
    assert _rows(engine) == [("forbidden", '["1"]', "7", "11", None)]


def test_a_domain_error_gives_its_outcome(engine: Engine, centre: ApiKey) -> None:
    with (
        Session(engine) as session,
        pytest.raises(NotScorable),
        attempt(session, centre, ENDPOINT, ["1"]),
    ):
        raise NotScorable("no statement yet")
    assert [row[0] for row in _rows(engine)] == ["not_scorable"]


def test_other_failures_escape_unaudited(engine: Engine, centre: ApiKey) -> None:
    with Session(engine) as session, pytest.raises(OSError), attempt(session, centre, ENDPOINT):
        raise OSError("the report cannot be read")
    assert _rows(engine) == []
