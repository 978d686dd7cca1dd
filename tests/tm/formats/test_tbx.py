"""Tests of tm/formats/tbx.py: TBX-Basic v2 and TBX v3 glossaries."""

import io

import pytest
from lxml import etree

from tm.errors import InvalidFile
from tm.formats import read_glossary, write_glossary
from tm.formats.tbx import TBX_NAMESPACE
from tm.models import GlossaryEntry

V2 = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="en-US">
<martifHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></martifHeader>
<text><body>
<termEntry id="e1">
  <descrip type="definition">A device to browse the web.</descrip>
  <langSet xml:lang="en-US">
    <tig><term>browser</term><termNote type="partOfSpeech">noun</termNote></tig>
    <tig><term>web browser</term></tig>
  </langSet>
  <langSet xml:lang="fr-FR">
    <tig><term>fureteur</term>
      <termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>
    <tig><term>navigateur web</term></tig>
    <tig><term>navigateur</term>
      <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
  </langSet>
</termEntry>
<termEntry id="e2">
  <langSet xml:lang="en">
    <ntig><termGrp><term>cloud</term>
      <termNote type="partOfSpeech">noun</termNote></termGrp>
      <descripGrp><descrip type="definition">Remote computing.</descrip></descripGrp></ntig>
  </langSet>
  <langSet lang="fr"><ntig><termGrp><term>nuage</term></termGrp></ntig></langSet>
</termEntry>
<termEntry id="e3">
  <langSet xml:lang="en"><tig><term>only English</term></tig></langSet>
  <langSet xml:lang="de"><tig><term>nur Deutsch</term></tig></langSet>
</termEntry>
<termEntry id="e4">
  <langSet xml:lang="fr"><tig><term>seulement français</term></tig></langSet>
</termEntry>
</body></text>
</martif>"""

V2_ENTRIES = [
    GlossaryEntry(
        "browser",
        ["navigateur", "navigateur web"],
        ["fureteur"],
        part_of_speech="noun",
        note="A device to browse the web.",
    ),
    GlossaryEntry(
        "web browser",
        ["navigateur", "navigateur web"],
        ["fureteur"],
        note="A device to browse the web.",
    ),
    GlossaryEntry("cloud", ["nuage"], part_of_speech="noun", note="Remote computing."),
]

V3 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2"
     xmlns:basic="http://www.tbxinfo.net/ns/basic">
<tbxHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></tbxHeader>
<text><body>
<conceptEntry id="c1">
  <langSec xml:lang="en">
    <descrip type="definition">Section definition.</descrip>
    <termSec><term>sign in</term><note>Term note.</note></termSec>
    <termSec><term>log in</term>
      <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></termSec>
  </langSec>
  <langSec xml:lang="fr-CA">
    <termSec><term>se loguer</term>
      <termNote type="administrativeStatus">supersededTerm-admn-sts</termNote></termSec>
    <termSec><term>se connecter</term></termSec>
    <termSec><term>ouvrir une session</term>
      <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
  </langSec>
</conceptEntry>
<conceptEntry id="c2">
  <langSec xml:lang="en"><termSec><term>mouse</term>
    <basic:partOfSpeech>noun</basic:partOfSpeech></termSec></langSec>
  <langSec xml:lang="fr"><termSec><term>souris</term>
    <basic:administrativeStatus>preferredTerm-admn-sts</basic:administrativeStatus></termSec>
    <termSec><term>mulot</term>
    <basic:administrativeStatus>deprecatedTerm-admn-sts</basic:administrativeStatus></termSec>
  </langSec>
</conceptEntry>
</body></text>
</tbx>"""

V3_ENTRIES = [
    GlossaryEntry(
        "sign in", ["ouvrir une session", "se connecter"], ["se loguer"], note="Term note."
    ),
    GlossaryEntry(
        "log in", ["ouvrir une session", "se connecter"], ["se loguer"], note="Section definition."
    ),
    GlossaryEntry("mouse", ["souris"], ["mulot"], part_of_speech="noun"),
]


def read(document: str, source: str = "en", target: str = "fr") -> list[GlossaryEntry]:
    return list(read_glossary(io.BytesIO(document.encode()), "tbx", source, target))


def test_tbx_v2() -> None:
    reading = read_glossary(io.BytesIO(V2.encode()), "tbx", "en", "fr")
    assert list(reading) == V2_ENTRIES
    assert reading.skip_reasons == {
        "concept without the target language": 1,
        "concept without the source language": 1,
    }


@pytest.mark.parametrize("namespaced", [True, False])
def test_tbx_v3(namespaced: bool) -> None:
    document = V3 if namespaced else V3.replace(f' xmlns="{TBX_NAMESPACE}"', "")
    assert read(document) == V3_ENTRIES


