"""A region's own programmes (``config/regions.yaml``, issue 14 item 4): added to the national
catalogue for that region's firms only, parsed by the national catalogue's rules, matched like
a national entry on the help panel and counted in the region's brief; an id that takes a
national programme's is refused naming the file, the region and the id."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from core.settings import Settings
from features.tables import RawTables
from scoring.programmes import CatalogueError, Firm, Need, Programme, match, read_catalogue
from serving.access.keys import create_key
from serving.domain.help import catalogue_for
from serving.domain.region_settings import RegionSettingsError, load_region_settings
from tests.serving.conftest import AppFactory
from tests.serving.support import TestClient, auth

CONFIG = Path(__file__).resolve().parents[2] / "config"
BUSAN = "busan_sme_fund_stabilisation"
NATIONAL = len(read_catalogue(CONFIG).programmes)


def _help(client: TestClient, key: str, firm_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/firms/{firm_id}/help", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _rated(client: TestClient, region: str) -> list[str]:
    """The region's rated firms below 심각 (the Busan fund's grades), highest PD first."""
    snapshot, champion = client.app.state.service.current()  # type: ignore[attr-defined]
    ids = snapshot.features["firm_id"].astype("string").to_numpy()
    rated = champion.latest.standing.rated
    grades = champion.model.bundle.grade_table.grades
    order = np.argsort(-np.where(rated, champion.latest.pd, -1.0), kind="stable")
    return [
        str(ids[i])
        for i in order
        if rated[i]
        and snapshot.regions[ids[i]] == region
        and grades[int(champion.latest.grade[i])] != "심각"
    ]


def _ids(answer: dict[str, Any]) -> set[str]:
    return {p["id"] for p in answer["programmes"]} | {e["id"] for e in answer["excluded"]}


def _config(tmp_path: Path, change: dict[str, Any] | None = None) -> Path:
    """A copy of the shipped config folder, ``change`` merged into region entries."""
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    shutil.copy(CONFIG / "programmes.yaml", folder / "programmes.yaml")
    data = yaml.safe_load((CONFIG / "regions.yaml").read_text("utf-8"))
    for code, entry in (change or {}).items():
        data["regions"][code] = {**data["regions"][code], **entry}
    _write(folder / "regions.yaml", data)
    return folder


def _write(path: Path, data: dict[str, Any]) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a new version even on a coarse clock


def _busan_entry() -> dict[str, Any]:
    data = yaml.safe_load((CONFIG / "regions.yaml").read_text("utf-8"))
    return dict(data["regions"]["26"]["programmes"][0])


# --- the catalogue of a region ---------------------------------------------------------------


def test_the_addition_is_a_programme_parsed_by_the_catalogue_rules() -> None:
    added = load_region_settings(CONFIG / "regions.yaml").of("26").programmes
    programme = next(a.programme for a in added if a.id == BUSAN)
    assert isinstance(programme, Programme) and programme.region == "26"
    assert programme.kind == "loan" and "liquidity" in programme.addresses.families
    assert "interest_coverage" in programme.addresses.features
    assert programme.eligibility["regions"] == frozenset({"26"})
    assert programme.eligibility["size_class"] == frozenset({"소기업", "중기업"})
    assert programme.staff_check and programme.source.year == 2025
    assert programme.verified_ko and programme.verified_en


def test_only_the_region_gets_its_programmes() -> None:
    national = read_catalogue(CONFIG)
    busan = catalogue_for(CONFIG, "26")
    assert [p.id for p in busan.programmes] == [*(p.id for p in national.programmes), BUSAN]
    assert busan.additions == (CONFIG / "regions.yaml").resolve()
    for region in ("11", "41", "00"):  # 서울, 경기 (no additions) and region unknown
        other = catalogue_for(CONFIG, region)
        assert [p.id for p in other.programmes] == [p.id for p in national.programmes]
        assert other.additions is None and all(p.region is None for p in other.programmes)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"grades": ["위험"]}, "eligibility.grades: unknown ['위험']"),
        ({"regions": ["11"]}, "eligibility.regions: ['11'] leaves out region 26"),
        ({"min_age_years": -1}, "eligibility.min_age_years: -1 must be a number"),
    ],
)
def test_a_region_entry_breaking_a_catalogue_rule_is_refused(
    tmp_path: Path, entry: dict[str, Any], words: str
) -> None:
    busan = _busan_entry()
    busan["eligibility"] = {**busan["eligibility"], **entry}
    folder = _config(tmp_path, {"26": {"programmes": [busan]}})
    expected = f"region 26: programmes {BUSAN}: {words}"
    with pytest.raises(RegionSettingsError, match=re.escape(expected)):
        load_region_settings(folder / "regions.yaml")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"addresses": {"families": ["luck"]}}, "addresses.families: unknown ['luck']"),
        ({"source": {"document": "공고", "url": "https://www.bepa.kr"}}, "source.year: None"),
        ({"kind": "gift"}, "kind: 'gift' must be one of"),
    ],
)
def test_addresses_source_and_kind_follow_the_national_rules(
    tmp_path: Path, change: dict[str, Any], words: str
) -> None:
    folder = _config(tmp_path, {"26": {"programmes": [_busan_entry() | change]}})
    with pytest.raises(
        RegionSettingsError, match=re.escape(f"region 26: programmes {BUSAN}: {words}")
    ):
        load_region_settings(folder / "regions.yaml")


def test_programmes_in_the_defaults_are_refused(tmp_path: Path) -> None:
    folder = _config(tmp_path)
    data = yaml.safe_load((folder / "regions.yaml").read_text("utf-8"))
    data["defaults"]["programmes"] = [_busan_entry()]
    _write(folder / "regions.yaml", data)
    with pytest.raises(RegionSettingsError, match="defaults: programmes belong to a region"):
        load_region_settings(folder / "regions.yaml")


def test_an_id_taken_from_the_national_catalogue_is_refused(tmp_path: Path) -> None:
    folder = _config(tmp_path, {"26": {"programmes": [_busan_entry() | {"id": "kosme_emergency"}]}})
    for region in ("26", "11"):  # the file is refused as a whole, as a bad programmes.yaml is
        with pytest.raises(CatalogueError) as refused:
            catalogue_for(folder, region)
        message = str(refused.value)
        assert str((folder / "regions.yaml").resolve()) in message
        assert "region 26: programme kosme_emergency has the id of a national programme" in message


def test_a_changed_regions_file_is_read_again(tmp_path: Path) -> None:
    folder = _config(tmp_path)
    assert BUSAN in {p.id for p in catalogue_for(folder, "26").programmes}
    data = yaml.safe_load((folder / "regions.yaml").read_text("utf-8"))
    data["regions"]["26"].pop("programmes")
    data["regions"]["27"]["programmes"] = [_busan_entry() | {"eligibility": {"regions": ["27"]}}]
    _write(folder / "regions.yaml", data)
    assert BUSAN not in {p.id for p in catalogue_for(folder, "26").programmes}
    moved = next(p for p in catalogue_for(folder, "27").programmes if p.id == BUSAN)
    assert moved.region == "27"
    (folder / "regions.yaml").unlink()  # no file: the built-in settings add nothing
    assert len(catalogue_for(folder, "27").programmes) == NATIONAL


def test_data_the_firm_lacks_leaves_the_regional_rule_to_staff() -> None:
    """A 부산 firm without a size class: the Busan rule is left to staff, not failed."""
    catalogue = catalogue_for(CONFIG, "26")
    firm = Firm(
        firm_id="A0012",
        as_of=pd.Timestamp("2026-12-01").date(),
        size_class=None,
        founded=None,
        ksic=None,
        region="26",
        grade="주의",
        flags=frozenset(),
        employees=None,
    )
    needs = [Need("family", "liquidity", "유동성", "liquidity", 0.02)]
    found = next(s for s in match(catalogue, firm, needs).suggested if s.programme.id == BUSAN)
    checks = {c.rule: c.passed for c in found.checks}
    assert checks == {"regions": True, "size_class": None, "grades": True}
    assert [n.name for n in found.fits] == ["liquidity"]


# --- the help panel --------------------------------------------------------------------------


def test_a_busan_firm_that_fits_gets_the_regional_programme(
    service: TestClient, keys: dict[str, str]
) -> None:
    found = None
    for firm_id in _rated(service, "26")[:30]:
        answer = _help(service, keys["center26"], firm_id)
        found = next((p for p in answer["programmes"] if p["id"] == BUSAN), None)
        if found is not None:
            break
    assert found is not None, "a 부산 firm below 심각 with a debt or liquidity reason"
    assert found["region"] == "26" and found["agency"] == "부산경제진흥원"
    assert {f["name"] for f in found["fits"]} & {"liquidity", "debt_service", "interest_coverage"}
    assert {c["rule"]: c["passed"] for c in found["checks"]} == {
        "regions": True,
        "size_class": True,
        "grades": True,
    }
    assert found["source_url"] == "https://www.bepa.kr" and found["staff_check"]
    national = [p for p in answer["programmes"] if p["id"] != BUSAN]
    assert national and all(p["region"] is None for p in national)
    total = len(answer["programmes"]) + len(answer["excluded"]) + answer["unrelated"]
    assert total == NATIONAL + 1 and answer["catalogue_problem"] is None


def test_a_busan_firm_at_an_ineligible_grade_has_it_ruled_out(
    service: TestClient, keys: dict[str, str]
) -> None:
    snapshot, champion = service.app.state.service.current()  # type: ignore[attr-defined]
    worst = int(np.argmax(np.where(_in(snapshot, "26"), champion.latest.pd, -1.0)))
    firm_id = str(snapshot.features["firm_id"].iat[worst])
    answer = _help(service, keys["center26"], firm_id)
    assert answer["action"]["grade"] == "심각"
    out = next(e for e in answer["excluded"] if e["id"] == BUSAN)
    assert out["region"] == "26" and [c["rule"] for c in out["failed"]] == ["grades"]


def _in(snapshot: Any, region: str) -> np.ndarray:
    ids = snapshot.features["firm_id"].astype("string").to_numpy()
    return np.array([snapshot.regions[f] == region for f in ids])


def test_a_seoul_firm_never_sees_it(service: TestClient, keys: dict[str, str]) -> None:
    for firm_id in _rated(service, "11")[:10]:
        answer = _help(service, keys["center11"], firm_id)
        assert BUSAN not in _ids(answer)
        assert all(p["region"] is None for p in answer["programmes"])
        assert len(answer["programmes"]) + len(answer["excluded"]) + answer["unrelated"] == NATIONAL


def test_messy_firms_region_unknown_and_no_size_class(
    make_app: AppFactory, panel: RawTables
) -> None:
    """부산 firms without a size class still get the fund, the size rule left to staff; a firm
    whose region is unknown ("00") never gets a region's own programme."""
    firms = panel.firms.copy()
    busan = firms["region"] == "26"
    firms.loc[busan, "size_class"] = pd.NA
    unknown = firms.loc[busan, "firm_id"].iloc[:3].tolist()
    firms.loc[firms["firm_id"].isin(unknown), "region"] = pd.NA
    app = make_app(tables=replace(panel, firms=firms))
    with TestClient(app) as client:
        analyst = create_key(app.state.engine, "analyst")
        for firm_id in unknown:
            answer = _help(client, analyst, firm_id)
            assert BUSAN not in _ids(answer) and answer["catalogue_problem"] is None
        found = None
        for firm_id in _rated(client, "26")[:40]:
            answer = _help(client, analyst, firm_id)
            found = next((p for p in answer["programmes"] if p["id"] == BUSAN), None)
            if found is not None:
                break
        assert found is not None
        checks = {c["rule"]: c for c in found["checks"]}
        assert checks["size_class"]["passed"] is None and "직원 확인" in checks["size_class"]["ko"]


