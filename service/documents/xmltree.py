"""Whole-tree XML for the document formats: safe parsing, inline markup in and out, writing.

Parsing uses tm.formats.xmlsafe's options (no entity expansion, no DTD loading, no network)
and refuses any document with a DOCTYPE; libxml2's size and depth limits stay on.

Inline content (the children of an XLIFF `<source>`) becomes markup as the file spells it,
minus namespace declarations: `Open <g id="1">the</g> file<x id="2"/>`. Attributes in
another namespace keep the prefix the file uses. Writing parses a translated fragment in
the element's namespaces; a fragment that is not well-formed (a model broke a tag) is
repaired: stray closing tags and bare `&` and `<` become text, pairs left open are closed.
"""

import io
import re

from lxml import etree

from service.documents.base import InvalidDocument
from service.documents.inline import escape
from tm.formats.xmlsafe import PARSER_OPTIONS

XML_NS = "http://www.w3.org/XML/1998/namespace"

_DECLARATION_RE = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*\?>")
_SPACE = b" \t\n\r\x0b\x0c"
"""What `bytes.strip` strips."""
_SPACE_RE = re.compile(rb"[ \t\n\r\x0b\x0c]*")
_TAG_RE = re.compile(
    r"<(/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
)


def parse_xml(data: bytes, kind: str) -> etree._ElementTree:
    """The tree of `data`, or InvalidDocument (malformed: with the line; unsafe: refused)."""
    parser = etree.XMLParser(**PARSER_OPTIONS, strip_cdata=False)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        message = (exc.msg or str(exc)).split(", line ")[0]
        raise InvalidDocument(
            f"this {kind} file is not well-formed XML: {message} (line {exc.lineno})"
        ) from None
    if getattr(tree.docinfo, "doctype", "") or tree.docinfo.internalDTD is not None:
        raise InvalidDocument(
            f"this {kind} file declares a DTD (<!DOCTYPE ...>), which is refused for safety "
            "(entity expansion, external entities); remove the declaration"
        )
    return tree


def write_xml(tree: etree._ElementTree, original: bytes) -> bytes:
    """`tree` serialized as the original was: declaration, encoding, whitespace around the root."""
    encoding = tree.docinfo.encoding or "UTF-8"
    declaration = _DECLARATION_RE.match(original)
    if declaration is None or encoding.upper() not in ("UTF-8", "US-ASCII", "ASCII"):
        xml_declaration = declaration is not None
        return as_bytes(etree.tostring(tree, encoding=encoding, xml_declaration=xml_declaration))
    # One buffer that lxml writes into: the output exists once, and the original is not
    # copied to measure its whitespace (`tostring`, then joining the parts, held the output
    # three times over at the peak).
    head = _SPACE_RE.match(original, declaration.end())
    assert head is not None  # `\s*` matches anywhere
    tail = len(original)
    while tail > head.end() and original[tail - 1] in _SPACE:
        tail -= 1
    out = io.BytesIO()
    out.write(original[: head.end()])
    tree.write(out, encoding=encoding, xml_declaration=False)
    out.write(original[tail:])
    return out.getvalue()


def as_bytes(serialized: str | bytes) -> bytes:
    """lxml's output for an explicit encoding, typed as the bytes it is."""
    assert isinstance(serialized, bytes)  # lxml returns bytes when given an encoding
    return serialized


def local_name(element: etree._Element) -> str:
    """The tag of `element` without its namespace; "" for comments and processing instructions."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def inner_markup(element: etree._Element) -> str:
    """The content of `element` as markup (see the module doc)."""
    parts = [escape(element.text or "")]
    for child in element:
        parts.append(_outer_markup(child, element))
        parts.append(escape(child.tail or ""))
    return "".join(parts)


def _outer_markup(element: etree._Element, parent: etree._Element) -> str:
    if not isinstance(element.tag, str):  # a comment or processing instruction: as it is
        return etree.tostring(element, encoding="unicode", with_tail=False)
    name = _prefixed(str(element.tag), element, parent)
    attributes = "".join(
        f' {_prefixed(str(key), element, parent)}="{_escape_attribute(str(value))}"'
        for key, value in element.attrib.items()
    )
    if element.text is None and len(element) == 0:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{inner_markup(element)}</{name}>"


def _prefixed(name: str, element: etree._Element, parent: etree._Element) -> str:
    qname = etree.QName(name)
    if qname.namespace is None or qname.namespace == etree.QName(parent).namespace:
        return qname.localname
    if qname.namespace == XML_NS:
        return f"xml:{qname.localname}"
    prefix = next((p for p, uri in element.nsmap.items() if uri == qname.namespace and p), None)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def _escape_attribute(value: str) -> str:
    return escape(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def set_inner_markup(element: etree._Element, markup: str) -> None:
    """Replace the content of `element` with a markup fragment (repaired when broken)."""
    wrapper = _parse_fragment(element, markup)
    if wrapper is None:
        wrapper = _parse_fragment(element, _repair(markup))
    if wrapper is None:  # cannot happen after repair; keep the words rather than fail
        wrapper = _parse_fragment(element, escape(re.sub(r"<[^>]*>", "", markup)))
    assert wrapper is not None
    for child in list(element):
        element.remove(child)
    element.text = wrapper.text
    for child in list(wrapper):
        element.append(child)


def _parse_fragment(element: etree._Element, markup: str) -> etree._Element | None:
    namespace = etree.QName(element).namespace
    declarations = "".join(
        f' xmlns:{prefix}="{escape(uri)}"' for prefix, uri in element.nsmap.items() if prefix
    )
    default = f' xmlns="{escape(namespace)}"' if namespace else ""
    fragment = f"<wrapper{default}{declarations}>{markup}</wrapper>"
    try:
        return etree.fromstring(fragment.encode(), etree.XMLParser(**PARSER_OPTIONS))
    except etree.XMLSyntaxError:
        return None


def _repair(markup: str) -> str:
    """A well-formed version of a broken fragment: unmatched tags dropped, text escaped."""
    parts: list[str] = []
    stack: list[str] = []
    position = 0
    for tag in _TAG_RE.finditer(markup):
        parts.append(_escape_loose(markup[position : tag.start()]))
        position = tag.end()
        closing, name, _attributes, empty = tag.groups()
        if empty:
            parts.append(tag.group())
        elif not closing:
            stack.append(name)
            parts.append(tag.group())
        elif name in stack:
            while (top := stack.pop()) != name:
                parts.append(f"</{top}>")
            parts.append(tag.group())
    parts.append(_escape_loose(markup[position:]))
    parts += [f"</{name}>" for name in reversed(stack)]
    return "".join(parts)


def _escape_loose(text: str) -> str:
    """Escape what XML refuses in text, leaving entity references as they are."""
    text = re.sub(r"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)", "&amp;", text)
    return text.replace("<", "&lt;")


def insert_after(anchor: etree._Element, element: etree._Element) -> None:
    """Insert `element` after `anchor`, indented as `anchor` is."""
    previous = anchor.getprevious()
    parent = anchor.getparent()
    assert parent is not None
    element.tail = anchor.tail
    anchor.tail = previous.tail if previous is not None else parent.text
    anchor.addnext(element)


def append_child(parent: etree._Element, element: etree._Element) -> None:
    """Append `element` to `parent`, indented as its last child is."""
    if len(parent):
        insert_after(parent[-1], element)
    else:
        parent.append(element)
