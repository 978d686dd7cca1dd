"""Document jobs over HTTP: submit, progress, result in the same format, report, cancel."""

import asyncio
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from eval.standin import MARKER, StandIn
from service.app import create_app
from service.documents import read_document
from service.jobs import runner
from service.prompts import source_of
from tests.databases import execute
from tests.service.conftest import Served, settings_for
from tests.service.documents.samples import PO, XLIFF_12, docx
from tests.service.jobhelpers import submit, wait
from tm.store import open_store

NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
TRIM_WAIT_S = 5.0


def translated(filename: str, data: bytes, **langs: str) -> dict[str, str | None]:
    """Segment id -> its text in a result document, read back with the format's reader.

    Bilingual formats (XLIFF, PO) give the target; monolingual ones (DOCX) the new text.
    """
    document = read_document(data, filename, **({"source_lang": "en", "target_lang": "de"} | langs))
    return {s.id: s.source if s.target is None else s.target for s in document.segments}


def done_job(api: httpx.Client, filename: str, data: bytes, **form: str) -> dict:
    response = submit(api, filename, data, **form)
    assert response.status_code == 202, response.text
    job = wait(api, response.json()["id"])
    assert job["state"] == "done", job
    return job


@pytest.mark.parametrize(
    ("filename", "data"), [("guide.xlf", XLIFF_12), ("de.po", PO), ("guide.docx", docx())]
)
def test_a_document_comes_back_translated_in_place(
    api: httpx.Client, filename: str, data: bytes
) -> None:
    before = read_document(data, filename, source_lang="en", target_lang="de")
    job = done_job(api, filename, data)
    wanted = [s for s in before.segments if s.needs_translation and s.source.strip()]
    assert job["segments_done"] == job["segments_total"] == len(wanted) > 0
    assert job["progress"] == 1.0 and job["origins"] == {"llm": len(wanted)}
    result = api.get(f"/v1/jobs/{job['id']}/result")
    assert result.status_code == 200
    after = translated(filename, result.content)
    for segment in before.segments:
        if segment in wanted:
            assert after[segment.id] is not None and MARKER.strip() in after[segment.id]
        elif segment.target is not None:
            assert after[segment.id] == segment.target  # finished translations are kept


def test_the_report_lists_every_segment_in_document_order(api: httpx.Client) -> None:
    job = done_job(api, "guide.xlf", XLIFF_12)
    report = api.get(f"/v1/jobs/{job['id']}/report").json()
    document = read_document(XLIFF_12, "guide.xlf", source_lang="en", target_lang="de")
    order = [s.id for s in document.segments if s.needs_translation]
    assert [s["id"] for s in report["segments"]] == order
    first = report["segments"][0]
    assert first["origin"] == "llm" and first["band"] == "none" and first["score"] is None
    assert first["target"].startswith(MARKER) and first["repetition"] is False
    assert report["job"]["id"] == job["id"]


REPORT_ORDER_CHANGES = {
    # positions in the reports: the stored document is not read again
    "document gone": {
        "sqlite": "UPDATE jobs SET document = X'00' WHERE id = ?",
        "postgresql": "UPDATE jobs SET document = '\\x00'::bytea WHERE id = ?",
    },
    # reports saved before positions were kept: the document gives the order
    "no positions": {
        "sqlite": "UPDATE job_segments SET report = json_remove(report, '$.position')"
        " WHERE job_id = ?",
        "postgresql": "UPDATE job_segments SET report = (report::jsonb - 'position')::text"
        " WHERE job_id = ?",
    },
}


