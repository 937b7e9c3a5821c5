"""Staff accounts and their keys: `ews users …` and `ews keys …`.

`ews users create|disable|enable|reset|list` manage named staff (a centre's, or HQ's analysts and
admins); a password comes from standard input (`--password-stdin`) or is generated and printed
once. `ews keys create|list|revoke|rotate` manage API keys, shared or a person's (`--user`).
`ews users seed-demo` gives the demo two named staff per centre for all 17 시도, an HQ analyst
and an admin, and the three API keys the README uses; run again, it adds only what is missing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from serving.store.tables import ApiKey

users_app = typer.Typer(help="Staff accounts: a centre's staff, HQ analysts and admins.")
keys_app = typer.Typer(help="API keys: shared, or a person's own (--user).")


def _engine() -> Engine:
    from core.settings import get_settings
    from serving.store.engine import make_engine
    from serving.store.schema import create_schema

    engine = make_engine(get_settings().db_url)
    create_schema(engine)
    return engine


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _stdin_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        _fail("--password-stdin: standard input held no password")
    return password


PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from standard input (else one is generated)."
    ),
]


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Sign-in name: a-z, 0-9, '.', '_', '-'.")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 김민준.")],
    role: Annotated[
        str, typer.Option(help="center, analyst, admin, partner, office or local_gov.")
    ],
    region: Annotated[
        str | None,
        typer.Option(help="시도 code for a centre's, office's or 지자체's staff; none for HQ."),
    ] = None,
    capacity: Annotated[
        int | None, typer.Option(help="Open cases they can carry (default: the centre's).")
    ] = None,
    organisation: Annotated[
        str | None, typer.Option(help="A partner's agency (e.g. 중진공): the referrals it sees.")
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a staff account; a generated password is printed once, alone on the last line."""
    from serving.access.people import InvalidUser, create_user

    given = _stdin_password() if password_stdin else None
    try:
        user, password = create_user(
            _engine(), username, name, role, region, capacity, given, organisation
        )
    except InvalidUser as error:
        _fail(f"--{error.field.replace('_', '-')}: {error}")
    where = f" for region {user.region}" if user.region else ""
    typer.echo(f"created {user.role} {user.username} ({user.display_name}){where}")
    if given is None:
        typer.echo(password)


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="The account's username.")]) -> None:
    """Disable an account: its keys are revoked and its sessions ended at once."""
    from serving.access.people import UnknownUser, disable_user

    try:
        disable_user(_engine(), username)
    except UnknownUser as error:
        _fail(str(error))
    typer.echo(f"disabled {username}: its keys and sessions stopped")


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="The account's username.")]) -> None:
    """Let a disabled account sign in again (its old API keys stay revoked)."""
    from serving.access.people import UnknownUser, enable_user

    try:
        enable_user(_engine(), username)
    except UnknownUser as error:
        _fail(str(error))
    typer.echo(f"enabled {username}")


