"""Tests of service/documents/xliff.py: XLIFF 1.2 and 2.1 segments, targets, inline codes."""

import pytest
from lxml import etree

from service.documents import InvalidDocument, read_document, write_document
from service.documents.xliff import Xliff2Document, Xliff12Document
from tests.service.documents.samples import XLIFF_12, XLIFF_21

NS12 = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
NS2 = {"x": "urn:oasis:names:tc:xliff:document:2.0"}


def read12(data: bytes = XLIFF_12) -> Xliff12Document:
    document = read_document(data, "guide.xlf", source_lang="en", target_lang="de")
    assert isinstance(document, Xliff12Document)
    return document


def read21(data: bytes = XLIFF_21) -> Xliff2Document:
    document = read_document(data, "app.xliff", source_lang="en", target_lang="fr")
    assert isinstance(document, Xliff2Document)
    return document


def unit(data: bytes, unit_id: str, ns: dict[str, str] = NS12) -> etree._Element:
    root = etree.fromstring(data)
    found = root.xpath(
        f"//x:trans-unit[@id='{unit_id}'] | //x:unit[@id='{unit_id}']", namespaces=ns
    )
    assert isinstance(found, list) and found
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def content(element: etree._Element | None) -> list[object]:
    """The infoset of an element's content: its text, and each descendant as it is."""
    assert element is not None
    descendants = [
        (child.tag, {str(k): str(v) for k, v in child.attrib.items()}, child.text, child.tail)
        for child in element.iterdescendants()
    ]
    return [element.text, *descendants]


def test_xliff_12_segments_keep_inline_elements_and_states() -> None:
    segments = {s.id: s for s in read12().segments}
    assert list(segments) == ["1", "2", "3", "5#0", "5#1"]  # translate="no" left out
    first = segments["1"]
    assert (
        first.source == 'Open <g id="1" ctype="bold">the</g> file<x id="2" ctype="lb"/> &amp; save'
    )
    assert (first.markup, first.needs_translation, first.target) == (True, True, None)
    assert (first.context, first.notes) == ("menu.open", ("Toolbar button",))
    assert segments["2"].source.startswith('Click <bpt id="1">&lt;a href="/x"&gt;</bpt>here')
    assert segments["2"].target is not None and not segments["2"].needs_translation
    assert segments["3"].needs_translation and segments["3"].target == "Braucht Arbeit"
    assert (segments["5#0"].source, segments["5#1"].source) == (
        "First sentence.",
        "Second sentence.",
    )


def test_xliff_12_writes_targets_states_and_alt_trans() -> None:
    document = read12()
    translations = {
        "1": 'Öffnen <g id="1" ctype="bold">die</g> Datei<x id="2" ctype="lb"/> &amp; speichern',
        "3": "Braucht keine Arbeit mehr",
        "5#1": "Zweiter Satz.",
    }
    written = write_document(
        document, translations, matches={"1": [("Open file", "Datei öffnen", 87.5)]}
    )
    first = unit(written, "1")
    target = first.find("x:target", NS12)
    assert target is not None and target.get("state") == "translated"
    assert target.get("state-qualifier") == "mt-suggestion"
    assert first.index(target) == 1  # right after <source>
    assert content(target) == content(
        etree.fromstring(f'<t xmlns="{NS12["x"]}">{translations["1"]}</t>'.encode())
    )
    alt = first.find("x:alt-trans", NS12)
    assert alt is not None and alt.get("match-quality") == "87.5"
    assert alt.findtext("x:target", namespaces=NS12) == "Datei öffnen"
    assert unit(written, "3").findtext("x:target", namespaces=NS12) == "Braucht keine Arbeit mehr"
    segmented = unit(written, "5").find("x:target", NS12)
    assert segmented is not None and segmented.get("state") == "needs-translation"  # 5#0 open
    marks = [m.text for m in segmented.iterfind("x:mrk", NS12)]
    assert marks == ["First sentence.", "Zweiter Satz."]
    assert unit(written, "2").find("x:target", NS12).get("state") == "final"  # type: ignore[union-attr]


