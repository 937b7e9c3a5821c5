"""The centres' monthly digest: `ews digest --month 2026-11 [--region 26]`.

Reads the month's monthly scores (`ews monthly score`), the open cases and their owners from the
service database, and writes per region `<digests>/<month>/<region>.csv` and `.html` and one
`<region>-<username>.csv` per case owner (docs/monthly.md); with `EWS_DIGEST_WEBHOOK_URL` set,
each region's digest is also posted there as JSON. A failed post is reported, and the digest
still stands (exit status 0).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, NoReturn

import pandas as pd
import typer

from core.contract import REGIONS
from core.settings import get_settings

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def register(app: typer.Typer) -> None:
    """Add `ews digest` to the `ews` app."""
    app.command("digest")(digest)


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def firm_names(raw_dir: Path, firm_ids: list[str]) -> dict[str, str]:
    """The stored names of these firms (the monthly file holds none), read for them only, from
    the raw folder or each of its partitions (``raw/part-*``); a firms table without a name
    column names nobody."""
    import pyarrow.parquet as pq

    from cli.batch import raw_partitions

    wanted = set(firm_ids)
    names: dict[str, str] = {}
    for folder in raw_partitions(raw_dir) if firm_ids else []:
        path = folder / "firms.parquet"
        if not path.exists() or "name" not in pq.ParquetFile(path).schema_arrow.names:
            continue
        firms = pd.read_parquet(path, columns=["firm_id", "name"])
        firms = firms[firms["firm_id"].astype(str).isin(wanted) & firms["name"].notna()]
        names.update(zip(firms["firm_id"].astype(str), firms["name"].astype(str), strict=True))
    return names


def digest(
    month: Annotated[
        str | None, typer.Option(help="Month YYYY-MM (default: the newest monthly scores).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="One 시도 code (default: every region with scores).")
    ] = None,
) -> None:
    """Write each centre's and each case owner's digest of watched firms that rose a grade,
    got a new arrears or delinquency event, or failed in the month; post it to the webhook."""
    from sqlalchemy.orm import Session

    from serving.domain import changes
    from serving.domain import digest as digests
    from serving.domain.region_codes import served_regions
    from serving.domain.region_settings import settings_or_built_in
    from serving.errors import UnknownFirm
    from serving.store.engine import make_engine
    from serving.store.schema import create_schema

    if month is not None and not _MONTH.match(month):
        _fail(f"--month must be YYYY-MM; got {month!r}")
    if region is not None and region not in REGIONS and region != "00":
        _fail(f"--region must be a 시도 code ({', '.join(REGIONS)}) or 00; got {region!r}")
    settings = get_settings()
    try:
        scores = changes.read_month(settings.data_dir, month)
    except UnknownFirm as error:
        _fail(str(error))
    present = set(served_regions(scores.rows["region"]))
    # "00" (firms without a region) has no centre: it gets a digest only when asked for.
    regions = [region] if region else [code for code in REGIONS if code in present]
    engine = make_engine(settings.db_url)
    create_schema(engine)
    config = settings_or_built_in(settings.config_dir)  # as the watch list: defaults on a bad file
    failures = 0
    for code in regions:
        with Session(engine) as session:
            cases = digests.open_cases(session, code)
        found = digests.build_digest(scores, code, cases, config.of(code).capacity)
        names = firm_names(settings.raw_dir, [str(f) for f in found.rows["firm_id"]])
        found.rows["name"] = [names.get(str(f)) for f in found.rows["firm_id"]]
        files = digests.write_digest(found, settings.digests_dir)
        owners = found.owners()
        typer.echo(
            f"{code}: {len(found.rows)} firms, {len(owners)} owners -> {files[0].parent} "
            f"({', '.join(p.name for p in files)})"
        )
        if settings.digest_webhook_url:
            body = digests.payload(found, files)
            sent = digests.post_webhook(
                settings.digest_webhook_url, body, settings.digest_webhook_timeout_s
            )
            if sent.ok:
                typer.echo(f"{code}: webhook posted (HTTP {sent.status})")
            else:
                failures += 1
                typer.secho(f"{code}: webhook failed: {sent.error}", fg=typer.colors.YELLOW)
    engine.dispose()
    if failures:
        typer.echo(f"note: {failures} webhook post(s) failed; the digest files are written")
