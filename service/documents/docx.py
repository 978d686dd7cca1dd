"""Word documents (.docx), read as OOXML with lxml: body, tables, headers, footers, notes.

Parts translated: the main document and the headers, footers, footnotes and endnotes it
refers to, found through the package relationships (so `document2.xml` works too). Every
other part (styles, images, settings, reviewers' comments) is copied byte for byte, and so
is every part nothing was written into.

Segments: the sentences of each paragraph with text, ids `{part}:{paragraph}.{sentence}`
(`document:12.1`, `header1:1.1`), the context naming the part, a table cell and the
paragraph style. Runs become numbered tags (see inline): the formatting most of the
paragraph's text has needs no tag; text with other run properties (bold, italic, a
character style, a colour) is `<gN>`..`</gN>`, and so is a hyperlink or a tracked insertion
around its runs; tabs, breaks, images, footnote references, fields, content controls,
equations and deleted text are `<xN/>` codes. Runs with the same properties are one span
(Word splits runs for spell-checking and revision marks).

Writing rebuilds each translated paragraph's runs from its tags, with the original run
properties, hyperlinks and codes. Bookmarks and comment ranges stay where they were among
the paragraph's children; spell-check marks are dropped. Text boxes are paragraphs of their
own, written before the paragraph that anchors them. Not translated: field results (a
table of contents, cross-references: Word regenerates them) and content controls.
"""

import copy
import io
import posixpath
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Self

from lxml import etree

from service.documents.base import Document, InvalidDocument, Match, Segment
from service.documents.inline import Node, Pair, Tags
from service.documents.sentences import block_segments, translate_block
from service.documents.xmltree import XML_NS, parse_xml, write_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PART_KINDS = {
    "header": "header",
    "footer": "footer",
    "footnotes": "footnote",
    "endnotes": "endnote",
}  # comments are reviewers' notes, not content: left as they are

MAX_ENTRIES = 10_000
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
"""Archives that would inflate beyond this are refused (zip bombs)."""


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


_WRAPPERS = frozenset(
    map(_w, ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "dir", "bdo"))
)
_MARKERS = frozenset(map(_w, (
    "pPr", "bookmarkStart", "bookmarkEnd", "commentRangeStart", "commentRangeEnd",
    "permStart", "permEnd", "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart",
    "moveToRangeEnd",
)))  # fmt: skip
_DROPPED = frozenset(map(_w, ("proofErr", "lastRenderedPageBreak")))

Element = etree._Element
Piece = tuple[Element | None, tuple[Element, ...]]  # (run to copy the properties of, content)


@dataclass(frozen=True, slots=True)
class _Format:
    """Text with these run properties."""

    properties: Element | None


@dataclass(frozen=True, slots=True)
class _Wrapper:
    """A hyperlink (or insertion...) and the run properties most of its text has."""

    element: Element
    base: Element | None


@dataclass(frozen=True, slots=True)
class _Objects:
    """Content that is not text, each piece in a run like the one it came from."""

    pieces: tuple[Piece, ...]


Payload = _Format | _Wrapper | _Objects


@dataclass(slots=True)
class _Text:
    properties: Element | None
    text: str


@dataclass(slots=True)
class _Wrap:
    element: Element
    items: "list[_Text | _Wrap | Piece]" = field(default_factory=list)


Item = _Text | _Wrap | Piece


@dataclass(slots=True)
class _Paragraph:
    element: Element
    id: str
    context: str
    holders: list[Element] = field(default_factory=list)  # children the text comes from
    items: list[Item] = field(default_factory=list)

    def tags(self) -> Tags[Payload]:
        """The paragraph's markup."""
        tags: Tags[Payload] = Tags()
        _markup(self.items, tags, _base(self.items))
        return tags


