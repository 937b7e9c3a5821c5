"""Schemathesis over the service's own OpenAPI, in process, with an admin and a centre key.

Every operation gets ``EWS_RELIABILITY_FUZZ_EXAMPLES`` generated requests per key (valid and
invalid input); none may answer 5xx or a status the OpenAPI does not declare for it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from tests.reliability.conftest import Service, scaled

# Schema-driven fuzzing of every route (~7 s): CI runs it; the fast loop does not.
pytestmark = pytest.mark.slow

EXAMPLES = scaled("FUZZ_EXAMPLES", 12)
CHECKS = [
    not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
_HTTPX_KWARGS = ("method", "url", "params", "headers", "json", "files")  # no cookie parameters


def _send(service: Service, case: schemathesis.Case, key: str) -> Any:
    """The generated request, sent through the test client (the app's lifespan is running)."""
    sent = case.as_transport_kwargs(base_url="http://testserver", headers={"X-API-Key": key})
    arguments = {name: sent[name] for name in _HTTPX_KWARGS if name in sent}
    if "data" in sent:  # requests' raw body is httpx's content (form bodies stay data)
        body = sent["data"]
        arguments["content" if isinstance(body, bytes | str) else "data"] = body
    return service.client.request(**arguments)


def _fuzz(service: Service, operation: schemathesis.APIOperation, key: str, tally: Counter[str]):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        response = _send(service, case, key)
        tally["requests"] += 1
        tally["5xx"] += response.status_code >= 500
        tally[str(response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    run()


def test_fuzzed_requests_get_no_server_error_and_only_declared_statuses(
    service: Service, figures: dict[str, Any]
) -> None:
    schema = schemathesis.openapi.from_dict(service.client.get("/openapi.json").json())
    tally: Counter[str] = Counter()
    keys = {"admin": service.key("admin"), "center 26": service.key("center", "26")}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for key in keys.values():
            _fuzz(service, operation, key, tally)
    figures["fuzz"] = {"operations": len(operations), "keys": list(keys), **tally}
    assert tally["5xx"] == 0
    assert tally["requests"] >= len(operations) * len(keys)


def test_openapi_declares_the_errors_of_every_route(service: Service) -> None:
    """Keyed routes list 401, 429 and 503 with an error body; ids and regions add 403 and 404;
    bodies add 413 and 422; ``ScoreRequest`` says "exactly one of firm_id or firm"."""
    spec = service.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            if path.startswith("/v1/"):
                assert {"401", "429", "503"} <= declared, (method, path)
                assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"
                }
            if "{" in path or path == "/v1/monitoring/drift":
                assert {"403", "404"} <= declared, (method, path)
            if "requestBody" in operation:
                assert {"413", "422"} <= declared, (method, path)
    assert spec["paths"]["/v1/admin/reload"]["post"]["responses"].keys() >= {"403", "409"}
    one_of = spec["components"]["schemas"]["ScoreRequest"]["oneOf"]
    assert [branch["required"] for branch in one_of] == [["firm_id"], ["firm"]]
