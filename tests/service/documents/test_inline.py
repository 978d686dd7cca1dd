"""Tests of service/documents/inline.py: numbered tags built, and parsed back forgivingly."""

import pytest

from service.documents.inline import Code, Node, Pair, Tags, escape, plain_text, unescape


def built() -> Tags[str]:
    tags: Tags[str] = Tags()
    tags.text("Save ")
    bold = tags.open("bold")
    tags.text("all <files>")
    tags.close(bold)
    tags.code("image")
    tags.text(" & quit")
    return tags


def show(nodes: list[Node[str]]) -> str:
    """A compact spelling of a tree: [payload:children] for pairs, {payload} for codes."""
    parts = []
    for node in nodes:
        if isinstance(node, Pair):
            parts.append(f"[{node.payload}:{show(node.children)}]")
        elif isinstance(node, Code):
            parts.append(f"{{{node.payload}}}")
        else:
            parts.append(node)
    return "".join(parts)


def test_markup_escapes_text_and_numbers_tags() -> None:
    assert built().markup == "Save <g1>all &lt;files&gt;</g1><x2/> &amp; quit"


@pytest.mark.parametrize(
    ("translation", "tree"),
    [
        ("Alle <g1>Dateien</g1><x2/> speichern", "Alle [bold:Dateien]{image} speichern"),
        ("<G1>Alle</G1>< x2 / > R&D", "[bold:Alle]{image} R&D"),  # case, spaces, bare &
        ("Alle <g1>Dateien", "Alle [bold:Dateien]{image}"),  # left open; lost code appended
        ("Alle </g1>Dateien<x2/>", "Alle Dateien{image}"),  # closing tag without opening
        ("<x2/>Alle<x2/> <x9/>", "{image}Alle "),  # doubled and unknown codes dropped
        ("a &lt;b&gt; &#233;&#x20AC;", "a <b> é€{image}"),
    ],
)
def test_translations_parse_into_repaired_trees(translation: str, tree: str) -> None:
    assert show(built().parse(translation)) == tree


def test_overlapping_pairs_close_where_the_outer_one_closes() -> None:
    tags: Tags[str] = Tags()
    outer = tags.open("a")
    inner = tags.open("b")
    tags.close(inner)
    tags.close(outer)
    assert show(tags.parse("<g1>x<g2>y</g1>z</g2>")) == "[a:x[b:y]]z"
    assert plain_text(tags.parse("<g1>x<g2>y</g2></g1>")) == "xy"


def test_escape_and_unescape_are_inverse() -> None:
    text = 'a < b && c > "d" &amp;'
    assert unescape(escape(text)) == text
