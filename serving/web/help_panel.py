"""The firm page's "what would help" panel: the grade's action, programmes that fit and what
would lower the grade."""

from __future__ import annotations

from typing import Any


def for_firm(*_: Any) -> dict[str, Any] | None:
    """The panel's data for the firm page (None: nothing to show yet)."""
    return None
