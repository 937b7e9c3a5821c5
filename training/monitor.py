"""Drift monitoring: the latest as-of feature rows against the champion's training reference.

Effect sizes, not p-values: with tens of thousands of firms every shift is "significant", so we
judge how large it is. The population stability index over the reference's decile bins (plus a
bin for missing values), PSI = Σ (current − reference) · ln(current / reference), reads

- PSI < 0.10: stable;  0.10 ≤ PSI < 0.25: moderate (look at it);  PSI ≥ 0.25: major (act).

Missing-value shares are compared with Cohen's h = |2·asin√p₁ − 2·asin√p₀|: below 0.2 stable,
0.2–0.5 moderate, 0.5 and above major. PSI has a sampling floor of about (bins − 1)·(1/n + 1/N),
so regions with fewer than ``MIN_REGION_ROWS`` current firms are listed but not judged.

The reference (bin edges and shares of every feature and of the PD, overall and per 시도) is
built from the training years when a model is trained and logged on its MLflow run as
``reference/reference.json``; ``ews monitor`` reads it back, or rebuilds it from the feature
table's training years for a model that predates it. The report is ``core.contract.drift``'s
``DriftReport``, the model the service reads it back with.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from pydantic import BaseModel

from core.bundle import LoadedModel, fetch_registered
from core.contract import REGIONS
from core.contract.drift import (
    DriftReport,
    FeatureDrift,
    GradeChanges,
    GradeShare,
    ModelRef,
    ReferenceSummary,
    RegionDrift,
    ScoreDrift,
    Thresholds,
    TopFeature,
)
from core.settings import Settings
from features.catalog import BY_NAME
from training import registry

REFERENCE_PATH = "reference"
REFERENCE_FILE = "reference.json"
LATEST_FILE = "latest.json"
PSI_MODERATE = 0.10
PSI_MAJOR = 0.25
H_MODERATE = 0.2
H_MAJOR = 0.5
N_BINS = 10
MIN_REGION_ROWS = 200
_FLOOR = 1e-4  # share given to an empty bin so that the logarithm stays finite
LEVELS = ("stable", "moderate", "major")
# Regional and industry conditions take one value per 시도 (or industry) and year, so their PSI
# against several training years is large by construction: reported, counted apart.
ENVIRONMENT = "environment"


class MonitoringError(ValueError):
    """The feature table or the reference cannot support a drift report."""


def psi_level(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return LEVELS[int(value >= PSI_MODERATE) + int(value >= PSI_MAJOR)]


def missing_level(h: float) -> str:
    return LEVELS[int(h >= H_MODERATE) + int(h >= H_MAJOR)]


def bin_edges(values: np.ndarray, bins: int = N_BINS) -> np.ndarray:
    """Inner quantile cut-points of the known values; ties collapse bins."""
    known = values[np.isfinite(values)]
    if not len(known):
        return np.array([])
    return np.unique(np.quantile(known, np.linspace(0, 1, bins + 1)[1:-1]))


def shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of rows in each bin (``len(edges) + 1`` of them) and, last, the missing share."""
    values = np.asarray(values, dtype="float64")
    known = np.isfinite(values)
    index = np.where(known, np.searchsorted(edges, values, side="right"), len(edges) + 1)
    counts = np.bincount(index, minlength=len(edges) + 2)
    return counts / max(len(values), 1)


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    expected = np.maximum(np.asarray(reference, dtype="float64"), _FLOOR)
    actual = np.maximum(np.asarray(current, dtype="float64"), _FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def cohens_h(p0: float, p1: float) -> float:
    return abs(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0)))


def _profile(columns: dict[str, np.ndarray], edges: dict[str, np.ndarray]) -> dict[str, list]:
    return {
        name: np.round(shares(values, edges[name]), 6).tolist() for name, values in columns.items()
    }


def build_reference(rows: pd.DataFrame, model: LoadedModel, bins: int = N_BINS) -> dict[str, Any]:
    """Bin edges and shares of every model feature and of the PD on the training rows."""
    columns = {name: rows[name].to_numpy(dtype="float64") for name in model.bundle.feature_names}
    columns["pd"] = model.predict_pd(rows)
    edges = {name: bin_edges(values, bins) for name, values in columns.items()}
    region = rows["region"].astype(str).to_numpy()
    grades = pd.Series([model.bundle.grade_table.grade(p) for p in columns["pd"]])
    return {
        "format": 1,
        "rows": len(rows),
        "as_of_min": str(rows["as_of"].min().date()),
        "as_of_max": str(rows["as_of"].max().date()),
        "bins": bins,
        "edges": {name: e.tolist() for name, e in edges.items()},
        "shares": _profile(columns, edges),
        "grades": grades.value_counts(normalize=True).round(6).to_dict(),
        "regions": {
            code: {
                "rows": int((region == code).sum()),
                "shares": _profile({n: v[region == code] for n, v in columns.items()}, edges),
            }
            for code in sorted(set(region))
        },
    }


