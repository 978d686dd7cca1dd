"""gettext PO and POT files (read with polib).

Segments: one per entry, ids the entry's number in the file (1-based; the header and
obsolete `#~` entries are not counted, never segments and never changed). An entry with
`msgid_plural` gives one segment per plural form of the target language (`n[0]`,
`n[1]`, ...): form 0 translates `msgid` when the language has more than one form, every
other form translates `msgid_plural`; `Segment.plural` says which form and how many there
are (`nplurals` from the header's Plural-Forms, else the usual value for the language).
`msgctxt` is the context; translator and extracted comments and format flags
(`python-format`) are notes. An untranslated or fuzzy entry needs translation.

Writing marks every machine-translated entry `fuzzy`: gettext tools (msgfmt) skip fuzzy
entries, so nothing reaches users until a reviewer has checked it and removed the flag.
Only the entries written change: they are re-rendered by polib and spliced into the
original text, so every other byte of the file stays as it was. A file written to that
has no Language or no usable Plural-Forms (a POT) gets them for the target language, and
a POT's `charset=CHARSET` becomes UTF-8.
"""

import codecs
import re
from collections.abc import Mapping, Sequence
from typing import Self

import polib

from service.documents.base import (
    Document,
    InvalidDocument,
    Match,
    PluralForm,
    Segment,
    TextEncoding,
    decode_text,
)
from tm.langs import normalize_tag, primary_language