@pytest.mark.parametrize("change", list(REPORT_ORDER_CHANGES))
def test_the_report_order_comes_from_positions_or_the_document(
    api: httpx.Client, service: Served, change: str
) -> None:
    job = done_job(api, "guide.xlf", XLIFF_12)
    expected = [s["id"] for s in api.get(f"/v1/jobs/{job['id']}/report").json()["segments"]]
    assert len(expected) > 2
    assert service.settings is not None
    url = service.settings.database_url
    backend = "sqlite" if url.startswith("sqlite:") else "postgresql"
    execute(url, REPORT_ORDER_CHANGES[change][backend], (job["id"],))
    report = api.get(f"/v1/jobs/{job['id']}/report")
    assert report.status_code == 200, (change, report.text)
    assert [s["id"] for s in report.json()["segments"]] == expected


def test_repeated_segments_are_translated_once(api: httpx.Client, standin: StandIn) -> None:
    lines = ["Open the file.", "Close the file.", "Open the file.", "Open the file."]
    job = done_job(api, "notes.txt", "\n\n".join(lines).encode())
    asked = Counter(source_of(r.messages) for r in standin.requests)
    assert asked == {"Open the file.": 1, "Close the file.": 1}
    assert job["leverage"] == {"none": 2, "repetitions": 2}
    text = api.get(f"/v1/jobs/{job['id']}/result").text
    assert text.count(MARKER + "Open the file.") == 3


def test_tm_matches_are_reused_and_counted(api: httpx.Client, standin: StandIn) -> None:
    memory = api.post("/v1/memories", json={"name": "jobs-tm"}).json()["id"]
    api.post(
        f"/v1/memories/{memory}/units",
        json={
            "source": "Save it.",
            "target": "Speichern.",
            "source_lang": "en",
            "target_lang": "de",
        },
    ).raise_for_status()
    job = done_job(api, "a.txt", b"Save it.\n\nNothing alike whatsoever.", memories=memory)
    assert job["origins"] == {"tm": 1, "llm": 1}
    assert job["leverage"] == {"100": 1, "none": 1}
    assert api.get(f"/v1/jobs/{job['id']}/result").text.startswith("Speichern.")
    assert [source_of(r.messages) for r in standin.requests] == ["Nothing alike whatsoever."]


ALT_TRANS_XLIFF = b"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="a.txt" source-language="en" target-language="de" datatype="plaintext">
    <body>
      <trans-unit id="1"><source>Save the file to the disk now.</source></trans-unit>
      <trans-unit id="2"><source>Nothing alike whatsoever.</source></trans-unit>
      <trans-unit id="3"><source>Save the file to the disk now.</source></trans-unit>
    </body>
  </file>
