"""Words for what would help a firm: actions, programmes and what lowers the grade."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {}