_CHARSET_RE = re.compile(rb"charset=([\w.:-]+)")
_NPLURALS_RE = re.compile(r"nplurals\s*=\s*(\d+)")
_OTHER = "nplurals=2; plural=(n != 1);"
PLURAL_FORMS = {  # gettext's values (as msginit writes them) where they are not _OTHER
    **dict.fromkeys(
        ("ja", "zh", "ko", "vi", "th", "id", "ms", "lo", "km", "my"), "nplurals=1; plural=0;"
    ),
    **dict.fromkeys(("fr", "oc", "ln"), "nplurals=2; plural=(n > 1);"),
    **dict.fromkeys(
        ("ru", "uk", "be", "sr", "hr", "bs"),
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
        "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    ),
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    **dict.fromkeys(("cs", "sk"), "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;"),
    "lt": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
    "n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
    "ga": "nplurals=5; plural=(n==1 ? 0 : n==2 ? 1 : n<7 ? 2 : n<11 ? 3 : 4);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
}
"""Plural-Forms by primary language, for files that do not say (POT templates)."""


class PoDocument(Document):
    """A gettext catalogue or template."""

    format = "po"
    suffixes = (".po", ".pot")

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        catalogue = _parse(*_decode(data))
        forms = _plural_count(catalogue, target_lang)
        segments = [
            segment
            for number, entry in enumerate(_active(catalogue), 1)
            for segment in _segments(str(number), entry, forms)
        ]
        return cls(
            data, segments, filename=filename, source_lang=source_lang, target_lang=target_lang
        )

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        text, encoding = _decode(self.data)
        catalogue = _parse(text, encoding)
        lines = text.splitlines(keepends=True)
        forms = _plural_count(catalogue, self.target_lang)
        replaced: dict[int, str] = {}  # first line of an entry (0-based) -> its new text
        for number, entry in enumerate(_active(catalogue), 1):
            if _apply(str(number), entry, forms, translations):
                replaced[entry.linenum - 1] = entry.__unicode__(catalogue.wrapwidth)
        if not replaced:
            return self.data
        starts = sorted(entry.linenum - 1 for entry in catalogue)
        for start in sorted(replaced, reverse=True):
            end = _entry_end(lines, start, starts)
            newline = "\r\n" if lines[end - 1].endswith("\r\n") else "\n"
            rendered = replaced[start].replace("\n", newline)
            if not lines[end - 1].endswith("\n"):
                rendered = rendered.rstrip("\r\n")
            lines[start:end] = [rendered]
        header_end = starts[0] if starts else len(lines)
        header = self._complete_header("".join(lines[:header_end]), catalogue)
        written = header + "".join(lines[header_end:])
        if encoding.codec != "utf-8" and not _encodable(written, encoding.codec):
            written = re.sub(r"charset=[\w.:-]+", "charset=UTF-8", written, count=1)
            encoding = TextEncoding(b"", "utf-8")
        return encoding.encode(written)

    def _complete_header(self, header: str, catalogue: polib.POFile) -> str:
        """The header with Language, Plural-Forms and charset filled in where a POT leaves them."""
        if not catalogue.metadata:
            return header
        language = normalize_tag(self.target_lang)
        header = re.sub(r'(?m)^"Language:\s*\\n"', lambda _: f'"Language: {language}\\n"', header)
        header = header.replace("charset=CHARSET", "charset=UTF-8")
        plural_forms = catalogue.metadata.get("Plural-Forms", "")
        if not _NPLURALS_RE.search(plural_forms) and any(e.msgid_plural for e in catalogue):
            line = f'"Plural-Forms: {PLURAL_FORMS.get(primary_language(language), _OTHER)}\\n"'
            if plural_forms:
                header = re.sub(r'(?m)^"Plural-Forms:.*\\n"', lambda _: line, header)
            else:  # after the last line of the header's msgstr
                header = re.sub(r'(?s)^(.*\\n")', lambda m: f"{m.group(1)}\n{line}", header)
        return header


def _decode(data: bytes) -> tuple[str, TextEncoding]:
    declared = _CHARSET_RE.search(data[:4096])
    charset = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        codec = codecs.lookup(charset).name
    except LookupError:  # "CHARSET" in templates, or a misspelling: UTF-8 is what tools assume
        codec = "utf-8"
    if codec in ("utf-8", "ascii"):
        return decode_text(data, "PO")
    try:
        return data.decode(codec), TextEncoding(b"", codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidDocument(f"this PO file is not valid {charset} (line {line})") from None


def _parse(text: str, encoding: TextEncoding) -> polib.POFile:
    if "\n" not in text:  # polib reads a one-line argument as a path
        raise InvalidDocument("this is not a PO file: it has no msgid/msgstr lines")
    try:
        catalogue = polib.pofile(text, encoding=encoding.codec)
    except (OSError, ValueError, IndexError, KeyError) as exc:
        message = str(exc).replace("po file ", "PO file ").replace("(line", "at line").rstrip(")")
        raise InvalidDocument(f"this PO file cannot be read: {message}") from None
    if not len(catalogue) and not catalogue.metadata:
        raise InvalidDocument("this is not a PO file: it has no msgid/msgstr entries")
    return catalogue


def _active(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def _plural_count(catalogue: polib.POFile, target_lang: str) -> int:
    declared = _NPLURALS_RE.search(catalogue.metadata.get("Plural-Forms", ""))
    if declared and int(declared.group(1)) > 0:
        return int(declared.group(1))
    value = PLURAL_FORMS.get(primary_language(target_lang), _OTHER)
    return int(_NPLURALS_RE.search(value).group(1))  # type: ignore[union-attr]


def _segments(number: str, entry: polib.POEntry, forms: int) -> list[Segment]:
    fuzzy = "fuzzy" in entry.flags
    flags = [flag for flag in entry.flags if flag != "fuzzy"]
    notes = tuple(
        note
        for note in (entry.tcomment, entry.comment, f"flags: {', '.join(flags)}" if flags else "")
        if note
    )
    if not entry.msgid_plural:
        return [
            Segment(
                number,
                entry.msgid,
                entry.msgstr or None,
                fuzzy or not entry.msgstr,
                context=entry.msgctxt,
                notes=notes,
            )
        ]
    segments = []
    for index in range(forms):
        existing = entry.msgstr_plural.get(index, "")
        source = entry.msgid if index == 0 and forms > 1 else entry.msgid_plural
        segments.append(
            Segment(
                f"{number}[{index}]",
                source,
                existing or None,
                fuzzy or not existing,
                context=entry.msgctxt,
                notes=notes,
                plural=PluralForm(index, forms, entry.msgid, entry.msgid_plural),
            )
        )
    return segments


def _apply(number: str, entry: polib.POEntry, forms: int, translations: Mapping[str, str]) -> bool:
    """Write the entry's translations into it; True when it changed (it is then fuzzy)."""
    changed = False
    if not entry.msgid_plural:
        if number in translations and translations[number] != entry.msgstr:
            entry.msgstr, changed = translations[number], True
    else:
        for index in range(forms):
            key = f"{number}[{index}]"
            if key in translations and translations[key] != entry.msgstr_plural.get(index):
                entry.msgstr_plural[index], changed = translations[key], True
    if changed and "fuzzy" not in entry.flags:
        entry.flags.insert(0, "fuzzy")
    return changed


def _entry_end(lines: list[str], start: int, starts: list[int]) -> int:
    """The line after an entry: the next entry's first line, blank lines before it excluded."""
    end = next((s for s in starts if s > start), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
