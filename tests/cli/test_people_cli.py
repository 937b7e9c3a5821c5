"""`ews users create|disable|enable|reset|list|seed-demo` and `ews keys create|list|revoke|rotate`
through typer's CliRunner, on a SQLite file."""

from __future__ import annotations

import csv
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from serving.access import passwords, people
from serving.access.keys import find_key, live_key
from serving.store.engine import make_engine
from serving.store.schema import create_schema

PASSWORD = "서울센터 password 11"


@pytest.fixture
def ews(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Engine]]:
    """The CLI on a fresh database, argon2 at its smallest (the flow is tested, not the cost)."""
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    url = f"sqlite:///{tmp_path / 'service.db'}"
    monkeypatch.setenv("EWS_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    create_schema(engine)
    yield CliRunner(), engine
    engine.dispose()
    get_settings.cache_clear()


def test_users_create_disable_enable_and_reset(ews: tuple[CliRunner, Engine]) -> None:
    runner, engine = ews
    made = runner.invoke(
        app,
        [
            *("users", "create", "--username", "kim.minjun", "--name", "김민준"),
            *("--role", "center", "--region", "11", "--capacity", "30", "--password-stdin"),
        ],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    assert PASSWORD not in made.output  # a given password is never echoed
    assert people.sign_in(engine, "kim.minjun", PASSWORD).outcome == "ok"
    generated = runner.invoke(
        app,
        ["users", "create", "--username", "cha.sunyoung", "--name", "차선영", "--role", "analyst"],
    )
    password = generated.output.strip().splitlines()[-1]
    assert people.sign_in(engine, "cha.sunyoung", password).outcome == "ok"

    assert runner.invoke(app, ["users", "disable", "kim.minjun"]).exit_code == 0
    assert people.sign_in(engine, "kim.minjun", PASSWORD).outcome == "unauthorised"
    listed = runner.invoke(app, ["users", "list"]).output
    assert "kim.minjun" in listed and "disabled" in listed and "30" in listed
    assert runner.invoke(app, ["users", "enable", "kim.minjun"]).exit_code == 0

    reset = runner.invoke(app, ["users", "reset", "kim.minjun"])
    assert reset.exit_code == 0, reset.output
    new_password = reset.output.strip().splitlines()[-1]
    assert people.sign_in(engine, "kim.minjun", PASSWORD).outcome == "unauthorised"
    assert people.sign_in(engine, "kim.minjun", new_password).outcome == "ok"


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--username", "x y", "--name", "n", "--role", "analyst"], "--username"),
        (["--username", "no.region", "--name", "n", "--role", "center"], "--region"),
        (
            ["--username", "region.00", "--name", "n", "--role", "center", "--region", "00"],
            "--region",
        ),
        (
            ["--username", "cap", "--name", "n", "--role", "analyst", "--capacity", "-1"],
            "--capacity",
        ),
    ],
)
def test_users_create_refuses_bad_input_naming_the_option(
    ews: tuple[CliRunner, Engine], arguments: list[str], says: str
) -> None:
    runner, _ = ews
    result = runner.invoke(app, ["users", "create", *arguments])
    assert result.exit_code == 2 and says in result.output


def test_a_short_password_from_stdin_is_refused(ews: tuple[CliRunner, Engine]) -> None:
    runner, engine = ews
    arguments = ["users", "create", "--username", "short", "--name", "n", "--role", "admin"]
    result = runner.invoke(app, [*arguments, "--password-stdin"], input="short\n")
    assert result.exit_code == 2 and "12 to 128" in result.output
    assert people.find_user(engine, "short") is None


