"""Schemathesis against the running server's ``/openapi.json``: generated requests
to every operation get no 5xx and answers that match the schema (status codes,
content types, bodies). Generated ids are almost never real jobs, so the routes of
one job are also checked with a real, finished job's id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema
from service_helpers import submit, text_pdf, wait_job

from support import SAMPLE_PDF
from support.api_server import ApiServer

#: Every operation of the schema (test_every_operation_is_fuzzed keeps this complete).
OPERATIONS = [
    ("POST", "/v1/jobs"),
    ("GET", "/v1/jobs"),
    ("GET", "/v1/jobs/{job_id}"),
    ("DELETE", "/v1/jobs/{job_id}"),
    ("GET", "/v1/jobs/{job_id}/result"),
    ("GET", "/v1/jobs/{job_id}/events"),
    ("POST", "/v1/parse"),
    ("GET", "/health"),
    ("GET", "/ready"),
]
MAX_EXAMPLES = 25
KEY = "fuzz-key"
#: An upload valid by the schema may still be refused for what the file holds (not a
#: PDF or image: 415) or what a field means for it (pages beyond its end: 422).
UPLOADS = {("POST", "/v1/jobs"), ("POST", "/v1/parse")}
UPLOAD_STATUSES = {
    GenerationMode.POSITIVE: {200, 202, 413, 415, 422},
    GenerationMode.NEGATIVE: {401, 413, 415, 422},
}
#: Operations without parameters or body have no invalid request to generate.
NO_INPUT = {("GET", "/health"), ("GET", "/ready")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    # Generated uploads are tiny images (quick to parse); bigger ones are refused.
    data = tmp_path_factory.mktemp("schemathesis") / "data"
    args = ("--max-upload-mb", "1", "--max-pages", "3", "--api-key", KEY)
    with ApiServer(data, *args) as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(server: ApiServer) -> OpenApiSchema:
    """The schema, with the key for its bearer scheme: schemathesis sends it, and
    also checks that requests without it or with a wrong one are refused."""
    config = schemathesis.Config.from_dict({"auth": {"openapi": {"HTTPBearer": {"bearer": KEY}}}})
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config, timeout=10)


def test_every_operation_is_fuzzed(api_schema: OpenApiSchema) -> None:
    operations = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert operations == set(OPERATIONS)


# schemathesis.pytest.from_fixture() fails under pytest 9 ('Function' object has no
# attribute '_nodeid'), so each operation's strategy is run with hypothesis directly.
@pytest.mark.parametrize(
    ("method", "path", "mode"),
    [
        (method, path, mode)
        for method, path in OPERATIONS
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode is GenerationMode.POSITIVE or (method, path) not in NO_INPUT
    ],
)
def test_generated_requests_conform(
    api_schema: OpenApiSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        if (method, path) not in UPLOADS:
            case.call_and_validate(timeout=60)
            return
        if mode is GenerationMode.NEGATIVE and _sends_nothing_invalid(case):
            return
        response = case.call_and_validate(timeout=60, excluded_checks=[positive_data_acceptance])
        assert response.status_code in UPLOAD_STATUSES[mode], response.text

    check()


def _sends_nothing_invalid(case: schemathesis.Case) -> bool:
    """Whether a "negative" upload's flaw is a field given as an array of at most one
    item: a multipart form sends that as no field at all, or as the one field, so the
    request that goes out is valid and rightly accepted (an array of two is the field
    given twice, which the service refuses)."""
    body = case.body if isinstance(case.body, dict) else {}
    return any(isinstance(value, list) and len(value) <= 1 for value in body.values())


@pytest.fixture(scope="module")
def finished(server: ApiServer) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server.url, timeout=60, headers=headers) as client:
        yield client, wait_job(client, submit(client, SAMPLE_PDF, pages="1"), ["done"])


@pytest.mark.parametrize(
    ("method", "template", "query"),
    [
        ("GET", "/v1/jobs", {"status": "done"}),
        ("GET", "/v1/jobs/{job_id}", {}),
        ("GET", "/v1/jobs/{job_id}/result", {"format": "md"}),
        ("GET", "/v1/jobs/{job_id}/result", {"format": "json"}),
        ("GET", "/v1/jobs/{job_id}/result", {"format": "zip"}),
        ("GET", "/v1/jobs/{job_id}/events", {}),
    ],
)
def test_a_real_jobs_answers_conform(
    api_schema: OpenApiSchema,
    finished: tuple[httpx.Client, dict[str, Any]],
    method: str,
    template: str,
    query: dict[str, str],
) -> None:
    client, job = finished
    response = client.request(method, template.format(job_id=job["id"]), params=query)
    assert response.status_code == 200, response.text
    api_schema[template][method].validate_response(response)


def test_the_answers_of_a_job_still_running_conform(
    api_schema: OpenApiSchema, server: ApiServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """409 (result before done) and the DELETE answers are in the schema too."""
    pdf = text_pdf(tmp_path_factory.mktemp("running") / "three.pdf", 3)
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server.url, timeout=60, headers=headers) as client:
        first, second = submit(client, pdf), submit(client, pdf)  # one job at a time
        early = client.get(f"/v1/jobs/{second}/result")
        assert early.status_code == 409
        assert "409" in api_schema["/v1/jobs/{job_id}/result"]["GET"].definition.raw["responses"]
        api_schema["/v1/jobs/{job_id}/result"]["GET"].validate_response(early)
        cancelled = client.delete(f"/v1/jobs/{second}")
        api_schema["/v1/jobs/{job_id}"]["DELETE"].validate_response(cancelled)
        wait_job(client, first)
        removed = client.delete(f"/v1/jobs/{first}")
        assert removed.json()["status"] == "deleted"
        api_schema["/v1/jobs/{job_id}"]["DELETE"].validate_response(removed)
        for response in (client.get(f"/v1/jobs/{first}"), client.post("/v1/jobs")):
            api_schema[response.request.url.path.replace(first, "{job_id}")][
                response.request.method
            ].validate_response(response)
