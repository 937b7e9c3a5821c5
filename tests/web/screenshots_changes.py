"""Screenshots of '이번 달 변화' and the month's digest in docs/screenshots, on the serving tests'
small world (300 firms, a 30-round model) with the month of ``tests.serving.changes_world``: a
grade rise, a new 4대보험 체납, a failed firm, stale data, a firm the tables do not hold. A 부산
staff member owns the trigger firm's case, so the digest has a person's part.

    python -m tests.web.screenshots_changes --out docs/screenshots
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session

from core.bundle import Calibration, load_bundle, save_bundle
from core.grades import GradeTable
from core.settings import Settings
from features.catalog import FEATURE_NAMES
from serving.access.keys import create_key
from serving.access.people import create_user
from serving.app import create_app
from serving.store.tables import Case
from tests.factories import random_panel
from tests.serving.changes_world import month_ids, write_month
from tests.serving.conftest import _train
from tests.web import live
from tests.web.screenshots import shoot


def capture(base: str, key: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = live.launch(playwright)
        context = browser.new_context(viewport=live.DESKTOP, locale="ko-KR")
        page = context.new_page()
        live.sign_in(page, base, key, "/web/changes")
        page.wait_for_url("**/web/changes/26")
        shoot(page, out, "changes")
        page.get_by_role("link", name="이번 달 요약 (담당자별)").click()
        page.wait_for_url("**/digest?month=*")
        shoot(page, out, "digest")
        context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    panel = random_panel(n_firms=300, seed=7)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        save_bundle(
            root / "bundle",
            _train(panel),
            {
                "feature_names": FEATURE_NAMES,
                "calibration": Calibration(slope=0.9, intercept=-0.2),
                "grade_table": GradeTable(),
                "label_rules": ("default_event",),
                "horizon_months": 12,
                "split": {"train_years": [2021, 2022], "test_years": [2023]},
                "metrics": {"roc_auc": 0.71, "brier": 0.04},
            },
        )
        settings = Settings(
            database_url=f"sqlite:///{root / 'service.db'}",
            models_dir=root,
            data_dir=root / "data",
        )
        ids = month_ids(panel)
        write_month(settings.data_dir, ids)
        app = create_app(settings, model=("1", load_bundle(root / "bundle")), tables=panel)
        with live.serve(app, timeout_s=300) as base:
            engine = app.state.engine
            owner, _ = create_user(engine, "kim", "김담당", "center", "26")
            now = dt.datetime.now(dt.UTC)
            with Session(engine) as session:
                session.add(
                    Case(
                        case_id="screenshot-case",
                        firm_id=ids.trigger,
                        region="26",
                        status="contacted",
                        assignee_id=owner.id,
                        next_follow_up=dt.date(2026, 12, 5),
                        opened_at=now,
                        updated_at=now,
                    )
                )
                session.commit()
            capture(base, create_key(engine, "center", "26"), args.out)


if __name__ == "__main__":
    main()