def test_keys_create_for_a_person_then_rotate_and_revoke(ews: tuple[CliRunner, Engine]) -> None:
    runner, engine = ews
    people.create_user(engine, "park.jihoon", "박지훈", "center", "26", None, PASSWORD)
    made = runner.invoke(app, ["keys", "create", "--user", "park.jihoon", "--label", "batch"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    row = live_key(engine, key)
    assert row is not None and (row.role, row.region, row.label) == ("center", "26", "batch")
    listed = runner.invoke(app, ["keys", "list", "--user", "park.jihoon"]).output
    assert key[:8] in listed and "web sign-in" in listed

    rotated = runner.invoke(app, ["keys", "rotate", str(row.id)])
    assert rotated.exit_code == 0, rotated.output
    new_key = rotated.output.strip().splitlines()[-1]
    new_row = live_key(engine, new_key)
    assert live_key(engine, key) is None and new_row is not None
    assert (new_row.user_id, new_row.role, new_row.region, new_row.label) == (
        row.user_id,
        "center",
        "26",
        "batch",
    )
    assert runner.invoke(app, ["keys", "rotate", str(row.id)]).exit_code == 2  # already revoked
    assert runner.invoke(app, ["keys", "revoke", new_key[:8]]).exit_code == 0
    revoked = find_key(engine, new_key)
    assert revoked is not None and revoked.revoked_at is not None
    both = runner.invoke(app, ["keys", "create", "--user", "park.jihoon", "--role", "admin"])
    assert both.exit_code == 2


def test_shared_keys_are_still_issued_by_role(ews: tuple[CliRunner, Engine]) -> None:
    runner, engine = ews
    made = runner.invoke(app, ["keys", "create", "--role", "center", "--region", "26"])
    row = live_key(engine, made.output.strip().splitlines()[-1])
    assert row is not None and row.user_id is None and row.region == "26"
    assert runner.invoke(app, ["keys", "create", "--role", "center"]).exit_code == 2


def test_seed_demo_gives_every_centre_staff_once(
    ews: tuple[CliRunner, Engine], tmp_path: Path
) -> None:
    runner, engine = ews
    staff, keys = tmp_path / "demo-staff.txt", tmp_path / "demo-keys.txt"
    arguments = ["users", "seed-demo", "--staff-out", str(staff), "--keys-out", str(keys)]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    lines = staff.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 17 * 2 + 2 and stat.S_IMODE(staff.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    regions = {line.split()[0] for line in lines}
    assert len(regions - {"HQ"}) == 17
    region, _, username, _, role, password = lines[2].split()
    assert (region, role) == ("26", "center")
    assert people.sign_in(engine, username, password).outcome == "ok"
    centre = next(
        line for line in keys.read_text(encoding="utf-8").splitlines() if "center-26" in line
    )
    centre_key = live_key(engine, centre.split(" ")[2])  # as the README cuts it: field 3
    assert centre_key is not None and centre_key.region == "26" and centre_key.user_id is not None

    again = runner.invoke(app, arguments)
    assert again.exit_code == 0 and "0 added" in again.output and "0 issued" in again.output
    assert staff.read_text(encoding="utf-8").splitlines() == lines
    assert len(people.list_users(engine)) == 36


def test_audit_export_of_one_person_names_them(
    ews: tuple[CliRunner, Engine], tmp_path: Path
) -> None:
    from serving.store.records import audit_row, insert_rows

    runner, engine = ews
    people.create_user(engine, "lee.seoyeon", "이서연", "center", "11", None, PASSWORD)
    key = people.sign_in(engine, "lee.seoyeon", PASSWORD).key
    insert_rows(engine, [audit_row("GET /v1/firms/{firm_id}/visits", ["0012345678"], "ok", key)])
    insert_rows(engine, [audit_row("GET /v1/regions/{region}/summary", [], "ok", None)])
    out = tmp_path / "lee.csv"
    arguments = ["audit", "export", "--since", "2000-01-01", "--user", "lee.seoyeon"]
    result = runner.invoke(app, [*arguments, "--firm-id", "0012345678", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [(r["username"], r["display_name"], r["firm_ids"]) for r in rows] == [
        ("lee.seoyeon", "이서연", "0012345678")  # the id's leading zeros kept
    ]
    unknown = runner.invoke(app, ["audit", "export", "--since", "2000-01-01", "--user", "nobody"])
    assert unknown.exit_code == 2 and "--user" in unknown.output


def test_a_partner_account_needs_its_organisation(ews: tuple[CliRunner, Engine]) -> None:
    """A partner sees the referrals of its agency only, so the agency is named at creation."""
    runner, engine = ews
    base = ["users", "create", "--username", "kosme.lee", "--name", "이협력", "--role", "partner"]
    refused = runner.invoke(app, base)
    assert refused.exit_code == 2 and "--organisation" in refused.output
    made = runner.invoke(app, [*base, "--organisation", " 중진공 "])
    assert made.exit_code == 0, made.output
    user = people.find_user(engine, "kosme.lee")
    assert user is not None and user.organisation == "중진공"
