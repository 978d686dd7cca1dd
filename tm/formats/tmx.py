"""TMX 1.4b translation memories: streaming import and export.

Import streams `<tu>` elements with `iterparse` (see `xmlsafe`), freeing each one, so a
file of any size reads in constant memory. A TU with several languages yields one unit
per (source variant, other variant) pair. The source language is the TU's `srclang`, else
the header's; with `*all*` (or none) the first variant is the source. A variant matches
the source language by exact tag first, then by family (`en` finds `en-US`). Languages
come from `xml:lang` (or TMX 1.1's `lang`) and are normalised (`en_US` -> `en-US`).
TU-level `<prop type="x">` become `attributes["x"]`, `<note>` becomes `attributes["note"]`;
a key given twice keeps both values joined by a newline. `creationdate`/`changedate`
(`YYYYMMDDThhmmssZ`, on the TU or else on the target variant) become `created_at` and
`updated_at`. Documented skips: a TU without a source-language variant or with a single
variant, and pairs with an empty segment.

Inline markup. A unit's text is plain text, not XML: a literal `<` or `&` stays as it
is. The TMX inline elements `bpt ept ph it hi ut sub` inside a `<seg>` are kept, each
embedded in the text as its own XML serialisation, so
`<seg>Click <bpt i="1">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept></seg>` reads as
`Click <bpt i="1">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept>`. Other elements inside a
segment are not TMX and are flattened to their text; comments are dropped. On export the
text is split back: each substring that parses as a well-formed TMX inline element (with
only inline elements inside) is written as that element, anything else is escaped text.
A CSV segment `a <b>x</b>` therefore exports as `a &lt;b&gt;x&lt;/b&gt;` and re-imports
identically. Characters XML cannot carry (most C0 controls) are dropped on export.

Export streams with `lxml.etree.xmlfile`, one small `<tu>` at a time. Consecutive units
of one TU (same tuid, source, attributes and dates, distinct target languages) are
written as one multi-language `<tu>`, so import -> export -> import is the identity.
"""

import functools
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from itertools import chain
from typing import BinaryIO

from lxml import etree

from tm.errors import InvalidFile
from tm.formats.base import MemoryFormat, Skipped, language
from tm.formats.xmlsafe import XML_LANG, make_parser, stream_elements, text_content, xml_text
from tm.langs import family
from tm.models import TranslationUnit

INLINE_TAGS = frozenset({"bpt", "ept", "ph", "it", "hi", "ut", "sub"})
NOTE_KEY = "note"
ALL_LANGUAGES = "*all*"
TMX_DATE = "%Y%m%dT%H%M%SZ"

