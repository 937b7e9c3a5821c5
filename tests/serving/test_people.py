"""Staff accounts: password sign-in, lock-out, disabling, re-hashing, the admin API (users, keys,
the audit log with its filters and CSV) and audit rows that name the person."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.access import passwords, people
from serving.access.keys import SIGN_IN_LABEL, create_key, list_keys, live_key
from serving.app import create_app
from serving.store.tables import AuditEntry, User
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth

PASSWORD = "correct horse 26"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its smallest: the tests check the flow, not the hash's cost."""
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("people")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    with TestClient(create_app(settings, model=("1", loaded), tables=panel)) as client:
        yield client


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


@pytest.fixture(scope="module")
def admin(api: TestClient) -> dict[str, str]:
    return auth(create_key(engine_of(api), "admin"))


def _user(api: TestClient, username: str, region: str | None = "26") -> User:
    role = "center" if region else "analyst"
    return people.create_user(engine_of(api), username, "김민준", role, region, None, PASSWORD)[0]


def test_password_sign_in_works_and_a_wrong_password_fails(api: TestClient) -> None:
    user = _user(api, "sign.in")
    found = people.sign_in(engine_of(api), "Sign.In ", PASSWORD)  # names are case-blind
    assert found.outcome == "ok" and found.key is not None
    assert (found.key.user_id, found.key.role, found.key.region) == (user.id, "center", "26")
    assert found.key.label == SIGN_IN_LABEL
    wrong = people.sign_in(engine_of(api), "sign.in", PASSWORD + "!")
    assert (wrong.outcome, wrong.key, wrong.user_id) == ("unauthorised", None, user.id)
    nobody = people.sign_in(engine_of(api), "no.such.person", PASSWORD)
    assert (nobody.outcome, nobody.user_id) == ("unauthorised", None)


def test_five_wrong_passwords_lock_the_account_for_a_while(api: TestClient) -> None:
    user = _user(api, "lock.out")
    engine = engine_of(api)
    tries = [
        people.sign_in(engine, "lock.out", "wrong password!") for _ in range(people.LOCK_AFTER)
    ]
    assert [t.locked_now for t in tries] == [False] * (people.LOCK_AFTER - 1) + [True]
    locked = people.sign_in(engine, "lock.out", PASSWORD)
    assert locked.outcome == "locked" and locked.key is None
    assert people.LOCK_S - 5 < locked.wait_s <= people.LOCK_S
    with Session(engine) as session, session.begin():  # the 15 minutes have passed
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.execute(update(User).where(User.id == user.id).values(locked_until=past))
    assert people.sign_in(engine, "lock.out", PASSWORD).outcome == "ok"
    assert people.get_user(engine, "lock.out").failed_logins == 0


