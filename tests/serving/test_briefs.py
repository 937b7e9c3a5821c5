"""The regional brief (issue 14, item 1): its JSON, the workbook's figures against it, the PDF's
clear 503 without Chromium, the access rule and the audit, and messy data (firms without
employees or payroll, income-statement-only firms, firms without a region, an empty region)."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from core.contract import REGIONS
from core.settings import Settings
from features.catalog import FLAGS
from features.tables import RawTables
from scoring import programmes, stress
from scoring.stress.spec import scenario_files
from serving.access.keys import create_key
from serving.app import create_app
from serving.domain import regions
from serving.domain.brief_files import FIRST_ROW, HEADER_ROW
from serving.domain.briefs import MONTHS, NEIGHBOURS, capacity_curve
from serving.domain.help import catalogue_for
from serving.domain.region_codes import district_label
from serving.store.tables import AuditEntry
from tests.serving.support import TestClient, auth

TABLES = {
    "stage",
    "stage_rule",
    "summary",
    "comparison",
    "trend",
    "industry",
    "district",
    "industry_district",
    "clusters",
    "drivers",
    "driver_features",
    "capacity",
    "programmes",
    "scenarios",
}


def _brief(client: TestClient, key: str, region: str = "26", query: str = "") -> dict:  # type: ignore[type-arg]
    response = client.get(f"/v1/regions/{region}/brief{query}", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _table(body: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(t for t in body["tables"] if t["key"] == key)  # type: ignore[no-any-return]


def _column(table: dict, key: str) -> list:  # type: ignore[type-arg]
    at = [c["key"] for c in table["columns"]].index(key)
    return [row[at] for row in table["rows"]]


def test_the_brief_states_the_stage_its_rule_and_every_tables_date_and_source(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _brief(service, keys["center26"])
    summary = service.get("/v1/regions/26/summary", headers=auth(keys["center26"])).json()
    assert {t["key"] for t in body["tables"]} >= TABLES
    assert body["stage"] == summary["stage"] and body["stage"]["stage"] in ("안정", "유의", "위험")
    assert [row[0] for row in _table(body, "stage_rule")["rows"]] == ["위험", "유의", "안정"]
    for table in body["tables"]:
        assert table["source"]["as_of"] == body["as_of"], table["key"]
        assert table["source"]["source_ko"] and table["source"]["source_en"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    totals = body["totals"]
    assert totals["expected"] == pytest.approx(summary["figures"]["expected"])
    assert totals["n_firms"] == summary["figures"]["n_firms"] > 0


def test_breakdowns_add_up_to_the_regions_totals(service: TestClient, keys: dict[str, str]) -> None:
    body = _brief(service, keys["analyst"])
    totals = body["totals"]
    for key in ("industry", "district", "industry_district", "clusters"):
        table = _table(body, key)
        assert sum(_column(table, "n_firms")) == totals["n_firms"], key
        assert sum(_column(table, "expected")) == pytest.approx(totals["expected"]), key
        employees = sum(_column(table, "employees_at_risk"))
        assert employees == pytest.approx(totals["employees_at_risk"]), key
        assert sum(_column(table, "payroll_at_risk")) == pytest.approx(totals["payroll_at_risk"])
    industry = _table(body, "industry")
    codes, names = _column(industry, "division"), _column(industry, "division_name")
    assert all(name.startswith(code) for code, name in zip(codes, names, strict=True))
    assert "금속가공제품" in " ".join(_column(industry, "division_name"))
    district = _table(body, "district")
    pairs = list(
        zip(_column(district, "district"), _column(district, "district_name"), strict=True)
    )
    # A 시군구 by its name where the names table knows it (KOSIS's names when ../shared is there,
    # the demo's built-in ones otherwise), else its code; never a blank.
    assert all(name == (district_label(code) or "시군구 미상") for code, name in pairs)
    assert all(name for _, name in pairs)


def test_neighbours_and_the_nation_are_compared(service: TestClient, keys: dict[str, str]) -> None:
    body = _brief(service, keys["center26"])
    comparison = _table(body, "comparison")
    assert _column(comparison, "code") == ["26", "KR", *NEIGHBOURS["26"]]
    national = service.get("/v1/regions", headers=auth(keys["analyst"])).json()["national"]
    assert comparison["rows"][1][4] == pytest.approx(national["expected_rate"])
    trend = _table(body, "trend")
    assert [c["key"] for c in trend["columns"]][:3] == ["as_of", "rate_region", "rate_national"]
    assert trend["rows"][-1][0] == body["as_of"]
    assert trend["rows"][-1][1] == pytest.approx(body["totals"]["expected_rate"])


def test_neighbours_cover_the_17_regions_and_land_borders_go_both_ways() -> None:
    assert set(NEIGHBOURS) == set(REGIONS)
    for region, near in NEIGHBOURS.items():
        assert region not in near and set(near) <= set(REGIONS)
        if region != "50":  # 제주's sea links go one way
            assert all(region in NEIGHBOURS[other] for other in near), region


def test_the_capacity_curve_reaches_each_share_with_the_fewest_firms() -> None:
    pd_ = np.array([0.5, 0.1, 0.3, 0.05, 0.05])  # Σ = 1.0
    points = capacity_curve(pd_, (0.5, 0.8, 0.9, 1.0))
    assert [p.firms for p in points] == [1, 2, 3, 5]
    assert [p.reached for p in points] == pytest.approx([0.5, 0.8, 0.9, 1.0])
    assert all(p.visits_per_month == math.ceil(p.firms / MONTHS) for p in points)
    assert capacity_curve(np.zeros(0), (0.5,))[0].firms == 0


def test_the_visit_plan_follows_the_watch_lists_ranking(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _brief(service, keys["center26"], query="?share=0.5&share=0.9")
    rows = _table(body, "capacity")["rows"]
    assert [row[0] for row in rows] == [0.5, 0.9, None]
    half = rows[0][1]
    listed = service.get(
        f"/v1/regions/26/watchlist?capacity={half}", headers=auth(keys["center26"])
    ).json()
    assert listed["coverage"] >= 0.5
    assert rows[0][3] == pytest.approx(listed["expected_crises"])


def test_the_workbook_holds_the_jsons_figures_as_numbers(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _brief(service, keys["center26"])
    response = service.get("/v1/regions/26/brief.xlsx", headers=auth(keys["center26"]))
    assert response.status_code == 200
    assert "brief-26-" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["brief", *[t["key"] for t in body["tables"]]]
    for table in body["tables"]:
        sheet = book[table["key"]]
        assert table["source"]["as_of"] in str(sheet.cell(row=2, column=1).value)
        assert table["source"]["source_ko"] in str(sheet.cell(row=2, column=2).value)
        labels = [
            sheet.cell(row=HEADER_ROW, column=j + 1).value for j in range(len(table["columns"]))
        ]
        assert labels == [c["label_ko"] for c in table["columns"]]
        for i, row in enumerate(table["rows"]):
            for j, (column, value) in enumerate(zip(table["columns"], row, strict=True)):
                cell = sheet.cell(row=FIRST_ROW + i, column=j + 1).value
                if value is None:
                    assert cell is None
                elif column["kind"] == "text":
                    assert cell == value
                else:  # a figure is a number in the sheet, never text
                    assert isinstance(cell, int | float), (table["key"], column["key"], cell)
                    assert cell == pytest.approx(value)
        assert sheet.max_row == FIRST_ROW + len(table["rows"]) - 1 or not table["rows"]


def test_the_pdf_says_503_with_the_reason_without_chromium(
    service: TestClient, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EWS_CHROMIUM", "/nonexistent/chromium")
    response = service.get("/v1/regions/26/brief.pdf", headers=auth(keys["center26"]))
    assert response.status_code == 503
    assert "Chromium is not installed" in response.json()["detail"]


def test_a_centre_reads_only_its_own_regions_brief_and_every_try_is_audited(
    service: TestClient, keys: dict[str, str]
) -> None:
    engine = service.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        before = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    refused = service.get("/v1/regions/11/brief.xlsx", headers=auth(keys["center26"]))
    assert refused.status_code == 403 and not refused.content.startswith(b"PK")
    assert service.get("/v1/regions/00/brief", headers=auth(keys["center26"])).status_code == 403
    assert service.get("/v1/regions/99/brief", headers=auth(keys["analyst"])).status_code == 404
    _brief(service, keys["center26"])
    with Session(engine) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > (before or 0))).all()
    seen = [(r.endpoint, r.subject_region, r.outcome) for r in rows]
    assert ("GET /v1/regions/{region}/brief.xlsx", "11", "forbidden") in seen
    assert ("GET /v1/regions/{region}/brief", "00", "forbidden") in seen
    assert ("GET /v1/regions/{region}/brief", None, "not_found") in seen  # no such 시도
    assert ("GET /v1/regions/{region}/brief", "26", "ok") in seen


def test_bad_dates_and_shares_are_422_naming_the_field(
    service: TestClient, keys: dict[str, str]
) -> None:
    for query, field in (
        ("?as_of=2019-02-30", "as_of"),
        ("?as_of=2001-06-30", "as_of"),
        ("?share=1.5", "share"),
        ("?share=0", "share"),
    ):
        response = service.get(f"/v1/regions/26/brief{query}", headers=auth(keys["analyst"]))
        assert response.status_code == 422, query
        assert json.dumps(response.json()["detail"]).count(field), query


def test_an_older_as_of_date_gives_that_dates_figures(
    service: TestClient, keys: dict[str, str]
) -> None:
    latest = _brief(service, keys["analyst"])
    older = latest["as_of_dates"][-2]
    body = _brief(service, keys["analyst"], query=f"?as_of={older}")
    assert body["as_of"] == older and body["as_of"] < latest["as_of"]
    assert all(t["source"]["as_of"] == older for t in body["tables"])
    trend = _table(latest, "trend")
    at = [row[0] for row in trend["rows"]].index(older)
    assert body["totals"]["expected_rate"] == pytest.approx(trend["rows"][at][1])


@pytest.fixture(scope="module")
def messy(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, str]]:
    """The test panel with employees and payroll missing for some firms, some firms with only
    an income statement, and some firms without a region (served as "00")."""
    financials = panel.financials.copy()
    number = financials["firm_id"].astype(int) - 1_000_000_000
    financials.loc[number % 5 == 0, "employees"] = np.nan
    financials.loc[number % 4 == 0, "payroll"] = np.nan
    income_only = number % 7 == 0
    for column in ("total_assets", "total_liabilities", "equity", "borrowings", "cash"):
        if column in financials.columns:
            financials.loc[income_only, column] = np.nan
    firms = panel.firms.copy()
    firms.loc[(firms["firm_id"].astype(int) - 1_000_000_000) % 10 == 3, "region"] = None
    folder = tmp_path_factory.mktemp("messy-brief")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    tables = replace(panel, financials=financials, firms=firms)
    app = create_app(settings, model=("1", loaded), tables=tables)
    with TestClient(app) as client:
        yield client, create_key(app.state.engine, "analyst")


def test_messy_firms_are_counted_apart_and_never_crash_the_brief(
    messy: tuple[TestClient, str],
) -> None:
    client, key = messy
    body = _brief(client, key, "26")
    totals = body["totals"]
    assert totals["n_without_employees"] > 0 and totals["n_without_payroll"] > 0
    assert math.isfinite(totals["employees_at_risk"]) and math.isfinite(totals["payroll_at_risk"])
    industry = _table(body, "industry")
    assert sum(_column(industry, "n_without_employees")) == totals["n_without_employees"]
    unknown = _brief(client, key, "00")
    assert unknown["region_ko"] == "지역 미상" and unknown["totals"]["n_firms"] > 0
    assert _column(_table(unknown, "comparison"), "code") == ["00", "KR"]
    book = client.get("/v1/regions/00/brief.xlsx", headers=auth(key))
    assert book.status_code == 200 and book.content.startswith(b"PK")


def test_a_region_without_firms_gets_a_brief_of_zeros(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _brief(service, keys["analyst"], "50")  # the panel has no 제주 firm
    assert body["totals"]["n_firms"] == 0 and body["totals"]["expected"] == 0
    assert _table(body, "industry")["rows"] == []
    assert [row[1] for row in _table(body, "capacity")["rows"]] == [0, 0, 0, 0]
    response = service.get("/v1/regions/50/brief.xlsx", headers=auth(keys["analyst"]))
    assert response.status_code == 200


def test_programme_demand_counts_the_firms_the_catalogue_would_suggest(
    service: TestClient, keys: dict[str, str]
) -> None:
    """The brief checks industry rules once per KSIC code; it must count exactly the firms for
    which ``scoring.programmes.match`` suggests each programme, given the same needs (every
    reason family and feature that raises the firm's PD, regional conditions aside, and its
    flags)."""
    body = _brief(service, keys["center26"])
    table = _table(body, "programmes")
    counted = dict(zip(_column(table, "programme"), _column(table, "eligible_firms"), strict=True))
    snapshot, champion = service.app.state.service.current()  # type: ignore[attr-defined]
    catalogue = catalogue_for(Settings().config_dir, "26")  # 부산's own programme too
    rows = regions.group(champion, "region", "26").now
    points = champion.latest.explanations.points(rows)
    names = champion.feature_names
    features = snapshot.features
    expected = dict.fromkeys(counted, 0)
    for i, row in enumerate(rows):
        family_points: dict[str, float] = {}
        for j, name in enumerate(names):
            family = regions.feature_family(name)
            family_points[family] = family_points.get(family, 0.0) + points[i, j]
        on = frozenset(f for f, set_ in zip(FLAGS, snapshot.flags[row], strict=True) if set_)
        needs = [
            programmes.Need("family", f, f, f, v)
            for f, v in family_points.items()
            if v > 0 and f != "environment"
        ]
        needs += [
            programmes.Need("feature", n, n, n, float(points[i, j]))
            for j, n in enumerate(names)
            if points[i, j] > 0 and regions.feature_family(n) != "environment"
        ]
        needs += [programmes.Need("flag", f, f, f) for f in sorted(on)]
        founded = snapshot.tables.firms.set_index("firm_id").at[
            features.at[int(row), "firm_id"], "founded"
        ]
        firm = programmes.Firm(
            firm_id=str(features.at[int(row), "firm_id"]),
            as_of=snapshot.as_of.date(),
            size_class=programmes.known(features.at[int(row), "size_class"]),
            founded=None if pd.isna(founded) else pd.Timestamp(founded).date(),
            ksic=programmes.known(features.at[int(row), "ksic"]),
            region="26",
            grade=champion.model.bundle.grade_table.grades[int(champion.latest.grade[row])],
            flags=on,
            employees=programmes.known(features.at[int(row), "employees"]),
        )
        for suggestion in programmes.match(catalogue, firm, needs).suggested:
            expected[suggestion.programme.id] += 1
    assert counted == expected
    assert any(counted.values())


def test_the_standard_scenarios_are_the_stress_modules_figures(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _brief(service, keys["center26"])
    table = _table(body, "scenarios")
    snapshot, champion = service.app.state.service.current()  # type: ignore[attr-defined]
    folder = Settings().config_dir / "scenarios"
    assert _column(table, "scenario") == [p.stem for p in scenario_files(folder)]
    rate = stress.summary(
        snapshot.tables, champion.model, folder / "rate_200bp.yaml", "26", by="region"
    ).iloc[0]
    at = _column(table, "scenario").index("rate_200bp")
    assert _column(table, "expected_delta")[at] == pytest.approx(rate["expected_crises_delta"])
    assert _column(table, "employees_delta")[at] == pytest.approx(rate["employees_at_risk_delta"])
    assert _column(table, "expected_before")[at] == pytest.approx(body["totals"]["expected"])
    assert _column(table, "expected_delta")[at] > 0  # dearer debt never helps on this world


def test_without_catalogue_or_scenarios_the_brief_says_so(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        models_dir=tmp_path / "models",
        config_dir=tmp_path / "empty-config",
    )
    with TestClient(make_app(settings=settings)) as client:
        key = create_key(client.app.state.engine, "analyst")  # type: ignore[attr-defined]
        body = _brief(client, key)
    left_out = {o["key"]: o for o in body["omitted"]}
    assert set(left_out) == {"programmes", "scenarios"}
    assert "not configured" in left_out["programmes"]["reason_en"]
    assert not {"programmes", "scenarios"} & {t["key"] for t in body["tables"]}
