"""LLM answers cached by prompt and scores by input (`eval.cache`), against the stand-in."""

from pathlib import Path

from eval.cache import Cache, CachedLLM, prompt_key
from eval.standin import StandIn
from service.llm import Completion, LLMConfig, Usage

MESSAGES = [{"role": "system", "content": "Translate."}, {"role": "user", "content": "Hello"}]


async def test_same_prompt_is_answered_from_the_cache(tmp_path: Path, standin: StandIn) -> None:
    standin.add_reply("Hello", "Bonjour")
    cache = Cache(tmp_path / "cache.sqlite3")
    config = LLMConfig(base_url=standin.base_url, max_retries=0)

    async with CachedLLM(config, cache) as llm:
        first = await llm.chat(MESSAGES, max_tokens=64)
        again = await llm.chat(MESSAGES, max_tokens=64)
        longer = await llm.chat(MESSAGES, max_tokens=65)
    cache.close()
    reopened = Cache(tmp_path / "cache.sqlite3")  # a later run

    async with CachedLLM(config, reopened) as llm:
        replayed = await llm.chat(MESSAGES, max_tokens=64)

    assert len(standin.requests) == 2  # the first and the max_tokens=65 one
    assert again == first == replayed  # latency and usage of the original call
    assert first.text == longer.text == "Bonjour" and first.usage is not None
    assert (llm.hits, llm.calls) == (1, 0)
    assert reopened.last_model() == "standin-model"


def test_key_covers_model_messages_and_parameters() -> None:
    base = prompt_key("m", MESSAGES, 64, 0.0)

    assert base == prompt_key("m", [dict(m) for m in MESSAGES], 64, 0.0)
    assert len({base, prompt_key("n", MESSAGES, 64, 0.0), prompt_key("m", MESSAGES, 64, 0.5),
                prompt_key("m", MESSAGES[1:], 64, 0.0)}) == 4  # fmt: skip


def test_scores_by_signature_and_input(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache.sqlite3")
    items = [("src", "mt", "ref"), ("src", "mt", None)]

    cache.put_scores("COMET|a", items, [0.5, 0.25])

    assert cache.scores("COMET|a", [*items, ("x", "y", None)]) == [0.5, 0.25, None]
    assert cache.scores("COMET|b", items) == [None, None]
    completion = Completion("t", "stop", Usage(3, 4), "m", 0.1, 0)
    cache.put_completion("k", completion)
    assert cache.completion("k") == completion and cache.completion("other") is None