def test_a_good_sign_in_rehashes_a_password_kept_with_older_parameters(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user(api, "re.hash")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    assert people.sign_in(engine_of(api), "re.hash", PASSWORD).outcome == "ok"
    stored = people.get_user(engine_of(api), "re.hash").password_hash
    assert "m=16,t=2,p=1" in stored and not stronger.check_needs_rehash(stored)


def test_a_disabled_persons_keys_stop_at_once(api: TestClient) -> None:
    _user(api, "leaver")
    key, _ = people.create_user_key(engine_of(api), "leaver", "laptop")
    assert api.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key)).status_code == 200
    people.disable_user(engine_of(api), "leaver")
    assert api.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key)).status_code == 401
    assert people.sign_in(engine_of(api), "leaver", PASSWORD).outcome == "unauthorised"
    with pytest.raises(people.UserDisabled):
        people.create_user_key(engine_of(api), "leaver", "another")
    people.enable_user(engine_of(api), "leaver")  # back: a new sign-in key, old API keys stay off
    assert people.sign_in(engine_of(api), "leaver", PASSWORD).outcome == "ok"
    assert live_key(engine_of(api), key) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "Bad Name", "display_name": "x", "role": "analyst"}, "username"),
        ({"username": "no.region", "display_name": "x", "role": "center"}, "region"),
        (
            {"username": "unknown.00", "display_name": "x", "role": "center", "region": "00"},
            "region",
        ),
        (
            {"username": "hq.region", "display_name": "x", "role": "analyst", "region": "26"},
            "region",
        ),
        ({"username": "bad.role", "display_name": "x", "role": "owner"}, "role"),
        (
            {"username": "short.pw", "display_name": "x", "role": "analyst", "password": "short"},
            "password",
        ),
        ({"username": "  ", "display_name": "x", "role": "analyst"}, "username"),
    ],
)
def test_the_admin_api_refuses_a_bad_account_naming_the_field(
    api: TestClient, admin: dict[str, str], body: dict[str, str], field: str
) -> None:
    response = api.post("/v1/admin/users", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_the_admin_api_creates_an_account_and_shows_its_password_once(
    api: TestClient, admin: dict[str, str]
) -> None:
    body = {"username": "Park.Jihoon", "display_name": "박지훈", "role": "center", "region": "26"}
    created = api.post("/v1/admin/users", json={**body, "capacity": 12}, headers=admin)
    assert created.status_code == 201, created.text
    password = created.json()["password"]
    assert created.json()["username"] == "park.jihoon" and created.json()["capacity"] == 12
    assert people.sign_in(engine_of(api), "park.jihoon", password).outcome == "ok"
    listed = api.get("/v1/admin/users", headers=admin).json()
    assert "password" not in listed[0] and "password_hash" not in listed[0]
    again = api.post("/v1/admin/users", json=body, headers=admin)
    assert again.status_code == 422 and "taken" in again.text
    reset = api.post("/v1/admin/users/park.jihoon/reset", headers=admin).json()["password"]
    assert people.sign_in(engine_of(api), "park.jihoon", password).outcome == "unauthorised"
    assert people.sign_in(engine_of(api), "park.jihoon", reset).outcome == "ok"
    capacity = api.put(
        "/v1/admin/users/park.jihoon/capacity", json={"capacity": None}, headers=admin
    )
    assert capacity.json()["capacity"] is None
    assert api.post("/v1/admin/users/nobody/disable", headers=admin).status_code == 404


def test_only_admins_use_the_admin_api_and_refusals_are_audited(api: TestClient) -> None:
    centre = create_key(engine_of(api), "center", "26")
    for method, path in [("GET", "/v1/admin/users"), ("POST", "/v1/admin/keys/1/revoke")]:
        assert api.request(method, path, headers=auth(centre)).status_code == 403
    with Session(engine_of(api)) as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None and last.outcome == "forbidden" and last.role == "center"


def test_an_admin_revokes_and_rotates_keys(api: TestClient, admin: dict[str, str]) -> None:
    _user(api, "key.holder")
    issued = api.post(
        "/v1/admin/keys", json={"username": "key.holder", "label": "batch"}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    first = issued.json()
    assert (first["username"], first["role"], first["region"], first["label"]) == (
        "key.holder",
        "center",
        "26",
        "batch",
    )
    rotated = api.post(f"/v1/admin/keys/{first['id']}/rotate", headers=admin).json()
    assert rotated["username"] == "key.holder" and rotated["label"] == "batch"
    assert live_key(engine_of(api), first["key"]) is None
    score = api.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(rotated["key"]))
    assert score.status_code == 200
    revoked = api.post(f"/v1/admin/keys/{rotated['id']}/revoke", headers=admin)
    assert revoked.json()["revoked_at"] is not None
    assert (
        api.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(rotated["key"])).status_code
        == 401
    )
    assert api.post(f"/v1/admin/keys/{rotated['id']}/revoke", headers=admin).status_code == 404
    sign_in_key = next(k for k in list_keys(engine_of(api)) if k.label == SIGN_IN_LABEL)
    assert api.post(f"/v1/admin/keys/{sign_in_key.id}/rotate", headers=admin).status_code == 409
    shared = api.post("/v1/admin/keys", json={"role": "center", "region": "99"}, headers=admin)
    assert shared.status_code == 422 and shared.json()["detail"][0]["loc"] == ["body", "region"]


