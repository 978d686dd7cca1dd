"""Helpers of the job tests: submit a document over HTTP and wait for its job."""

import time
from typing import Any

import httpx

WAIT_S = 20.0
POLL_S = 0.05
FINISHED = ("done", "failed", "cancelled")


def submit(api: httpx.Client, filename: str, data: bytes, **form: Any) -> httpx.Response:
    """POST /v1/jobs with a file and form fields (en -> de unless told otherwise)."""
    fields = {"source_lang": "en", "target_lang": "de"} | form
    return api.post("/v1/jobs", files={"file": (filename, data)}, data=fields)


def wait(api: httpx.Client, job_id: str, until: Any = None) -> dict[str, Any]:
    """The job once `until(job)` holds (default: it finished)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}").raise_for_status().json()
        if (until or (lambda j: j["state"] in FINISHED))(job):
            return job
        assert time.monotonic() < deadline, f"job still {job['state']}: {job}"
        time.sleep(POLL_S)
