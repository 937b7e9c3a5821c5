"""What staff do at a grade, and the KOSME early-warning stage beside it.

One reading of the action table and crosswalk declared in ``core.grades.RUNGS`` (and shown in
docs/grades.md), for the firm page, the watch list and the API. Grades are accepted by their
Korean or English names.
"""

from __future__ import annotations

from core.grades import GRADES_EN, RUNGS, Rung

_BY_ENGLISH = {en: ko for ko, en in GRADES_EN.items()}


def rung(grade: str) -> Rung:
    """The ladder rung called ``grade``; ValueError names the grades for anything else."""
    name = _BY_ENGLISH.get(grade, grade)
    if name not in RUNGS:
        raise ValueError(f"grade must be one of {', '.join(RUNGS)}; got {grade!r}")
    return RUNGS[name]


def action_for(grade: str) -> tuple[str, str]:
    """The recommended action at ``grade``, in Korean and English."""
    found = rung(grade)
    return found.action_ko, found.action_en


def kosme_stage(grade: str) -> str | None:
    """KOSME's early-warning stage beside ``grade``; None below 주의 (KOSME has no stage)."""
    return rung(grade).kosme
