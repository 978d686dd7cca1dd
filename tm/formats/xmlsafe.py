"""Safe XML reading for memory and glossary files: no DTDs, no entities, no network.

Every XML the formats read goes through here. Parsers never resolve entities, load DTDs or
touch the network, and a document that declares a DOCTYPE at all (internal subset, entity
declarations, external DTD) is refused with `UnsafeXML` before its root element is read:
billion-laughs, external entities (XXE) and remote DTDs are refused, not expanded.

`stream_elements` first parses the prolog with a callback parser that stops at the root
element (refusing a DOCTYPE the moment it is seen and checking the root's name), then
replays the bytes it read into `lxml.etree.iterparse`, freeing each element once the
caller has handled it, so memory stays flat however large the file.
"""

import re
from collections.abc import Collection, Iterator, Sequence
from typing import Any, BinaryIO, NoReturn

from lxml import etree

from tm.errors import InvalidFile, UnsafeXML

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,  # keep libxml2's limits on text size and nesting depth
}

CHUNK_BYTES = 64 * 1024

# The root element must start within this many bytes; past it the file is not ours, and
# reading on would only buffer an attacker's padding.
MAX_PROLOG_BYTES = 1024 * 1024

REFUSAL = (
    "DTDs and entity declarations are not allowed in memory or glossary files; "
    "remove the <!DOCTYPE ...> declaration and use plain characters instead of entities"
)


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_NOT_XML_CHAR_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (most C0 controls), for writing."""
    return _NOT_XML_CHAR_RE.sub("", text)


def text_content(element: etree._Element) -> str:
    """All the text inside `element`, its markup dropped."""
    return "".join(str(text) for text in element.itertext())


def make_parser() -> etree.XMLParser:
    """A parser with the safe options, for small fragments and whole trees."""
    return etree.XMLParser(**PARSER_OPTIONS)


def local_name(element: etree._Element) -> str:
    """The tag of `element` without its namespace (`{urn:...}tbx` -> `tbx`)."""
    return etree.QName(element).localname


def stream_elements(
    stream: BinaryIO, *, kind: str, roots: Collection[str], tags: Sequence[str]
) -> Iterator[etree._Element]:
    """Yield each element named in `tags` when it ends, then free it.

    `kind` names the expected format in messages ("TMX"); `roots` are the local
    names its root element may have. Raises UnsafeXML for any DOCTYPE and InvalidFile for
    a foreign root or malformed XML (with the line number).
    """
    prolog = _read_prolog(stream, kind, roots)
    events = etree.iterparse(
        _Replay(b"".join(prolog), stream), events=("end",), tag=list(tags), **PARSER_OPTIONS
    )
    try:
        for _event, element in events:
            yield element
            _free(element)
    except etree.XMLSyntaxError as exc:
        _raise_malformed(exc, kind)


def _free(element: etree._Element) -> None:
    """Drop `element`'s content and its already handled preceding siblings."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


class _RootFound(Exception):
    """Stops the prolog parse at the root element."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


class _PrologTarget:
    """Parser callbacks that refuse a DOCTYPE and stop at the root element."""

    def doctype(self, name: object, public_id: object, system_url: object) -> None:
        raise UnsafeXML(REFUSAL)

    def start(self, tag: object, attrib: object, nsmap: object = None) -> None:
        raise _RootFound(str(tag))

    def end(self, tag: object) -> None:
        pass

    def data(self, data: object) -> None:
        pass

    def comment(self, text: object) -> None:
        pass

    def close(self) -> None:
        return None


def _read_prolog(stream: BinaryIO, kind: str, roots: Collection[str]) -> list[bytes]:
    """Read up to the root element, check it, and return the bytes read for replay."""
    parser = etree.XMLParser(target=_PrologTarget(), **PARSER_OPTIONS)
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_PROLOG_BYTES:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                parser.close()
                break
            chunks.append(chunk)
            size += len(chunk)
            parser.feed(chunk)
    except _RootFound as found:
        root = etree.QName(found.tag).localname
        if root not in roots:
            expected = " or ".join(f"<{name}>" for name in roots)
            raise InvalidFile(
                f"expected a {kind} file (root element {expected}), found a <{root}> document"
            ) from None
        return chunks
    except etree.XMLSyntaxError as exc:
        raise InvalidFile(f"expected a {kind} file, but this is not XML: {_describe(exc)}") from exc
    raise InvalidFile(f"expected a {kind} file, but found no XML root element")


def _raise_malformed(exc: etree.XMLSyntaxError, kind: str) -> NoReturn:
    raise InvalidFile(f"this {kind} file is not well-formed XML: {_describe(exc)}") from exc


def _describe(exc: etree.XMLSyntaxError) -> str:
    """libxml2's message and line; iterparse sometimes hides them in the error log."""
    message, line = exc.msg, exc.lineno
    last = None if line else getattr(exc.error_log, "last_error", None)  # untyped in stubs
    if last is not None:
        message, line = last.message, last.line
    message = (message or str(exc)).split(", line ")[0]
    return f"{message} (line {line})" if line else message


class _Replay:
    """A binary reader that returns the prolog bytes already read, then the rest."""

    def __init__(self, prolog: bytes, stream: BinaryIO) -> None:
        self._prolog = prolog
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._prolog:
            return self._stream.read(size)
        cut = len(self._prolog) if size < 0 else size
        data, self._prolog = self._prolog[:cut], self._prolog[cut:]
        return data