def write_reference(reference: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REFERENCE_FILE
    path.write_text(json.dumps(reference, ensure_ascii=False), encoding="utf-8")
    return path


def _rows_at(features: pd.DataFrame, as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, ...]:
    """(current rows, previous as-of rows) of the feature table."""
    dates = sorted(features["as_of"].unique())
    if not dates:
        raise MonitoringError("the feature table has no rows")
    when = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(dates[-1])
    if when not in set(pd.to_datetime(dates)):
        raise MonitoringError(f"as_of {when.date()} is not an as-of date of the feature table")
    earlier = [d for d in pd.to_datetime(dates) if d < when]
    current = features[features["as_of"] == when]
    previous = features[features["as_of"] == earlier[-1]] if earlier else features.iloc[:0]
    return current, previous


def _feature_drift(
    current: dict[str, np.ndarray], reference: dict[str, Any], names: tuple[str, ...]
) -> list[FeatureDrift]:
    rows = []
    for name in names:
        expected = np.asarray(reference["shares"][name])
        actual = shares(current[name], np.asarray(reference["edges"][name]))
        value = psi(expected, actual)
        h = cohens_h(float(expected[-1]), float(actual[-1]))
        rows.append(
            FeatureDrift(
                feature=name,
                family=BY_NAME[name].family if name in BY_NAME else "unknown",
                psi=value,
                level=psi_level(value),
                missing_reference=float(expected[-1]),
                missing_current=float(actual[-1]),
                missing_h=h,
                missing_level=missing_level(h),
            )
        )
    return sorted(rows, key=lambda r: -r.psi)


def _levels(rows: Iterable[FeatureDrift]) -> dict[str, int]:
    counts = dict.fromkeys(LEVELS, 0)
    for row in rows:
        counts[row.level] = counts.get(row.level, 0) + 1
    return counts


def _region_drift(
    current: pd.DataFrame,
    columns: dict[str, np.ndarray],
    reference: dict[str, Any],
    changed: np.ndarray,
) -> list[RegionDrift]:
    region = current["region"].astype(str).to_numpy()
    out = []
    for code in sorted(set(region)):
        mine = region == code
        ref = reference["regions"].get(code)
        n, n_ref = int(mine.sum()), int(ref["rows"]) if ref else 0
        row: dict[str, Any] = {
            "region": code,
            "name": REGIONS.get(code, code),
            "rows": n,
            "reference_rows": n_ref,
            "grade_changed_share": _share(changed[mine]),
        }
        if ref is None or n == 0:
            out.append(RegionDrift(**row, score_psi=None, level="n/a", top_features=[]))
            continue
        edges = reference["edges"]
        by_feature = {
            name: psi(ref["shares"][name], shares(values[mine], np.asarray(edges[name])))
            for name, values in columns.items()
        }
        score = by_feature.pop("pd")
        judged = n >= MIN_REGION_ROWS
        top = sorted(by_feature.items(), key=lambda kv: -kv[1])[:3]
        out.append(
            RegionDrift(
                **row,
                score_psi=score,
                level=psi_level(score) if judged else "too few rows",
                psi_noise_floor=(reference["bins"] - 1) * (1 / n + 1 / max(n_ref, 1)),
                top_features=[TopFeature(feature=f, psi=v) for f, v in top],
            )
        )
    return out


def _share(changed: np.ndarray) -> float | None:
    known = changed[np.isfinite(changed)]
    return float(known.mean()) if len(known) else None


def _grade_changes(
    model: LoadedModel, current: pd.DataFrame, previous: pd.DataFrame, grades_now: list[str]
) -> tuple[GradeChanges, np.ndarray]:
    """Share of firms (scored at both dates) whose grade moved, the moves, and per current row
    1.0 / 0.0 for changed / unchanged (NaN for firms not scored at the previous date)."""
    table = model.bundle.grade_table
    if previous.empty:
        return GradeChanges(firms_compared=0), np.full(len(current), np.nan)
    rank = {g: i for i, g in enumerate(table.grades)}
    now = pd.Series(grades_now, index=current["firm_id"].astype(str).to_numpy())
    before = pd.Series(
        [table.grade(p) for p in model.predict_pd(previous)],
        index=previous["firm_id"].astype(str).to_numpy(),
    )
    aligned = before.reindex(now.index)
    known = aligned.notna().to_numpy()
    step = now[known].map(rank).to_numpy() - aligned[known].map(rank).to_numpy()
    moves = pd.crosstab(aligned[known].to_numpy(), now[known].to_numpy())
    compared = int(known.sum())
    summary = GradeChanges(
        previous_as_of=previous["as_of"].iloc[0].date(),
        firms_compared=compared,
        changed_share=float((step != 0).mean()) if compared else None,
        worse_share=float((step > 0).mean()) if compared else None,
        better_share=float((step < 0).mean()) if compared else None,
        transitions={
            str(a): {str(b): int(c) for b, c in row.items() if c} for a, row in moves.iterrows()
        },
    )
    changed = np.where(known, (now.to_numpy() != aligned.to_numpy()).astype(float), np.nan)
    return summary, changed


def drift_report(
    features: pd.DataFrame,
    model: LoadedModel,
    reference: dict[str, Any],
    as_of: pd.Timestamp | None = None,
    about: ModelRef | None = None,
) -> DriftReport:
    """The drift report: PSI of the PD and of each feature, overall and by 시도, missing-value
    shifts and grade moves since the previous as-of date."""
    current, previous = _rows_at(features, as_of)
    names = model.bundle.feature_names
    missing = [n for n in (*names, "pd") if n not in reference.get("shares", {})]
    if missing:
        raise MonitoringError(f"reference lacks {', '.join(missing[:5])}; retrain or rebuild it")
    columns = {name: current[name].to_numpy(dtype="float64") for name in names}
    columns["pd"] = model.predict_pd(current)
    table = model.bundle.grade_table
    grades_now = [table.grade(p) for p in columns["pd"]]
    score_psi = psi(
        reference["shares"]["pd"], shares(columns["pd"], np.asarray(reference["edges"]["pd"]))
    )
    changes, changed = _grade_changes(model, current, previous, grades_now)
    feature_rows = _feature_drift(columns, reference, names)
    now_shares = pd.Series(grades_now).value_counts(normalize=True)
    return DriftReport(
        created_at=datetime.now(UTC).replace(microsecond=0),
        as_of=current["as_of"].iloc[0].date(),
        rows=len(current),
        model=about or ModelRef(),
        reference=ReferenceSummary(
            rows=reference["rows"],
            as_of_min=reference["as_of_min"],
            as_of_max=reference["as_of_max"],
            bins=reference["bins"],
            source=reference.get("source", "artifact"),
        ),
        thresholds=Thresholds(
            psi_moderate=PSI_MODERATE,
            psi_major=PSI_MAJOR,
            missing_h_moderate=H_MODERATE,
            missing_h_major=H_MAJOR,
            min_region_rows=MIN_REGION_ROWS,
        ),
        status=psi_level(score_psi),
        score=ScoreDrift(
            psi=score_psi,
            level=psi_level(score_psi),
            mean_pd=float(np.mean(columns["pd"])),
            grades=[
                GradeShare(
                    grade=g,
                    reference=float(reference["grades"].get(g, 0.0)),
                    current=float(now_shares.get(g, 0.0)),
                )
                for g in table.grades
            ],
        ),
        features=feature_rows,
        feature_levels=_levels(r for r in feature_rows if r.family != ENVIRONMENT),
        environment_levels=_levels(r for r in feature_rows if r.family == ENVIRONMENT),
        regions=_region_drift(current, columns, reference, changed),
        grade_changes=changes,
    )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if np.isfinite(value) else "n/a"
    return "n/a" if value is None else str(value)


def _table(rows: Sequence[BaseModel], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(getattr(r, c)) for c in columns) + " |" for r in rows]
    return lines


