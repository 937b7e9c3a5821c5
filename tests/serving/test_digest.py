"""The monthly digest (issue 13, item 4): `ews digest` writes per centre a CSV and an HTML page and
per case owner a CSV of the watched firms (open cases, the watch list at either month-end) that
failed, rose a grade or got a trigger; firms without a case or owner go to the centre's only; the
webhook gets the digest as JSON from a local server, and a failing webhook fails nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
import typer
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli import digest as digest_cli
from core.settings import Settings, get_settings
from features.tables import RawTables
from serving.access.people import create_user
from serving.domain import changes, digest
from serving.store.engine import make_engine
from serving.store.schema import create_schema
from serving.store.tables import Case
from tests.serving.changes_world import MonthIds, month_ids, write_month

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class World:
    settings: Settings
    ids: MonthIds


def _case(firm_id: str, owner: int | None, status: str = "contacted", closed: bool = False) -> Case:
    return Case(
        case_id=f"case-{firm_id}",
        firm_id=firm_id,
        region="26",
        status=status,
        assignee_id=owner,
        next_follow_up=dt.date(2026, 12, 5),
        opened_at=NOW,
        updated_at=NOW,
        closed_at=NOW if closed else None,
    )


@pytest.fixture
def world(tmp_path: Path, panel: RawTables) -> World:
    """부산's month, with 김 owning the trigger firm's case and a steady firm's, 이 the failed
    firm's; the unknown firm's case has no owner; the stale firm's case is closed."""
    settings = Settings(
        data_dir=tmp_path / "data",
        models_dir=tmp_path / "models",
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        config_dir=tmp_path / "config",
    )
    ids = month_ids(panel)
    write_month(settings.data_dir, ids)
    engine = make_engine(settings.db_url)
    create_schema(engine)
    kim, _ = create_user(engine, "kim", "김담당", "center", "26")
    lee, _ = create_user(engine, "lee.s", "이담당", "center", "26")
    with Session(engine) as session:
        session.add_all(
            [
                _case(ids.trigger, kim.id),
                _case(ids.steady, kim.id),
                _case(ids.failed, lee.id, "visited"),
                _case(ids.unknown, None),
                _case(ids.stale, kim.id, "closed", closed=True),
            ]
        )
        session.commit()
    engine.dispose()
    return World(settings, ids)


def _digest(world: World, capacity: int = 2) -> digest.Digest:
    engine = make_engine(world.settings.db_url)
    with Session(engine) as session:
        cases = digest.open_cases(session, "26")
    engine.dispose()
    scores = changes.read_month(world.settings.data_dir)
    return digest.build_digest(scores, "26", cases, capacity)


def test_the_digest_holds_watched_firms_that_changed_most_urgent_first(world: World) -> None:
    ids = world.ids
    found = _digest(world)
    rows = found.rows.set_index("firm_id")
    # failed first, then the grade rise, then new triggers by PD; the steady firm is not here
    assert list(rows.index) == [ids.failed, ids.rise, ids.unknown, ids.trigger]
    assert rows.loc[ids.failed, "change"] == "failed" and rows.loc[ids.failed, "owner"] == "lee.s"
    assert rows.loc[ids.rise, "watched_because"] == "watch_list"  # no case: the list
    assert rows.loc[ids.rise, "owner"] is None
    assert (
        rows.loc[ids.unknown, "owner"] is None
        and rows.loc[ids.unknown, "case_status"] == "contacted"
    )
    assert rows.loc[ids.trigger, "new_triggers"] == "social_insurance_arrears"
    assert rows.loc[ids.trigger, "next_follow_up"] == "2026-12-05"
    assert found.owners() == ["kim", "lee.s"]


def test_a_changed_firm_neither_listed_nor_in_an_open_case_is_left_out(world: World) -> None:
    """With a list of one (the rise's 22 % this month, the failed firm's 12 % last month), the
    unknown firm (9 %) is watched only through its case: without it, it is left out."""
    engine = make_engine(world.settings.db_url)
    with Session(engine) as session:
        cases = digest.open_cases(session, "26")
    engine.dispose()
    assert world.ids.stale not in set(cases["firm_id"])  # its case is closed
    scores = changes.read_month(world.settings.data_dir)
    uncased = cases[cases["firm_id"] != world.ids.unknown]
    found = digest.build_digest(scores, "26", uncased, capacity=1)
    assert list(found.rows["firm_id"]) == [world.ids.failed, world.ids.rise, world.ids.trigger]


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *_: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def hook() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/digest", handler
    server.shutdown()
    server.server_close()