def test_a_colliding_id_is_reported_on_the_panel_not_served(
    make_app: AppFactory, tmp_path: Path
) -> None:
    folder = _config(tmp_path, {"26": {"programmes": [_busan_entry() | {"id": "kibo_guarantee"}]}})
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        models_dir=tmp_path / "models",
        config_dir=folder,
    )
    app = make_app(settings=settings)
    with TestClient(app) as client:
        analyst = create_key(app.state.engine, "analyst")
        firm_id = _rated(client, "26")[0]
        answer = _help(client, analyst, firm_id)
        assert answer["programmes"] == [] and answer["excluded"] == []
        problem = answer["catalogue_problem"]
        assert "regions.yaml" in problem and "region 26" in problem and "kibo_guarantee" in problem
        assert answer["action"] is not None and answer["recourse"]["targets"]  # the rest answers
        brief = client.get("/v1/regions/26/brief", headers=auth(analyst)).json()
        omitted = {o["key"]: o for o in brief["omitted"]}
        assert "kibo_guarantee" in omitted["programmes"]["reason_en"]


# --- the brief -------------------------------------------------------------------------------


def _programme_table(client: TestClient, key: str, region: str) -> dict[str, Any]:
    response = client.get(f"/v1/regions/{region}/brief", headers=auth(key))
    assert response.status_code == 200, response.text
    return next(t for t in response.json()["tables"] if t["key"] == "programmes")  # type: ignore[no-any-return]


def test_the_brief_counts_the_regions_own_programme(
    service: TestClient, keys: dict[str, str]
) -> None:
    busan = _programme_table(service, keys["analyst"], "26")
    keys_ = [c["key"] for c in busan["columns"]]
    rows = {row[0]: dict(zip(keys_, row, strict=True)) for row in busan["rows"]}
    assert rows[BUSAN]["region"] == "26" and rows[BUSAN]["eligible_firms"] > 0
    assert rows[BUSAN]["expected"] > 0 and rows[BUSAN]["demand_ceiling"] is None  # no ceiling
    assert all(r["region"] is None for pid, r in rows.items() if pid != BUSAN)
    assert "regions.yaml" in busan["source"]["source_en"]
    seoul = _programme_table(service, keys["analyst"], "11")
    assert BUSAN not in {row[0] for row in seoul["rows"]} and len(seoul["rows"]) == NATIONAL
    assert "regions.yaml" not in seoul["source"]["source_en"]