def test_audit_rows_name_the_person_and_the_admin_filters_them(
    api: TestClient, admin: dict[str, str]
) -> None:
    user = _user(api, "audited.one")
    key, _ = people.create_user_key(engine_of(api), "audited.one", "api")
    api.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key))
    api.post("/v1/scores", json={"firm_id": FIRM_11}, headers=auth(key))  # refused: 부산 only
    with Session(engine_of(api)) as session:
        mine = list(session.scalars(select(AuditEntry).where(AuditEntry.user_id == user.id)))
    assert [(row.outcome, row.region) for row in mine] == [("ok", "26"), ("forbidden", "26")]
    found = api.get("/v1/admin/audit?username=audited.one", headers=admin).json()
    assert [row["outcome"] for row in found] == ["forbidden", "ok"]  # newest first
    assert {row["display_name"] for row in found} == {"김민준"}
    by_firm = api.get(f"/v1/admin/audit?username=audited.one&firm_id={FIRM_11}", headers=admin)
    assert [row["firm_ids"] for row in by_firm.json()] == [[FIRM_11]]
    today = dt.datetime.now(dt.UTC).date()
    window = f"since={today}&until={today}&action=/v1/scores&outcome=ok"
    assert len(api.get(f"/v1/admin/audit?username=audited.one&{window}", headers=admin).json()) == 1
    tomorrow = today + dt.timedelta(days=1)
    assert (
        api.get(f"/v1/admin/audit?username=audited.one&since={tomorrow}", headers=admin).json()
        == []
    )
    assert api.get("/v1/admin/audit?username=nobody", headers=admin).json() == []
    for extra in ({"params": {"format": "csv"}}, {"headers": {"accept": "text/csv"}}):
        headers = {**admin, **extra.get("headers", {})}
        response = api.get(
            "/v1/admin/audit",
            params={"username": "audited.one", **extra.get("params", {})},
            headers=headers,
        )
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["username"], r["outcome"]) for r in rows] == [
            ("audited.one", "ok"),
            ("audited.one", "forbidden"),
        ]
    bad = api.get("/v1/admin/audit?since=2026-13-01", headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "since"]


def test_an_admin_cannot_revoke_the_key_or_disable_the_account_they_act_with(
    api: TestClient,
) -> None:
    people.create_user(engine_of(api), "only.admin", "구본석", "admin", None, None, PASSWORD)
    key, row = people.create_user_key(engine_of(api), "only.admin", "script")
    for path in (f"/v1/admin/keys/{row.id}/revoke", f"/v1/admin/keys/{row.id}/rotate"):
        refused = api.post(path, headers=auth(key))
        assert refused.status_code == 409 and "key of this request" in refused.text
    refused = api.post("/v1/admin/users/only.admin/disable", headers=auth(key))
    assert refused.status_code == 409 and "own account" in refused.text
    assert live_key(engine_of(api), key) is not None
    assert people.get_user(engine_of(api), "only.admin").disabled_at is None


def test_the_openapi_declares_the_admin_calls_and_the_csv(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    audit = paths["/v1/admin/audit"]["get"]["responses"]
    assert {"application/json", "text/csv"} <= set(audit["200"]["content"])
    for path in ("/v1/admin/users", "/v1/admin/keys/{key_id}/revoke"):
        for operation in paths[path].values():
            assert {"401", "403", "404", "409", "422", "429", "503"} <= set(operation["responses"])


def test_at_most_a_few_password_checks_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each argon2 check holds 64 MiB: a burst of sign-ins queues instead of taking the memory."""
    running, most = [0], [0]
    lock = threading.Lock()

    class Slow:
        def verify(self, stored: str, password: str) -> bool:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
            return True

        def check_needs_rehash(self, stored: str) -> bool:
            return False

    monkeypatch.setattr(passwords, "HASHER", Slow())
    threads = [threading.Thread(target=passwords.verify, args=("h", "p" * 12)) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == passwords.AT_ONCE
    assert not passwords.verify("h", "p" * (passwords.MAX_LENGTH + 1)).ok