def _run(world: World, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    settings = world.settings
    monkeypatch.setenv("EWS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EWS_MODELS_DIR", str(settings.models_dir))
    monkeypatch.setenv("EWS_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("EWS_CONFIG_DIR", str(settings.config_dir))
    monkeypatch.setenv("EWS_DIGEST_WEBHOOK_TIMEOUT_S", "5")
    app = typer.Typer()
    digest_cli.register(app)
    app.command("unused")(lambda: None)  # two commands keep `digest` a named sub-command
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["digest", *args])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def test_the_command_writes_centre_and_person_files_and_posts_the_webhook(
    world: World, monkeypatch: pytest.MonkeyPatch, hook: tuple[str, type[_Hook]]
) -> None:
    url, handler = hook
    monkeypatch.setenv("EWS_DIGEST_WEBHOOK_URL", url)
    code, output = _run(world, monkeypatch, "--month", "2026-11", "--region", "26")
    assert code == 0, output
    folder = world.settings.models_dir / "digests" / "2026-11"
    centre = pd.read_csv(folder / "26.csv", dtype=str, encoding="utf-8-sig")
    assert set(centre["firm_id"]) == {
        world.ids.failed,
        world.ids.rise,
        world.ids.unknown,
        world.ids.trigger,
    }
    kim = pd.read_csv(folder / "26-kim.csv", dtype=str, encoding="utf-8-sig")
    assert list(kim["firm_id"]) == [world.ids.trigger] and list(kim["owner_name"]) == ["김담당"]
    lee = pd.read_csv(folder / "26-lee.s.csv", dtype=str, encoding="utf-8-sig")
    assert list(lee["firm_id"]) == [world.ids.failed]
    html = (folder / "26.html").read_text(encoding="utf-8")
    assert "부산" in html and "김담당" in html and 'class="failed"' in html
    assert "방문 (visited)" in html and "부도·폐업 (failed)" in html  # stage and change in words
    assert "webhook posted (HTTP 200)" in output
    [body] = handler.received
    assert body["region"] == "26" and body["month"] == "2026-11" and body["firms"] == 4
    assert body["owners"] == ["kim", "lee.s"]
    assert {row["firm_id"] for row in body["rows"]} == set(centre["firm_id"])  # type: ignore[attr-defined]


def test_a_failing_webhook_is_reported_and_the_digest_still_written(
    world: World, monkeypatch: pytest.MonkeyPatch, hook: tuple[str, type[_Hook]]
) -> None:
    url, handler = hook
    handler.status = 500
    monkeypatch.setenv("EWS_DIGEST_WEBHOOK_URL", url)
    code, output = _run(world, monkeypatch, "--region", "26")
    assert code == 0, output
    assert "webhook failed: HTTP 500" in output
    assert (world.settings.models_dir / "digests" / "2026-11" / "26.csv").exists()
    refused = digest.post_webhook("http://127.0.0.1:9/closed", {"x": 1}, 2)  # nothing listens
    assert not refused.ok and refused.error
    assert not digest.post_webhook("file:///etc/passwd", {}, 1).ok


def test_without_monthly_scores_the_command_says_what_to_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _run(world, monkeypatch, "--month", "2026-09")
    assert code == 2 and "ews monthly score" in output and "2026-09" in output
    code, output = _run(world, monkeypatch, "--month", "2026/11")
    assert code == 2 and "--month" in output
    code, output = _run(world, monkeypatch, "--region", "99")
    assert code == 2 and "--region" in output


def test_every_region_with_scores_gets_a_digest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _run(world, monkeypatch)
    assert code == 0, output
    folder = world.settings.models_dir / "digests" / "2026-11"
    assert {p.name for p in folder.glob("*.csv")} >= {"26.csv", "11.csv"}
    assert not (folder / "00.csv").exists()  # no centre owns firms without a region
    seoul = pd.read_csv(io.StringIO((folder / "11.csv").read_text(encoding="utf-8-sig")))
    assert list(seoul["firm_id"].astype(str)) == [world.ids.seoul]


def test_a_bad_regions_file_falls_back_to_the_default_capacity(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the watch list does: a regions.yaml that cannot be read is logged and the built-in
    capacity used, so an operator's typo does not stop the month's digest."""
    world.settings.config_dir.mkdir(parents=True, exist_ok=True)
    (world.settings.config_dir / "regions.yaml").write_text("version: 1\nregions: [oops\n")
    code, output = _run(world, monkeypatch, "--month", "2026-11", "--region", "26")
    assert code == 0, output
    assert (world.settings.models_dir / "digests" / "2026-11" / "26.csv").exists()


def test_an_empty_digest_folder_setting_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """``EWS_DIGEST_DIR=`` as .env.example writes it: models/digests, not the working folder."""
    monkeypatch.setenv("EWS_DIGEST_DIR", "")
    settings = Settings()
    assert settings.digest_dir is None
    assert settings.digests_dir == settings.models_dir / "digests"


def test_names_come_from_partitions_and_a_table_without_names_names_nobody(
    tmp_path: Path,
) -> None:
    """A national layout (raw/part-*) keeps its names per partition; a vendor export's firms
    table may have no name column at all: the digest then lists ids, never stops."""
    raw = tmp_path / "raw"
    for part, rows in (("part-00000", ["0012", "A7"]), ("part-00001", ["0099"])):
        (raw / part).mkdir(parents=True)
        names = [f"(주)기업{r}" for r in rows]
        pd.DataFrame({"firm_id": rows, "name": names}).to_parquet(raw / part / "firms.parquet")
    assert digest_cli.firm_names(raw, ["0012", "0099", "none"]) == {
        "0012": "(주)기업0012",
        "0099": "(주)기업0099",
    }
    bare = tmp_path / "bare"
    bare.mkdir()
    pd.DataFrame({"firm_id": ["0012"]}).to_parquet(bare / "firms.parquet")
    assert digest_cli.firm_names(bare, ["0012"]) == {}
