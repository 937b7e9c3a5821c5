"""The scenario page: build a scenario (type, size, scope) or pick a file, run it, see the
result tables by region, industry, district and cluster, and past runs.

A run from the page goes through the same domain code and rule as ``POST /v1/scenarios/run``
(``policy.run_scenario``: a centre runs its own 시도 only), is kept and audited the same way,
and opens its result page; a form that cannot become a scenario comes back with the field (422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from core import ksic
from scoring.stress.spec import SHOCK_TYPES, Scenario, ScenarioError, parse_scenario
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import scenarios
from serving.domain.region_codes import cluster_label, district_label
from serving.domain.regions import served_codes
from serving.domain.state import Snapshot
from serving.errors import InvalidSubmission, UnknownFirm
from serving.schemas.scenarios import ScenarioRunIn
from serving.store.tables import ApiKey
from serving.web.access import PageRoute, PageUser, check_csrf
from serving.web.i18n import Lang, region_name, text
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)
FORM_FIELDS: Final = ("file", "type", "size", "region", "division", "district", "cluster")
# A spec's field (its last part) -> the form field that holds it.
_FORM_FIELD: Final = {
    "bp": "size",
    "pct": "size",
    "regions": "region",
    "divisions": "division",
    "districts": "district",
    "clusters": "cluster",
    "max_average_wage": "max_wage",
    "type": "type",
}
TOP: Final = 20  # rows per table on the result page


def _readable(key: ApiKey) -> Any:
    return lambda region: policy.run_scenario(key, region) is None


def _form_context(snapshot: Snapshot, key: ApiKey, config_dir: Any) -> dict[str, Any]:
    """What the form offers this key: its regions, the clusters of those regions, the files."""
    regions = policy.listed_regions(key, served_codes(snapshot))
    firms = snapshot.tables.firms
    region = firms["region"].astype("string")
    clusters = firms.loc[region.isin(regions).fillna(False).to_numpy(bool), "cluster_id"]
    files, problems = scenarios.scenario_files(config_dir)
    return {
        "regions": regions,
        "national": policy.run_scenario(key, None) is None,
        "clusters": sorted(clusters.dropna().astype(str).unique()),
        "files": files,
        "problems": problems,
        "types": SHOCK_TYPES,
    }


@router.get("/scenarios")
def scenarios_page(request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    """The form, the scenario files and the past runs this key may read."""
    snapshot, champion = state.current()
    key = user.key
    config_dir = request.app.state.settings.config_dir
    with attempt(db, key, "GET /web/scenarios", (), champion.version, policy.confined_region(key)):
        runs = scenarios.stored_runs(db, _readable(key))
    context = {**_form_context(snapshot, key, config_dir), "runs": runs, "form": {}, "errors": {}}
    return page(request, "scenarios.html", context, user)


def _spec(form: dict[str, str], lang: Lang) -> Scenario:
    """A one-shock scenario from the form; ``ScenarioError`` names the spec's field."""
    kind = form["type"]
    try:
        size = float(form["size"])
    except ValueError:
        raise ScenarioError(None, "size", text(lang, "scenario_bad_size")) from None
    scope = {
        "regions": [form["region"]] if form["region"] else [],
        "divisions": [form["division"]] if form["division"] else [],
        "districts": [form["district"]] if form["district"] else [],
        "clusters": [form["cluster"]] if form["cluster"] else [],
    }
    shock: dict[str, Any] = {"type": kind, "scope": scope}
    shock["bp" if kind == "interest_rate" else "pct"] = size
    if kind == "wage" and form.get("max_wage"):
        shock["max_average_wage"] = form["max_wage"]
    unit = "bp" if kind == "interest_rate" else "%"
    known = kind in SHOCK_TYPES
    name_ko = text("ko", f"scenario_type_{kind}") if known else kind
    name_en = text("en", f"scenario_type_{kind}") if known else kind
    return parse_scenario(
        {
            "name": f"page_{kind}",
            "title_ko": f"{name_ko} {size:+g}{unit}",
            "title_en": f"{name_en} {size:+g}{unit}",
            "shocks": [shock],
        }
    )


def _form_field(error: ScenarioError) -> str:
    last = (error.field or "").split(".")
    named = [part for part in last if part in _FORM_FIELD]
    return _FORM_FIELD[named[-1]] if named else (error.field or "type")


@router.post("/scenarios/run")
def run_from_page(
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    file: Annotated[str, Form(max_length=100)] = "",
    type: Annotated[str, Form(max_length=20)] = "interest_rate",
    size: Annotated[str, Form(max_length=20)] = "",
    region: Annotated[str, Form(max_length=2)] = "",
    division: Annotated[str, Form(max_length=5)] = "",
    district: Annotated[str, Form(max_length=5)] = "",
    cluster: Annotated[str, Form(max_length=50)] = "",
    max_wage: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Run the scenario the form describes over its region (none: every region) and open the
    result; the run is kept and audited as ``POST /v1/scenarios/run``'s."""
    check_csrf(user, csrf)
    snapshot, champion = state.current()
    key = user.key
    config_dir = request.app.state.settings.config_dir
    form = {"file": file, "type": type, "size": size, "region": region, "division": division}
    form |= {"district": district, "cluster": cluster, "max_wage": max_wage}
    run_region = region or None
    try:
        if file:
            body = ScenarioRunIn(scenario=file, spec=None, region=run_region)
            spec = scenarios.requested(body, config_dir)
        else:
            spec = _spec(form, language(request))
    except (ScenarioError, InvalidSubmission) as refused:
        field = "file" if isinstance(refused, InvalidSubmission) else _form_field(refused)
        message = refused.message
        context = _form_context(snapshot, key, config_dir)
        runs = scenarios.stored_runs(db, _readable(key))
        context |= {"runs": runs, "form": form, "errors": {field: message}}
        return page(request, "scenarios.html", context, user, status_code=422)
    with attempt(db, key, "POST /web/scenarios/run", (), champion.version, run_region) as entry:
        entry.check(policy.run_scenario(key, run_region))
        out, row = scenarios.run_scenario(snapshot, champion, spec, run_region, key)
        entry.rows.append(row)
    return RedirectResponse(f"/web/scenarios/runs/{out.run_id}", status_code=303)


@router.get("/scenarios/runs/{run_id}")
def run_page(request: Request, run_id: str, user: PageUser, db: SessionDep) -> Response:
    """A kept run's tables, for the keys that may run it over its region."""
    found = scenarios.stored_run(db, run_id[:36])
    region = found[1] if found is not None else None
    endpoint = "GET /web/scenarios/runs/{run_id}"
    with attempt(db, user.key, endpoint, (), None, region) as entry:
        if found is None:
            raise UnknownFirm(f"no scenario run with run_id {run_id[:36]}")
        entry.model_version = found[0].model_version
        entry.check(policy.run_scenario(user.key, region))
    context = {"run": found[0], "top": TOP, "group_label": _labeller(language(request))}
    return page(request, "scenario_run.html", context, user)


def _labeller(lang: Lang) -> Callable[[str, str], str]:
    """A result row's name on the page: 시도, KSIC division, 시군구 or complex, else its code."""

    def label(by: str, key: str) -> str:
        if not key:
            return text(lang, "scenario_unknown")
        if by == "region":
            return region_name(lang, key)
        if by == "industry":
            return ksic.division_name(key, lang)
        if by == "district":
            return district_label(key)
        return cluster_label(key, lang)

    return label
