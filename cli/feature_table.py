"""A feature table on disk: the Parquet file and its manifest beside it (rows, digest, label
rules, as-of span), written the same way by `ews features` and `ews monthly features` and read
back by training to check the file it trains on."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd


def write_feature_table(
    table: pd.DataFrame,
    path: Path,
    rules: tuple[str, ...] | list[str],
    horizon_months: int,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``table`` to ``path`` and its manifest to ``path`` with ``.json``; return it.
    ``extra`` (the monthly table's frequency and years) follows the digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(path, index=False)
    manifest = {
        "rows": len(table),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        **(extra or {}),
        "label_rules": list(rules),
        "horizon_months": horizon_months,
        "as_of_min": str(table["as_of"].min().date()),
        "as_of_max": str(table["as_of"].max().date()),
    }
    path.with_suffix(".json").write_text(json.dumps(manifest, indent=2))
    return manifest
