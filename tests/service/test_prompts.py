from typing import Any

import pytest

from service.prompts import (
    Example,
    FewShotLayout,
    Prompt,
    build_ape_prompt,
    build_translation_prompt,
    estimate_messages,
    estimate_tokens,
    format_term,
    source_of,
    system_message,
)
from tm.models import GlossaryEntry

EXAMPLES = [  # deliberately not in score order
    Example("Open the file", "Öffnen Sie die Datei", 81),
    Example("Save the file now", "Speichern Sie die Datei jetzt", 97),
    Example("Close the window", "Schließen Sie das Fenster", 72),
]
TERMS = [
    GlossaryEntry("file", ["Datei"], forbidden=["Akte"]),
    GlossaryEntry("Acme", [], do_not_translate=True),
]
SOURCE = "Save the <t1>file</t1>"


def build(**kwargs: Any) -> Prompt:
    arguments = {
        "source_lang": "en",
        "target_lang": "de",
        "examples": EXAMPLES,
        "terms": TERMS,
    } | kwargs
    return build_translation_prompt(SOURCE, **arguments)


def test_turns_layout_orders_examples_by_ascending_similarity() -> None:
    messages = build(layout=FewShotLayout.TURNS).messages
    assert [m["role"] for m in messages] == ["system", *["user", "assistant"] * 3, "user"]
    assert [m["content"] for m in messages[2:-1:2]] == [
        "Schließen Sie das Fenster",
        "Öffnen Sie die Datei",
        "Speichern Sie die Datei jetzt",  # the most similar, right before the source
    ]
    assert messages[-1]["content"].endswith(SOURCE)


def test_block_layout_orders_examples_by_ascending_similarity() -> None:
    messages = build(layout=FewShotLayout.BLOCK).messages
    assert [m["role"] for m in messages] == ["system", "user"]
    content = messages[1]["content"]
    positions = [content.index(e.target) for e in sorted(EXAMPLES, key=lambda e: e.score)]
    assert positions == sorted(positions)
    assert (
        content.index("Speichern Sie die Datei jetzt")
        < content.index("Required terminology")
        < content.index(SOURCE)
    )
    assert content.endswith(SOURCE)


@pytest.mark.parametrize("layout", list(FewShotLayout))
def test_terms_come_after_the_examples_and_before_the_source(layout: FewShotLayout) -> None:
    final = build(layout=layout).messages[-1]["content"]
    assert '- translate "file" as "Datei"; never use "Akte"' in final
    assert '- keep "Acme" untranslated' in final
    assert final.index("Required terminology") < final.index(SOURCE)


@pytest.mark.parametrize("layout", list(FewShotLayout))
def test_context_comes_first_in_the_last_turn_and_is_not_the_source(layout: FewShotLayout) -> None:
    messages = build(layout=layout, context="A banking app.").messages
    final = messages[-1]["content"]
    assert final.index("A banking app.") < final.index("Required terminology") < final.index(SOURCE)
    assert "do not translate it" in final
    assert source_of(messages) == SOURCE
    assert all("A banking app." not in m["content"] for m in messages[:-1])


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        (GlossaryEntry("cloud", ["Cloud"]), '- translate "cloud" as "Cloud"'),
        (GlossaryEntry("file", ["Datei", "File"]), '- translate "file" as "Datei" or "File"'),
        (
            GlossaryEntry("bug", ["Fehler"], forbidden=["Bug", "Wanze"]),
            '- translate "bug" as "Fehler"; never use "Bug" or "Wanze"',
        ),
        (GlossaryEntry("Acme", [], do_not_translate=True), '- keep "Acme" untranslated'),
        (
            GlossaryEntry("Acme", [], forbidden=["Akme"], do_not_translate=True),
            '- keep "Acme" untranslated; never use "Akme"',
        ),
    ],
)
def test_format_term(entry: GlossaryEntry, line: str) -> None:
    assert format_term(entry) == line


def test_no_terms_no_terminology_block() -> None:
    assert "terminology:" not in build(terms=[]).messages[-1]["content"]


