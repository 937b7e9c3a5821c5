"""The grade's action and KOSME stage: one declaration, the docs tables agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.grades import GRADES, RUNGS
from scoring.actions import action_for, kosme_stage

DOCS = Path(__file__).resolve().parents[2] / "docs" / "grades.md"


def _table_after(heading_cells: str) -> list[list[str]]:
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_cells))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_every_grade_has_one_rung() -> None:
    assert tuple(RUNGS) == GRADES


def test_docs_action_table_is_the_code() -> None:
    rows = _table_after("| grade | colour |")
    assert [(r[0], r[4], r[5]) for r in rows] == [
        (g, action_for(g)[1], action_for(g)[0]) for g in GRADES
    ]


def test_docs_crosswalk_is_the_code() -> None:
    rows = _table_after("| our grade | KOSME stage |")
    docs = {r[0]: (None if r[1] == "(no stage)" else r[1]) for r in rows}
    assert docs == {g: kosme_stage(g) for g in GRADES}


def test_english_names_and_unknown_grades() -> None:
    assert action_for("severe") == action_for("심각")
    assert kosme_stage("caution") == "주의"
    assert kosme_stage("관심") is None
    with pytest.raises(ValueError, match="grade must be one of"):
        action_for("미평가")
