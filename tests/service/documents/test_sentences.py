"""Tests of service/documents/sentences.py: sentence cuts, kept whitespace, tags kept whole."""

import pytest

from service.documents.sentences import block_segments, split_sentences, translate_block


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One sentence.", ["One sentence."]),
        ("Mr. Smith came. He left.", ["Mr. Smith came.", "He left."]),
        ("First.   Second!\nThird?", ["First.", "Second!", "Third?"]),
        ("Visit www.example.com today. Then rest.", ["Visit www.example.com today.", "Then rest."]),
        ("A soft\nwrap stays one sentence.", ["A soft\nwrap stays one sentence."]),
        ("  Leading and trailing.  ", ["Leading and trailing."]),
        ("1. 2. 3.", []),
        ("", []),
    ],
)
def test_plain_text_is_cut_into_sentences(text: str, sentences: list[str]) -> None:
    split = split_sentences(text, "en")
    assert list(split.sentences) == sentences
    assert split.join([None] * len(split.sentences)) == text


@pytest.mark.parametrize(
    ("markup", "sentences"),
    [
        ("<g1>Bold.</g1> Plain.", ["<g1>Bold.</g1>", "Plain."]),
        ("Start <g1>one. Two</g1> end.", ["Start <g1>one. Two</g1> end."]),
        ("<g1>All wrapped. Two sentences.</g1>", ["All wrapped.", "Two sentences."]),
        ("First.<x1/> Second.", ["First.<x1/>", "Second."]),
        ("R&amp;D works. <x1/>Yes &lt;3.", ["R&amp;D works.", "<x1/>Yes &lt;3."]),
        ("<x1/>", []),
    ],
)
def test_markup_keeps_tag_pairs_in_one_segment(markup: str, sentences: list[str]) -> None:
    split = split_sentences(markup, "en", markup=True)
    assert list(split.sentences) == sentences
    assert split.join([None] * len(split.sentences)) == markup


def test_languages_without_rules_use_english_and_cjk_needs_no_space() -> None:
    assert len(split_sentences("Dies ist gut. Das auch.", "de").sentences) == 2
    assert split_sentences("これはペンです。あれは本です。", "ja").sentences == (
        "これはペンです。",
        "あれは本です。",
    )
    assert len(split_sentences("Olá mundo. Tchau.", "pt-BR").sentences) == 2


def test_block_segments_and_translate_block_agree_on_ids() -> None:
    text = "First one. Second one.\n"
    segments = block_segments("7", text, "en", markup=False, context="paragraph")
    assert [(s.id, s.source, s.context) for s in segments] == [
        ("7.1", "First one.", "paragraph"),
        ("7.2", "Second one.", "paragraph"),
    ]
    assert translate_block("7", text, "en", {"7.2": "Zweiter."}, markup=False) == (
        "First one. Zweiter.\n"
    )
    assert translate_block("7", text, "en", {"8.1": "x"}, markup=False) is None


def test_long_blocks_are_split_a_chunk_at_a_time_without_false_cuts() -> None:
    text = "Dr. Who met e.g. Mr. Smith at 3.5 p.m. today. " * 300
    split = split_sentences(text, "en")
    assert len(split.sentences) == 300
    assert set(split.sentences) == {"Dr. Who met e.g. Mr. Smith at 3.5 p.m. today."}
    assert split.join([None] * 300) == text
