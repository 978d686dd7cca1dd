"""Which format reads a file, and the two entry points: read_document and write_document."""

import posixpath
from collections.abc import Mapping, Sequence

from service.documents.base import (
    MAX_DOCUMENT_BYTES,
    MAX_SEGMENTS,
    Document,
    InvalidDocument,
    Match,
    UnsupportedFormat,
)
from service.documents.docx import DocxDocument
from service.documents.htmlfile import HtmlDocument
from service.documents.jsonfile import JsonDocument
from service.documents.markdown import MarkdownDocument
from service.documents.po import PoDocument
from service.documents.text import TextDocument
from service.documents.xliff import Xliff2Document, Xliff12Document, xliff_version
from tm.langs import normalize_tag

FORMATS: tuple[type[Document], ...] = (
    Xliff12Document,
    Xliff2Document,
    PoDocument,
    JsonDocument,
    DocxDocument,
    HtmlDocument,
    MarkdownDocument,
    TextDocument,
)
"""Every document format; where several share a suffix, the first whose sniff agrees wins."""


def supported_suffixes() -> list[str]:
    """The file extensions read_document accepts, sorted."""
    return sorted({suffix for format_ in FORMATS for suffix in format_.suffixes})


def format_for(data: bytes, filename: str) -> type[Document]:
    """The format of a file, by its extension and, for XLIFF, the version it declares."""
    suffix = posixpath.splitext(filename.replace("\\", "/").lower())[1]
    candidates = [format_ for format_ in FORMATS if suffix in format_.suffixes]
    if not candidates:
        raise UnsupportedFormat(filename, supported_suffixes())
    found = next((format_ for format_ in candidates if format_.sniff(data)), None)
    if found is None:
        version = xliff_version(data)
        raise InvalidDocument(
            f"{filename!r} is not an XLIFF 1.2 or 2.x file "
            f"({f'version {version!r}' if version else 'no <xliff version=...> root'})"
        )
    return found


def read_document(data: bytes, filename: str, *, source_lang: str, target_lang: str) -> Document:
    """Read a document for translation from `source_lang` into `target_lang`.

    Raises UnsupportedFormat for an unknown extension, InvalidDocument for a file that is
    malformed, unsafe or too large, and InvalidLanguage for a bad language tag.
    """
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(
            f"{filename!r} is {len(data) / 2**20:.1f} MiB; documents are limited to "
            f"{MAX_DOCUMENT_BYTES // 2**20} MiB, split it first"
        )
    format_ = format_for(data, filename)
    document = format_.read(
        data,
        filename=filename,
        source_lang=normalize_tag(source_lang),
        target_lang=normalize_tag(target_lang),
    )
    if len(document.segments) > MAX_SEGMENTS:
        raise InvalidDocument(
            f"{filename!r} has {len(document.segments)} segments; the limit is {MAX_SEGMENTS}"
        )
    return document


def write_document(
    document: Document,
    translations: Mapping[str, str],
    *,
    matches: Mapping[str, Sequence[Match]] | None = None,
) -> bytes:
    """The document with `translations` (segment id -> text) written in, as file bytes.

    Segments without a translation keep what they had (their source in monolingual
    formats, their target or none in bilingual ones); with nothing to write, the result is
    the original bytes. `matches` (segment id -> TM matches)
    go where the format has room for them (XLIFF 1.2 `<alt-trans>`). Raises ValueError for
    an id the document does not have.
    """
    unknown = [segment_id for segment_id in translations if segment_id not in document]
    if unknown:
        raise ValueError(f"no segments {unknown[:5]!r} in {document.filename!r}")
    if not translations and not (matches and any(matches.values())):
        return document.data  # nothing to write: the file as it came, byte for byte
    return document.write(translations, matches or {})
