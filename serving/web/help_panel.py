"""The firm page's "what would help" panel: the grade's action, programmes that fit and what
would lower the grade (the same answer as ``GET /v1/firms/{firm_id}/help``)."""

from __future__ import annotations

from typing import Any

from core.settings import get_settings
from serving.domain.help import firm_help
from serving.domain.state import Champion, Snapshot
from serving.schemas.scores import ScoreOut
from serving.web.i18n import Lang


def for_firm(
    snapshot: Snapshot, champion: Champion, firm_id: str, score: ScoreOut | None, lang: Lang
) -> dict[str, Any] | None:
    """The panel's data for the firm page (None: the firm has no score row to help with).

    The page's caller has already passed the region rule and audited the look-up. The
    catalogue comes from the deployment's ``EWS_CONFIG_DIR`` (``get_settings``), as the page
    router is not handed the app's settings.
    """
    if score is None:
        return None
    found = firm_help(snapshot, champion, firm_id, score, get_settings().config_dir)
    return {"answer": found, "lang": lang, "excluded": len(found.excluded)}
