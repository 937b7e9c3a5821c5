"""`ews brief --region 26`: the regional brief (위기예방계획 초안) as a workbook and a PDF.

It reads what ``ews serve`` reads (the raw tables and the champion from the registry), builds
the same brief as ``GET /v1/regions/{region}/brief`` and writes ``brief-<region>-<as-of>.xlsx``
and, where Chromium is installed, ``.pdf`` (docs/brief.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from core.settings import Settings
    from serving.domain.state import Champion, Snapshot


def served(settings: Settings) -> tuple[Snapshot, Champion]:
    """The stored tables at their latest as-of date and the champion, as the service holds
    them."""
    from core.bundle import fetch_registered
    from features.tables import read_tables
    from serving.domain.state import load_snapshot, serve

    key = settings.model_signing_key.get_secret_value() or None
    version, model = fetch_registered(
        settings.tracking_uri, settings.model_name, settings.model_alias, key
    )
    snapshot = load_snapshot(read_tables(settings.raw_dir), settings.stale_after_months)
    return snapshot, serve(snapshot, settings.model_name, settings.model_alias, version, model)


def write_brief(
    settings: Settings,
    region: str,
    as_of: dt.date | None,
    out: Path,
    lang: str = "ko",
) -> list[str]:
    """Write the workbook and, with Chromium, the PDF; returns a line per file or skip."""
    from serving.domain import brief_files
    from serving.domain.briefs import BriefQuery, brief

    snapshot, champion = served(settings)
    found = brief(snapshot, champion, BriefQuery(region, as_of), settings.config_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = brief_files.file_stem(found)
    workbook = out / f"{stem}.xlsx"
    workbook.write_bytes(brief_files.workbook(found))
    lines = [f"wrote {workbook} ({len(found.tables)} tables, as of {found.as_of})"]
    try:
        content = brief_files.pdf(brief_files.document_html(found, lang))
    except brief_files.PdfUnavailable as error:
        lines.append(f"skipped the PDF: {error}")
    else:
        document = out / f"{stem}.pdf"
        document.write_bytes(content)
        lines.append(f"wrote {document}")
    lines += [f"left out: {o.title_en}: {o.reason_en}" for o in found.omitted]
    return lines


def brief_command(
    region: Annotated[str, typer.Option(help="시도 code, e.g. 26 (부산); 00 for 지역 미상.")],
    as_of: Annotated[
        str | None, typer.Option(help="A stored as-of date YYYY-MM-DD (default: latest).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("briefs"),
    lang: Annotated[str, typer.Option(help="Language of the PDF: ko or en.")] = "ko",
) -> None:
    """The regional brief (위기예방계획 초안): an Excel workbook and, with Chromium, a PDF."""
    from core.settings import get_settings
    from serving.access.policy import known_region
    from serving.errors import InvalidSubmission

    if not known_region(region):
        raise typer.BadParameter("must be a 시도 code (11, 26, …) or 00", param_hint="--region")
    if lang not in ("ko", "en"):
        raise typer.BadParameter("must be ko or en", param_hint="--lang")
    try:
        when = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--as-of") from error
    try:
        lines = write_brief(get_settings(), region, when, out, lang)
    except InvalidSubmission as error:
        raise typer.BadParameter(error.message, param_hint="--as-of") from error
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add `ews brief` to the `ews` app."""
    app.command("brief")(brief_command)
