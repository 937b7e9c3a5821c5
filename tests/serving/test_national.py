"""The national view and the per-region settings: every region's row for headquarters, one row
for a regional key, none for a partner; months count cases, visits, referrals and answers; the
settings file is read whole or refused with the field named."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from sqlalchemy.orm import Session

from core import clock
from core.bundle import LoadedModel
from core.contract import REGIONS
from features.tables import RawTables
from scoring.programmes import load_catalogue
from serving.domain import national
from serving.domain.region_settings import (
    BUILT_IN,
    RegionSettingsError,
    load_region_settings,
    read_region_settings,
)
from serving.domain.regions import StageRule
from serving.store.records import now
from serving.store.tables import Case, Referral, Visit
from tests.serving.partners_world import one_team_app, staff_key
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = one_team_app(tmp_path_factory.mktemp("national"), panel, loaded, config_dir=CONFIG)
    with TestClient(app) as client:
        engine = app.state.engine
        keys = {
            "analyst": staff_key(engine, "analyst"),
            "center26": staff_key(engine, "center", "26"),
            "office26": staff_key(engine, "office", "26"),
            "local11": staff_key(engine, "local_gov", "11"),
            "kosme": staff_key(engine, "partner", organisation="중진공"),
        }
        _casework(engine)
        yield client, keys


def _casework(engine: object) -> None:
    """This month in 26: two cases opened (one closed), a visit, a referral approved."""
    today, at = clock.seoul_today(), now()
    with Session(engine) as session, session.begin():  # type: ignore[call-overload]
        for firm_id, closed in ((FIRM_26, at), ("1000000004", None)):
            session.add(
                Case(
                    case_id=str(uuid.uuid4()),
                    firm_id=firm_id,
                    region="26",
                    status="closed" if closed else "contacted",
                    opened_at=at,
                    updated_at=at,
                    closed_at=closed,
                )
            )
        session.add(
            Visit(
                visit_id=str(uuid.uuid4()),
                firm_id=FIRM_26,
                region="26",
                visited_on=today,
                finding="supported",
                key_id=1,
                recorded_at=at,
            )
        )
        session.add(
            Referral(
                referral_id=str(uuid.uuid4()),
                firm_id=FIRM_26,
                region="26",
                partner="중진공",
                status="approved",
                amount=250000.0,
                decided_on=today,
                created_at=at,
                updated_at=at,
            )
        )


def test_headquarters_see_every_region_and_a_regional_key_its_own_row(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    everyone = client.get("/v1/national", headers=auth(keys["analyst"])).json()
    codes = [row["region"] for row in everyone["regions"]]
    assert codes == [*REGIONS, "00"]  # the panel has a firm of no region
    for name, own in (("center26", "26"), ("office26", "26"), ("local11", "11")):
        view = client.get("/v1/national", headers=auth(keys[name])).json()
        assert [row["region"] for row in view["regions"]] == [own], name
    partner = client.get("/v1/national", headers=auth(keys["kosme"]))
    assert partner.status_code == 403 and "regions" not in partner.json()


def test_this_months_casework_is_counted_in_its_region(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    view = client.get("/v1/national?months=3", headers=auth(keys["analyst"])).json()
    assert len(view["months"]) == 3 and view["months"][-1] == clock.seoul_today().strftime("%Y-%m")
    busan = next(row for row in view["regions"] if row["region"] == "26")
    month = busan["months"][-1]
    assert (month["cases_opened"], month["cases_closed"], month["visits"]) == (2, 1, 1)
    assert (month["referrals"], month["approved"], month["amount_approved"]) == (1, 1, 250000.0)
    assert busan["open_cases"] == 1
    seoul = next(row for row in view["regions"] if row["region"] == "11")
    assert all(m["visits"] == 0 and m["referrals"] == 0 for m in seoul["months"])


def test_risk_figures_agree_with_the_region_pages_and_the_settings(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    view = client.get("/v1/national", headers=auth(keys["analyst"])).json()
    overview = client.get("/v1/regions", headers=auth(keys["analyst"])).json()
    expected = {row["region"]: row["figures"]["expected"] for row in overview["regions"]}
    settings = read_region_settings(CONFIG)
    for row in view["regions"]:
        assert row["figures"]["expected"] == pytest.approx(expected[row["region"]])
        assert row["capacity"] == settings.of(row["region"]).capacity
        assert 0.0 <= row["list_coverage"] <= 1.0
        assert row["employees_at_risk"] >= 0.0
    total = sum(row["employees_at_risk"] for row in view["regions"])
    assert total == pytest.approx(view["national_employees_at_risk"])
    assert view["settings_version"] == settings.version


def test_bad_query_values_are_422(world: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = world
    for query in ("months=0", "months=37", "until=2026-13-01"):
        answer = client.get(f"/v1/national?{query}", headers=auth(keys["analyst"]))
        assert answer.status_code == 422, query


def test_month_keys_cross_the_year() -> None:
    assert national.month_keys(dt.date(2026, 2, 10), 4) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_coverage_is_the_share_in_the_highest_pd_firms() -> None:
    class Latest:
        pd = np.array([0.5, 0.1, 0.3, 0.1])

    class Champion:
        latest = Latest()

    rows = np.arange(4)
    assert national.list_coverage(Champion(), rows, 2) == pytest.approx(0.8 / 1.0)  # type: ignore[arg-type]
    assert national.list_coverage(Champion(), rows[:0], 2) == 0.0  # type: ignore[arg-type]


# --- the settings file -----------------------------------------------------------------------


def test_the_shipped_file_names_all_17_regions() -> None:
    settings = load_region_settings(CONFIG / "regions.yaml")
    assert set(settings.regions) == set(REGIONS)
    assert settings.of("00") == settings.defaults  # 지역 미상 takes the defaults
    assert settings.of("41").capacity > settings.of("36").capacity


def test_region_programmes_read_as_catalogue_entries(tmp_path: Path) -> None:
    """A region's additions pass the national catalogue's own checks."""
    settings = load_region_settings(CONFIG / "regions.yaml")
    entries = [dict(p.entry) for s in settings.regions.values() for p in s.programmes]
    assert entries, "the shipped file adds at least one region's own programme"
    path = tmp_path / "programmes.yaml"
    path.write_text(yaml.safe_dump({"programmes": entries}, allow_unicode=True), "utf-8")
    catalogue = load_catalogue(path)
    assert [p.id for p in catalogue.programmes] == [e["id"] for e in entries]


def test_a_folder_without_the_file_takes_the_built_in_defaults(tmp_path: Path) -> None:
    assert read_region_settings(tmp_path) is BUILT_IN
    assert BUILT_IN.of("26").capacity == 50


def _write(tmp_path: Path, change: dict) -> Path:
    data = yaml.safe_load((CONFIG / "regions.yaml").read_text("utf-8"))
    for code, entry in change.items():
        if entry is None:
            data["regions"].pop(code)
        else:
            data["regions"][code] = entry
    path = tmp_path / "regions.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"26": {"capacity": 0}}, "region 26: capacity: 0 must be from 1"),
        ({"26": {"capacity": "many"}}, "region 26: capacity: 'many' must be a whole number"),
        ({"11": {"stage": {"caution": 2.0, "severe": 1.5}}}, "region 11: stage: caution 2.0"),
        ({"11": {"stage": {"warn": 1.0}}}, "region 11: stage: unknown fields ['warn']"),
        ({"11": {"staff": 3}}, "region 11: unknown fields ['staff']"),
        ({"99": {"capacity": 10}}, "regions ['99'] are no 시도 codes"),
        ({"50": None}, "regions ['50'] are missing"),
        ({"27": {"programmes": [{"id": "Bad Id"}]}}, "region 27: programmes #1: id 'Bad Id'"),
    ],
)
def test_a_bad_file_is_refused_naming_the_region_and_field(
    tmp_path: Path, change: dict, words: str
) -> None:
    with pytest.raises(RegionSettingsError, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_region_settings(_write(tmp_path, change))


def test_a_broken_file_is_a_503_naming_it_not_a_500(
    tmp_path: Path, panel: RawTables, loaded: LoadedModel
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "regions.yaml").write_text("regions: [not, a, mapping]\n", "utf-8")
    app = one_team_app(tmp_path, panel, loaded, config_dir=config)
    with TestClient(app) as client:
        key = staff_key(app.state.engine, "analyst")
        answer = client.get("/v1/national", headers=auth(key))
    assert answer.status_code == 503 and "regions.yaml" in answer.json()["detail"]


def test_a_foreign_firm_never_shows_in_a_regional_row(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    text = client.get("/v1/national", headers=auth(keys["office26"])).text
    assert FIRM_26 not in text and FIRM_11 not in text  # aggregates only


def test_the_region_settings_drive_the_watch_list_and_the_stage(
    tmp_path: Path, panel: RawTables, loaded: LoadedModel
) -> None:
    """config/regions.yaml is read by the lists and pages, not only the national view: 부산's
    capacity sets its watch list's default size, its thresholds its stage; a broken file falls
    back to the built-in defaults there (the national view says 503)."""
    data = yaml.safe_load((CONFIG / "regions.yaml").read_text("utf-8"))
    stage = {"caution": 1.05, "severe": 1.3, "rising": 0.1, "min_firms": 7}
    data["regions"]["26"] = {"name": "부산", "capacity": 3, "stage": stage}
    config = tmp_path / "config"
    config.mkdir()
    (config / "regions.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    app = one_team_app(tmp_path, panel, loaded, config_dir=config)
    with TestClient(app) as client:
        key = staff_key(app.state.engine, "analyst")
        listed = client.get("/v1/regions/26/watchlist", headers=auth(key)).json()
        summary = client.get("/v1/regions/26/summary", headers=auth(key)).json()
        asked = client.get("/v1/regions/26/watchlist?capacity=5", headers=auth(key)).json()
        (config / "regions.yaml").write_text("regions: [not, a, mapping]\n", "utf-8")
        fallback = client.get("/v1/regions/26/watchlist", headers=auth(key))
    assert len(listed["items"]) == 3 and len(asked["items"]) == 5
    custom = StageRule(**stage)  # type: ignore[arg-type]
    assert summary["stage"]["reason_en"].endswith(f"(rule — {custom.text_en()})")
    ratio, change = summary["stage"]["ratio"], summary["stage"]["rate_change"]
    assert summary["stage"]["stage"] == custom.stage(ratio or 0.0, change)
    # The built-in capacity (50) lists at least the 5 firms asked for above.
    assert fallback.status_code == 200 and len(fallback.json()["items"]) >= 5
