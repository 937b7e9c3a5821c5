"""Every access rule of the service, once, as pure functions of the caller and the target.

Three roles: a ``center`` key reads and writes only its own 시도; an ``analyst`` key reads every
region, "00" (지역 미상) included, and writes nothing; an ``admin`` key does everything. A rule
returns None when the caller may go on, or a ``Refusal`` saying which status, audit outcome and
message the refusal gets; ``Refusal.error()`` is the domain error the routes and pages raise
(``serving.access.audit.attempt`` audits it). A centre is told nothing about other regions: an
unknown firm id gets the same 403 as another region's firm, and the audit row tells them apart
by its subject region (None: no such firm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from core.contract import REGIONS
from serving.errors import RegionForbidden, RoleForbidden, ServingError, UnknownFirm

ROLES: Final[tuple[str, ...]] = ("center", "analyst", "admin")
UNKNOWN_REGION: Final = "00"  # 지역 미상: firms stored without a region (or an unknown code)

Outcome = Literal["forbidden", "not_found"]


class Caller(Protocol):
    """What the rules read of a key (an ``ApiKey`` row is one)."""

    @property
    def role(self) -> str: ...

    @property
    def region(self) -> str | None: ...


@dataclass(frozen=True)
class Refusal:
    """Why a caller may not: the HTTP status, the audit outcome and the message it is told.

    ``subject_region`` is the region the audit row records as asked about: a firm's stored
    region (None for an unknown firm), the region a list was asked for, None for a bad code.
    """

    status: Literal[403, 404]
    outcome: Outcome
    message: str
    subject_region: str | None = None
    by_role: bool = False  # refused for the key's role, not for a region

    def error(self) -> ServingError:
        """The domain error to raise: ``serving.app`` and the pages give it this status."""
        if self.status == 404:
            return UnknownFirm(self.message)
        return RoleForbidden(self.message) if self.by_role else RegionForbidden(self.message)


def enforce(refusal: Refusal | None) -> None:
    """Go on when a rule allows; otherwise raise its refusal's domain error."""
    if refusal is not None:
        raise refusal.error()


def confined_region(caller: Caller) -> str | None:
    """The one region a key is confined to, or None when it reads every region."""
    return caller.region if caller.role == "center" else None


def sees_region(caller: Caller, region: str | None) -> bool:
    """Centre keys see only their own 시도; analyst and admin keys see every region."""
    return caller.role != "center" or region == caller.region


def listed_regions(caller: Caller, served: Sequence[str]) -> list[str]:
    """The regions an overview lists: a centre's own, else every served one."""
    own = confined_region(caller)
    return [own] if own else list(served)


def known_region(region: str) -> bool:
    """A code the service answers for: one of the 17 시도, or "00"."""
    return region in REGIONS or region == UNKNOWN_REGION


def _foreign(caller: Caller, subject_region: str | None) -> Refusal:
    message = f"this key may only access firms of region {caller.region}"
    return Refusal(403, "forbidden", message, subject_region)


def read_region(caller: Caller, region: str) -> Refusal | None:
    """A region's watch list, summary or clusters: 404 for a code that is no 시도 (nor "00"),
    403 for another centre's region and for "00", which no centre owns."""
    if not known_region(region):
        codes = ", ".join(REGIONS)
        return Refusal(404, "not_found", f"region must be a 시도 code ({codes}) or 00")
    return None if sees_region(caller, region) else _foreign(caller, region)


def read_firm(caller: Caller, firm_id: str, firm_region: str | None) -> Refusal | None:
    """A stored firm (``firm_region`` None: no such firm). A centre gets 403 for an unknown
    firm as for a foreign one; analysts and admins get 404 for an unknown firm."""
    if not sees_region(caller, firm_region):
        return _foreign(caller, firm_region)
    if firm_region is None:
        return Refusal(404, "not_found", f"firm_id {firm_id} is not in the stored data")
    return None


def read_score(caller: Caller, score_id: str, score_region: str | None) -> Refusal | None:
    """A stored score (``score_region`` None: no such score). Score ids are random UUIDs, so
    an unknown one is a 404 for everyone; a foreign region's score is a 403."""
    if score_region is None:
        return Refusal(404, "not_found", f"no score with score_id {score_id}")
    return None if sees_region(caller, score_region) else _foreign(caller, score_region)


def record_visit(caller: Caller, firm_id: str, firm_region: str | None) -> Refusal | None:
    """Only the firm's own centre and admins record visits; analysts read them."""
    refused = read_firm(caller, firm_id, firm_region)
    if refused is not None or caller.role != "analyst":
        return refused
    message = "analyst keys read visits; the firm's own centre records them"
    return Refusal(403, "forbidden", message, firm_region, by_role=True)


def change_case(caller: Caller, firm_id: str, firm_region: str | None) -> Refusal | None:
    """A firm's case (stage, owner, follow-up) is the firm's own centre's to change, and
    admins'; analysts read cases as they read visits."""
    refused = read_firm(caller, firm_id, firm_region)
    if refused is not None or caller.role != "analyst":
        return refused
    message = "analyst keys read cases; the firm's own centre changes them"
    return Refusal(403, "forbidden", message, firm_region, by_role=True)


def run_scenario(caller: Caller, region: str | None) -> Refusal | None:
    """A stress scenario over one region (``region``) follows the region rule; over every
    region (None) it needs an analyst or admin key, as any national figure does."""
    if region is not None:
        return read_region(caller, region)
    if caller.role != "center":
        return None
    message = "a national scenario needs an analyst or admin key; give the centre's region"
    return Refusal(403, "forbidden", message, by_role=True)


def submit_statements(
    caller: Caller, declared_region: str | None, stored_region: str | None
) -> Refusal | None:
    """Statements submitted for scoring: the caller must see the declared region ("00" when
    none is given) and, for a stored firm id, the stored one. (That the two agree is a check
    of the submission, a 422, not an access rule.)"""
    declared = declared_region or UNKNOWN_REGION
    for region in (declared, stored_region):
        if region is not None and not sees_region(caller, region):
            return _foreign(caller, region)
    return None


def on_record(caller: Caller) -> bool:
    """Whether scores of statements this caller submits enter the firm's history (admins'
    only: anyone else's figures are theirs, not the firm's record)."""
    return caller.role == "admin"


def use_admin(caller: Caller) -> Refusal | None:
    """Admin-only calls: reloading the model, staff accounts, keys and the audit log."""
    if caller.role == "admin":
        return None
    return Refusal(403, "forbidden", "this call needs an admin key", by_role=True)


def read_drift(caller: Caller) -> Refusal | None:
    """Drift reports compare every region: analysts and admins only."""
    if caller.role != "center":
        return None
    return Refusal(403, "forbidden", "drift reports need an analyst or admin key", by_role=True)


def key_shape(role: str, region: str | None) -> tuple[str, str] | None:
    """What is wrong with a key to be issued, as (field, message); None when it is valid: a
    centre key names its 시도, analyst and admin keys name none (they read all regions)."""
    if role not in ROLES:
        return "role", f"role must be one of {', '.join(ROLES)}; got {role!r}"
    if role == "center" and region not in REGIONS:
        return "region", f"region must be a 시도 code ({', '.join(REGIONS)}) for a center key"
    if role != "center" and region is not None:
        return "region", f"region must be empty for a {role} key (it reads all regions)"
    return None
