"""The report of a run: a JSON file for programs, a Markdown file for people.

Every figure carries its signature: the metric's own (sacrebleu's, COMET's, the term
matcher's) followed by the configuration's (name, k, terms, APE) and the LLM model, so two
reports can be compared figure by figure. The Markdown has the test set's own figures (no
LLM involved), one quality table and one pipeline table with a row per configuration (the
best value of each column in bold), and the signatures.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.configs import Config
from eval.scores import Kind, Score, Unit

JSON_FILE = "report.json"
MARKDOWN_FILE = "report.md"


@dataclass(slots=True)
class ConfigResult:
    """One configuration's figures and the cost of its run."""

    config: Config
    scores: list[Score]
    wall_s: float = 0.0
    llm_requests: int = 0
    cache_hits: int = 0


@dataclass(slots=True)
class Report:
    """Everything a run measured."""

    title: str
    about: dict[str, Any]  # test set, languages, TM, terms, LLM, versions, date
    data: list[Score]  # figures of the test set itself, no LLM involved
    configs: list[ConfigResult] = field(default_factory=list)
    llm_model: str | None = None

    def context(self, config: Config) -> str:
        """The run part of a figure's signature."""
        return f"{config.signature}|llm:{self.llm_model or 'none'}"

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "title": self.title,
            "about": self.about,
            "data": [_score_json(score, score.signature) for score in self.data],
            "configurations": [
                {
                    "name": result.config.name,
                    "k": result.config.examples,
                    "terms": result.config.terms,
                    "ape": result.config.ape,
                    "signature": self.context(result.config),
                    "wall_s": round(result.wall_s, 3),
                    "llm_requests": result.llm_requests,
                    "cache_hits": result.cache_hits,
                    "scores": [
                        _score_json(score, score.signed(self.context(result.config)))
                        for score in result.scores
                    ],
                }
                for result in self.configs
            ],
        }

    def to_markdown(self) -> str:
        """The report as a Markdown page."""
        lines = [f"# {self.title}", ""]
        lines += [f"- {key}: {value}" for key, value in self.about.items() if value is not None]
        if self.data:
            lines += ["", "## The test set (no LLM)", "", "| figure | value |", "|---|---:|"]
            lines += [f"| {score.metric} | {format_value(score)} |" for score in self.data]
        for kind, heading in ((Kind.QUALITY, "Quality"), (Kind.PIPELINE, "Pipeline")):
            table = self._table(kind)
            if table:
                lines += ["", f"## {heading}", "", *table]
        lines += ["", "## Signatures", ""]
        lines += [f"- {metric}: `{signature}`" for metric, signature in self._signatures()]
        lines += [f"- {r.config.name}: `{self.context(r.config)}`" for r in self.configs]
        return "\n".join(lines) + "\n"

    def metrics(self, kind: Kind) -> list[str]:
        """The metrics of a kind, in the order the configurations report them."""
        names: dict[str, None] = {}
        for result in self.configs:
            names.update((s.metric, None) for s in result.scores if s.kind is kind)
        return list(names)

    def _table(self, kind: Kind) -> list[str]:
        metrics = self.metrics(kind)
        if not metrics:
            return []
        by_config = [{s.metric: s for s in result.scores} for result in self.configs]
        best = {metric: _best(row.get(metric) for row in by_config) for metric in metrics}
        header = [f"{m} {'↑' if _higher(by_config, m) else '↓'}" for m in metrics]
        lines = [
            "| configuration | " + " | ".join(header) + " |",
            "|---|" + "---:|" * len(metrics),
        ]
        for result, row in zip(self.configs, by_config, strict=True):
            cells = []
            for metric in metrics:
                score = row.get(metric)
                cell = format_value(score) if score else "–"
                if kind is Kind.QUALITY and score is not None and score.value == best[metric]:
                    cell = f"**{cell}**"
                cells.append(cell)
            lines.append(f"| {result.config.name} | " + " | ".join(cells) + " |")
        return lines

    def _signatures(self) -> list[tuple[str, str]]:
        """Each metric's own signature once (the first configuration's)."""
        seen: dict[str, str] = {score.metric: score.signature for score in self.data}
        for result in self.configs:
            for score in result.scores:
                seen.setdefault(score.metric, score.signature)
        return list(seen.items())


def _score_json(score: Score, signature: str) -> dict[str, Any]:
    return {
        "metric": score.metric,
        "value": score.value,
        "signature": signature,
        "higher_is_better": score.higher_is_better,
        "kind": str(score.kind),
        "unit": str(score.unit),
    }


def _higher(rows: Sequence[dict[str, Score]], metric: str) -> bool:
    return next((row[metric].higher_is_better for row in rows if metric in row), True)


def _best(scores: Iterable[Score | None]) -> float | None:
    present = [s for s in scores if s is not None]
    if not present:
        return None
    values = [s.value for s in present]
    return max(values) if present[0].higher_is_better else min(values)


def format_value(score: Score) -> str:
    """A figure as the Markdown tables write it."""
    if score.unit is Unit.SHARE:
        return f"{score.value * 100:.1f}%"
    if score.unit in (Unit.MS, Unit.COUNT):
        return f"{score.value:,.0f}"
    return f"{score.value:.4f}" if abs(score.value) < 2 else f"{score.value:.2f}"


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """Write report.json and report.md to `out_dir`; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / JSON_FILE
    json_path.write_text(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    markdown_path = out_dir / MARKDOWN_FILE
    markdown_path.write_text(report.to_markdown(), encoding="utf-8")
    return [json_path, markdown_path]
