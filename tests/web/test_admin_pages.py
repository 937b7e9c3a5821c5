"""Sign-in with a password and the admin pages: users, keys (revoked at once), the audit log
(filtered by person, exported as CSV); a disabled person's open session ends at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.routing import iter_route_contexts

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.access import passwords, people
from serving.access.keys import create_key, list_keys, live_key
from serving.app import create_app
from tests.serving.support import FIRM_26, TestClient, auth
from tests.web.client import audit_log, csrf_of, engine_of, main_of, post_sign_in

PASSWORD = "부산센터-staff-2026"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its smallest: the tests check the flow, not the hash's cost."""
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[TestClient]:
    """An app of this module's own: its lock-outs count only these tests' failures."""
    folder: Path = tmp_path_factory.mktemp("admin-pages")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        models_dir=folder,
        data_dir=folder / "data",
        limit_sign_in_failures=100,
    )
    app = create_app(settings, model=("1", loaded), tables=panel)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _person(
    web: TestClient, username: str, role: str = "center", region: str | None = "26"
) -> None:
    people.create_user(engine_of(web), username, "최수빈", role, region, None, PASSWORD)


def _sign_in(web: TestClient, username: str, password: str = PASSWORD) -> int:
    web.cookies.clear()
    return post_sign_in(
        web, {"username": username, "password": password, "next": "/web/"}
    ).status_code


def test_a_password_signs_in_and_a_wrong_one_does_not(web: TestClient) -> None:
    _person(web, "choi.subin")
    assert _sign_in(web, "choi.subin") == 303
    home = web.get("/web/")
    assert home.headers["location"] == "/web/regions/26/watchlist"
    entry = [row for row in audit_log(web) if row.endpoint == "POST /web/sign-in"][-1]
    assert (
        entry.outcome == "ok" and entry.user_id == people.get_user(engine_of(web), "choi.subin").id
    )
    web.cookies.clear()
    wrong = post_sign_in(web, {"username": "choi.subin", "password": "not the password"})
    assert wrong.status_code == 401
    assert "아이디 또는 비밀번호가 맞지 않습니다" in main_of(wrong.text)
    assert 'value="choi.subin"' in wrong.text  # the username stays typed in
    assert web.get("/web/").status_code == 303 and "sign-in" in web.get("/web/").headers["location"]