@users_app.command("reset")
def users_reset(
    username: Annotated[str, typer.Argument(help="The account's username.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password (a generated one is printed once, on the last line), clear the
    lock-out and end the account's open sessions."""
    from serving.access.people import InvalidUser, UnknownUser, reset_password

    given = _stdin_password() if password_stdin else None
    try:
        password = reset_password(_engine(), username, given)
    except (InvalidUser, UnknownUser) as error:
        _fail(str(error))
    typer.echo(f"reset the password of {username}; its open sessions ended")
    if given is None:
        typer.echo(password)


@users_app.command("list")
def users_list() -> None:
    """Every account: username, name, role, region, capacity, status (never a password)."""
    import datetime as dt

    from serving.access.people import list_users

    now = dt.datetime.now(dt.UTC)
    typer.echo(f"{'username':<20} {'role':<8} {'region':<6} {'capacity':>8}  {'status':<8}  name")
    for user in list_users(_engine()):
        status = "active"
        if user.disabled_at is not None:
            status = "disabled"
        elif user.locked_until is not None and user.locked_until > now:
            status = "locked"
        capacity = "-" if user.capacity is None else str(user.capacity)
        typer.echo(
            f"{user.username:<20} {user.role:<8} {user.region or '-':<6} {capacity:>8}  "
            f"{status:<8}  {user.display_name}"
        )


# Two named staff per centre, in the order of core.contract.REGIONS, then HQ's analyst and admin.
DEMO_NAMES: Final = (
    *("kim.minjun 김민준", "lee.seoyeon 이서연", "park.jihoon 박지훈", "choi.subin 최수빈"),
    *("jung.hajun 정하준", "kang.jiwoo 강지우", "cho.hyunwoo 조현우", "yoon.seoyun 윤서윤"),
    *("jang.doyun 장도윤", "lim.haeun 임하은", "han.jiho 한지호", "oh.yerin 오예린"),
    *("seo.junseo 서준서", "shin.chaewon 신채원", "kwon.siwoo 권시우", "hwang.daeun 황다은"),
    *("ahn.woojin 안우진", "song.jia 송지아", "ryu.geonwoo 류건우", "jeon.sua 전수아"),
    *("hong.seungmin 홍승민", "ko.yuna 고유나", "moon.taeyun 문태윤", "yang.soyul 양소율"),
    *("son.minjae 손민재", "bae.nayeon 배나연", "baek.junhyuk 백준혁", "heo.gaeun 허가은"),
    *("nam.jisung 남지성", "shim.yerim 심예림", "noh.hyunjun 노현준", "ha.jimin 하지민"),
    *("kwak.donghyun 곽동현", "sung.minseo 성민서", "cha.sunyoung 차선영", "koo.bonseok 구본석"),
)
DEMO_CAPACITY: Final = 25  # open cases each demo staff member carries
# The keys the README and the benchmarks read from models/demo-keys.txt, and whose they are.
DEMO_KEYS: Final = {
    "analyst": "cha.sunyoung",
    "center-26 (부산)": "park.jihoon",
    "admin": "koo.bonseok",
}


def demo_staff() -> list[tuple[str, str, str, str | None]]:
    """(username, name, role, region) of every demo account."""
    from core.contract import REGIONS

    regions = [code for code in REGIONS for _ in range(2)]
    people = [name.split(" ") for name in DEMO_NAMES]
    staff: list[tuple[str, str, str, str | None]] = [
        (username, name, "center", region)
        for (username, name), region in zip(people, regions, strict=False)
    ]
    (analyst, analyst_name), (admin, admin_name) = people[-2:]
    return [*staff, (analyst, analyst_name, "analyst", None), (admin, admin_name, "admin", None)]


def _read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _write_private(path: Path, lines: list[str]) -> None:
    """Write a file only its owner reads (passwords and keys), whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write("".join(f"{line}\n" for line in lines))
    path.chmod(0o600)


@users_app.command("seed-demo")
def seed_demo(
    staff_out: Annotated[
        Path, typer.Option(help="Where the demo staff's passwords are kept (mode 600).")
    ] = Path("models/demo-staff.txt"),
    keys_out: Annotated[
        Path, typer.Option(help="Where the README's three API keys are kept (mode 600).")
    ] = Path("models/demo-keys.txt"),
) -> None:
    """Demo staff for all 17 시도 (two each), an HQ analyst and an admin, with generated
    passwords, and the analyst, 부산 centre and admin API keys; only what is missing is added."""
    from core.contract import REGIONS
    from serving.access.people import create_user, find_user

    engine = _engine()
    kept = {line.split()[2]: line for line in _read_lines(staff_out) if len(line.split()) >= 5}
    lines, added = [], 0
    for username, name, role, region in demo_staff():
        where = f"{region} {REGIONS[region]}" if region else "HQ -"
        if find_user(engine, username) is None:
            capacity = DEMO_CAPACITY if region else None
            _, password = create_user(engine, username, name, role, region, capacity)
            lines.append(f"{where} {username} {name} {role} {password}")
            added += 1
        else:
            lines.append(kept.get(username, f"{where} {username} {name} {role} (earlier)"))
    _write_private(staff_out, lines)
    keys = _demo_keys(engine, keys_out)
    typer.echo(
        f"demo staff: {added} added, {len(lines) - added} already there ({staff_out}); "
        f"demo keys: {keys} issued ({keys_out})"
    )


def _demo_keys(engine: Engine, path: Path) -> int:
    """Keep the file's keys that are still live; issue the missing ones. Returns how many."""
    from serving.access.keys import live_key
    from serving.access.people import create_user_key as issue

    found = dict(line.rsplit(": ", 1) for line in _read_lines(path) if ": " in line)
    lines, issued = [], 0
    for name, username in DEMO_KEYS.items():
        key = found.get(name)
        if key is None or live_key(engine, key) is None:
            key = issue(engine, username, "demo")[0]
            issued += 1
        lines.append(f"{name}: {key}")
    _write_private(path, lines)
    return issued


@keys_app.command("create")
def keys_create(
    role: Annotated[
        str | None, typer.Option(help="center, analyst or admin (not with --user).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="시도 code, required for center keys (e.g. 26).")
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="A person's username: the key takes their role and region.")
    ] = None,
    label: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
) -> None:
    """Create an API key; the key is printed once, alone on the last line."""
    from serving.access.keys import create_key
    from serving.access.people import InvalidUser, UnknownUser, UserDisabled, create_user_key

    engine = _engine()
    if user is not None:
        if role is not None or region is not None:
            _fail("--user takes the person's role and region; leave out --role and --region")
        try:
            key, row = create_user_key(engine, user, label or "api")
        except (InvalidUser, UnknownUser, UserDisabled) as error:
            _fail(str(error))
        where = f" for region {row.region}" if row.region else ""
        typer.echo(f"created a {row.role} key{where} for {user}")
        typer.echo(key)
        return
    if role is None:
        _fail("give --role (center, analyst or admin) or --user")
    try:
        key = create_key(engine, role, region, label=label)
    except ValueError as error:
        _fail(str(error))
    typer.echo(f"created a {role} key" + (f" for region {region}" if region else ""))
    typer.echo(key)


@keys_app.command("list")
def keys_list(
    user: Annotated[str | None, typer.Option(help="Only this person's keys.")] = None,
) -> None:
    """Every key: id, role, region, prefix, person, label, created, revoked (never the key)."""
    from serving.access.keys import list_keys
    from serving.access.people import find_user, people_by_id

    engine = _engine()
    owner = find_user(engine, user) if user else None
    if user and owner is None:
        _fail(f"no user named {user!r}")
    names = {i: person.username for i, person in people_by_id(engine).items()}
    typer.echo(
        f"{'id':>5}  {'role':<8} {'region':<6} {'prefix':<8}  {'person':<16} {'label':<12} "
        f"{'created':<19}  revoked"
    )
    for key in list_keys(engine, user_id=owner.id if owner else None):
        created = key.created_at.strftime("%Y-%m-%d %H:%M:%S")
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if key.revoked_at else "-"
        person = names.get(key.user_id, "-") if key.user_id is not None else "-"
        typer.echo(
            f"{key.id:>5}  {key.role:<8} {key.region or '-':<6} {key.prefix:<8}  {person:<16} "
            f"{key.label or '-':<12} {created}  {revoked}"
        )


def _one_key(engine: Engine, key: str) -> ApiKey:
    from serving.access.keys import list_keys

    found = list_keys(engine, key)
    if not found:
        _fail(f"no key has id or prefix {key!r}")
    if len(found) > 1:
        ids = ", ".join(str(k.id) for k in found)
        _fail(f"{key!r} matches keys {ids}; give one key's id")
    return found[0]


KeyArgument = Annotated[str, typer.Argument(help="The key's id or prefix (from `ews keys list`).")]


@keys_app.command("revoke")
def keys_revoke(key: KeyArgument) -> None:
    """Revoke one key; its next request gets 401. An ambiguous prefix revokes nothing."""
    from serving.access.keys import revoke_key_id

    engine = _engine()
    row = _one_key(engine, key)
    if not revoke_key_id(engine, row.id):
        _fail(f"key {row.id} ({row.prefix}) was already revoked")
    typer.echo(f"revoked key {row.id} ({row.prefix}, {row.role})")


@keys_app.command("rotate")
def keys_rotate(key: KeyArgument) -> None:
    """Revoke a key and issue one for the same role, region, person and label; the new key
    is printed once, alone on the last line."""
    from serving.access.keys import NotRotatable, rotate_key

    engine = _engine()
    row = _one_key(engine, key)
    try:
        rotated = rotate_key(engine, row.id)
    except NotRotatable as error:
        _fail(str(error))
    if rotated is None:
        _fail(f"key {row.id} ({row.prefix}) was already revoked")
    plain, issued = rotated
    typer.echo(f"revoked key {row.id} ({row.prefix}); issued key {issued.id} ({issued.prefix})")
    typer.echo(plain)


def register(app: typer.Typer) -> None:
    """Add `ews users …` and `ews keys …` to the `ews` app."""
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
