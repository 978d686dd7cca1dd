"""The Grafana dashboard in `k8s/` queries only metrics the service exports."""

import json
import re
from pathlib import Path

import pytest

from service.metrics import Metrics

DASHBOARD = json.loads(
    (Path(__file__).resolve().parents[2] / "k8s/base/grafana/adaptmt.json").read_text()
)
EXPRESSIONS = [t["expr"] for panel in DASHBOARD["panels"] for t in panel["targets"]]
METRIC = re.compile(r"\badaptmt_[a-z_]+")
SUFFIXES = ("_total", "_bucket", "_count", "_sum")


def exported() -> set[str]:
    """Every sample name a fresh service registry exposes (counters with `_total`)."""
    names = set()
    for family in Metrics().registry.collect():
        names.add(family.name)
        names |= {family.name + suffix for suffix in SUFFIXES}
    return names


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_every_query_names_an_exported_metric(expr: str) -> None:
    used = set(METRIC.findall(expr))
    assert used and used <= exported(), used - exported()


def test_the_dashboard_covers_each_family_the_issue_names() -> None:
    used = {name for expr in EXPRESSIONS for name in METRIC.findall(expr)}
    for wanted in (
        "adaptmt_http_request_seconds_bucket",
        "adaptmt_segment_seconds_bucket",
        "adaptmt_llm_request_seconds_bucket",
        "adaptmt_llm_tokens_total",
        "adaptmt_llm_requests_total",
        "adaptmt_llm_retries_total",
        "adaptmt_tm_matches_total",
        "adaptmt_terms_total",
        "adaptmt_ape_total",
        "adaptmt_qe_score_bucket",
        "adaptmt_jobs",
    ):
        assert wanted in used, wanted


def test_panels_do_not_overlap_and_have_unique_ids() -> None:
    panels = DASHBOARD["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells = [
        (x, y)
        for p in panels
        for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
        for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells))
