"""``dotsocr api --api-key``: every /v1 route needs ``Authorization: Bearer KEY``;
/health and /ready stay open; the key may come from $DOTSOCR_API_KEY instead."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_helpers import assert_error, submit, wait_job

from support import SAMPLE_PDF
from support.api_server import ApiServer

KEY = "s3cret"
GOOD = {"Authorization": f"Bearer {KEY}"}
BAD_HEADERS = [
    {},
    {"Authorization": "Bearer wrong"},
    {"Authorization": f"Bearer {KEY}x"},
    {"Authorization": "Bearer"},
    {"Authorization": KEY},
    {"Authorization": f"Basic {base64.b64encode(f'user:{KEY}'.encode()).decode()}"},
    {"Authorization": f"Basic {base64.b64encode(f'{KEY}:'.encode()).decode()}"},
    {"X-API-Key": KEY},
]


class EnvApiServer(ApiServer):
    """An ApiServer whose process gets extra environment variables (ApiServer itself
    drops every DOTSOCR_* variable)."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str]) -> None:
        super().__init__(data_dir, *args)
        self.extra_env = env

    def start(self, *, wait_ready: bool = True) -> ApiServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOTSOCR_")}
        command = [sys.executable, "-m", "dotsocr", "api", "--data-dir", str(self.data_dir)]
        command += ["--port", str(self.port), *self.args]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=log, env={**env, **self.extra_env}
            )
        self.wait(ready=wait_ready)
        return self


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with ApiServer(tmp_path_factory.mktemp("auth") / "data", "--api-key", KEY) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ApiServer) -> Iterator[httpx.Client]:
    """Sends no key unless a request names one."""
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def keyed(server: ApiServer) -> Iterator[httpx.Client]:
    """Sends the key with every request."""
    with httpx.Client(base_url=server.url, timeout=60, headers=GOOD) as c:
        yield c


@pytest.fixture(scope="module")
def job(keyed: httpx.Client) -> dict[str, Any]:
    """A finished job, made with the key."""
    return wait_job(keyed, submit(keyed, SAMPLE_PDF), ["done"])


def routes(job_id: str) -> list[tuple[str, str, dict[str, Any], int]]:
    """Every /v1 route: method, path, request arguments, status with the key."""
    upload = {"files": {"file": ("a.pdf", SAMPLE_PDF.read_bytes(), "application/pdf")}}
    return [
        ("POST", "/v1/jobs", upload, 202),
        ("GET", "/v1/jobs", {}, 200),
        ("GET", "/v1/jobs?status=done", {}, 200),
        ("GET", f"/v1/jobs/{job_id}", {}, 200),
        ("GET", f"/v1/jobs/{job_id}/result?format=json", {}, 200),
        ("GET", f"/v1/jobs/{job_id}/result?format=zip", {}, 200),
        ("GET", f"/v1/jobs/{job_id}/events", {}, 200),
        ("POST", "/v1/parse", upload, 200),
        ("GET", f"/v1/jobs/{'0' * 32}", {}, 404),  # without the key: 401, not 404
        ("DELETE", f"/v1/jobs/{'0' * 32}", {}, 404),
        ("DELETE", f"/v1/jobs/{job_id}", {}, 200),  # last: removes the job
    ]


def test_every_v1_route_refuses_a_missing_or_wrong_key(
    client: httpx.Client, keyed: httpx.Client, server: ApiServer, job: dict[str, Any]
) -> None:
    jobs_before = keyed.get("/v1/jobs").json()["jobs"]
    for method, path, kwargs, _ in routes(job["id"]):
        for headers in BAD_HEADERS:
            response = client.request(method, path, headers=headers, **kwargs)
            assert_error(response, 401, match="API key")
            assert response.headers["www-authenticate"] == "Bearer", (method, path)
    # Nothing was created, nothing removed.
    assert keyed.get("/v1/jobs").json()["jobs"] == jobs_before
    assert (server.data_dir / "jobs" / job["id"] / "out").is_dir()


def test_health_ready_and_the_viewer_stay_open(client: httpx.Client, job: dict[str, Any]) -> None:
    for path in ("/health", "/ready"):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            assert client.get(path, headers=headers).status_code == 200
    # The viewer's link carries its own token (an <img> cannot send the key).
    assert client.get(job["viewer"]).status_code == 200
    assert client.get("/").status_code == 200  # the web page asks for the key itself
    assert client.get("/openapi.json").status_code == 200


def test_the_key_opens_every_v1_route(keyed: httpx.Client, job: dict[str, Any]) -> None:
    for method, path, kwargs, status in routes(job["id"]):
        with keyed.stream(method, path, **kwargs) as response:
            response.read()
            assert response.status_code == status, (method, path, response.text)
    for left in keyed.get("/v1/jobs").json()["jobs"]:  # the job POST /v1/jobs queued
        wait_job(keyed, left["id"])
        assert keyed.delete(f"/v1/jobs/{left['id']}").json()["status"] == "deleted"
    assert keyed.get("/v1/jobs").json() == {"jobs": []}


def test_the_key_from_the_environment(tmp_path: Path) -> None:
    env = {"DOTSOCR_API_KEY": "from-env"}
    with (
        EnvApiServer(tmp_path / "data", env=env) as server,
        httpx.Client(base_url=server.url, timeout=30) as c,
    ):
        assert_error(c.get("/v1/jobs"), 401)
        assert_error(c.get("/v1/jobs", headers={"Authorization": "Bearer wrong"}), 401)
        assert_error(c.get("/v1/jobs", headers=GOOD), 401)
        ok = c.get("/v1/jobs", headers={"Authorization": "Bearer from-env"})
        assert ok.status_code == 200 and ok.json() == {"jobs": []}
        assert c.get("/health").status_code == 200


def test_the_flag_wins_over_the_environment(tmp_path: Path) -> None:
    env = {"DOTSOCR_API_KEY": "from-env"}
    with (
        EnvApiServer(tmp_path / "data", "--api-key", KEY, env=env) as server,
        httpx.Client(base_url=server.url, timeout=30) as c,
    ):
        assert c.get("/v1/jobs", headers=GOOD).status_code == 200
        assert_error(c.get("/v1/jobs", headers={"Authorization": "Bearer from-env"}), 401)
