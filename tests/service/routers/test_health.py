"""Probes and metrics."""

import socket

import httpx

from eval.standin import StandIn
from tests.service.conftest import Served


def test_healthz_says_the_process_is_up(api: httpx.Client) -> None:
    response = api.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_checks_the_store_and_the_llm(api: httpx.Client, standin: StandIn) -> None:
    response = api.get("/readyz")

    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["store"]["ok"] and checks["llm"]["ok"]
    assert standin.model in checks["llm"]["detail"]


def test_metrics_count_segments_by_origin_and_requests_by_route(
    api: httpx.Client, standin: StandIn
) -> None:
    api.post("/v1/translate", json={"source_lang": "en", "target_lang": "de", "segments": ["Hi."]})

    text = api.get("/metrics").text

    assert 'adaptmt_segments_total{origin="llm"}' in text
    assert 'route="/v1/translate"' in text
    assert "adaptmt_llm_tokens_total" in text


def test_every_response_carries_a_request_id(api: httpx.Client) -> None:
    assert api.get("/healthz", headers={"X-Request-Id": "abc"}).headers["x-request-id"] == "abc"
    assert len(api.get("/healthz").headers["x-request-id"]) == 32


def test_unknown_routes_and_methods_use_the_error_envelope(api: httpx.Client) -> None:
    missing = api.get("/v1/nothing-here")
    wrong = api.put("/v1/translate")

    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (405, "method_not_allowed")


def test_an_oversize_body_is_refused_before_it_is_read(service: Served) -> None:
    host, port = service.url.removeprefix("http://").split(":")
    declared = 600 * 1024 * 1024  # over the default ADAPTMT_MAX_UPLOAD_MB of 512
    head = (
        f"POST /v1/translate HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + b"{")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 413")
    assert b"ADAPTMT_MAX_UPLOAD_MB" in answer


def test_the_openapi_document_describes_every_route(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()

    paths = spec["paths"]
    for path in ("/v1/translate", "/v1/memories/{memory_id}/import", "/v1/glossaries", "/readyz"):
        assert path in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