class DocxDocument(Document):
    """A Word document."""

    format = "docx"
    suffixes = (".docx",)

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        segments: list[Segment] = []
        with _open(data) as archive:
            for name, label in _parts(archive):
                for paragraph in _paragraphs(parse_xml(_read(archive, name), "DOCX"), label):
                    segments += block_segments(
                        paragraph.id, paragraph.tags().markup, source_lang, markup=True,
                        context=paragraph.context,
                    )  # fmt: skip
        return cls(
            data, segments, filename=filename, source_lang=source_lang, target_lang=target_lang
        )

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        written: dict[str, bytes] = {}
        with _open(self.data) as archive:
            for name, label in _parts(archive):
                original = _read(archive, name)
                tree = parse_xml(original, "DOCX")
                if self._translate_part(tree, label, translations):
                    written[name] = write_xml(tree, original)
            if not written:
                return self.data
            output = io.BytesIO()
            with zipfile.ZipFile(output, "w") as copy_archive:
                for info in archive.infolist():
                    content = written.get(info.filename) or archive.read(info)
                    copy_archive.writestr(copy.copy(info), content)
        return output.getvalue()

    def _translate_part(
        self, tree: etree._ElementTree, label: str, translations: Mapping[str, str]
    ) -> bool:
        changed = False
        for paragraph in reversed(list(_paragraphs(tree, label))):  # text boxes first
            tags = paragraph.tags()
            markup = translate_block(
                paragraph.id, tags.markup, self.source_lang, translations, markup=True
            )
            if markup is not None:
                _rebuild(paragraph, tags.parse(markup))
                changed = True
        return changed


