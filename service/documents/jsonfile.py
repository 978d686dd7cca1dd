"""JSON string tables: i18next, react-intl, vue-i18n, Chrome `messages.json`, Flutter ARB.

Segments: every string value with something to translate, nested objects and arrays
included; the id is its JSON Pointer (RFC 6901: `/home/title`, `/steps/0`), the context
its dotted key path (`home.title`, `steps[0]`). Keys, numbers, booleans and null are never
translated; ICU messages (`{count, plural, one {# file} other {# files}}`) and
`{placeholders}` stay in the text for the pipeline. Metadata is not text: keys starting
with `@` (ARB's `@key` and `@@locale`) are skipped, and their `description`, like the
`description` next to a Chrome `message`, becomes the string's note.

Writing replaces each translated string where it stands in the original text and nothing
else, so key order, indentation, escapes and the final newline stay byte for byte. A new
string is written with JSON escapes, non-ASCII characters as they are unless the file
escapes them all (`\\u00e9`). Duplicate keys are refused: ids would clash, and parsers
disagree about which value wins.
"""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from service.documents.base import (
    Document,
    InvalidDocument,
    Match,
    Segment,
    decode_text,
)

_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE_RE = re.compile(r"[ \t\n\r]*")
_SCALAR_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


@dataclass(frozen=True, slots=True)
class _String:
    """A string value and where it is in the text."""

    pointer: str
    path: str
    start: int  # the opening quote
    end: int  # after the closing quote
    value: str
    note: str | None


class JsonDocument(Document):
    """A JSON file of translatable strings."""

    format = "json"
    suffixes = (".json", ".arb")

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        text, _encoding = decode_text(data, "JSON")
        segments = [
            Segment(
                string.pointer,
                string.value,
                context=string.path or None,
                notes=(string.note,) if string.note else (),
            )
            for string in _strings(text)
            if string.value.strip()
        ]
        return cls(
            data, segments, filename=filename, source_lang=source_lang, target_lang=target_lang
        )

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        text, encoding = decode_text(self.data, "JSON")
        ascii_only = text.isascii() and "\\u" in text
        parts: list[str] = []
        position = 0
        for string in _strings(text):
            translation = translations.get(string.pointer)
            if translation is None or translation == string.value:
                continue
            parts += [
                text[position : string.start],
                json.dumps(translation, ensure_ascii=ascii_only),
            ]
            position = string.end
        if not parts:
            return self.data
        return encoding.encode("".join(parts) + text[position:])


def _strings(text: str) -> list[_String]:
    """The string values of a JSON text in order, with their notes (InvalidDocument if invalid)."""
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDocument(
            f"this JSON file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InvalidDocument(f"this JSON file cannot be read: {exc}") from None
    scanner = _Scanner(text)
    try:
        scanner.value(0, ())
    except RecursionError:
        raise InvalidDocument("this JSON file is nested too deeply") from None
    strings = []
    for keys, start, end, value in scanner.found:
        parent = _parent(tree, keys)
        key = keys[-1] if keys else None
        if key == "description" and isinstance(parent, dict) and "message" in parent:
            continue  # Chrome: the description of a message is its note
        strings.append(
            _String(_pointer(keys), _dotted(keys), start, end, value, _note(tree, parent, keys))
        )
    return strings


Keys = tuple[str | int, ...]


def _parent(tree: Any, keys: Keys) -> Any:
    for key in keys[:-1]:
        tree = tree[key]
    return tree


def _note(tree: Any, parent: Any, keys: Keys) -> str | None:
    """The description a Chrome message or an ARB `@key` gives for the string at `keys`."""
    if keys and keys[-1] == "message" and isinstance(parent, dict):
        note = parent.get("description")
    elif len(keys) == 1 and isinstance(tree, dict):
        metadata = tree.get(f"@{keys[0]}")
        note = metadata.get("description") if isinstance(metadata, dict) else None
    else:
        note = None
    return note if isinstance(note, str) and note.strip() else None


def _pointer(keys: Keys) -> str:
    return "".join(f"/{str(key).replace('~', '~0').replace('/', '~1')}" for key in keys)


def _dotted(keys: Keys) -> str:
    path = ""
    for key in keys:
        path += f"[{key}]" if isinstance(key, int) else f".{key}" if path else key
    return path


class _Scanner:
    """Walks valid JSON text and records where each string value is (ARB metadata skipped)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[tuple[Keys, int, int, str]] = []

    def value(self, position: int, keys: Keys, skipped: bool = False) -> int:
        position = self._skip(position)
        first = self.text[position]
        if first == "{":
            return self._object(position + 1, keys, skipped)
        if first == "[":
            return self._array(position + 1, keys, skipped)
        if first == '"':
            value, end = _scanstring(self.text, position + 1)
            if not skipped:
                self.found.append((keys, position, end, value))
            return end
        scalar = _SCALAR_RE.match(self.text, position)
        assert scalar is not None, "json.loads accepted an unknown value"
        return scalar.end()

    def _object(self, position: int, keys: Keys, skipped: bool) -> int:
        seen: set[str] = set()
        position = self._skip(position)
        while self.text[position] != "}":
            key, after_key = _scanstring(self.text, position + 1)
            if key in seen:
                line = self.text.count("\n", 0, position) + 1
                raise InvalidDocument(f"duplicate key {key!r} on line {line} of this JSON file")
            seen.add(key)
            colon = self._skip(after_key)
            end = self.value(colon + 1, (*keys, key), skipped or key.startswith("@"))
            position = self._next(end)
        return position + 1

    def _array(self, position: int, keys: Keys, skipped: bool) -> int:
        position = self._skip(position)
        index = 0
        while self.text[position] != "]":
            position = self._next(self.value(position, (*keys, index), skipped))
            index += 1
        return position + 1

    def _next(self, position: int) -> int:
        """Past the whitespace and the comma (if any) after a value."""
        position = self._skip(position)
        return self._skip(position + 1) if self.text[position] == "," else position

    def _skip(self, position: int) -> int:
        match = _WHITESPACE_RE.match(self.text, position)
        assert match is not None
        return match.end()
