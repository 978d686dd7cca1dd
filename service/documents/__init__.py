"""Documents for batch translation: one module per file format behind one small interface.

    document = read_document(data, "guide.docx", source_lang="en", target_lang="de")
    for segment in document.segments: ...          # what to translate, with context
    data = write_document(document, {segment.id: translated, ...})

Formats: XLIFF 1.2 and 2.x (`xliff`), gettext PO/POT (`po`), JSON string tables
(`jsonfile`), Word DOCX (`docx`), HTML (`htmlfile`), Markdown (`markdown`) and plain text
(`text`). `base` holds the interface, `sentences` the segmentation of prose, `inline` the
numbered tags of formatting, `xmltree` safe XML.
"""

from service.documents.base import (
    MAX_DOCUMENT_BYTES,
    MAX_SEGMENTS,
    Document,
    InvalidDocument,
    Match,
    PluralForm,
    Segment,
    UnsupportedFormat,
)
from service.documents.registry import (
    FORMATS,
    format_for,
    read_document,
    supported_suffixes,
    write_document,
)

__all__ = [
    "FORMATS",
    "MAX_DOCUMENT_BYTES",
    "MAX_SEGMENTS",
    "Document",
    "InvalidDocument",
    "Match",
    "PluralForm",
    "Segment",
    "UnsupportedFormat",
    "format_for",
    "read_document",
    "supported_suffixes",
    "write_document",
]
