"""The date as centre staff read it: Korea's (KST, UTC+9 all year, no daylight saving since 1988).

The servers keep UTC, so ``date.today()`` there is yesterday's date in Korea from midnight to
09:00 KST: a visit recorded early in the morning would be refused as "in the future".
"""

from __future__ import annotations

import datetime as dt
from typing import Final

KST: Final = dt.timezone(dt.timedelta(hours=9), "KST")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def seoul_today() -> dt.date:
    """Today's date in Korea."""
    return now_utc().astimezone(KST).date()
