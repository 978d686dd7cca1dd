"""Every prompt the service sends to the LLM: translation with few-shot examples and terms, and APE.

A translation prompt is a chat conversation laid out for vLLM's prefix cache and for the
model's attention:

1. a system message that depends only on the language pair (names, not codes), so every
   request of a pair shares its prefix and vLLM serves it from the cache;
2. the translation-memory matches as examples, least similar first, so the most similar
   one sits right before the new source (Moslem et al. 2023, "Adaptive Machine
   Translation with Large Language Models");
3. the required terms ("translate X as Y", "never use Z", "keep W untranslated");
4. the source, always last.

Examples are dropped, least similar first, until the prompt fits a token budget; the
source and the terms are never dropped.

Few-shot layout (`FewShotLayout`): `TURNS` (the default) writes each example as a user
turn with its source and an assistant turn with its target. Instruction-tuned models are
trained to answer the last user turn in the manner of the earlier assistant turns, so
turns show the exact expected output, the bare translation, and curb the "Here is the
translation:" chatter that is their commonest failure in MT. `BLOCK` puts the examples
in one numbered list inside the final user message, closer to the single completion
prompt of the paper and a few template tokens cheaper per example; it is there to
compare the two in evaluation.

Token counts are estimated (`estimate_tokens`, characters / `CHARS_PER_TOKEN`); any
callable from text to tokens, such as a real tokenizer's, can replace the estimate.
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from tm.langs import display_name
from tm.models import GlossaryEntry

CHARS_PER_TOKEN = 3.5
"""Characters per token of a typical multilingual BPE vocabulary on European text; errs on the
high side of the token count for English and low for CJK, hence the budget's margin is the
caller's choice."""

MESSAGE_OVERHEAD_TOKENS = 4
"""Tokens a chat template adds around each message (role markers, separators)."""

TokenEstimator = Callable[[str], int]
Message = dict[str, str]