def to_markdown(report: DriftReport) -> str:
    score, changes = report.score, report.grade_changes
    model, ref = report.model, report.reference
    moving = [r for r in report.features if r.level != "stable"]
    missing = [r for r in report.features if r.missing_level != "stable"]
    created = report.created_at.isoformat(timespec="seconds")
    lines = [
        f"# Drift report — as of {report.as_of}",
        "",
        f"Model {model.name or '?'} v{model.version or '?'}; reference: "
        f"{ref.rows:,} training rows {ref.as_of_min} … {ref.as_of_max} ({ref.source}); "
        f"current: {report.rows:,} firms. Created {created}.",
        "",
        f"**Status: {report.status}** — score PSI {score.psi:.3f} ({score.level}); "
        f"firm features stable/moderate/major: {report.feature_levels}; regional and industry "
        f"conditions: {report.environment_levels} (these move every year by construction).",
        "",
        "PSI < 0.10 stable, 0.10–0.25 moderate, ≥ 0.25 major; missing shares by Cohen's h "
        "(< 0.2 stable, 0.2–0.5 moderate, ≥ 0.5 major).",
        "",
        "## Grades (share of firms)",
        "",
        *_table(score.grades, ["grade", "reference", "current"]),
        "",
        "## Features that moved (PSI ≥ 0.10)",
        "",
        *_table(moving, ["feature", "psi", "level", "missing_reference", "missing_current"]),
        "",
        "## Missing-value shifts (h ≥ 0.2)",
        "",
        *_table(
            missing,
            ["feature", "missing_reference", "missing_current", "missing_h", "missing_level"],
        ),
        "",
        "## By region",
        "",
        *_table(
            report.regions,
            [
                "name",
                "region",
                "rows",
                "score_psi",
                "level",
                "psi_noise_floor",
                "grade_changed_share",
            ],
        ),
        "",
        "## Grade changes since the previous as-of date",
        "",
        f"Firms scored at both dates: {changes.firms_compared:,}; changed "
        f"{_cell(changes.changed_share)}, worse {_cell(changes.worse_share)}, "
        f"better {_cell(changes.better_share)} (previous as-of "
        f"{_cell(changes.previous_as_of)}).",
    ]
    return "\n".join(lines) + "\n"


