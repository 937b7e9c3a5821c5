"""A benchmark's outcome: a comparison table to print and the figures to log to MLflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mlflow

from core.settings import Settings

EXPERIMENT = "benchmarks"


@dataclass(frozen=True)
class BenchmarkResult:
    name: str
    rows: list[dict[str, Any]]  # the comparison, one row per dataset and model
    metrics: dict[str, float]
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def log_benchmark(result: BenchmarkResult, settings: Settings) -> str:
    """Log the benchmark as one MLflow run in experiment ``benchmarks``; returns the run id."""
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.tracking_uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        mlflow.create_experiment(EXPERIMENT, artifact_location=settings.artifact_root)
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=result.name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in result.params.items()})
        mlflow.log_metrics(result.metrics)
        mlflow.log_dict({"rows": result.rows, "notes": result.notes}, "comparison.json")
        mlflow.set_tag("benchmark", result.name)
        return str(run.info.run_id)
