"""Every access rule of the service, once, as pure functions of the caller and the target.

Six roles. Firm-level data (firm pages, scores, histories, visits, cases, watch lists, search)
go to three: a ``center`` key reads and writes only its own 시도; an ``analyst`` key reads every
region, "00" (지역 미상) included, and writes nothing; an ``admin`` key does everything. The
One-Team partners get least privilege, and every rule refuses them anything firm-level unless
it says otherwise: a ``partner`` (a support agency) sees only the referrals a centre made to its
organisation and records what it did with them; an ``office`` (지방중소벤처기업청) and a
``local_gov`` (지자체) key read their own 시도's aggregate figures (``read_region_figures``,
their row of the national view, the brief), never a firm.

A rule returns None when the caller may go on, or a ``Refusal`` saying which status, audit
outcome and message the refusal gets; ``Refusal.error()`` is the domain error the routes and
pages raise (``serving.access.audit.attempt`` audits it). A centre is told nothing about other
regions: an unknown firm id gets the same 403 as another region's firm, and the audit row tells
them apart by its subject region (None: no such firm). A partner, office or local_gov key gets
that same 403 for every firm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from core.contract import REGIONS
from serving.errors import RegionForbidden, RoleForbidden, ServingError, UnknownFirm

ROLES: Final[tuple[str, ...]] = ("center", "analyst", "admin", "partner", "office", "local_gov")
NATIONAL: Final = frozenset({"analyst", "admin"})  # headquarters: every region
REGIONAL: Final = frozenset({"center", "office", "local_gov"})  # keys that name one 시도
FIRM_LEVEL: Final = NATIONAL | {"center"}  # the roles that may ever see a firm
UNKNOWN_REGION: Final = "00"  # 지역 미상: firms stored without a region (or an unknown code)

Outcome = Literal["forbidden", "not_found"]


class Caller(Protocol):
    """What the rules read of a key (an ``ApiKey`` row is one)."""

    @property
    def role(self) -> str: ...

    @property
    def region(self) -> str | None: ...


class Referred(Protocol):
    """What the rules read of a referral (a ``Referral`` row is one)."""

    @property
    def region(self) -> str: ...

    @property
    def partner(self) -> str: ...


@dataclass(frozen=True)
class Acting:
    """A caller with the organisation it acts for: a partner key's user's organisation.

    An ``ApiKey`` row carries no organisation, so a partner key without a user (or a user
    without an organisation) acts for none and is shown nothing.
    """

    role: str
    region: str | None
    organisation: str | None = None

    @classmethod
    def of(cls, caller: Caller, organisation: str | None) -> Acting:
        return cls(caller.role, caller.region, organisation)


def organisation_of(caller: Caller) -> str | None:
    """The organisation a caller acts for (``Acting``, or any caller with an ``organisation``);
    None, meaning none at all, for a blank name or a caller without one."""
    organisation = getattr(caller, "organisation", None)
    if not isinstance(organisation, str) or not organisation.strip():
        return None
    return organisation.strip()


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
    """The one region a key is confined to (centre, office, local_gov), or None for the rest:
    analysts and admins read every region, partners none (``listed_regions`` is empty)."""
    return caller.region if caller.role in REGIONAL else None


def sees_region(caller: Caller, region: str | None) -> bool:
    """Whether a caller sees a region's firms: centre keys their own 시도 only, analyst and
    admin keys every region, the partner, office and local_gov keys none."""
    if caller.role in NATIONAL:
        return True
    return caller.role == "center" and region == caller.region


def sees_region_figures(caller: Caller, region: str | None) -> bool:
    """Whether a caller sees a region's aggregate figures: every region for analysts and
    admins, the key's own 시도 for centre, office and local_gov keys, none for partners."""
    if caller.role in NATIONAL:
        return True
    return caller.role in REGIONAL and region == caller.region


def listed_regions(caller: Caller, served: Sequence[str]) -> list[str]:
    """The regions an overview lists: a regional key's own, analysts' and admins' every
    served one, a partner's none."""
    if caller.role in NATIONAL:
        return list(served)
    own = confined_region(caller)
    return [own] if own else []


def known_region(region: str) -> bool:
    """A code the service answers for: one of the 17 시도, or "00"."""
    return region in REGIONS or region == UNKNOWN_REGION


def _foreign(caller: Caller, subject_region: str | None) -> Refusal:
    if caller.role not in FIRM_LEVEL:
        return _no_firms(caller, subject_region)
    message = f"this key may only access firms of region {caller.region}"
    return Refusal(403, "forbidden", message, subject_region)


def _no_firms(caller: Caller, subject_region: str | None) -> Refusal:
    """A partner, office or local_gov key asking for firm-level data: the same 403 for any
    firm, known or not, so the key learns nothing about which firms exist."""
    message = (
        "partner keys see only the firms referred to their organisation (GET /v1/referrals)"
        if caller.role == "partner"
        else f"{caller.role} keys read region figures, not firms"
    )
    return Refusal(403, "forbidden", message, subject_region)


def _unknown_region(region: str) -> Refusal | None:
    if known_region(region):
        return None
    codes = ", ".join(REGIONS)
    return Refusal(404, "not_found", f"region must be a 시도 code ({codes}) or 00")


def read_region(caller: Caller, region: str) -> Refusal | None:
    """A region's firm-level lists (watch list, search, cases): 404 for a code that is no 시도
    (nor "00"), 403 for another centre's region and for "00", which no centre owns, and for
    every partner, office and local_gov key. Aggregates are ``read_region_figures``."""
    unknown = _unknown_region(region)
    if unknown is not None:
        return unknown
    return None if sees_region(caller, region) else _foreign(caller, region)


