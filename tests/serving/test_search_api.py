"""GET /v1/firms?q=: firms by part of their name (or their number), within the caller's region."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key
from serving.app import create_app
from serving.domain.region_codes import district_name
from serving.store.tables import AuditEntry
from tests.serving.support import TestClient, auth

# firm_id -> (name, region): one per case the search must take.
NAMED = {
    "1000000000": ("대한정밀(주)", "26"),  # 부산: found by a centre of 26
    "1000000001": ("대한기계 주식회사", "11"),  # 서울: never shown to 부산
    "1000000002": (None, "26"),  # no name: found by number only
    "1000000004": ("㈜ 대한 상사", None),  # no region ("00"): analysts only
    "1000000006": ("대한", "26"),  # the exact name: listed first
    "1000000008": ("가나대한공업", "26"),  # "대한" inside the name: after those starting with it
}


def named_panel(panel: RawTables) -> RawTables:
    firms = panel.firms.copy()
    for firm_id, (name, region) in NAMED.items():
        at = firms.index[firms["firm_id"] == firm_id][0]
        firms.loc[at, "name"] = name
        firms.loc[at, "region"] = region
    return replace(panel, firms=firms)


@pytest.fixture(scope="module")
def searching(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("search")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    app = create_app(settings, model=("1", loaded), tables=named_panel(panel))
    with TestClient(app) as client:
        engine = app.state.engine
        keys = {
            "center26": create_key(engine, "center", "26"),
            "analyst": create_key(engine, "analyst"),
            "office26": create_key(engine, "office", "26"),
        }
        yield client, keys


def _ids(client: TestClient, key: str, q: str) -> list[str]:
    response = client.get("/v1/firms", params={"q": q}, headers=auth(key))
    assert response.status_code == 200, response.text
    return [firm["firm_id"] for firm in response.json()["firms"]]


def test_a_partial_name_finds_the_centres_own_firms_only(
    searching: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = searching
    found = _ids(client, keys["center26"], "대한")
    # the exact name first, then names starting with the query, then the rest
    assert found == ["1000000006", "1000000000", "1000000008"]
    assert "1000000001" not in found and "1000000004" not in found
    body = client.get("/v1/firms", params={"q": "정밀"}, headers=auth(keys["center26"])).json()
    (firm,) = body["firms"]
    assert firm["name"] == "대한정밀(주)" and firm["region"] == "26"
    assert firm["district_name"] == district_name(firm["district"])
    assert body["total"] == 1 and body["as_of"]


def test_analysts_search_every_region_including_firms_without_one(
    searching: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = searching
    found = set(_ids(client, keys["analyst"], "대한"))
    assert {"1000000000", "1000000001", "1000000004", "1000000006"} <= found
    # spaces, case and company forms do not matter: "㈜ 대한 상사" is found as "대한상사"
    assert _ids(client, keys["analyst"], "대한 상사") == ["1000000004"]


def test_a_number_finds_the_firm_even_without_a_name_but_not_across_regions(
    searching: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = searching
    assert _ids(client, keys["center26"], "1000000002") == ["1000000002"]
    assert _ids(client, keys["center26"], "1000000001") == []  # 서울's firm: nothing said


def test_short_or_empty_queries_are_refused_with_the_field(
    searching: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = searching
    for q in ("대", "(주)", "  ", ""):
        response = client.get("/v1/firms", params={"q": q}, headers=auth(keys["center26"]))
        assert response.status_code == 422, q
        assert response.json()["detail"][0]["loc"][-1] == "q"
    missing = client.get("/v1/firms", headers=auth(keys["center26"]))
    assert missing.status_code == 422


def test_keys_that_see_no_firms_are_refused_and_every_search_is_audited(
    searching: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = searching
    refused = client.get("/v1/firms", params={"q": "대한"}, headers=auth(keys["office26"]))
    assert refused.status_code == 403
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.endpoint == "GET /v1/firms"))
        seen = {(row.outcome, row.subject_region) for row in rows}
    assert ("ok", "26") in seen and ("forbidden", "26") in seen
