"""Scoring by id, by submitted statements, in batches; stored scores come back unchanged."""

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contract import FINANCIAL_AMOUNTS
from core.grades import GRADES
from features.catalog import FEATURE_NAMES
from features.tables import RawTables
from serving.schemas.scores import ScoreOut
from serving.store.tables import AuditEntry, ScoreRecord
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth


def _score(service: TestClient, key: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = service.post("/v1/scores", json=body, headers=auth(key), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_score_by_id_has_grade_reasons_and_adds_up(
    service: TestClient, keys: dict[str, str]
) -> None:
    score = _score(service, keys["analyst"], {"firm_id": FIRM_26})
    assert 0 < score["pd"] < 1 and score["grade"] in GRADES
    assert score["model_version"] == "1" and score["grade_table_version"] == "ladder-2026.1"
    assert len(score["reasons"]) == 8
    shown = sum(r["contribution"] for r in score["reasons"])
    rest = sum(f["rest"] for f in score["families"])
    assert abs(score["base_pd"] + shown + rest - score["pd"]) <= 1e-12
    assert (
        abs(score["base_pd"] + sum(f["contribution"] for f in score["families"]) - score["pd"])
        <= 1e-12
    )
    first = score["reasons"][0]
    assert first["sentence_ko"].endswith("니다.") and first["sentence_en"]
    assert first["direction"] == ("up" if first["contribution"] > 0 else "down")


def test_a_served_score_is_a_valid_score_out(service: TestClient, keys: dict[str, str]) -> None:
    # The stored payload is served as raw bytes, past FastAPI's response model: it must still
    # pass the documented schema, field by field.
    for body in ({"firm_id": FIRM_26}, {"firm_id": FIRM_11}):
        score = _score(service, keys["analyst"], body)
        parsed = ScoreOut.model_validate(score)
        assert parsed.model_dump(mode="json") == score
        assert all(type(r["contribution"]) is float for r in score["reasons"])


def test_all_reasons_on_request(service: TestClient, keys: dict[str, str]) -> None:
    score = _score(service, keys["analyst"], {"firm_id": FIRM_26}, top=0)
    assert len(score["reasons"]) == len(FEATURE_NAMES) and all(
        f["rest"] == 0 for f in score["families"]
    )


def test_score_is_recorded_and_audited_before_the_response(
    service: TestClient, keys: dict[str, str]
) -> None:
    score = _score(service, keys["center26"], {"firm_id": FIRM_26})
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        row = session.get(ScoreRecord, score["score_id"])
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.score_id == score["score_id"])
        ).one()
    assert row is not None and row.pd == score["pd"] and row.region == "26"
    assert audit.outcome == "ok" and audit.role == "center" and audit.model_version == "1"


def test_stored_score_comes_back_unchanged(service: TestClient, keys: dict[str, str]) -> None:
    score = _score(service, keys["analyst"], {"firm_id": FIRM_11})
    again = service.get(f"/v1/scores/{score['score_id']}", headers=auth(keys["center11"]))
    assert again.status_code == 200 and again.json() == score
    missing = service.get(
        "/v1/scores/00000000-0000-4000-8000-000000000000", headers=auth(keys["analyst"])
    )
    assert missing.status_code == 404


def _submission(panel: RawTables, firm_id: str) -> dict[str, Any]:
    """The stored firm's own rows, written as a request body."""
    firm = panel.firms[panel.firms["firm_id"] == firm_id].iloc[0]
    statements = []
    for _, row in panel.financials[panel.financials["firm_id"] == firm_id].iterrows():
        item: dict[str, Any] = {
            "fiscal_year": int(row["fiscal_year"]),
            "period_end": row["period_end"].date().isoformat(),
            "filed_on": row["filed_on"].date().isoformat(),
        }
        item |= {name: float(row[name]) for name in FINANCIAL_AMOUNTS if pd.notna(row[name])}
        statements.append(item)
    events = [
        {
            "event_date": e["event_date"].date().isoformat(),
            "event_type": e["event_type"],
            "amount": float(e["amount"]),
        }
        for _, e in panel.events[panel.events["firm_id"] == firm_id].iterrows()
    ]
    return {
        "firm": {
            "firm_id": firm_id,
            "region": firm["region"],
            "district": firm["district"],
            "ksic": firm["ksic"],
            "founded": firm["founded"].date().isoformat(),
            "size_class": firm["size_class"],
            "audited": bool(firm["audited"]),
            "growth_stage": firm["growth_stage"],
            "main_industry": bool(firm["main_industry"]),
        },
        "statements": statements,
        "events": events,
    }


