"""TBX glossaries: import of TBX-Basic v2 and TBX v3, export as TBX v3 TBX-Basic.

Import streams concepts: `martif/.../termEntry/langSet/(tig | ntig/termGrp)/term` (TBX v2)
and `tbx/.../conceptEntry/langSec/termSec/term` (TBX v3, in its namespace or none).
Language sections match the glossary's pair by family, so an `en-US` section serves an
`en` glossary. Data categories are read in DCA style (`termNote`, `descrip`, `admin` with
a `type`) and DCT style (`<basic:partOfSpeech>`):

    administrativeStatus (or normativeAuthorization)  deprecated/superseded -> forbidden,
                                                      preferred -> first among the targets
    partOfSpeech                                      -> part_of_speech
    note, definition                                  -> note (term, else section, else concept)
    x-caseSensitive, x-doNotTranslate (true/false)    -> adaptmt's flags, on the source term

A concept yields one entry per source term; its allowed targets are the target terms that
are not forbidden, preferred first. Documented skips: a concept without a term in the
source language, or without one in the target language (unless its source term is marked
do-not-translate, which needs no target).

Export writes TBX v3 (ISO 30042:2019) of type TBX-Basic in DCA style: one `conceptEntry`
per entry, the source term with its part of speech, flags and note, then the allowed
targets (the first `preferredTerm-admn-sts`, the others `admittedTerm-admn-sts`) and the
forbidden ones (`deprecatedTerm-admn-sts`). Each concept repeats the default namespace
declaration, because lxml's streaming writer serialises elements one at a time.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from lxml import etree

from tm.errors import InvalidFile
from tm.formats.base import GlossaryFormat, LanguagePair, Skipped, language
from tm.formats.xmlsafe import XML_LANG, local_name, stream_elements, text_content, xml_text
from tm.models import GlossaryEntry

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
# lxml-stubs types nsmap keys as str, but None is how lxml spells the default namespace.
DEFAULT_NAMESPACE: dict[Any, str] = {None: TBX_NAMESPACE}
LANGUAGE_SECTIONS = frozenset({"langSet", "langSec"})
TERM_GROUPS = frozenset({"tig", "ntig", "termSec"})
TYPED_ELEMENTS = frozenset({"termNote", "descrip", "admin"})  # DCA: category in @type
CATEGORY_ELEMENTS = frozenset(  # DCT: the element is the category
    {"administrativeStatus", "normativeAuthorization", "partOfSpeech", "definition", "note"}
)
STATUS_CATEGORIES = ("administrativeStatus", "normativeAuthorization")
FORBIDDEN_STATUSES = frozenset({"deprecated", "superseded"})
CASE_SENSITIVE = "x-caseSensitive"
DO_NOT_TRANSLATE = "x-doNotTranslate"
PREFERRED = "preferredTerm-admn-sts"
ADMITTED = "admittedTerm-admn-sts"
DEPRECATED = "deprecatedTerm-admn-sts"


@dataclass(slots=True)
class _Term:
    text: str
    status: str  # "preferred", "admitted" or "forbidden"
    categories: dict[str, str]
    note: str | None


class Tbx(GlossaryFormat):
    """TBX-Basic v2 and TBX v3."""

    name = "tbx"
    suffixes = (".tbx",)

    def read(self, stream: BinaryIO, pair: LanguagePair) -> Iterator[GlossaryEntry | Skipped]:
        """The entries of each concept that has both languages of `pair`."""
        concepts = stream_elements(
            stream,
            kind="TBX",
            roots=("martif", "tbx"),
            tags=("{*}termEntry", "{*}conceptEntry"),
        )
        for concept in concepts:
            yield from _entries(concept, pair)

    def write(self, entries: Iterable[GlossaryEntry], stream: BinaryIO, pair: LanguagePair) -> int:
        """Write TBX v3 TBX-Basic, one concept per entry."""
        written = 0
        with etree.xmlfile(stream, encoding="utf-8") as xf:
            xf.write_declaration()
            root_attributes = {"type": "TBX-Basic", "style": "dca", XML_LANG: pair.source}
            nsmap = {**DEFAULT_NAMESPACE, "xml": XML_NAMESPACE}
            with xf.element(_tag("tbx"), root_attributes, nsmap=nsmap):
                xf.write("\n", _header(pair), pretty_print=True)
                with xf.element(_tag("text")), xf.element(_tag("body")):
                    xf.write("\n")
                    for entry in entries:
                        written += 1
                        xf.write(_concept(entry, written, pair), pretty_print=True)
                xf.write("\n")
        return written


def _entries(concept: etree._Element, pair: LanguagePair) -> Iterator[GlossaryEntry | Skipped]:
    where = f"concept {concept.get('id')!r} (line {concept.sourceline})"
    concept_note = _note(_categories(_children_outside(concept, LANGUAGE_SECTIONS)))
    terms: dict[str, list[_Term]] = {"source": [], "target": []}
    for section in concept.iterchildren(tag=etree.Element):
        if local_name(section) not in LANGUAGE_SECTIONS:
            continue
        side = pair.side(language(section.get(XML_LANG) or section.get("lang"), where))
        if side is None:
            continue
        section_note = _note(_categories(_children_outside(section, TERM_GROUPS))) or concept_note
        for group in section.iterchildren(tag=etree.Element):
            if local_name(group) in TERM_GROUPS:
                terms[side].append(_term(group, section_note, where))
    sources, targets = terms["source"], terms["target"]
    if not sources:
        yield Skipped("concept without the source language")
        return
    if not targets:
        sources = [term for term in sources if _flag(term, DO_NOT_TRANSLATE)]
        if not sources:
            yield Skipped("concept without the target language")
            return
    allowed = [t.text for t in targets if t.status == "preferred"]
    allowed += [t.text for t in targets if t.status == "admitted"]
    forbidden = [t.text for t in targets if t.status == "forbidden"]
    for term in sources:
        yield GlossaryEntry(
            source=term.text,
            targets=list(allowed),
            forbidden=list(forbidden),
            case_sensitive=_flag(term, CASE_SENSITIVE),
            do_not_translate=_flag(term, DO_NOT_TRANSLATE),
            part_of_speech=term.categories.get("partOfSpeech") or None,
            note=term.note,
        )


def _children_outside(element: etree._Element, skipped: frozenset[str]) -> list[etree._Element]:
    return [c for c in element.iterchildren(tag=etree.Element) if local_name(c) not in skipped]


def _categories(elements: Iterable[etree._Element]) -> dict[str, str]:
    """The data categories held by `elements` and their descendants, first value kept."""
    found: dict[str, str] = {}
    for element in elements:
        for node in element.iter(tag=etree.Element):
            name = local_name(node)
            key = node.get("type") if name in TYPED_ELEMENTS else name
            if key and (name in TYPED_ELEMENTS or name in CATEGORY_ELEMENTS):
                found.setdefault(key, text_content(node).strip())
    return found


def _note(categories: dict[str, str]) -> str | None:
    return categories.get("note") or categories.get("definition") or None


def _term(group: etree._Element, inherited_note: str | None, where: str) -> _Term:
    term = next(group.iter("{*}term"), None)
    text = text_content(term).strip() if term is not None else ""
    if not text:
        raise InvalidFile(f"{where}: a <{local_name(group)}> without a term")
    categories = _categories([group])
    status = next((categories[c] for c in STATUS_CATEGORIES if c in categories), "")
    status = status.lower().removesuffix("-admn-sts").removesuffix("term")
    return _Term(
        text=text,
        status="forbidden"
        if status in FORBIDDEN_STATUSES
        else "preferred"
        if status == "preferred"
        else "admitted",
        categories=categories,
        note=_note(categories) or inherited_note,
    )


def _flag(term: _Term, category: str) -> bool:
    return term.categories.get(category, "").lower() in {"true", "yes", "1"}


def _tag(name: str) -> str:
    return f"{{{TBX_NAMESPACE}}}{name}"


def _header(pair: LanguagePair) -> etree._Element:
    header = etree.Element(_tag("tbxHeader"), nsmap=DEFAULT_NAMESPACE)
    description = etree.SubElement(etree.SubElement(header, _tag("fileDesc")), _tag("sourceDesc"))
    paragraph = etree.SubElement(description, _tag("p"))
    paragraph.text = f"Glossary {pair.source} -> {pair.target}, exported by adaptmt"
    return header


def _concept(entry: GlossaryEntry, number: int, pair: LanguagePair) -> etree._Element:
    concept = etree.Element(_tag("conceptEntry"), id=f"c{number}", nsmap=DEFAULT_NAMESPACE)
    source = _term_section(_language_section(concept, pair.source), entry.source, None)
    notes = {
        "partOfSpeech": entry.part_of_speech,
        CASE_SENSITIVE: "true" if entry.case_sensitive else None,
        DO_NOT_TRANSLATE: "true" if entry.do_not_translate else None,
    }
    for category, value in notes.items():
        if value:
            _sub(source, "termNote", value, type=category)
    if entry.note:
        _sub(source, "note", entry.note)
    if entry.targets or entry.forbidden:
        section = _language_section(concept, pair.target)
        for index, target in enumerate(entry.targets):
            _term_section(section, target, PREFERRED if index == 0 else ADMITTED)
        for target in entry.forbidden:
            _term_section(section, target, DEPRECATED)
    return concept


def _language_section(concept: etree._Element, lang: str) -> etree._Element:
    return etree.SubElement(concept, _tag("langSec"), {XML_LANG: lang})


def _term_section(section: etree._Element, term: str, status: str | None) -> etree._Element:
    term_section = etree.SubElement(section, _tag("termSec"))
    _sub(term_section, "term", term)
    if status:
        _sub(term_section, "termNote", status, type="administrativeStatus")
    return term_section


def _sub(parent: etree._Element, name: str, text: str, **attributes: str) -> None:
    etree.SubElement(parent, _tag(name), attributes).text = xml_text(text)