</xliff>
"""


@pytest.mark.parametrize(
    ("options", "alternatives"),
    [
        ('{"alt_trans": true}', {"1": ["Datei speichern."], "2": [], "3": ["Datei speichern."]}),
        (None, {"1": [], "2": [], "3": []}),
    ],
)
def test_alt_trans_writes_each_segment_s_tm_matches(
    api: httpx.Client, options: str | None, alternatives: dict[str, list[str]]
) -> None:
    memory = api.post("/v1/memories", json={"name": f"alt-{options is None}"}).json()["id"]
    unit = {"source": "Save the file to the disk.", "target": "Datei speichern."}
    api.post(
        f"/v1/memories/{memory}/units", json=unit | {"source_lang": "en", "target_lang": "de"}
    ).raise_for_status()
    form = {"memories": memory} | ({"options": options} if options else {})
    job = done_job(api, "a.xlf", ALT_TRANS_XLIFF, **form)
    result = etree.fromstring(api.get(f"/v1/jobs/{job['id']}/result").content)
    found = {
        unit.get("id"): [
            alt.findtext("x:target", namespaces=NS) for alt in unit.iterfind("x:alt-trans", NS)
        ]
        for unit in result.iterfind(".//x:trans-unit", NS)
    }
    assert found == alternatives
    assert all(t is not None for t in translated("a.xlf", etree.tostring(result)).values())


def test_a_finished_job_gives_the_memory_it_freed_back(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    trims: list[str] = []
    monkeypatch.setattr(runner, "trim", lambda: trims.append("trimmed") or True)
    done_job(api, "guide.xlf", XLIFF_12)
    finished = time.monotonic()
    while not trims and time.monotonic() < finished + TRIM_WAIT_S:  # right after the job
        time.sleep(0.01)
    assert len(trims) == 1


def test_a_cancelled_job_stops_and_has_no_result(api: httpx.Client, standin: StandIn) -> None:
    standin.latency_s = 0.2
    text = "\n\n".join(f"Sentence number {n}." for n in range(300))
    job = submit(api, "long.txt", text.encode()).json()
    cancelled = api.delete(f"/v1/jobs/{job['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert api.get(f"/v1/jobs/{job['id']}").json()["state"] == "cancelled"
    result = api.get(f"/v1/jobs/{job['id']}/result")
    assert result.status_code == 409 and result.json()["error"]["code"] == "job_not_done"
    assert api.delete(f"/v1/jobs/{job['id']}").status_code == 409
    assert len(standin.requests) < 300


DTD_XLIFF = XLIFF_12.replace(
    b'<?xml version="1.0" encoding="UTF-8"?>',
    b'<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY e "boom">]>',
)


@pytest.mark.parametrize(
    ("filename", "data", "form", "status", "code", "says"),
    [
        ("broken.docx", b"PK\x03\x04 not really a zip", {}, 422, "invalid_document", "docx"),
        ("evil.xlf", DTD_XLIFF, {}, 422, "invalid_document", "DTD"),
        ("tool.exe", b"MZ", {}, 415, "unsupported_format", ".xlf"),
        ("guide.xlf", XLIFF_12, {"source_lang": "fr"}, 422, "invalid_document", "en-US"),
        ("a.txt", b"Hi.", {"memories": "mem_nope"}, 404, "unknown_memory", "mem_nope"),
        ("a.txt", b"Hi.", {"options": '{"ape": "x"}'}, 422, "invalid_file", "ape"),
    ],
)
def test_bad_input_is_refused_and_creates_no_job(
    api: httpx.Client, filename: str, data: bytes, form: dict, status: int, code: str, says: str
) -> None:
    jobs_before = api.get("/v1/jobs").json()["jobs"]
    response = submit(api, filename, data, **form)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and says.lower() in error["message"].lower()
    assert api.get("/v1/jobs").json()["jobs"] == jobs_before


def test_unknown_job_is_404(api: httpx.Client) -> None:
    for path in ("", "/result", "/report"):
        response = api.get(f"/v1/jobs/job_nope{path}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_job"


@pytest.fixture(scope="module")
def two_tenants(
    server: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, list[str]]]:
    """A service with a 1 MiB upload limit and keys for two tenants."""
    settings = settings_for(tmp_path_factory.mktemp("tenants"), server.base_url, max_upload_mb=1)

    async def make_keys() -> list[str]:
        async with open_store(settings.database_url) as store:
            return [(await store.create_key(t))[1] for t in ("acme", "globex")]

    keys = asyncio.run(make_keys())
    served = Served(create_app(settings), settings)
    yield served, keys
    served.stop()


def test_another_tenants_job_is_404(two_tenants: tuple[Served, list[str]]) -> None:
    served, (acme, globex) = two_tenants
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {acme}"}) as a:
        job = submit(a, "a.txt", b"Hello.").json()
        wait(a, job["id"])
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {globex}"}) as g:
        for method, path in [("GET", ""), ("GET", "/result"), ("GET", "/report"), ("DELETE", "")]:
            assert g.request(method, f"/v1/jobs/{job['id']}{path}").status_code == 404
        assert g.get("/v1/jobs").json()["jobs"] == []


def test_an_oversize_upload_is_413(two_tenants: tuple[Served, list[str]]) -> None:
    served, (acme, _) = two_tenants
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {acme}"}) as a:
        before = a.get("/v1/jobs").json()["jobs"]
        response = submit(a, "big.txt", b"word " * (300 * 1024))
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "request_too_large"
        assert a.get("/v1/jobs").json()["jobs"] == before