def test_repeated_wrong_passwords_lock_the_account(web: TestClient) -> None:
    _person(web, "locked.out")
    codes = [_sign_in(web, "locked.out", "wrong password") for _ in range(people.LOCK_AFTER)]
    assert codes == [401] * (people.LOCK_AFTER - 1) + [429]
    web.cookies.clear()
    locked = post_sign_in(web, {"username": "locked.out", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
    user_id = people.get_user(engine_of(web), "locked.out").id
    assert [row.outcome for row in audit_log(web) if row.user_id == user_id][-3:] == [
        "unauthorised",
        "locked",
        "locked",
    ]


def test_the_api_key_form_still_signs_in(web: TestClient) -> None:
    web.cookies.clear()
    key = create_key(engine_of(web), "analyst")
    assert post_sign_in(web, {"api_key": key}).status_code == 303
    assert web.get("/web/").headers["location"] == "/web/regions"


def test_a_disabled_persons_open_session_is_refused_at_once(web: TestClient) -> None:
    _person(web, "leaving.today")
    assert _sign_in(web, "leaving.today") == 303
    assert web.get("/web/regions/26/watchlist").status_code == 200
    people.disable_user(engine_of(web), "leaving.today")
    gone = web.get("/web/regions/26/watchlist")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/web/sign-in")
    assert _sign_in(web, "leaving.today") == 401


def _admin(web: TestClient) -> None:
    if people.find_user(engine_of(web), "koo.bonseok") is None:
        _person(web, "koo.bonseok", "admin", None)
    assert _sign_in(web, "koo.bonseok") == 303


def test_only_admins_open_the_admin_pages(web: TestClient) -> None:
    _person(web, "not.admin")
    assert _sign_in(web, "not.admin") == 303
    for path in ("/web/admin", "/web/admin/users", "/web/admin/keys", "/web/admin/audit"):
        refused = web.get(path)
        assert refused.status_code == 403 and "관리자 전용" in refused.text
    assert audit_log(web)[-1].outcome == "forbidden"
    _admin(web)
    index = web.get("/web/admin")
    assert index.status_code == 200 and 'href="/web/admin/users"' in index.text
    for path, title in [
        ("/web/admin/users", "Staff accounts"),
        ("/web/admin/keys", "API keys"),
        ("/web/admin/audit", "Audit log"),
    ]:
        english = web.get(path, params={"lang": "en"})
        assert english.status_code == 200 and f"<h1>{title}</h1>" in english.text
    web.cookies.delete("ews_lang")


def test_an_admin_creates_a_person_who_then_signs_in(web: TestClient) -> None:
    _admin(web)
    token = csrf_of(web.get("/web/admin/users").text)
    form = {"username": "yoon.seoyun", "display_name": "윤서윤", "role": "center", "region": "27"}
    created = web.post("/web/admin/users", data={**form, "csrf": token, "capacity": "20"})
    assert created.status_code == 200 and "한 번만" in created.text
    password = created.text.split("비밀번호는 지금 한 번만 보입니다: ")[1].split("<")[0].strip()
    bad = web.post("/web/admin/users", data={**form, "region": "99", "csrf": token})
    assert bad.status_code == 422 and "region" in main_of(bad.text)
    no_csrf = web.post("/web/admin/users/yoon.seoyun/disable", data={"csrf": "stale"})
    assert no_csrf.status_code == 400
    assert people.get_user(engine_of(web), "yoon.seoyun").disabled_at is None
    assert _sign_in(web, "yoon.seoyun", password) == 303
    assert web.get("/web/").headers["location"] == "/web/regions/27/watchlist"


def test_an_admin_revokes_a_key_and_its_next_request_gets_401(web: TestClient) -> None:
    key = create_key(engine_of(web), "center", "26")
    assert web.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key)).status_code == 200
    _admin(web)
    page = web.get("/web/admin/keys")
    assert key[:8] in page.text
    row = next(k for k in list_keys(engine_of(web)) if k.prefix == key[:8])
    revoked = web.post(f"/web/admin/keys/{row.id}/revoke", data={"csrf": csrf_of(page.text)})
    assert revoked.status_code == 200 and "다음 요청부터 거부됩니다" in revoked.text
    assert web.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key)).status_code == 401
    assert live_key(engine_of(web), key) is None
    again = web.post(f"/web/admin/keys/{row.id}/revoke", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 422 and "is not live" in again.text


def test_the_audit_page_filters_by_person_and_exports_csv(web: TestClient) -> None:
    _person(web, "lim.haeun")
    assert _sign_in(web, "lim.haeun") == 303
    web.get(f"/web/firms/{FIRM_26}")
    lim = people.get_user(engine_of(web), "lim.haeun").id
    _admin(web)
    found = web.get("/web/admin/audit", params={"person": "lim.haeun"})
    assert found.status_code == 200
    table = main_of(found.text).split('data-testid="audit"')[1]
    assert "최수빈 (lim.haeun)" in table and "koo.bonseok" not in table
    assert FIRM_26 in table
    firm_only = web.get("/web/admin/audit", params={"person": "lim.haeun", "firm_id": FIRM_26})
    assert firm_only.text.count("<tr>") == 2  # the header and the firm page's look-up
    exported = web.get("/web/admin/audit.csv", params={"person": "lim.haeun"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {row["user_id"] for row in rows} == {str(lim)}
    assert {row["username"] for row in rows} == {"lim.haeun"}
    assert 'href="/web/admin/audit.csv?person=lim.haeun"' in found.text
    blank = {"person": "lim.haeun", "firm_id": "", "action": "", "since": "", "until": ""}
    assert web.get("/web/admin/audit", params=blank).text.count("<tr>") == found.text.count("<tr>")
    bad_date = web.get("/web/admin/audit", params={"since": "yesterday"})
    assert bad_date.status_code == 400 and "since: must be a date" in bad_date.text


def _admin_routes(web: TestClient) -> list[tuple[str, str]]:
    """Every admin call and page (the model reload is the model room's)."""
    found = []
    for route in iter_route_contexts(web.app.routes):  # type: ignore[attr-defined]
        path = route.path
        if path.startswith(("/v1/admin/", "/web/admin")) and path != "/v1/admin/reload":
            found += [(m, path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


def test_no_admin_route_answers_anyone_but_an_admin(web: TestClient) -> None:
    routes = _admin_routes(web)
    assert len(routes) == 20
    centre, analyst = (
        create_key(engine_of(web), "center", "26"),
        create_key(engine_of(web), "analyst"),
    )
    _person(web, "kept.safe")
    kept_key = create_key(engine_of(web), "center", "26")
    kept = next(k for k in list_keys(engine_of(web)) if k.prefix == kept_key[:8])
    for method, template in routes:
        path = template.format(username="kept.safe", key_id=kept.id, action="disable")
        for key in (None, centre, analyst):
            web.cookies.clear()
            if template.startswith("/web/"):
                if key is not None:
                    assert post_sign_in(web, {"api_key": key}).status_code == 303
                token = csrf_of(web.get("/web/sign-in").text) if key is None else ""
                response = web.request(
                    method, path, data={"csrf": token} if method == "POST" else None
                )
                expected = {303} if key is None else {403}
            else:
                response = web.request(method, path, headers=auth(key) if key else {}, json={})
                expected = {401} if key is None else {403}
            assert response.status_code in expected, (method, template, key and key[:8])
    assert live_key(engine_of(web), kept_key) is not None
    assert people.get_user(engine_of(web), "kept.safe").disabled_at is None
