"""XLIFF 1.2 (and 1.0/1.1) and XLIFF 2.0/2.1/2.2: the bilingual files CAT tools exchange.

Segments:
- 1.2: one per `<trans-unit>` (ids `unit`), or one per `<mrk mtype="seg">` of its
  `<seg-source>` when a tool (Okapi, Trados) segmented it (ids `unit#mid`). It needs
  translation without a target, with an empty one, or with target state `new` or
  `needs-translation`. `resname` is the context, `<note>`s the notes.
- 2.x: one per `<segment>` (ids `unit`, or `unit#segment` in units with several). It
  needs translation without a target, with an empty one, or with `state="initial"` written
  out (a target without `state` counts as translated: many tools leave it out).
- Units inside `translate="no"` (unit, group or file) are left out. Several `<file>`s
  prefix ids with the file's number (`2/unit`).

Inline elements (1.2: g, x, bx, ex, ph, bpt, ept, it, mrk; 2.x: pc, sc, ec, ph, mrk, sm,
em, cp) stay as the file spells them in the segment markup, and are written back as
elements. Writing sets target state `translated` (1.2 also `state-qualifier="mt-suggestion"`),
adds `target-language`/`trgLang` when missing, and in 1.2 adds one `<alt-trans>` per
translation-memory match given. Everything else is left as it was.
"""

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from lxml import etree

from service.documents.base import Document, InvalidDocument, Match, Segment, check_language
from service.documents.xmltree import (
    XML_NS,
    append_child,
    inner_markup,
    insert_after,
    local_name,
    parse_xml,
    set_inner_markup,
    write_xml,
)

_VERSION_RE = re.compile(rb"<(?:\w+:)?xliff\b[^>]*?\bversion\s*=\s*[\"']([\d.]+)", re.DOTALL)
_SNIFF_BYTES = 64 * 1024  # the root may follow a long licence comment