def estimate_tokens(text: str) -> int:
    """A cheap token estimate: characters divided by CHARS_PER_TOKEN, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_messages(
    messages: Sequence[Message], estimate: TokenEstimator = estimate_tokens
) -> int:
    """Estimated prompt tokens of a chat conversation, template overhead included."""
    return sum(estimate(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages)


class FewShotLayout(StrEnum):
    """How translation-memory examples are laid out in the conversation."""

    TURNS = "turns"  # one user turn (source) and one assistant turn (target) per example
    BLOCK = "block"  # one numbered block of examples inside the final user message


DEFAULT_LAYOUT = FewShotLayout.TURNS


@dataclass(frozen=True, slots=True)
class Example:
    """A translation-memory match shown to the model: source, target and 0-100 similarity."""

    source: str
    target: str
    score: float


@dataclass(frozen=True, slots=True)
class Prompt:
    """A built translation prompt and how it was fitted to the budget."""

    messages: list[Message]
    examples: tuple[Example, ...]  # the examples used, in prompt order (ascending similarity)
    dropped: int  # examples left out to fit the budget or `max_examples`
    estimated_tokens: int
    over_budget: bool  # the source and terms alone exceed the budget


_SYSTEM = (
    "You are a professional translator. Translate the text the user sends from {source} "
    "into {target}.\n"
    "Reply with the {target} translation only: no explanation, notes, labels or quotation marks.\n"
    "Inline tags such as <t1>, </t1> and <t2/> stand for formatting and placeholders: keep every "
    "tag exactly once, unchanged, around the words it belongs to.\n"
    "Keep every number with its value, written as is usual in {target}.\n"
    "When required terminology is listed, use the required translations and never the "
    "forbidden ones.\n"
    "When earlier translations are given, follow their wording and style."
)
_TRANSLATE_HEADER = "Translate from {source} into {target}:"
_TRANSLATE_HEADER_RE = re.compile(r"^Translate from [^\n]+ into [^\n]+:\n", re.MULTILINE)
_TERMS_HEADER = "Required terminology:"
_CONTEXT_HEADER = "Context of the text (for meaning and style only; do not translate it):"
_EXAMPLES_HEADER = "Earlier translations of similar texts, the most similar last:"
_EXAMPLE = "Example {number}\n{source_name}: {source}\n{target_name}: {target}"

_APE_SYSTEM = (
    "You are a professional post-editor of {source}-to-{target} translations. You receive a "
    "source text, a draft {target} translation and a list of problems in the draft.\n"
    "Fix only the problems listed and change nothing else.\n"
    "Inline tags such as <t1>, </t1> and <t2/> must each appear exactly once, as in the source.\n"
    "Reply with the corrected {target} translation only: no explanation, notes, labels or "
    "quotation marks."
)
_APE_USER = (
    "Source ({source}):\n{source_text}\n\n"
    "Draft translation ({target}):\n{draft}\n\n"
    "Problems to fix:\n{problems}\n\n"
    "Fix only what is listed, change nothing else, and output only the corrected translation."
)
_APE_SOURCE_RE = re.compile(r"^Source \([^\n]+\):\n(.*?)\n\nDraft translation \(", re.DOTALL)


@lru_cache(maxsize=1024)
def _pair_text(template: str, source_lang: str, target_lang: str) -> str:
    return template.format(source=display_name(source_lang), target=display_name(target_lang))


def system_message(source_lang: str, target_lang: str) -> Message:
    """The translation system message: identical for every request of a language pair."""
    return {"role": "system", "content": _pair_text(_SYSTEM, source_lang, target_lang)}


def ape_system_message(source_lang: str, target_lang: str) -> Message:
    """The post-editing system message: identical for every request of a language pair."""
    return {"role": "system", "content": _pair_text(_APE_SYSTEM, source_lang, target_lang)}


def format_term(entry: GlossaryEntry) -> str:
    """One line of the terminology list: what to use for a term and what never to use."""
    if entry.do_not_translate:
        line = f'keep "{entry.source}" untranslated'
    else:
        allowed = " or ".join(f'"{target}"' for target in entry.targets)
        line = f'translate "{entry.source}" as {allowed}'
    if entry.forbidden:
        line += "; never use " + " or ".join(f'"{form}"' for form in entry.forbidden)
    return f"- {line}"


def _source_turn(
    source: str, terms: Sequence[GlossaryEntry], names: dict[str, str], context: str | None = None
) -> str:
    parts = [f"{_CONTEXT_HEADER}\n{context}"] if context else []
    if terms:
        parts.append(_TERMS_HEADER + "\n" + "\n".join(map(format_term, terms)))
    parts.append(_TRANSLATE_HEADER.format(**names) + "\n" + source)
    return "\n\n".join(parts)


def _examples_block(examples: Sequence[Example], names: dict[str, str]) -> str:
    entries = [
        _EXAMPLE.format(
            number=number,
            source_name=names["source"],
            target_name=names["target"],
            source=example.source,
            target=example.target,
        )
        for number, example in enumerate(examples, start=1)
    ]
    return "\n\n".join([_EXAMPLES_HEADER, *entries])


def _messages(
    source: str,
    examples: Sequence[Example],
    terms: Sequence[GlossaryEntry],
    layout: FewShotLayout,
    pair: tuple[str, str],
    context: str | None = None,
) -> list[Message]:
    system = system_message(*pair)
    names = {"source": display_name(pair[0]), "target": display_name(pair[1])}
    final = _source_turn(source, terms, names, context)
    if layout is FewShotLayout.BLOCK:
        content = f"{_examples_block(examples, names)}\n\n{final}" if examples else final
        return [system, {"role": "user", "content": content}]
    turns: list[Message] = []
    for example in examples:
        turns.append({"role": "user", "content": _source_turn(example.source, (), names)})
        turns.append({"role": "assistant", "content": example.target})
    return [system, *turns, {"role": "user", "content": final}]


def _by_similarity(examples: Sequence[Example]) -> list[Example]:
    """Distinct examples, least similar first (the best score of duplicates kept)."""
    best: dict[tuple[str, str], Example] = {}
    for example in examples:
        key = (example.source, example.target)
        if key not in best or example.score > best[key].score:
            best[key] = example
    return sorted(best.values(), key=lambda example: example.score)


def build_translation_prompt(
    source: str,
    *,
    source_lang: str,
    target_lang: str,
    examples: Sequence[Example] = (),
    terms: Sequence[GlossaryEntry] = (),
    layout: FewShotLayout = DEFAULT_LAYOUT,
    max_prompt_tokens: int | None = None,
    max_examples: int | None = None,
    estimate: TokenEstimator = estimate_tokens,
    context: str | None = None,
) -> Prompt:
    """Build the chat messages that translate `source`, fitted to `max_prompt_tokens`.

    The kept examples are always the most similar ones: the budget drops the least similar
    first and never the source or the terms (`over_budget` says when those alone are too
    long). `max_examples` caps the count, e.g. to retry after a context-length error.
    `context` (e.g. the text around a segment, sent by a DeepL-style client) goes before the
    terms in the last user turn, marked as not to be translated.
    """
    ranked = _by_similarity(examples)
    keep = len(ranked) if max_examples is None else max(0, min(max_examples, len(ranked)))
    pair = (source_lang, target_lang)
    while True:
        used = ranked[len(ranked) - keep :] if keep else []
        messages = _messages(source, used, terms, layout, pair, context)
        tokens = estimate_messages(messages, estimate)
        fits = max_prompt_tokens is None or tokens <= max_prompt_tokens
        if fits or keep == 0:
            return Prompt(messages, tuple(used), len(ranked) - keep, tokens, over_budget=not fits)
        keep -= 1


def build_ape_prompt(
    source: str,
    draft: str,
    problems: Sequence[str],
    *,
    source_lang: str,
    target_lang: str,
) -> list[Message]:
    """Build the automatic post-editing messages: fix only the listed problems of `draft`."""
    user = _APE_USER.format(
        source=display_name(source_lang),
        target=display_name(target_lang),
        source_text=source,
        draft=draft,
        problems="\n".join(f"- {problem}" for problem in problems),
    )
    return [ape_system_message(source_lang, target_lang), {"role": "user", "content": user}]


def source_of(messages: Sequence[Message]) -> str | None:
    """The source text of a translation or APE prompt built here (its last user message)."""
    content = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), None)
    if content is None:
        return None
    if ape := _APE_SOURCE_RE.match(content):
        return ape.group(1)
    if header := _TRANSLATE_HEADER_RE.search(content):
        return content[header.end() :]
    return None
