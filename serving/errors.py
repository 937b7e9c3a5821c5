"""Domain errors of the scoring service; only ``serving.app`` turns them into HTTP statuses.

ServingError
├── NotReady            the model or the stored data is not loaded (503)
├── UnknownFirm         no stored firm, or no stored score, with that id (404)
├── NotScorable         the firm exists but cannot be scored on the as-of date (404)
├── RegionForbidden     a centre key asked about another region's firm (403)
├── RoleForbidden       the key's role may not: record a visit (analyst), reload, read drift (403)
├── InvalidSubmission   submitted statements that cannot become features (422, with a field)
└── ReloadRefused       a new champion failed to load; the old one keeps serving (409/503)
"""

from __future__ import annotations


class ServingError(Exception):
    """Base of the service's domain errors."""


class NotReady(ServingError):
    pass


class UnknownFirm(ServingError, LookupError):
    pass


class NotScorable(ServingError, LookupError):
    pass


class RegionForbidden(ServingError, PermissionError):
    pass


class RoleForbidden(ServingError, PermissionError):
    pass


class InvalidSubmission(ServingError, ValueError):
    """Names the request field (a JSON location) whose content made scoring impossible."""

    def __init__(self, field: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ReloadRefused(ServingError):
    """``conflict`` when the new model itself is bad (409), else the registry failed (503)."""

    def __init__(self, message: str, conflict: bool) -> None:
        super().__init__(message)
        self.conflict = conflict