def write_report(report: DriftReport, folder: Path) -> Path:
    """Write the dated JSON and Markdown, then swap ``latest.json`` in one atomic rename."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.document(), ensure_ascii=False, indent=1)
    created = report.created_at.isoformat(timespec="seconds")
    stem = f"drift-{report.as_of}-{created.replace(':', '').replace('-', '')}"
    (folder / f"{stem}.json").write_text(text, encoding="utf-8")
    (folder / f"{stem}.md").write_text(to_markdown(report), encoding="utf-8")
    (folder / "latest.md").write_text(to_markdown(report), encoding="utf-8")
    temporary = folder / f".{LATEST_FILE}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, folder / LATEST_FILE)
    return folder / LATEST_FILE


def monitoring_dir(settings: Settings) -> Path:
    """Where ``ews monitor`` writes and the service reads: ``<models_dir>/monitoring``."""
    return settings.models_dir / "monitoring"


def load_reference(run_id: str) -> dict[str, Any] | None:
    """The reference logged on a training run, or None for a run that predates it."""
    try:
        with tempfile.TemporaryDirectory(prefix="ews-reference-") as folder:
            local = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=f"{REFERENCE_PATH}/{REFERENCE_FILE}", dst_path=folder
            )
            reference: dict[str, Any] = json.loads(Path(local).read_text(encoding="utf-8"))
    except (MlflowException, OSError, json.JSONDecodeError):
        return None
    return reference | {"source": "artifact"}


def rebuild_reference(features: pd.DataFrame, model: LoadedModel) -> dict[str, Any]:
    """The reference recomputed from the feature table's rows in the model's training years."""
    years = model.bundle.split.get("train_years")
    if not years:
        raise MonitoringError("the model records no train_years to rebuild its reference from")
    year = features["as_of"].dt.year
    rows = features[(year >= int(years[0])) & (year <= int(years[-1])) & features["label"].notna()]
    if rows.empty:
        raise MonitoringError(f"the feature table has no labelled rows in train_years {years}")
    return build_reference(rows, model) | {"source": "rebuilt from the feature table"}


def monitor_champion(
    settings: Settings, features: pd.DataFrame, as_of: pd.Timestamp | None = None
) -> tuple[DriftReport, Path]:
    """Drift of the served model (``settings.model_alias``): build the report and write it."""
    client = registry.connect(settings)
    name, alias = settings.model_name, settings.model_alias
    version, model = fetch_registered(settings.tracking_uri, name, alias)
    run_id = client.get_model_version(name, version).run_id
    reference = (load_reference(run_id) if run_id else None) or rebuild_reference(features, model)
    about = ModelRef(name=name, alias=alias, version=version, run_id=run_id)
    report = drift_report(features, model, reference, as_of, about)
    return report, write_report(report, monitoring_dir(settings))