STATUSES = [
    # (status termNote value, type, is the target allowed?)
    ("preferredTerm-admn-sts", "administrativeStatus", True),
    ("admittedTerm-admn-sts", "administrativeStatus", True),
    ("deprecatedTerm-admn-sts", "administrativeStatus", False),
    ("supersededTerm-admn-sts", "administrativeStatus", False),
    ("deprecatedTerm", "normativeAuthorization", False),
    ("superseded", "normativeAuthorization", False),
    ("preferredTerm", "normativeAuthorization", True),
    ("standardizedTerm", "normativeAuthorization", True),
]


@pytest.mark.parametrize(("status", "category", "allowed"), STATUSES)
def test_statuses(status: str, category: str, allowed: bool) -> None:
    document = f"""<martif><text><body><termEntry>
      <langSet xml:lang="en"><tig><term>a</term></tig></langSet>
      <langSet xml:lang="fr"><tig><term>b</term>
        <termNote type="{category}">{status}</termNote></tig></langSet>
    </termEntry></body></text></martif>"""
    (entry,) = read(document)
    assert (entry.targets, entry.forbidden) == ((["b"], []) if allowed else ([], ["b"]))


@pytest.mark.parametrize(
    ("glossary", "sections", "expected"),
    [
        (("en", "fr"), ("en-US", "fr-CA"), 1),
        (("en-GB", "fr"), ("en-US", "fr_FR"), 1),
        (("en", "fr"), ("en", "de"), 0),
        (("zh", "en"), ("zh-TW", "en"), 0),
        (("zh", "en"), ("zh-CN", "en"), 1),
        (("en-US", "en-GB"), ("en-US", "en-GB"), 1),
    ],
)
def test_language_families(
    glossary: tuple[str, str], sections: tuple[str, str], expected: int
) -> None:
    document = f"""<martif><text><body><termEntry>
      <langSet xml:lang="{sections[0]}"><tig><term>a</term></tig></langSet>
      <langSet xml:lang="{sections[1]}"><tig><term>b</term></tig></langSet>
    </termEntry></body></text></martif>"""
    assert len(read(document, *glossary)) == expected


def test_do_not_translate_needs_no_target() -> None:
    document = """<martif><text><body><termEntry>
      <langSet xml:lang="en"><tig><term>Azure</term>
        <termNote type="x-doNotTranslate">true</termNote>
        <termNote type="x-caseSensitive">true</termNote></tig></langSet>
    </termEntry></body></text></martif>"""
    assert read(document) == [
        GlossaryEntry("Azure", [], case_sensitive=True, do_not_translate=True)
    ]


ROUND_TRIP = [
    *V2_ENTRIES,
    *V3_ENTRIES,
    GlossaryEntry("Azure", [], [], True, True, "properNoun", "Brand & <product> name"),
    GlossaryEntry("e-mail", [], ["mail"]),
    GlossaryEntry("naïve 😀", ["naïf", "ingénu", "candide"], ["bête"], False, False, None, "x\ny"),
]


def test_round_trip() -> None:
    buffer = io.BytesIO()
    assert write_glossary(ROUND_TRIP, buffer, "tbx", "en", "fr") == len(ROUND_TRIP)
    assert read(buffer.getvalue().decode()) == ROUND_TRIP


def test_export_is_tbx_v3_basic() -> None:
    buffer = io.BytesIO()
    write_glossary([GlossaryEntry("a", ["b"], ["c"])], buffer, "tbx", "en_US", "fr")
    root = etree.fromstring(buffer.getvalue())
    ns = {"t": TBX_NAMESPACE}
    assert root.tag == f"{{{TBX_NAMESPACE}}}tbx"
    assert (root.get("type"), root.get("style")) == ("TBX-Basic", "dca")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    assert root.find("t:tbxHeader/t:fileDesc/t:sourceDesc/t:p", ns) is not None
    concepts = root.findall("t:text/t:body/t:conceptEntry", ns)
    assert [c.get("id") for c in concepts] == ["c1"]
    statuses = [n.text for n in root.iterfind(".//t:termNote[@type='administrativeStatus']", ns)]
    assert statuses == ["preferredTerm-admn-sts", "deprecatedTerm-admn-sts"]


INVALID = [
    # (document, words of the message)
    (
        '<martif><text><body><termEntry id="e9"><langSet xml:lang="xx"><tig><term>a</term></tig>'
        "</langSet></termEntry></body></text></martif>",
        "concept 'e9' .*'xx' is not a known language",
    ),
    (
        '<martif><text><body><termEntry><langSet xml:lang="en"><tig><term> </term></tig>'
        "</langSet></termEntry></body></text></martif>",
        "without a term",
    ),
    ('<tmx version="1.4"><body/></tmx>', "expected a TBX file .*<martif> or <tbx>.*found a <tmx>"),
    ("<martif><text><body><termEntry></body></text></martif>", "not well-formed XML.*line 1"),
]


@pytest.mark.parametrize(("document", "message"), INVALID)
def test_invalid(document: str, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        read(document)
