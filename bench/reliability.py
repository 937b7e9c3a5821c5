"""`python -m bench reliability`: the reliability suite at full size; figures to docs.

Runs the same tests CI runs small (tests/reliability, the ingest property test, the tampered-
bundle test), with ``EWS_RELIABILITY_*`` variables that scale them, and reads the figures the
tests record (``tests/reliability/conftest.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

FULL_SIZE: Final = {
    "EWS_RELIABILITY_FUZZ_EXAMPLES": "150",
    "EWS_RELIABILITY_MATRIX_FIRMS": "8",
    "EWS_RELIABILITY_SWAP_REQUESTS": "3000",
    "EWS_RELIABILITY_FIRMS": "600",
}
SUITES: Final = (
    "tests/reliability",
    "tests/features/test_ingest_property.py",
    "tests/serving/test_model_integrity.py",
)
DOC: Final = Path("docs/reliability.md")
TEMPLATE: Final = Path(__file__).with_name("reliability.md.in")


def run_suites(sizes: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """pytest over the suites at ``sizes``; its exit code and the recorded figures."""
    with tempfile.TemporaryDirectory(prefix="ews-reliability-") as folder:
        out = Path(folder) / "figures.json"
        env = {**os.environ, **sizes, "EWS_RELIABILITY_FIGURES": str(out)}
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", *SUITES], env=env)
        return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def _crash(figures: dict[str, Any]) -> str:
    """Acknowledged scores missing after kill -9, per database (test_crash records them)."""
    found = []
    for name, label in (("crash_sqlite", "SQLite"), ("crash_postgres", "PostgreSQL, 2 replicas")):
        run = figures.get(name)
        if run:
            missing = run["missing_from_scores"] + run["missing_from_audit"]
            found.append(f"{label}: **{missing}** of {run['acknowledged']:,} acknowledged")
    return "; ".join(found) or "not run here (needs the kill -9 test's databases)"


def render(figures: dict[str, Any], passed: bool, sizes: dict[str, str]) -> str:
    """docs/reliability.md: the template with the figures filled in."""
    fuzz, matrix, swap = figures["fuzz"], figures["matrix"], figures["swap"]
    values = {
        "fuzz_requests": f"{fuzz['requests']:,}",
        "fuzz_5xx": fuzz["5xx"],
        "fuzz_operations": fuzz["operations"],
        "matrix_cells": f"{matrix['cells']:,}",
        "matrix_routes": matrix["routes"],
        "matrix_leaks": matrix["leaks"],
        "swap_requests": f"{swap['requests']:,}",
        "swap_failed": swap["failed"],
        "crash_missing": _crash(figures),
        "suite": "all passed" if passed else "SOME FAILED: see the pytest output",
        "sizes": ", ".join(f"{name}={value}" for name, value in sorted(sizes.items()))
        or "CI sizes",
    }
    return TEMPLATE.read_text(encoding="utf-8").format(**values)


def reliability(_world: object, _rows: int) -> list[dict[str, Any]]:
    code, figures = run_suites(FULL_SIZE)
    missing = [name for name in ("fuzz", "matrix", "swap") if name not in figures]
    if missing:  # a suite failed before recording: keep the last good document
        raise SystemExit(f"reliability: pytest exit {code}; no figures for {missing}; {DOC} kept")
    DOC.write_text(render(figures, code == 0, FULL_SIZE), encoding="utf-8")
    print(f"reliability: pytest exit {code}; figures in {DOC}", flush=True)
    return [{"name": "reliability", **{k: v for k, v in figures.items() if isinstance(v, dict)}}]
