"""What would help a firm (``GET /v1/firms/{firm_id}/help``): the grade's action and KOSME
stage, programmes that fit with their reasons, and "what lowers the grade" proposals that, written
into the firm's data and scored through ``POST /v1/scores``, give the lower grade."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contract import FINANCIAL_AMOUNTS
from core.grades import GRADES
from features.tables import RawTables
from scoring.actions import action_for, kosme_stage
from serving.domain import help as help_domain
from serving.store.tables import AuditEntry
from tests.serving.conftest import AppFactory
from tests.serving.support import TestClient, auth

ENDPOINT = "GET /v1/firms/{firm_id}/help"


def _riskiest(service: TestClient, region: str, count: int) -> list[str]:
    """The region's rated firms with the highest PDs (a watch list's head)."""
    snapshot, champion = service.app.state.service.current()  # type: ignore[attr-defined]
    ids = snapshot.features["firm_id"].astype("string").to_numpy()
    pd_ = np.where(champion.latest.standing.rated, champion.latest.pd, -1.0)
    order = [i for i in np.argsort(-pd_) if snapshot.regions[ids[i]] == region and pd_[i] > 0]
    return [str(ids[i]) for i in order[:count]]


def _help(service: TestClient, key: str, firm_id: str) -> dict[str, Any]:
    response = service.get(f"/v1/firms/{firm_id}/help", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_help_gives_action_programmes_and_proposals(
    service: TestClient, keys: dict[str, str]
) -> None:
    firm_id = _riskiest(service, "26", 1)[0]
    score = service.post("/v1/scores", json={"firm_id": firm_id}, headers=auth(keys["center26"]))
    grade = score.json()["grade"]
    answer = _help(service, keys["center26"], firm_id)
    assert answer["action"]["grade"] == grade
    assert (answer["action"]["action_ko"], answer["action"]["action_en"]) == action_for(grade)
    assert answer["action"]["kosme_stage"] == kosme_stage(grade)
    assert answer["recourse"]["grade"] == grade and answer["recourse"]["status"] == "ok"
    assert answer["recourse"]["targets"][0]["grade"] == GRADES[GRADES.index(grade) - 1]
    assert answer["programmes"], "a high-PD firm gets at least one programme"
    for programme in answer["programmes"]:  # each says why it fits and which rules passed
        assert programme["fits"] and programme["source_url"].startswith("https://")
        assert all(check["passed"] is not False for check in programme["checks"])
    for excluded in answer["excluded"]:
        assert excluded["failed"] and all(c["passed"] is False for c in excluded["failed"])
    total = len(answer["programmes"]) + len(answer["excluded"]) + answer["unrelated"]
    assert total == 9 and answer["catalogue_problem"] is None  # 8 national, 1 of 부산's own


def test_help_is_audited_and_keeps_to_the_region(service: TestClient, keys: dict[str, str]) -> None:
    firm_id = _riskiest(service, "26", 1)[0]
    refused = service.get(f"/v1/firms/{firm_id}/help", headers=auth(keys["center11"]))
    assert refused.status_code == 403
    _help(service, keys["center26"], firm_id)
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        rows = session.scalars(select(AuditEntry).where(AuditEntry.endpoint == ENDPOINT)).all()
    outcomes = {(row.role, row.outcome) for row in rows if firm_id in row.firm_ids}
    assert ("center", "ok") in outcomes and ("center", "forbidden") in outcomes


def _applied(
    panel: RawTables, firm_id: str, as_of: str, proposal: dict[str, Any]
) -> dict[str, Any]:
    """The stored firm's own rows as a ``POST /v1/scores`` body, with the proposal's changes
    written into its latest statement filed by ``as_of`` and its settled arrears left out."""
    firm = panel.firms[panel.firms["firm_id"] == firm_id].iloc[0]
    financials = panel.financials[panel.financials["firm_id"] == firm_id]
    known = financials[financials["filed_on"] <= pd.Timestamp(as_of)]
    latest = known.sort_values(["fiscal_year", "filed_on"], kind="stable").index[-1]
    after = {c["item"]: c["after"] for c in proposal["changes"] if c["unit"] == "천원"}
    statements = []
    for index, row in financials.iterrows():
        item: dict[str, Any] = {
            "fiscal_year": int(row["fiscal_year"]),
            "period_end": row["period_end"].date().isoformat(),
            "filed_on": row["filed_on"].date().isoformat(),
        }
        item |= {name: float(row[name]) for name in FINANCIAL_AMOUNTS if pd.notna(row[name])}
        if index == latest:
            item |= after
        statements.append(item)
    settled = [tuple(s) for s in proposal["settled"]]
    events = []
    for _, e in panel.events[panel.events["firm_id"] == firm_id].iterrows():
        when = (e["event_date"].date().isoformat(), e["event_type"])
        if when in settled:
            settled.remove(when)
            continue
        events.append({"event_date": when[0], "event_type": when[1], "amount": float(e["amount"])})
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
        "as_of": as_of,
    }


def test_proposals_applied_give_the_lower_grade_with_the_served_model(
    service: TestClient, keys: dict[str, str], panel: RawTables
) -> None:
    """Each proposal, written into the firm's data and scored by the service's own path for
    submitted statements, gives the grade (and PD) it promised."""
    checked = 0
    for firm_id in _riskiest(service, "26", 6):
        answer = _help(service, keys["center26"], firm_id)
        as_of = answer["as_of"]
        unchanged: dict[str, Any] = {"changes": [], "settled": []}
        body = _applied(panel, firm_id, as_of, unchanged)
        now = service.post("/v1/scores", json=body, headers=auth(keys["center26"])).json()
        assert now["grade"] == answer["recourse"]["grade"]
        for target in answer["recourse"]["targets"]:
            proposal = target["proposal"]
            if proposal is None:
                continue
            body = _applied(panel, firm_id, as_of, proposal)
            scored = service.post("/v1/scores", json=body, headers=auth(keys["center26"]))
            assert scored.status_code == 200, scored.text
            out = scored.json()
            assert out["grade"] == proposal["grade"]
            assert GRADES.index(out["grade"]) <= GRADES.index(target["grade"])
            assert abs(out["pd"] - proposal["pd"]) < 1e-9
            checked += 1
    assert checked >= 3


def test_messy_firms_get_reasons_not_errors(
    make_app: AppFactory, panel: RawTables, keys: dict[str, str]
) -> None:
    """An income-statement-only firm without a region, one with negative equity and a stale
    one: no crash, and the answer says why nothing (or less) is proposed."""
    firms, financials = panel.firms.copy(), panel.financials.copy()
    bare, old, sunk = "1000000004", "1000000006", "1000000008"
    firms.loc[firms["firm_id"] == bare, "region"] = pd.NA
    balance = ["total_assets", "current_assets", "cash", "receivables", "inventory"]
    balance += ["total_liabilities", "current_liabilities", "borrowings", "equity"]
    balance += ["paid_in_capital", "retained_earnings"]
    financials.loc[financials["firm_id"] == bare, balance] = np.nan
    own = financials["firm_id"] == sunk  # negative equity: liabilities above assets
    financials.loc[own, "equity"] = -financials.loc[own, "equity"].abs()
    financials.loc[own, "total_liabilities"] = (
        financials.loc[own, "total_assets"] - financials.loc[own, "equity"]
    )
    financials = financials[
        (financials["firm_id"] != old)
        | (financials["fiscal_year"] <= financials["fiscal_year"].min())
    ]
    app = make_app(tables=replace(panel, firms=firms, financials=financials))
    with TestClient(app) as client:
        from serving.access.keys import create_key

        analyst = create_key(app.state.engine, "analyst")
        answer = _help(client, analyst, bare)
        notes = " ".join(n["ko"] for n in answer["notes"])
        assert "재무상태표 자료 없음" in notes and "소재지 미상" in notes
        for target in answer["recourse"]["targets"]:
            proposal = target["proposal"]
            assert proposal is None or "debt" not in {a["lever"] for a in proposal["actions"]}
        for programme in answer["programmes"]:
            rules = {c["rule"]: c["passed"] for c in programme["checks"]}
            assert rules.get("regions") is None
        negative = _help(client, analyst, sunk)
        assert negative["action"] is not None and negative["recourse"]["status"] in {"ok", "lowest"}
        for target in negative["recourse"]["targets"]:
            assert target["proposal"] is not None or target["reason_ko"]
        stale = _help(client, analyst, old)
        assert stale["recourse"]["targets"] == [] and stale["recourse"]["reason_ko"]


def test_planner_is_built_once_per_snapshot_and_champion(service: TestClient) -> None:
    """One planner per (snapshot, champion); warmed answers are the ones a page then gets."""
    snapshot, champion = service.app.state.service.current()  # type: ignore[attr-defined]
    holder = help_domain.planner_for(snapshot, champion)
    assert help_domain.planner_for(snapshot, champion) is holder
    watched = help_domain.watched(snapshot, champion, 3)
    assert {snapshot.regions[f] for f in watched} == {"11", "26"} and len(watched) == 6
    holder.answers.clear()
    assert help_domain.warm(snapshot, champion, watched, chunk=4) == 6
    assert holder.recourse(watched[0]) is holder.answers[watched[0]]
    assert holder.recourse(watched[0]) == holder.planner.firm(watched[0])
