"""Real-data benchmarks: the Polish bankruptcy data (published protocol, 10-fold CV AUC) and
the Spanish firm-years (through ingestion and the feature pipeline, out of time)."""

from training.benchmarks.polish import run_polish
from training.benchmarks.result import BenchmarkResult, log_benchmark
from training.benchmarks.spain import run_spain

__all__ = ["BenchmarkResult", "log_benchmark", "run_polish", "run_spain"]
