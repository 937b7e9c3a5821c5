"""`ews audit export`: the audit log written out for an inspector (CSV or JSON Lines, with the
person behind each row and the hash chain's columns), all of it or one person's, firm's or
action's; `ews audit verify`: the chain checked, the first broken row named."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

audit_app = typer.Typer(help="The audit log: who read or scored what, when, with which model.")


@audit_app.command("export")
def export(
    since: Annotated[str, typer.Option(help="First day to include, YYYY-MM-DD (UTC).")],
    until: Annotated[
        str | None, typer.Option(help="First day not to include, YYYY-MM-DD (default: none).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output file (.csv or .jsonl); default: standard output.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from --out, else csv).")
    ] = None,
    user: Annotated[str | None, typer.Option(help="Only this person's rows (username).")] = None,
    firm_id: Annotated[str | None, typer.Option(help="Only rows about this firm.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only rows whose endpoint contains this, e.g. /visits.")
    ] = None,
) -> None:
    """Write every audit entry from --since on, oldest first; the count goes to stderr."""
    import datetime as dt
    import sys

    from core.settings import get_settings
    from serving.access.audit import AuditQuery, audit_rows, format_for, write_audit
    from serving.access.people import find_user
    from serving.store.engine import make_engine
    from serving.store.schema import create_schema

    try:
        start = dt.datetime.combine(date.fromisoformat(since), dt.time(), dt.UTC)
        end = dt.datetime.combine(date.fromisoformat(until), dt.time(), dt.UTC) if until else None
        kind = format_for(out, fmt)
        if kind not in ("csv", "jsonl"):
            raise ValueError(f"--format must be csv or jsonl; got {kind!r}")
    except ValueError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from error
    engine = make_engine(get_settings().db_url)
    create_schema(engine)
    person = find_user(engine, user) if user else None
    if user and person is None:
        typer.secho(f"error: --user: no user named {user!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    where = AuditQuery(user_id=person.id if person else None, firm_id=firm_id, action=action)
    rows = audit_rows(engine, start, end, where)
    if out is None:
        count = write_audit(rows, sys.stdout, kind)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as stream:
            count = write_audit(rows, stream, kind)
    typer.echo(
        f"exported {count:,} audit entries since {since}" + (f" to {out}" if out else ""), err=True
    )


@audit_app.command("verify")
def verify() -> None:
    """Check the audit log's hash chain; name the first broken row and exit 1 if there is one."""
    from core.settings import get_settings
    from serving.access.audit import verify_chain
    from serving.store.engine import make_engine
    from serving.store.schema import create_schema

    engine = make_engine(get_settings().db_url)
    create_schema(engine)
    report = verify_chain(engine)
    if not report.intact:
        typer.secho(report.describe(), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo(report.describe())


def register(app: typer.Typer) -> None:
    """Add `ews audit …` to the `ews` app."""
    app.add_typer(audit_app, name="audit")