def _open(data: bytes) -> zipfile.ZipFile:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidDocument(
            "this is a legacy .doc or a password-protected document; "
            "save it as .docx without a password"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidDocument(f"this DOCX file is not a ZIP archive ({exc})") from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES or sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise InvalidDocument(
            f"this DOCX file would unpack to more than {MAX_UNZIPPED_BYTES // 2**20} MiB "
            f"or {MAX_ENTRIES} files; it is refused"
        )
    return archive


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise InvalidDocument(f"this DOCX file has no part {name!r}") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidDocument(f"the part {name!r} of this DOCX file is damaged ({exc})") from None


def _parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(zip name, id label) of the main document and the parts it refers to."""
    main = next(
        (target for kind, target in _relationships(archive, "") if kind == "officeDocument"), None
    )
    if main is None:
        raise InvalidDocument("this DOCX file has no main document (_rels/.rels names none)")
    parts = [(main, posixpath.splitext(posixpath.basename(main))[0])]
    for kind, target in _relationships(archive, main):
        if kind in _PART_KINDS:
            parts.append((target, posixpath.splitext(posixpath.basename(target))[0]))
    return parts


def _relationships(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[str, str]]:
    """(type's last word, zip name of the target) of a part's internal relationships."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
    if rels_name not in archive.namelist():
        return
    for relationship in parse_xml(_read(archive, rels_name), "DOCX").getroot():
        if (
            relationship.get("TargetMode") == "External"
            or relationship.tag != f"{{{_RELATIONSHIPS}}}Relationship"
        ):
            continue
        target = relationship.get("Target", "")
        name = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        yield relationship.get("Type", "").rsplit("/", 1)[-1], name


def _paragraphs(tree: etree._ElementTree, label: str) -> Iterator[_Paragraph]:
    """The paragraphs of a part in document order, their runs read into items."""
    kind = next((k for prefix, k in _PART_KINDS.items() if label.startswith(prefix)), "body")
    fields = [0]  # open complex fields; they may span paragraphs
    for number, element in enumerate(tree.getroot().iter(_w("p")), 1):
        paragraph = _Paragraph(element, f"{label}:{number}", _context(element, kind))
        for child in element:
            if child.tag in _MARKERS or child.tag in _DROPPED or not isinstance(child.tag, str):
                continue
            paragraph.holders.append(child)
            paragraph.items += _items(child, fields)
        yield paragraph


def _context(paragraph: Element, kind: str) -> str:
    where = [kind]
    if any(ancestor.tag == _w("tc") for ancestor in paragraph.iterancestors()):
        where.append("table cell")
    style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
    if style is not None and style.get(_w("val")):
        where.append(f"style {style.get(_w('val'))}")
    return ", ".join(where)


def _items(element: Element, fields: list[int]) -> list[Item]:
    """What one child of a paragraph (or of a hyperlink) holds."""
    if element.tag == _w("r"):
        return _run_items(element, fields)
    if element.tag in _WRAPPERS:
        wrap = _Wrap(element)
        for child in element:
            if child.tag not in _DROPPED and isinstance(child.tag, str):
                wrap.items += (
                    _items(child, fields) if child.tag not in _MARKERS else [(None, (child,))]
                )
        return [wrap]
    return [(None, (element,))]  # content controls, simple fields, equations, deletions


def _run_items(run: Element, fields: list[int]) -> list[Item]:
    field_chars = [char.get(_w("fldCharType")) for char in run.iter(_w("fldChar"))]
    in_field = fields[0] > 0 or bool(field_chars) or run.find(_w("instrText")) is not None
    for kind in field_chars:
        fields[0] += {"begin": 1, "end": -1}.get(kind or "", 0)
    fields[0] = max(fields[0], 0)
    if in_field:
        return [(None, (run,))]
    properties = run.find(_w("rPr"))
    items: list[Item] = []
    for child in run:
        if child.tag == _w("t"):
            items.append(_Text(properties, child.text or ""))
        elif child.tag != _w("rPr") and child.tag not in _DROPPED:
            items.append((run, (child,)))
    return items


def _key(properties: Element | None) -> bytes:
    return b"" if properties is None else etree.tostring(properties)


def _base(items: list[Item]) -> Element | None:
    """The run properties most of the text directly in `items` has."""
    weights: Counter[bytes] = Counter()
    first: dict[bytes, Element | None] = {}
    for item in items:
        if isinstance(item, _Text):
            weights[_key(item.properties)] += len(item.text)
            first.setdefault(_key(item.properties), item.properties)
    return first[weights.most_common(1)[0][0]] if weights else None


def _markup(items: list[Item], tags: Tags[Payload], base: Element | None) -> None:
    """Add `items` to `tags`: same-format text merged, adjacent objects one code."""
    index = 0
    while index < len(items):
        item = items[index]
        if isinstance(item, _Wrap):
            inner = _base(item.items)
            number = tags.open(_Wrapper(item.element, inner))
            _markup(item.items, tags, inner)
            tags.close(number)
            index += 1
            continue
        end = index + 1
        while end < len(items) and _same_kind(items[index], items[end]):
            end += 1
        if isinstance(item, _Text):
            text = "".join(t.text for t in items[index:end] if isinstance(t, _Text))
            if _key(item.properties) == _key(base):
                tags.text(text)
            else:
                number = tags.open(_Format(item.properties))
                tags.text(text)
                tags.close(number)
        else:
            tags.code(_Objects(tuple(p for p in items[index:end] if isinstance(p, tuple))))
        index = end


def _same_kind(first: Item, second: Item) -> bool:
    if isinstance(first, _Text) and isinstance(second, _Text):
        return _key(first.properties) == _key(second.properties)
    return isinstance(first, tuple) and isinstance(second, tuple)


def _rebuild(paragraph: _Paragraph, nodes: list[Node[Payload]]) -> None:
    """Replace a paragraph's runs with the runs of a translated tree."""
    element = paragraph.element
    for dropped in [child for child in element if child.tag in _DROPPED]:
        element.remove(dropped)
    index = element.index(paragraph.holders[0]) if paragraph.holders else len(element)
    content: list[Element] = []
    _render(nodes, content, _base(paragraph.items))
    for holder in paragraph.holders:
        if holder.getparent() is element:
            element.remove(holder)
    for offset, new in enumerate(content):
        element.insert(index + offset, new)


def _render(nodes: list[Node[Payload]], out: list[Element], properties: Element | None) -> None:
    for node in nodes:
        if isinstance(node, str):
            out += _text_runs(node, properties)
        elif isinstance(node, Pair):
            payload = node.payload
            if isinstance(payload, _Format):
                _render(node.children, out, payload.properties)
            elif isinstance(payload, _Wrapper):
                wrapper = payload.element.makeelement(
                    payload.element.tag, _attributes_of(payload.element)
                )
                children: list[Element] = []
                _render(node.children, children, payload.base)
                wrapper.extend(children)
                out.append(wrapper)
        elif isinstance(node.payload, _Objects):
            for run, content in node.payload.pieces:
                if run is None:
                    out += content
                else:
                    holder = run.makeelement(run.tag, _attributes_of(run))
                    properties_copy = run.find(_w("rPr"))
                    if properties_copy is not None:
                        holder.append(copy.deepcopy(properties_copy))
                    holder.extend(content)
                    out.append(holder)


def _text_runs(text: str, properties: Element | None) -> list[Element]:
    """A run holding `text` (tabs and line breaks as Word's own elements)."""
    run = etree.Element(_w("r"))
    if properties is not None:
        run.append(copy.deepcopy(properties))
    for position, line in enumerate(text.split("\n")):
        if position:
            etree.SubElement(run, _w("br"))
        for column, chunk in enumerate(line.split("\t")):
            if column:
                etree.SubElement(run, _w("tab"))
            if chunk:
                etree.SubElement(run, _w("t"), {f"{{{XML_NS}}}space": "preserve"}).text = chunk
    return [run]


def _attributes_of(element: Element) -> dict[str, str]:
    return {str(name): str(value) for name, value in element.attrib.items()}