def read_region_figures(caller: Caller, region: str) -> Refusal | None:
    """A region's aggregate figures (summary, clusters, the brief): as ``read_region``, but an
    office or local_gov key reads its own 시도's too; a partner reads none."""
    unknown = _unknown_region(region)
    if unknown is not None:
        return unknown
    if sees_region_figures(caller, region):
        return None
    message = f"this key may only read figures of region {caller.region}"
    if caller.role == "partner":
        message = "partner keys read no region figures, only their referrals"
    return Refusal(403, "forbidden", message, region)


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
    """A stress scenario over one region (``region``) follows the firm-level region rule (its
    result names firms that cross grades); over every region (None) it needs an analyst or
    admin key, as any national figure does."""
    if region is not None:
        return read_region(caller, region)
    if caller.role in NATIONAL:
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
    if caller.role in NATIONAL:
        return None
    return Refusal(403, "forbidden", "drift reports need an analyst or admin key", by_role=True)


def key_shape(role: str, region: str | None) -> tuple[str, str] | None:
    """What is wrong with a key to be issued, as (field, message); None when it is valid: a
    centre, office or local_gov key names its 시도; analyst and admin keys name none (they read
    all regions), nor do partner keys (a partner sees by organisation, never by region)."""
    if role not in ROLES:
        return "role", f"role must be one of {', '.join(ROLES)}; got {role!r}"
    if role in REGIONAL and region not in REGIONS:
        return "region", f"region must be a 시도 code ({', '.join(REGIONS)}) for a {role} key"
    if role not in REGIONAL and region is not None:
        why = "it reads all regions" if role in NATIONAL else "it sees its referrals only"
        return "region", f"region must be empty for a {role} key ({why})"
    return None


ORGANISATION_MAX: Final = 64  # users.organisation and referrals.partner are String(64)


def account_shape(
    role: str, region: str | None, organisation: str | None
) -> tuple[str, str] | None:
    """``key_shape`` for a staff account, plus its organisation: a partner's names the agency
    whose referrals it sees (required); other roles may name one (shown, never a permission)."""
    shape = key_shape(role, region)
    if shape is not None:
        return shape
    if role == "partner" and (organisation is None or not organisation.strip()):
        return "organisation", "organisation is required for a partner account (e.g. 중진공)"
    if organisation is not None and len(organisation.strip()) > ORGANISATION_MAX:
        return "organisation", f"organisation must be at most {ORGANISATION_MAX} characters"
    return None


# --- One-Team: referrals and the national view ---------------------------------------------


def refer_firm(caller: Caller, firm_id: str, firm_region: str | None) -> Refusal | None:
    """A referral to a partner is made from the firm's case: by the firm's own centre and
    admins, as cases are changed; analysts read referrals."""
    refused = read_firm(caller, firm_id, firm_region)
    if refused is not None or caller.role != "analyst":
        return refused
    message = "analyst keys read referrals; the firm's own centre makes them"
    return Refusal(403, "forbidden", message, firm_region, by_role=True)


def read_referral(caller: Caller, referral: Referred) -> Refusal | None:
    """One referral: the partner organisation it was made to, the referring region's centre,
    analysts and admins. Office and local_gov keys read referral counts, not referrals."""
    if caller.role == "partner":
        organisation = organisation_of(caller)
        if organisation is not None and organisation == referral.partner:
            return None
        message = "this referral was not made to your organisation"
        return Refusal(403, "forbidden", message, referral.region)
    return None if sees_region(caller, referral.region) else _foreign(caller, referral.region)


def decide_referral(caller: Caller, referral: Referred) -> Refusal | None:
    """What a partner did with a referral (approved, declined, amount, date) is recorded by
    that partner, or by an admin on its behalf; the centre reads it."""
    refused = read_referral(caller, referral)
    if refused is not None or caller.role in ("partner", "admin"):
        return refused
    message = "only the partner it was referred to records the decision"
    return Refusal(403, "forbidden", message, referral.region, by_role=True)


@dataclass(frozen=True)
class ReferralScope:
    """Which referrals a listing may hold: those of ``region`` and/or made to ``partner``
    (None: any), or none at all."""

    region: str | None = None
    partner: str | None = None
    nothing: bool = False


def read_referrals(caller: Caller) -> Refusal | None:
    """Listing referrals: every role but office and local_gov, which read referral counts in
    the national view, not who was referred (``referral_scope`` says which ones)."""
    if caller.role not in ("office", "local_gov"):
        return None
    message = f"{caller.role} keys read referral counts (GET /v1/national), not referrals"
    return Refusal(403, "forbidden", message, caller.region, by_role=True)


def referral_scope(caller: Caller) -> ReferralScope:
    """A partner lists its organisation's referrals (none without one), a centre its region's,
    analysts and admins all; office and local_gov keys list none."""
    if caller.role in NATIONAL:
        return ReferralScope()
    if caller.role == "center":
        return ReferralScope(region=caller.region)
    organisation = organisation_of(caller) if caller.role == "partner" else None
    return ReferralScope(partner=organisation, nothing=organisation is None)


def read_national(caller: Caller) -> Refusal | None:
    """The national view: analysts and admins read every region's row, a centre, office or
    local_gov key its own 시도's row (``listed_regions``); partners read none."""
    if caller.role != "partner":
        return None
    message = "partner keys read no region figures, only their referrals"
    return Refusal(403, "forbidden", message, by_role=True)