_TMX_DATE_RE = re.compile(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z")
_INLINE_START_RE = re.compile(r"<(bpt|ept|ph|it|hi|ut|sub)(?=[\s/>])")

LANGUAGE_CACHE = 256  # distinct language tags remembered while reading (files have few)

# Closing tags tried per inline candidate: bounds the work on hostile text full of `<ph>`.
MAX_CLOSE_TAG_TRIES = 8


class Tmx(MemoryFormat):
    """TMX 1.4b."""

    name = "tmx"
    suffixes = (".tmx",)

    def read(
        self, stream: BinaryIO, *, source_lang: str | None, target_lang: str | None
    ) -> Iterator[TranslationUnit | Skipped]:
        """The units of a TMX file; `source_lang` stands in for a missing or `*all*` srclang."""
        header_lang: str | None = None
        for element in stream_elements(stream, kind="TMX", roots=("tmx",), tags=("header", "tu")):
            if element.tag == "header":
                header_lang = element.get("srclang")
            else:
                yield from _read_tu(element, header_lang, source_lang)

    def write(
        self,
        units: Iterable[TranslationUnit],
        stream: BinaryIO,
        *,
        source_lang: str | None,
        attribute_columns: list[str] | None,
    ) -> int:
        """Write TMX 1.4b; the header's srclang is `source_lang` or the first unit's."""
        units = iter(units)
        first = next(units, None)
        header_lang = source_lang or (first.source_lang if first else ALL_LANGUAGES)
        written = 0
        with etree.xmlfile(stream, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element("tmx", version="1.4"):
                xf.write("\n", _header(header_lang), pretty_print=True)
                with xf.element("body"):
                    xf.write("\n")
                    for group in _tu_groups(chain([first] if first else [], units)):
                        xf.write(_tu_element(group, header_lang), "\n")
                        written += len(group)
                xf.write("\n")
        return written


def _read_tu(
    tu: etree._Element, header_lang: str | None, default_lang: str | None
) -> Iterator[TranslationUnit | Skipped]:
    # the hot loop of an import (one call per <tu>): children are walked by iterating the
    # element, never with `find` (lxml runs ElementPath in Python), and the common cases
    # (a <seg> of plain text, the source variant first, no dates) take no extra calls
    attributes: dict[str, str] = {}
    variants: list[tuple[str, str, etree._Element]] = []
    for child in tu:
        tag = child.tag
        if tag == "tuv":
            variants.append((_tuv_language(child, tu), _segment_text(child, tu), child))
        elif tag == "prop":
            _add_attribute(attributes, child.get("type") or "prop", child.text or "")
        elif tag == "note":
            _add_attribute(attributes, NOTE_KEY, child.text or "")
    if len(variants) < 2:
        yield Skipped("TU with fewer than two languages")
        return
    srclang = tu.get("srclang") or header_lang
    if not srclang or srclang.strip() == ALL_LANGUAGES:
        srclang = default_lang
    source_index = _source_index(variants, _variant_language(srclang, tu) if srclang else None)
    if source_index is None:
        yield Skipped("TU without a variant in the source language")
        return
    source_lang, source, _ = variants[source_index]
    tuid = tu.get("tuid")
    created, changed = tu.get("creationdate"), tu.get("changedate")
    for index, (target_lang, target, tuv) in enumerate(variants):
        if index == source_index:
            continue
        if not source or not target:
            yield Skipped("empty segment")
            continue
        created_at = created or tuv.get("creationdate")
        updated_at = changed or tuv.get("changedate")
        yield TranslationUnit(
            source=source,
            target=target,
            source_lang=source_lang,
            target_lang=target_lang,
            tuid=tuid,
            attributes=attributes.copy() if attributes else {},
            created_at=_date(created_at, tu) if created_at else None,
            updated_at=_date(updated_at, tu) if updated_at else None,
        )


def _where(tu: etree._Element) -> str:
    """How messages name a TU (built only for a message)."""
    tuid = tu.get("tuid")
    return f"TU {tuid!r} (line {tu.sourceline})" if tuid else f"the TU on line {tu.sourceline}"


@functools.lru_cache(maxsize=LANGUAGE_CACHE)
def _normalized_language(tag: str) -> str:
    return language(tag, "")


def _variant_language(tag: str | None, tu: etree._Element) -> str:
    """`tag` normalised (cached: a file repeats a few tags), or InvalidFile naming the TU."""
    if tag:
        try:
            return _normalized_language(tag)
        except InvalidFile:
            pass
    return language(tag, _where(tu))  # raises the message that names the TU


def _tuv_language(tuv: etree._Element, tu: etree._Element) -> str:
    """The normalised language of a `<tuv>` (`xml:lang`, else TMX 1.1's `lang`)."""
    tag = tuv.get(XML_LANG) or tuv.get("lang")
    try:
        return _normalized_language(tag)
    except InvalidFile:
        return language(tag, _where(tu))  # raises the message that names the TU


def _source_index(
    variants: list[tuple[str, str, etree._Element]], srclang: str | None
) -> int | None:
    """Index of the source variant: exact tag, else same family, else the first if no srclang."""
    if srclang is None or variants[0][0] == srclang:
        return 0
    langs = [lang for lang, _, _ in variants]
    if srclang in langs:
        return langs.index(srclang)
    wanted = family(srclang)
    return next((i for i, lang in enumerate(langs) if family(lang) == wanted), None)


def _segment_text(tuv: etree._Element, tu: etree._Element) -> str:
    """The text of a variant's `<seg>`, inline elements embedded as XML (see module doc)."""
    for seg in tuv:
        if seg.tag == "seg":
            break
    else:
        raise InvalidFile(f"{_where(tu)}: a <tuv> has no <seg>")
    if len(seg) == 0:
        return seg.text or ""
    parts = [seg.text or ""]
    for child in seg:
        if child.tag in INLINE_TAGS:
            parts.append(etree.tostring(child, encoding="unicode", with_tail=False))
        elif isinstance(child.tag, str):
            parts.append(text_content(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _add_attribute(attributes: dict[str, str], key: str, value: str) -> None:
    attributes[key] = f"{attributes[key]}\n{value}" if key in attributes else value


def _date(value: str | None, tu: etree._Element) -> datetime | None:
    if not value:
        return None
    match = _TMX_DATE_RE.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        year, month, day, hour, minute, second = map(int, match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise InvalidFile(f"{_where(tu)}: {value!r} is not a TMX date (YYYYMMDDThhmmssZ)") from None


def _header(srclang: str) -> etree._Element:
    try:
        version = metadata.version("adaptmt")
    except metadata.PackageNotFoundError:
        version = "unknown"
    attributes = {
        "creationtool": "adaptmt",
        "creationtoolversion": version,
        "segtype": "sentence",
        "o-tmf": "adaptmt",
        "adminlang": "en",
        "srclang": srclang,
        "datatype": "plaintext",
    }
    return etree.Element("header", attributes)


def _tu_groups(units: Iterable[TranslationUnit]) -> Iterator[list[TranslationUnit]]:
    """Consecutive units that share one TU: same tuid, source, attributes and dates."""
    group: list[TranslationUnit] = []
    for unit in units:
        if (
            group
            and _same_tu(group[0], unit)
            and all(unit.target_lang != other.target_lang for other in group)
        ):
            group.append(unit)
            continue
        if group:
            yield group
        group = [unit]
    if group:
        yield group


def _same_tu(a: TranslationUnit, b: TranslationUnit) -> bool:
    return (a.tuid, a.source, a.source_lang, a.attributes, a.created_at, a.updated_at) == (
        b.tuid,
        b.source,
        b.source_lang,
        b.attributes,
        b.created_at,
        b.updated_at,
    )


def _tu_element(group: list[TranslationUnit], header_lang: str) -> etree._Element:
    first = group[0]
    tu = etree.Element("tu")
    if first.tuid is not None:
        tu.set("tuid", xml_text(first.tuid))
    if first.source_lang != header_lang:
        tu.set("srclang", first.source_lang)
    if first.created_at is not None:
        tu.set("creationdate", first.created_at.astimezone(UTC).strftime(TMX_DATE))
    if first.updated_at is not None:
        tu.set("changedate", first.updated_at.astimezone(UTC).strftime(TMX_DATE))
    for key, value in first.attributes.items():
        if key == NOTE_KEY:
            etree.SubElement(tu, "note").text = xml_text(value)
        else:
            etree.SubElement(tu, "prop", type=xml_text(key)).text = xml_text(value)
    _add_variant(tu, first.source_lang, first.source)
    for unit in group:
        _add_variant(tu, unit.target_lang, unit.target)
    _indent(tu)
    return tu


def _indent(tu: etree._Element) -> None:
    """Lay a TU out on several lines; by hand, as pretty printing would indent inside segs."""
    tu.text = "\n  "
    for child in tu:
        child.tail = "\n  "
        if child.tag == "tuv":
            child.text = "\n    "
            child[0].tail = "\n  "
    tu[-1].tail = "\n"


def _add_variant(tu: etree._Element, lang: str, text: str) -> None:
    tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
    seg = etree.SubElement(tuv, "seg")
    text = xml_text(text)
    if "<" not in text:
        seg.text = text
        return
    position = 0
    for start, end, element in _inline_elements(text):
        _append_text(seg, text[position:start])
        seg.append(element)
        position = end
    _append_text(seg, text[position:])


def _append_text(seg: etree._Element, text: str) -> None:
    if not text:
        return
    if len(seg) == 0:
        seg.text = (seg.text or "") + text
    else:
        seg[-1].tail = (seg[-1].tail or "") + text


def _inline_elements(text: str) -> Iterator[tuple[int, int, etree._Element]]:
    """(start, end, element) of each well-formed TMX inline element embedded in `text`."""
    parser = make_parser()
    position = 0
    while match := _INLINE_START_RE.search(text, position):
        start = match.start()
        for end in _candidate_ends(text, match):
            element = _parse_inline(text[start:end], parser)
            if element is not None:
                yield start, end, element
                position = end
                break
        else:
            position = start + 1


def _candidate_ends(text: str, match: re.Match[str]) -> Iterator[int]:
    """Where the element opened by `match` may end: its start tag, then each closing tag."""
    tag_end = text.find(">", match.end())
    if tag_end < 0:
        return
    yield tag_end + 1
    closing = f"</{match.group(1)}>"
    position = tag_end
    for _ in range(MAX_CLOSE_TAG_TRIES):
        found = text.find(closing, position)
        if found < 0:
            return
        position = found + len(closing)
        yield position


def _parse_inline(candidate: str, parser: etree.XMLParser) -> etree._Element | None:
    try:
        element = etree.fromstring(candidate, parser)
    except etree.XMLSyntaxError:
        return None
    if all(node.tag in INLINE_TAGS for node in element.iter()):
        return element
    return None