def test_xliff_12_round_trip_writes_sources_and_changes_nothing_else() -> None:
    document = read12()
    assert write_document(document, {}) == XLIFF_12
    written = write_document(
        document, {s.id: s.source for s in document.segments if s.needs_translation}
    )
    for unit_id in ("1", "3"):
        element = unit(written, unit_id)
        assert content(element.find("x:target", NS12)) == content(element.find("x:source", NS12))
    assert without_targets(written) == without_targets(XLIFF_12)


def without_targets(data: bytes) -> bytes:
    """The canonical XML of a file without its targets and the whitespace between elements."""
    root = etree.fromstring(data)
    for target in root.iterfind(".//x:target", NS12):
        parent = target.getparent()
        assert parent is not None
        parent.remove(target)
    for element in root.iter():
        element.text = element.text if (element.text or "").strip() else None
        element.tail = element.tail if (element.tail or "").strip() else None
    return etree.tostring(root, method="c14n")


def test_broken_tags_in_a_translation_are_repaired() -> None:
    written = write_document(read12(), {"1": 'Öffnen <g id="1">die</g></g> Datei & <x id="2"/'})
    target = unit(written, "1").find("x:target", NS12)
    assert target is not None
    assert etree.tostring(target, encoding="unicode").count("<g ") == 1
    assert "Datei &amp; &lt;x" in etree.tostring(target, encoding="unicode")


def test_xliff_21_segments_and_targets() -> None:
    document = read21()
    segments = {s.id: s for s in document.segments}
    assert list(segments) == ["welcome#s1", "welcome#s2", "bye"]  # translate="no" group left out
    welcome = segments["welcome#s1"]
    assert welcome.source == (
        'Welcome to <pc id="1" dataRefStart="d1" dataRefEnd="d2" fs:fs="b">adaptmt</pc>!'
    )
    assert (welcome.context, welcome.notes, welcome.needs_translation) == (
        "home.welcome", ("Home page banner",), True,
    )  # fmt: skip
    assert not segments["welcome#s2"].needs_translation
    written = write_document(
        document,
        {"welcome#s1": welcome.source.replace("Welcome to", "Bienvenue dans"), "bye": "Au revoir."},
    )
    segment = unit(written, "welcome", NS2).find("x:segment", NS2)
    assert segment is not None and segment.get("state") == "translated"
    target = segment.find("x:target", NS2)
    assert target is not None and target[0].get("{urn:oasis:names:tc:xliff:fs:2.0}fs") == "b"
    assert "".join(map(str, target.itertext())) == "Bienvenue dans adaptmt!"
    assert unit(written, "bye", NS2).findtext("x:segment/x:target", namespaces=NS2) == "Au revoir."


def test_xliff_21_round_trip_and_target_language() -> None:
    data = XLIFF_21.replace(b' trgLang="fr"', b"")
    document = read21(data)
    written = write_document(document, {s.id: s.source for s in document.segments})
    root = etree.fromstring(written)
    assert root.get("trgLang") == "fr"
    for segment in root.iterfind(".//x:segment", NS2):
        if segment.get("state") == "translated":
            assert content(segment.find("x:target", NS2)) == content(segment.find("x:source", NS2))
    assert written.count(b"<ignorable><source> </source></ignorable>") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (XLIFF_12.replace(b"</body>", b""), "not well-formed XML: .* \\(line \\d+\\)"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<xliff version="1.2"><file><body><trans-unit id="1"><source>&b;</source>'
            b"</trans-unit></body></file></xliff>",
            "DTD",
        ),
        (
            b'<!DOCTYPE xliff SYSTEM "http://evil.example/x.dtd"><xliff version="1.2"/>',
            "DTD",
        ),
        (
            XLIFF_12.replace(b'<trans-unit id="2">', b"<trans-unit>"),
            "no id attribute \\(line 12\\)",
        ),
        (XLIFF_12.replace(b'target-language="de-DE"', b'target-language="fr"'), "'fr'.*'de'"),
        (
            XLIFF_12.replace(b'<trans-unit id="3">', b'<trans-unit id="2">'),
            "two units have the id '2'",
        ),
        (b'<xliff version="3.0"/>', "not an XLIFF 1.2 or 2.x file \\(version '3.0'\\)"),
        (b"<tmx version='1.4'/>", "not an XLIFF 1.2 or 2.x file"),
    ],
)
def test_malformed_and_hostile_xliff_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidDocument, match=message):
        read_document(data, "bad.xlf", source_lang="en", target_lang="de")