def test_system_message_is_stable_per_pair_and_names_languages() -> None:
    first = build(examples=EXAMPLES[:1]).messages[0]
    second = build_translation_prompt("Other text", source_lang="en", target_lang="de").messages[0]
    assert first == second == system_message("en", "de")
    assert "English" in first["content"] and "German" in first["content"]
    assert system_message("en", "pt-BR")["content"] != first["content"]
    assert "Portuguese (Brazil)" in system_message("en", "pt-BR")["content"]


def test_system_message_is_a_fresh_dict() -> None:
    system_message("en", "de")["content"] = "mutated"
    assert system_message("en", "de")["content"] != "mutated"


@pytest.mark.parametrize("layout", list(FewShotLayout))
def test_budget_drops_the_least_similar_examples_first(layout: FewShotLayout) -> None:
    full = build(layout=layout)
    without_one = build(layout=layout, max_examples=2)
    budget = without_one.estimated_tokens  # room for exactly the two best
    prompt = build(layout=layout, max_prompt_tokens=budget)
    assert full.estimated_tokens > budget
    assert [e.score for e in prompt.examples] == [81, 97]
    assert prompt.dropped == 1
    assert prompt.estimated_tokens <= budget
    assert not prompt.over_budget


@pytest.mark.parametrize("layout", list(FewShotLayout))
def test_budget_never_drops_the_source_or_the_terms(layout: FewShotLayout) -> None:
    prompt = build(layout=layout, max_prompt_tokens=10)
    final = prompt.messages[-1]["content"]
    assert prompt.examples == ()
    assert prompt.dropped == 3
    assert prompt.over_budget
    assert final.endswith(SOURCE)
    assert '"Datei"' in final and '"Acme"' in final


def test_max_examples_keeps_the_most_similar() -> None:
    assert [e.score for e in build(max_examples=1).examples] == [97]
    assert build(max_examples=0).examples == ()


def test_duplicate_examples_are_shown_once() -> None:
    prompt = build(examples=[*EXAMPLES, Example("Open the file", "Öffnen Sie die Datei", 90)])
    assert [e.score for e in prompt.examples] == [72, 90, 97]


def test_estimate_is_pluggable() -> None:
    words = build(estimate=lambda text: len(text.split()))
    assert words.estimated_tokens == estimate_messages(
        words.messages, lambda text: len(text.split())
    )
    assert words.estimated_tokens != build().estimated_tokens


@pytest.mark.parametrize(("text", "tokens"), [("", 0), ("abc", 1), ("abcd", 2), ("x" * 35, 10)])
def test_estimate_tokens(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


@pytest.mark.parametrize("layout", list(FewShotLayout))
@pytest.mark.parametrize(
    "source", [SOURCE, "Two lines\n\nTranslate from English into German:\nof text"]
)
def test_source_of_a_translation_prompt(layout: FewShotLayout, source: str) -> None:
    messages = build_translation_prompt(
        source, source_lang="en", target_lang="de", examples=EXAMPLES, layout=layout
    ).messages
    assert source_of(messages) == source


def test_ape_prompt() -> None:
    problems = ["the inline tag </t1> of the source is missing", 'use "Datei" for "file"']
    messages = build_ape_prompt(
        SOURCE, "Speichern Sie die <t1>Akte", problems, source_lang="en", target_lang="de"
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "German" in messages[0]["content"]
    user = messages[1]["content"]
    assert SOURCE in user and "Speichern Sie die <t1>Akte" in user
    assert '- the inline tag </t1> of the source is missing\n- use "Datei" for "file"' in user
    assert (
        "Fix only what is listed, change nothing else, and output only the corrected translation."
        in user
    )
    assert source_of(messages) == SOURCE
    assert messages[0] == build_ape_prompt("x", "y", [], source_lang="en", target_lang="de")[0]


def test_source_of_an_unknown_conversation() -> None:
    assert source_of([{"role": "user", "content": "hello"}]) is None
    assert source_of([{"role": "system", "content": "hello"}]) is None