NEEDS_TRANSLATION_1 = frozenset({"new", "needs-translation"})
NEEDS_TRANSLATION_2 = frozenset({"initial"})


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where one segment lives in the tree."""

    id: str
    unit: etree._Element
    source: etree._Element
    target: etree._Element | None
    container: etree._Element  # 1.2: the trans-unit; 2.x: the segment
    mid: str | None = None  # 1.2 segmented units: the mrk's mid


def xliff_version(data: bytes) -> str | None:
    """The `version` of the `<xliff>` root at the start of `data`, when there is one."""
    head = data[:_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode()
    found = _VERSION_RE.search(head)
    return found.group(1).decode() if found else None


class _Xliff(Document):
    """What both XLIFF versions share: the tree, languages, ids, targets."""

    version_prefix: ClassVar[str]
    context_attribute: ClassVar[str]  # the unit attribute that names the string

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        version = xliff_version(data)
        return version is not None and version.startswith(cls.version_prefix)

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        root = cls._root(data)
        cls._check_languages(root, source_lang, target_lang)
        segments: dict[str, Segment] = {}
        for slot in cls._slots(root):
            if slot.id in segments:
                raise InvalidDocument(
                    f"two units have the id {slot.id!r} (the second on line "
                    f"{slot.unit.sourceline}); ids must be unique within a <file>"
                )
            segments[slot.id] = cls._segment(slot)
        return cls(
            data,
            list(segments.values()),
            filename=filename,
            source_lang=source_lang,
            target_lang=target_lang,
        )

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        tree = parse_xml(self.data, "XLIFF")
        root = tree.getroot()
        self._set_target_language(root)
        slots = list(self._slots(root))
        unfinished = Counter(  # per container: segments that will still lack a translation
            id(slot.container)
            for slot in slots
            if slot.id not in translations and self.segment(slot.id).needs_translation
        )
        for slot in slots:
            if slot.id in translations:
                complete = not unfinished[id(slot.container)]
                self._write_target(slot, translations[slot.id], complete)
            if matches.get(slot.id):
                self._write_matches(slot, matches[slot.id])
        return write_xml(tree, self.data)

    @classmethod
    def _root(cls, data: bytes) -> etree._Element:
        root = parse_xml(data, "XLIFF").getroot()
        if local_name(root) != "xliff":
            raise InvalidDocument(f"expected an XLIFF file, found a <{local_name(root)}> root")
        return root

    @classmethod
    def _files(cls, root: etree._Element) -> Iterator[tuple[str, etree._Element]]:
        """Each `<file>` to translate, with the prefix its segment ids get."""
        files = [child for child in root if local_name(child) == "file"]
        for number, file in enumerate(files, 1):
            if file.get("translate") != "no":
                yield (f"{number}/" if len(files) > 1 else ""), file

    @classmethod
    def _units(cls, file: etree._Element, tag: str) -> Iterator[etree._Element]:
        for unit in file.iter(_tag(file, tag)):
            if all(element.get("translate") != "no" for element in _ancestry(unit, file)):
                yield unit

    @classmethod
    def _segment(cls, slot: _Slot) -> Segment:
        target = inner_markup(slot.target) if slot.target is not None else ""
        notes = tuple((note.text or "").strip() for note in _notes(slot.unit))
        return Segment(
            id=slot.id,
            source=inner_markup(slot.source),
            target=target or None,
            needs_translation=not target.strip() or cls._state_needs_translation(slot),
            markup=True,
            context=slot.unit.get(cls.context_attribute),
            notes=tuple(note for note in notes if note),
        )

    def _new_target(self, slot: _Slot) -> etree._Element:
        container = slot.container  # 1.2: the trans-unit; 2.x: the segment
        anchor = _child(container, "seg-source")
        anchor = anchor if anchor is not None else _child(container, "source")
        assert anchor is not None
        target = anchor.makeelement(_tag(anchor, "target"), {})
        insert_after(anchor, target)
        return target

    @classmethod
    def _slots(cls, root: etree._Element) -> Iterator[_Slot]:
        raise NotImplementedError

    @classmethod
    def _check_languages(cls, root: etree._Element, source_lang: str, target_lang: str) -> None:
        raise NotImplementedError

    @classmethod
    def _state_needs_translation(cls, slot: _Slot) -> bool:
        raise NotImplementedError

    def _set_target_language(self, root: etree._Element) -> None:
        raise NotImplementedError

    def _write_target(self, slot: _Slot, translation: str, complete: bool) -> None:
        """Write one translation; `complete`: its unit (1.2) or segment (2.x) is now done."""
        raise NotImplementedError

    def _write_matches(self, slot: _Slot, matches: Sequence[Match]) -> None:
        """Offer translation-memory matches with the translation (where the version can)."""


class Xliff12Document(_Xliff):
    """XLIFF 1.2 (1.0 and 1.1 read the same way)."""

    format = "xliff-1.2"
    suffixes = (".xlf", ".xliff")
    version_prefix = "1."
    context_attribute = "resname"

    @classmethod
    def _check_languages(cls, root: etree._Element, source_lang: str, target_lang: str) -> None:
        for _prefix, file in cls._files(root):
            where = f"<file original={file.get('original', '')!r}>"
            check_language(
                file.get("source-language"), source_lang, f"the source language of {where}"
            )
            check_language(
                file.get("target-language"), target_lang, f"the target language of {where}"
            )

    @classmethod
    def _slots(cls, root: etree._Element) -> Iterator[_Slot]:
        for prefix, file in cls._files(root):
            for unit in cls._units(file, "trans-unit"):
                unit_id = _required(unit, "id", "<trans-unit>")
                source = _child(unit, "source")
                if source is None:
                    raise InvalidDocument(
                        f"<trans-unit id={unit_id!r}> has no <source> (line {unit.sourceline})"
                    )
                target = _child(unit, "target")
                seg_source = _child(unit, "seg-source")
                marks = [] if seg_source is None else _segment_marks(seg_source)
                if not marks:
                    yield _Slot(prefix + unit_id, unit, source, target, unit)
                for mark in marks:
                    mid = _required(mark, "mid", '<mrk mtype="seg">')
                    target_mark = None if target is None else _mark(target, mid)
                    yield _Slot(f"{prefix}{unit_id}#{mid}", unit, mark, target_mark, unit, mid)

    @classmethod
    def _state_needs_translation(cls, slot: _Slot) -> bool:
        target = _child(slot.unit, "target")
        return target is not None and target.get("state") in NEEDS_TRANSLATION_1

    def _set_target_language(self, root: etree._Element) -> None:
        for _prefix, file in self._files(root):
            if not file.get("target-language"):
                file.set("target-language", self.target_lang)

    def _write_target(self, slot: _Slot, translation: str, complete: bool) -> None:
        target = _child(slot.unit, "target")
        if slot.mid is None:
            target = target if target is not None else self._new_target(slot)
            set_inner_markup(target, translation)
        else:
            if target is None:
                target = self._new_target(slot)
                seg_source = _child(slot.unit, "seg-source")
                assert seg_source is not None
                set_inner_markup(target, inner_markup(seg_source))
            mark = _mark(target, slot.mid)
            if mark is None:
                mark = target.makeelement(_tag(target, "mrk"), {"mtype": "seg", "mid": slot.mid})
                target.append(mark)
            set_inner_markup(mark, translation)
        target.set("state", "translated" if complete else "needs-translation")
        target.set("state-qualifier", "mt-suggestion")

    def _write_matches(self, slot: _Slot, matches: Sequence[Match]) -> None:
        for source, target, score in matches:
            alt = slot.unit.makeelement(
                _tag(slot.unit, "alt-trans"),
                {"match-quality": f"{score:g}", "origin": "translation-memory"},
            )
            if slot.mid is not None:
                alt.set("mid", slot.mid)
            for tag, text, lang in (
                ("source", source, self.source_lang),
                ("target", target, self.target_lang),
            ):
                child = etree.SubElement(alt, _tag(slot.unit, tag), {f"{{{XML_NS}}}lang": lang})
                child.text = text
            append_child(slot.unit, alt)


class Xliff2Document(_Xliff):
    """XLIFF 2.0, 2.1 and 2.2 (core; modules are kept as they are)."""

    format = "xliff-2"
    suffixes = (".xlf", ".xliff")
    version_prefix = "2."
    context_attribute = "name"

    @classmethod
    def _check_languages(cls, root: etree._Element, source_lang: str, target_lang: str) -> None:
        check_language(root.get("srcLang"), source_lang, "the file's srcLang")
        check_language(root.get("trgLang"), target_lang, "the file's trgLang")

    @classmethod
    def _slots(cls, root: etree._Element) -> Iterator[_Slot]:
        for prefix, file in cls._files(root):
            for unit in cls._units(file, "unit"):
                unit_id = _required(unit, "id", "<unit>")
                segments = [child for child in unit if local_name(child) == "segment"]
                for number, segment in enumerate(segments, 1):
                    source = _child(segment, "source")
                    if source is None:
                        raise InvalidDocument(
                            f"a <segment> of <unit id={unit_id!r}> has no <source> "
                            f"(line {segment.sourceline})"
                        )
                    suffix = f"#{segment.get('id', number)}" if len(segments) > 1 else ""
                    yield _Slot(
                        prefix + unit_id + suffix, unit, source, _child(segment, "target"), segment
                    )

    @classmethod
    def _state_needs_translation(cls, slot: _Slot) -> bool:
        return slot.container.get("state") in NEEDS_TRANSLATION_2

    def _set_target_language(self, root: etree._Element) -> None:
        if not root.get("trgLang"):
            root.set("trgLang", self.target_lang)

    def _write_target(self, slot: _Slot, translation: str, complete: bool) -> None:
        target = slot.target if slot.target is not None else self._new_target(slot)
        set_inner_markup(target, translation)
        slot.container.set("state", "translated")


def _tag(near: etree._Element, name: str) -> str:
    """`name` in the namespace of `near`."""
    namespace = etree.QName(near).namespace
    return f"{{{namespace}}}{name}" if namespace else name


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return parent.find(_tag(parent, name))


def _required(element: etree._Element, attribute: str, what: str) -> str:
    value = element.get(attribute)
    if not value:
        raise InvalidDocument(f"a {what} has no {attribute} attribute (line {element.sourceline})")
    return value


def _notes(unit: etree._Element) -> Iterator[etree._Element]:
    """The unit's own notes (1.2: `<note>` children; 2.x: in `<notes>`), not its matches'."""
    for child in unit:
        if local_name(child) == "note":
            yield child
        elif local_name(child) == "notes":
            yield from (note for note in child if local_name(note) == "note")


def _segment_marks(seg_source: etree._Element) -> list[etree._Element]:
    return [mark for mark in seg_source.iter(_tag(seg_source, "mrk")) if mark.get("mtype") == "seg"]


def _mark(target: etree._Element, mid: str) -> etree._Element | None:
    return next((mark for mark in _segment_marks(target) if mark.get("mid") == mid), None)


def _ancestry(element: etree._Element, top: etree._Element) -> Iterator[etree._Element]:
    """`element` and its ancestors up to and including `top`."""
    current: etree._Element | None = element
    while current is not None:
        yield current
        if current is top:
            return
        current = current.getparent()