def test_submitted_statements_score_like_the_stored_firm(
    service: TestClient, keys: dict[str, str], panel: RawTables
) -> None:
    firm_id = next(f for f in panel.events["firm_id"] if int(f) % 2 == 0)  # region 26, arrears
    by_id = _score(service, keys["center26"], {"firm_id": firm_id}, top=0)
    submitted = _score(service, keys["center26"], _submission(panel, firm_id), top=0)
    assert submitted["pd"] == by_id["pd"] and submitted["as_of"] == by_id["as_of"]
    assert submitted["reasons"] == by_id["reasons"] and submitted["flags"] == by_id["flags"]
    assert submitted["score_id"] != by_id["score_id"]


def test_submitted_firm_without_id_or_details(service: TestClient, keys: dict[str, str]) -> None:
    body = {
        "firm": {"region": "26"},
        "statements": [
            {
                "fiscal_year": 2022,
                "revenue": 900_000,
                "operating_income": -50_000,
                "interest_expense": 30_000,
                "total_liabilities": 900_000,
                "equity": 100_000,
            },
            {
                "fiscal_year": 2023,
                "revenue": 800_000,
                "operating_income": -80_000,
                "interest_expense": 40_000,
                "total_liabilities": 950_000,
                "equity": 50_000,
            },
        ],
    }
    score = _score(service, keys["center26"], body)
    assert score["firm_id"] is None and score["as_of"] == "2024-06-30"
    assert "temporary_marginal" in {flag["flag"] for flag in score["flags"]}
    missing = [
        r for r in _score(service, keys["center26"], body, top=0)["reasons"] if r["value"] is None
    ]
    assert missing and all(r["display"] == "자료 없음" for r in missing)


def test_batch_keeps_order_and_reports_items(service: TestClient, keys: dict[str, str]) -> None:
    firm_ids = [FIRM_26, "9999999999", FIRM_11, "1000000002"]
    response = service.post(
        "/v1/scores/batch", json={"firm_ids": firm_ids}, headers=auth(keys["center26"])
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["firm_id"] for i in items] == firm_ids
    # a centre is told nothing about ids outside its region, whether they exist or not
    assert [i["status"] for i in items] == ["ok", "forbidden", "forbidden", "ok"]
    assert items[2]["score"] is None and items[0]["score"]["firm_id"] == FIRM_26
    single = _score(service, keys["center26"], {"firm_id": FIRM_26})
    assert items[0]["score"]["pd"] == single["pd"]
    assert items[0]["score"]["reasons"] == single["reasons"]


def test_batch_of_only_errors(service: TestClient, keys: dict[str, str]) -> None:
    response = service.post(
        "/v1/scores/batch", json={"firm_ids": ["9999999999"]}, headers=auth(keys["analyst"])
    )
    assert response.status_code == 200 and response.json()["items"][0]["status"] == "not_found"


def test_firm_history(service: TestClient, keys: dict[str, str]) -> None:
    score = _score(service, keys["analyst"], {"firm_id": FIRM_11})
    history = service.get(f"/v1/firms/{FIRM_11}/scores", headers=auth(keys["center11"])).json()
    assert history[0]["score_id"] == score["score_id"]


def test_model_information(service: TestClient, keys: dict[str, str]) -> None:
    info = service.get("/v1/model", headers=auth(keys["center26"])).json()
    assert info["version"] == "1" and info["alias"] == "champion"
    assert (
        len(info["features"]) == len(FEATURE_NAMES)
        and info["features"][0]["label_ko"] == "영업이익률"
    )
    assert [g["colour"] for g in info["grades"]] == ["green", "blue", "yellow", "orange", "red"]
    assert info["grades"][1]["lower_pd"] == 0.01 and info["metrics"]["roc_auc"] == 0.71
    assert info["split"]["test_years"] == [2023]


def test_openapi_documents_the_api(service: TestClient) -> None:
    schema = service.get("/openapi.json").json()
    assert {
        "/v1/scores",
        "/v1/scores/batch",
        "/v1/scores/{score_id}",
        "/v1/model",
        "/v1/admin/reload",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= set(schema["paths"])
    statement = schema["components"]["schemas"]["Statement"]["properties"]
    assert statement["revenue"]["description"] == "매출액, 천원"
