"""`/metrics` over real HTTP: the counters and histograms move as requests go through."""

from collections.abc import Iterator, Sequence

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from eval.standin import StandIn
from service.app import create_app
from service.prompts import estimate_messages, estimate_tokens
from service.qe import QEItem
from tests.service.conftest import Served, settings_for
from tests.service.jobhelpers import submit, wait

EN_FR = {"source_lang": "en", "target_lang": "fr"}
LOW_QE, HIGH_QE = 0.25, 0.85
"""What the test estimator gives a translation with / without the word "maybe"."""

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class FixedEstimator:
    """A QE stand-in: low for a translation that hedges ("maybe"), high otherwise."""

    signature = "test-qe|fixed"

    async def load(self) -> None:
        return None

    async def score(self, items: Sequence[QEItem]) -> list[float]:
        return [LOW_QE if "maybe" in item.translation else HIGH_QE for item in items]


@pytest.fixture(scope="module")
def service(server: StandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A service with QE, reviewing below 0.5, and one retry per LLM call."""
    settings = settings_for(
        tmp_path_factory.mktemp("metrics"), server.base_url, qe_review_below=0.5, job_poll_s=0.05
    )
    served = Served(create_app(settings, estimator=FixedEstimator()), settings)
    yield served
    served.stop()


def scrape(api: httpx.Client) -> Samples:
    """Every sample of `/metrics`, by name and labels."""
    response = api.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples) -> dict[tuple[str, frozenset], float]:
    """The samples that changed, with how much."""
    return {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if after[key] != before.get(key, 0.0)
    }


def counts(change: dict[tuple[str, frozenset], float]) -> dict[tuple[str, frozenset], float]:
    """The samples that count things: not histogram sums and buckets (timings), nor `_created`."""
    return {k: v for k, v in change.items() if not k[0].endswith(("_sum", "_bucket", "_created"))}


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


def _memory(api: httpx.Client, pairs: list[tuple[str, str]]) -> str:
    memory_id: str = api.post("/v1/memories", json={"name": "metrics"}).json()["id"]
    for source, target in pairs:
        unit = {"source": source, "target": target, **EN_FR}
        assert api.post(f"/v1/memories/{memory_id}/units", json=unit).status_code == 201
    return memory_id


def _glossary(api: httpx.Client, terms: dict[str, str]) -> str:
    glossary_id: str = api.post("/v1/glossaries", json={"name": "metrics", **EN_FR}).json()["id"]
    entries = [{"source": s, "targets": [t]} for s, t in terms.items()]
    assert api.post(f"/v1/glossaries/{glossary_id}/entries", json={"entries": entries}).is_success
    return glossary_id


def test_a_tm_hit_and_a_post_edited_llm_segment_move_the_expected_series(
    api: httpx.Client, standin: StandIn
) -> None:
    memory = _memory(
        api,
        [
            ("Save the file.", "Enregistrez le fichier."),
            ("Click OK to continue.", "Cliquez sur OK pour continuer."),
        ],
    )
    glossary = _glossary(api, {"cancel": "annuler"})
    standin.add_reply(
        "Click Cancel", ["Cliquez sur Stop pour continuer.", "Cliquez sur annuler pour continuer."]
    )
    before = scrape(api)

    response = api.post(
        "/v1/translate",
        json={
            **EN_FR,
            "segments": ["Save the file.", "Click Cancel to continue."],
            "memories": [memory],
            "glossaries": [glossary],
        },
    )

    assert response.status_code == 200, response.text
    assert [s["origin"] for s in response.json()["segments"]] == ["tm", "llm+ape"]
    assert response.json()["segments"][1]["matches"][0]["score"] == 75
    prompt_tokens = sum(estimate_messages(r.messages) for r in standin.requests)
    completion_tokens = estimate_tokens("Cliquez sur Stop pour continuer.") + estimate_tokens(
        "Cliquez sur annuler pour continuer."
    )
    assert counts(moved(before, scrape(api))) == {
        key("adaptmt_segments_total", origin="tm"): 1,
        key("adaptmt_segments_total", origin="llm+ape"): 1,
        **_histogram("adaptmt_segment_seconds", 1, origin="tm"),
        **_histogram("adaptmt_segment_seconds", 1, origin="llm+ape"),
        **_histogram("adaptmt_segment_step_seconds", 2, step="tm"),
        **_histogram("adaptmt_segment_step_seconds", 1, step="terms"),
        **_histogram("adaptmt_segment_step_seconds", 1, step="prompt"),
        **_histogram("adaptmt_segment_step_seconds", 1, step="checks"),
        key("adaptmt_tm_matches_total", band="100"): 1,
        key("adaptmt_tm_matches_total", band="75-84"): 1,
        key("adaptmt_terms_total", status="present"): 1,
        key("adaptmt_ape_total", outcome="used"): 1,
        **_histogram("adaptmt_qe_score", 1),
        key("adaptmt_llm_requests_total", outcome="ok"): 2,
        **_histogram("adaptmt_llm_request_seconds", 2),
        key("adaptmt_llm_tokens_total", kind="prompt"): prompt_tokens,
        key("adaptmt_llm_tokens_total", kind="completion"): completion_tokens,
        **_histogram("adaptmt_llm_call_tokens", 2, kind="prompt"),
        **_histogram("adaptmt_llm_call_tokens", 2, kind="completion"),
        **_histogram("adaptmt_http_request_seconds", 1, route="/v1/translate"),
        key("adaptmt_http_requests_total", method="POST", route="/v1/translate", status="200"): 1,
        key("adaptmt_http_requests_total", method="GET", route="/metrics", status="200"): 1,
        **_histogram("adaptmt_http_request_seconds", 1, route="/metrics"),  # the first scrape
    }


def _histogram(name: str, count: int, **labels: str) -> dict[tuple[str, frozenset], float]:
    """The `_count` of a histogram series, moved by `count`."""
    return {key(f"{name}_count", **labels): count}


def test_qe_scores_fall_in_their_buckets_and_low_ones_are_marked_for_review(
    api: httpx.Client, standin: StandIn
) -> None:
    standin.add_reply("Perhaps", "Peut-être, maybe.")
    before = scrape(api)

    response = api.post(
        "/v1/translate", json={**EN_FR, "segments": ["Perhaps later.", "See you soon."]}
    )

    assert [s["qe"] for s in response.json()["segments"]] == [LOW_QE, HIGH_QE]
    change = moved(before, scrape(api))
    assert change[key("adaptmt_segments_needs_review_total")] == 1
    assert change[key("adaptmt_qe_score_sum")] == pytest.approx(LOW_QE + HIGH_QE)
    assert change[key("adaptmt_qe_score_bucket", le="0.3")] == 1  # the low score only
    assert key("adaptmt_qe_score_bucket", le="0.2") not in change
    assert change[key("adaptmt_qe_score_bucket", le="0.9")] == 2


def test_llm_errors_and_retries_are_counted_by_code(api: httpx.Client, standin: StandIn) -> None:
    before = scrape(api)
    standin.fail_next(1, status=503)  # one retry, then an answer
    recovered = api.post("/v1/translate", json={**EN_FR, "segments": ["Good morning."]})
    standin.fail_next(2, status=503)  # the first attempt and its one retry
    failed = api.post("/v1/translate", json={**EN_FR, "segments": ["Good night."]})

    assert (recovered.status_code, failed.status_code) == (200, 503)
    change = moved(before, scrape(api))
    assert change[key("adaptmt_llm_requests_total", outcome="ok")] == 1
    assert change[key("adaptmt_llm_requests_total", outcome="llm_unavailable")] == 1
    assert change[key("adaptmt_llm_retries_total")] == 2
    assert change[key("adaptmt_segments_total", origin="error")] == 1
    assert change[key("adaptmt_tm_matches_total", band="none")] == 2


def test_the_job_gauges_show_the_shared_queue(api: httpx.Client, standin: StandIn) -> None:
    job = submit(api, "notes.txt", b"First line.\n\nSecond line.\n", target_lang="fr")
    assert job.status_code == 202, job.text
    wait(api, job.json()["id"])
    sent = {r.headers.get("x-request-id") for r in standin.requests}
    assert sent == {job.json()["id"]}  # the job's LLM calls carry its id

    samples = scrape(api)

    assert samples[key("adaptmt_jobs", state="done")] >= 1
    assert samples[key("adaptmt_jobs", state="queued")] == 0
    assert samples[key("adaptmt_jobs", state="running")] == 0
    assert samples[key("adaptmt_job_segments_pending")] == 0
    assert samples[key("adaptmt_segments_total", origin="llm")] >= 2  # jobs are counted too


def test_the_request_id_reaches_the_llm_and_comes_back(api: httpx.Client, standin: StandIn) -> None:
    response = api.post(
        "/v1/translate",
        json={**EN_FR, "segments": ["Good evening."]},
        headers={"X-Request-ID": "req-42.abc"},
    )

    assert response.headers["x-request-id"] == "req-42.abc"
    assert [r.headers.get("x-request-id") for r in standin.requests] == ["req-42.abc"]


@pytest.mark.parametrize(
    "sent",
    ["has spaces in it", "x" * 129, 'quote"d', ""],
)
def test_an_unusable_request_id_is_replaced_by_a_new_one_sent_everywhere(
    api: httpx.Client, standin: StandIn, sent: str
) -> None:
    response = api.post(
        "/v1/translate",
        json={**EN_FR, "segments": ["Good evening, again."]},
        headers={"X-Request-ID": sent},
    )

    new = response.headers["x-request-id"]
    assert new != sent and len(new) == 32
    assert [r.headers.get("x-request-id") for r in standin.requests] == [new]
