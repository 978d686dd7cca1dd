"""HTML pages and fragments (parsed with lxml.html, which repairs what browsers repair).

Segments: the text of each block (a `<p>`, `<li>`, `<td>`, `<h1>`, `<title>`..., or the
stretch of text between two blocks in a mixed `<div>`), cut into sentences (ids
`{block}.{sentence}`, context the element's tag); and the `alt`, `title`, `placeholder`
and `aria-label` attributes and `<meta name="description">` content (ids `{n}.{attribute}`,
plain text). Inline elements (`<a>`, `<b>`, `<span>`...) become numbered tags (see inline):
`<gN>`..`</gN>` around their text, `<xN/>` for `<br>`, `<img>`, comments and untranslated
inline code.

Never translated: script, style, code, pre, kbd, samp, textarea, svg, math, template, and
anything marked `translate="no"` or `class="notranslate"`.

Writing rebuilds each translated block from its tags (attributes as they were, images
and untranslated code moved along with the words) and sets `<html lang>` to the target
language. The output is lxml's serialization: the same document, though not byte for byte
(attribute quoting and the like may change). A file without `<html>`, `<head>`, `<body>`
or a doctype is a fragment and is written back as one.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Self

import lxml.html
from lxml import etree

from service.documents.base import Document, InvalidDocument, Match, Segment, decode_text
from service.documents.inline import Node, Pair, Tags, escape
from service.documents.sentences import block_segments, translate_block
from service.documents.xmltree import as_bytes

INLINE = frozenset(
    (
        *("a", "abbr", "acronym", "b", "bdi", "bdo", "big", "br", "button", "cite", "data"),
        *("del", "dfn", "em", "font", "i", "img", "input", "ins", "label", "mark", "meter"),
        *("output", "progress", "q", "rp", "rt", "ruby", "s", "select", "small", "span"),
        *("strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr"),
    )
)
SKIPPED = frozenset(
    ("script", "style", "code", "pre", "kbd", "samp", "textarea", "svg", "math", "template")
)
_SKIPPED_BLOCKS = frozenset(("pre", "template"))
VOID = frozenset(("br", "img", "input", "wbr"))
ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

_DOCUMENT_RE = re.compile(rb"<(?:!doctype|html|head|body)[\s>]", re.IGNORECASE)
_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)

Element = etree._Element


@dataclass(slots=True)
class _Run:
    """Text and inline elements between two blocks of `parent` (after `after`, or first)."""

    parent: Element
    after: Element | None
    children: list[Element] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Attribute:
    element: Element
    name: str


class HtmlDocument(Document):
    """An HTML page or fragment."""

    format = "html"
    suffixes = (".html", ".htm")

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        segments: list[Segment] = []
        for item_id, item in _items(_parse(data)):
            if isinstance(item, _Attribute):
                value = item.element.get(item.name, "")
                if any(c.isalpha() for c in value):
                    context = f"{item.element.tag} {item.name}"
                    segments.append(Segment(item_id, value, context=context))
            else:
                tags = _tags(item)
                context = str(item.parent.tag)
                segments += block_segments(
                    item_id, tags.markup, source_lang, markup=True, context=context
                )
        return cls(
            data, segments, filename=filename, source_lang=source_lang, target_lang=target_lang
        )

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        root = _parse(self.data)
        items = list(_items(root))
        runs: list[tuple[_Run, Tags[Element], str]] = []
        for item_id, item in items:
            if isinstance(item, _Attribute):
                if item_id in translations:
                    item.element.set(item.name, translations[item_id])
                continue
            tags = _tags(item)
            markup = translate_block(
                item_id, tags.markup, self.source_lang, translations, markup=True
            )
            if markup is not None:
                runs.append((item, tags, markup))
        for run, tags, markup in runs:  # after the attributes: pairs copy them
            _rebuild(run, tags.parse(markup))
        if root.tag == "html" and root.get("lang") is not None and translations:
            root.set("lang", self.target_lang)
        return _serialize(root, self.data)


def _encoding(data: bytes) -> str:
    declared = _CHARSET_RE.search(data[:4096])
    return declared.group(1).decode("ascii") if declared else "utf-8"


def _parse(data: bytes) -> Element:
    charset = _encoding(data)
    if charset.lower().replace("_", "-") in ("utf-8", "utf8") or data.startswith(
        (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")
    ):
        text, _codec = decode_text(data, "HTML")
    else:
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            raise InvalidDocument(f"this HTML file is not valid {charset}") from None
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=False, remove_pis=False)
    try:
        if _DOCUMENT_RE.search(data[:65536]):
            return lxml.html.document_fromstring(text, parser=parser)
        return lxml.html.fragment_fromstring(text, create_parent="div", parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InvalidDocument(f"this HTML file cannot be read: {exc}") from None


def _serialize(root: Element, original: bytes) -> bytes:
    encoding = "utf-8" if original.startswith(b"\xef\xbb\xbf") else _encoding(original)
    bom = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    if root.getparent() is None and _DOCUMENT_RE.search(original[:65536]):
        return bom + as_bytes(etree.tostring(root.getroottree(), method="html", encoding=encoding))
    inner = escape(root.text or "") + "".join(
        etree.tostring(child, method="html", encoding="unicode") for child in root
    )
    return bom + inner.encode(encoding, errors="xmlcharrefreplace")


def _items(root: Element) -> Iterator[tuple[str, _Run | _Attribute]]:
    """Runs and attributes to translate, in document order, with their ids."""
    for number, item in enumerate(_visit(root), 1):
        yield (f"{number}.{item.name}" if isinstance(item, _Attribute) else str(number)), item


def _visit(element: Element) -> Iterator[_Run | _Attribute]:
    if _skipped(element):
        return
    yield from _attributes(element)
    run = _Run(element, None)
    for child in element:
        if _is_inline(child):
            run.children.append(child)
            yield from _inline_attributes(child)
        else:
            yield run
            yield from _visit(child)
            run = _Run(element, child)
    yield run


def _attributes(element: Element) -> Iterator[_Attribute]:
    for name in ATTRIBUTES:
        if element.get(name):
            yield _Attribute(element, name)
    if element.tag == "meta" and element.get("name", "").lower() == "description":
        yield _Attribute(element, "content")


def _inline_attributes(element: Element) -> Iterator[_Attribute]:
    if isinstance(element.tag, str) and not _skipped(element):
        yield from _attributes(element)
        for child in element:
            yield from _inline_attributes(child)


def _skipped(element: Element) -> bool:
    return not isinstance(element.tag, str) or (
        element.tag in SKIPPED
        or element.get("translate", "").lower() == "no"
        or "notranslate" in element.get("class", "").split()
    )


def _is_inline(element: Element) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments and processing instructions
    if element.tag in SKIPPED:
        return element.tag not in _SKIPPED_BLOCKS
    return element.tag in INLINE and all(_is_inline(child) for child in element)


def _tags(run: _Run) -> Tags[Element]:
    """The markup of a run: its text, inline elements as tags."""
    tags: Tags[Element] = Tags()
    tags.text((run.after.tail if run.after is not None else run.parent.text) or "")
    for child in run.children:
        _emit(child, tags)
    return tags


def _emit(element: Element, tags: Tags[Element]) -> None:
    if _skipped(element) or element.tag in VOID:
        tags.code(element)
    else:
        number = tags.open(element)
        tags.text(element.text or "")
        for child in element:
            _emit(child, tags)
        tags.close(number)
    tags.text(element.tail or "")


def _rebuild(run: _Run, nodes: list[Node[Element]]) -> None:
    """Replace a run's text and inline elements with a translated tree."""
    holder = etree.Element("holder")
    _fill(holder, nodes)
    for child in run.children:
        if child.getparent() is run.parent:
            run.parent.remove(child)
    if run.after is None:
        run.parent.text, index = holder.text, 0
    else:
        run.after.tail, index = holder.text, run.parent.index(run.after) + 1
    for offset, child in enumerate(list(holder)):
        run.parent.insert(index + offset, child)


def _fill(container: Element, nodes: list[Node[Element]]) -> None:
    for node in nodes:
        if isinstance(node, str):
            if len(container):
                container[-1].tail = (container[-1].tail or "") + node
            else:
                container.text = (container.text or "") + node
            continue
        if isinstance(node, Pair):
            element = node.payload.makeelement(node.payload.tag, _attributes_of(node.payload))
            _fill(element, node.children)
        else:
            element = node.payload
            element.tail = None
        container.append(element)


def _attributes_of(element: Element) -> dict[str, str]:
    return {str(name): str(value) for name, value in element.attrib.items()}
