"""Stress scenarios: shocks to the statements, features rebuilt by the same point-in-time
pipeline, the champion's PDs before and after (docs/scenarios.md).

- ``spec``: the scenario as written (YAML), checked field by field;
- ``shocks``: how each shock rewrites a firm's latest statement;
- ``outcome``: the run (``baseline``, ``run``) and its sums (``StressResult``, ``summary``).
"""

from scoring.stress.outcome import GROUPS, Baseline, StressResult, baseline, run, summary
from scoring.stress.spec import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = [
    "GROUPS",
    "Baseline",
    "Scenario",
    "ScenarioError",
    "StressResult",
    "baseline",
    "load_scenario",
    "parse_scenario",
    "run",
    "summary",
]
