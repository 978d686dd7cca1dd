"""Translating a test set under one configuration, through the service's real pipeline.

Each segment is one `TranslationRequest` (so it can carry its own glossary, as the WMT 2023
terminology protocol gives every segment its own terms), run concurrently up to the LLM
client's bound, with a progress bar on stderr when it is a terminal. The outcome of every
segment is kept as a `SegmentRecord`: the hypothesis, where it came from and what it cost.
"""

import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tqdm import tqdm

from eval.cache import CachedLLM
from eval.configs import Config
from eval.testset import EvalSet
from eval.workspace import Workspace
from service.pipeline import Options, SegmentResult, TranslationRequest, Translator


@dataclass(slots=True)
class SegmentRecord:
    """One segment's outcome under one configuration."""

    index: int
    source: str
    reference: str
    hypothesis: str | None  # None when the LLM call failed
    origin: str | None  # tm, llm or llm+ape
    best_match: int | None  # score of the best TM match used (as reuse or example)
    examples: int  # TM matches in the prompt
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    llm_ms: float  # the LLM's latency summed over the segment's calls
    error: str | None

    @property
    def text(self) -> str:
        """The hypothesis, or an empty string for a failed segment (it scores as such)."""
        return self.hypothesis or ""


@dataclass(slots=True)
class ConfigRun:
    """A configuration's records and what the run cost."""

    config: Config
    records: list[SegmentRecord]
    wall_s: float
    llm_requests: int  # chat requests that reached the server
    cache_hits: int  # chat requests answered from the cache


class Runner:
    """Runs configurations of a test set through one translator."""

    def __init__(
        self,
        translator: Translator,
        llm: CachedLLM,
        evalset: EvalSet,
        workspace: Workspace,
        options: Options,
        *,
        concurrency: int,
    ) -> None:
        self.translator = translator
        self.llm = llm
        self.evalset = evalset
        self.workspace = workspace
        self.options = options
        self.concurrency = concurrency

    async def run(self, config: Config) -> ConfigRun:
        """Translate every segment under `config`."""
        options = replace(self.options, max_examples=config.examples, ape=config.ape)
        slots = asyncio.Semaphore(self.concurrency)
        hits, calls = self.llm.hits, self.llm.calls
        started = time.perf_counter()
        with tqdm(
            total=len(self.evalset), desc=config.name, unit="seg", file=sys.stderr, disable=None
        ) as bar:

            async def one(index: int) -> SegmentRecord:
                async with slots:
                    record = await self._translate(index, config, options)
                bar.update()
                return record

            records = await asyncio.gather(*(one(i) for i in range(len(self.evalset))))
        return ConfigRun(
            config,
            list(records),
            time.perf_counter() - started,
            self.llm.calls - calls,
            self.llm.hits - hits,
        )

    async def _translate(self, index: int, config: Config, options: Options) -> SegmentRecord:
        evalset, workspace = self.evalset, self.workspace
        glossaries: Sequence[str] = ()
        if config.terms and workspace.glossaries is not None:
            glossaries = workspace.glossaries[index]
        request = TranslationRequest(
            [evalset.sources[index]],
            evalset.source_lang,
            evalset.target_lang,
            memories=workspace.memories if config.examples else (),
            glossaries=glossaries,
            options=options,
            request_id=f"eval-{config.name}-{index}",
        )
        result = (await self.translator.translate(request)).segments[0]
        return _record(index, evalset.references[index], result)


def _record(index: int, reference: str, result: SegmentResult) -> SegmentRecord:
    usage = result.usage
    return SegmentRecord(
        index=index,
        source=result.source,
        reference=reference,
        hypothesis=result.text,
        origin=str(result.origin) if result.origin else None,
        best_match=max((m.score for m in result.matches), default=None),
        examples=0 if result.origin == "tm" else len(result.matches),
        llm_calls=result.llm_calls,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        llm_ms=result.timings.llm_ms,
        error=result.error.message if result.error else None,
    )
