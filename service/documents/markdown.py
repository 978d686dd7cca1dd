"""Markdown (CommonMark with GFM tables and strikethrough): READMEs, docs, changelogs.

Blocks, found by markdown-it-py: headings, paragraphs (inside lists and block quotes too)
and table cells, each cut into sentences (ids `{block}.{sentence}`; the context says
"heading 2", "list item", "table cell"...). Left as they are: fenced and indented code,
HTML blocks, YAML front matter, link reference definitions, thematic breaks.

Inline syntax becomes numbered tags (see inline): emphasis, strong, strikethrough, links
and HTML tag pairs are `<gN>`..`</gN>` around their text (a link's target stays inside the
tag, never translated); code spans, images, autolinks, bare URLs and lone HTML tags are
`<xN/>` codes. Segment text is markup, so `<` and `&` in the prose are escaped.

Writing puts each block back between the line prefixes it had (`> `, list indentation,
`# `, the trailing `  ` of a hard break). A translation with more lines than its source
continues with the block's continuation prefix; headings and table cells stay on one line,
and a `|` in a cell is escaped. Every other byte of the file stays as it was (CRLF files
included, as long as all their line ends are CRLF).
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Self

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference

from service.documents.base import Document, Match, Segment, decode_text
from service.documents.inline import Code, Node, Pair, Tags
from service.documents.sentences import block_segments, translate_block

Syntax = tuple[str, str]  # what a tag stands for: the text before and after its content

_PREFIX_RE = re.compile(r"^(?:[ \t]*(?:>|[-*+]|\d{1,9}[.)]|#{1,6}(?=[ \t]|$)))*[ \t]*$")
_LIST_MARKER_RE = re.compile(r"[-*+]|\d{1,9}[.)]")
_FRONT_MATTER_RE = re.compile(r"\A---\n.*?\n(?:---|\.\.\.)\n", re.DOTALL)
_CODE_SPAN_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_AUTOLINK_RE = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*)>"
)
_HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>|<!--.*?-->", re.DOTALL)
_BARE_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>]*[^\s<>.,:;!?'\")\]*_]")
_ESCAPE_RE = re.compile(r"\\[!-/:-@\[-`{-~]")
_EMPHASIS_RES = (
    re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1(?![\w*])", re.DOTALL),
    re.compile(r"(~~)(?=\S)(.+?)(?<=\S)~~", re.DOTALL),
    re.compile(r"(\*)(?=[^\s*])(.+?)(?<=[^\s*])\*", re.DOTALL),
    re.compile(r"(?<!\w)(_)(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)", re.DOTALL),
)
_SPECIAL_RE = re.compile(r"[\\`<!\[*_~]|(?<![\w/])(?:https?://|www\.)")


@dataclass(frozen=True, slots=True)
class _Block:
    """Inline content and where it sits: whole lines, or columns of one line (a table cell)."""

    id: str
    text: str
    context: str
    first_line: int
    prefixes: tuple[str, ...]  # per line, before the text
    suffixes: tuple[str, ...]  # per line, after the text (line end included)
    single_line: bool  # headings and cells


class MarkdownDocument(Document):
    """A Markdown file."""

    format = "markdown"
    suffixes = (".md", ".markdown")

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        text, _encoding = decode_text(data, "Markdown")
        segments: list[Segment] = []
        for block, tags in _blocks(text.replace("\r\n", "\n")):
            segments += block_segments(
                block.id, tags.markup, source_lang, markup=True, context=block.context
            )
        return cls(
            data, segments, filename=filename, source_lang=source_lang, target_lang=target_lang
        )

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        original, encoding = decode_text(self.data, "Markdown")
        text = original.replace("\r\n", "\n")
        lines = text.splitlines(keepends=True)
        edits: list[tuple[_Block, str]] = []
        for block, tags in _blocks(text):
            markup = translate_block(
                block.id, tags.markup, self.source_lang, translations, markup=True
            )
            if markup is not None:
                edits.append((block, _render(tags.parse(markup))))
        for block, translated in sorted(edits, key=lambda edit: edit[0].first_line, reverse=True):
            _put(lines, block, translated)
        written = "".join(lines)
        if "\r\n" in original:
            written = written.replace("\n", "\r\n")
        return encoding.encode(written)


def _blocks(text: str) -> Iterator[tuple[_Block, Tags[Syntax]]]:
    """The blocks of a Markdown text with their markup, in order."""
    front_matter = _FRONT_MATTER_RE.match(text)
    hidden = "\n" * front_matter.group().count("\n") if front_matter else ""
    parsed = hidden + text[len(front_matter.group()) :] if front_matter else text
    env: dict[str, dict[str, object]] = {}
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(parsed, env)
    references = set(env.get("references", {}))
    lines = text.splitlines(keepends=True)
    containers: list[str] = []
    cells: dict[int, int] = {}  # line -> column where the next cell may start
    number = 0
    for token in tokens:
        if token.nesting == 1:
            containers.append(token.tag if token.type == "heading_open" else token.type)
        elif token.nesting == -1:
            containers.pop()
        if token.type != "inline" or token.map is None:
            continue
        number += 1
        context = _context(containers)
        if context.startswith("table"):
            block = _cell(str(number), token.content, lines, token.map[0], cells, context)
        else:
            block = _lines(str(number), token.content, lines, token.map[0], context)
        if block is not None:
            tags: Tags[Syntax] = Tags()
            _Inline(tags, references).scan(block.text)
            yield block, tags


def _context(containers: list[str]) -> str:
    innermost = containers[-1] if containers else ""
    if innermost.startswith("h") and innermost[1:].isdigit():
        return f"heading {innermost[1:]}"
    if "th_open" in containers:
        return "table header"
    if "td_open" in containers:
        return "table cell"
    if "list_item_open" in containers:
        return "list item"
    return "block quote" if "blockquote_open" in containers else "paragraph"


def _lines(
    block_id: str, content: str, lines: list[str], first: int, context: str
) -> _Block | None:
    """A block made of whole lines, or None when its text cannot be found in them."""
    prefixes, suffixes = [], []
    for offset, content_line in enumerate(content.split("\n")):
        line = lines[first + offset] if first + offset < len(lines) else ""
        start = next(
            (
                found.start()
                for found in re.finditer(re.escape(content_line), line)
                if _PREFIX_RE.match(line[: found.start()])
            ),
            None,
        )
        if start is None:
            return None
        prefixes.append(line[:start])
        suffixes.append(line[start + len(content_line) :])
    single = context.startswith("heading")
    return _Block(block_id, content, context, first, tuple(prefixes), tuple(suffixes), single)


def _cell(
    block_id: str, content: str, lines: list[str], line: int, cells: dict[int, int], context: str
) -> _Block | None:
    """A table cell: its text within its row's line."""
    row = lines[line]
    for spelling in (content, content.replace("|", "\\|")):  # markdown-it unescapes `\|`
        start = row.find(spelling, cells.get(line, 0)) if spelling else -1
        if start >= 0:
            content = spelling
            break
    else:
        return None
    cells[line] = start + len(content)
    return _Block(
        block_id, content, context, line, (row[:start],), (row[start + len(content) :],), True
    )


def _put(lines: list[str], block: _Block, translated: str) -> None:
    """Write a translated block over its source in `lines`."""
    new_lines = translated.split("\n")
    if block.single_line:
        new_lines = [" ".join(line.strip() for line in new_lines)]
        if block.context.startswith("table"):
            new_lines = [re.sub(r"(?<!\\)\|", r"\\|", new_lines[0])]
    count = len(block.prefixes)
    continuation = (
        block.prefixes[1]
        if count > 1
        else _LIST_MARKER_RE.sub(lambda marker: " " * len(marker.group()), block.prefixes[0])
    )
    written = []
    for index, new_line in enumerate(new_lines):
        prefix = block.prefixes[index] if index < count else continuation
        last = index == len(new_lines) - 1
        suffix = (
            block.suffixes[-1] if last else block.suffixes[index] if index < count - 1 else "\n"
        )
        written.append(prefix + new_line + suffix)
    lines[block.first_line : block.first_line + count] = written


def _render(nodes: list[Node[Syntax]]) -> str:
    """Markdown text from a parsed translation: tags become the syntax they stand for."""
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, Pair):
            parts += [node.payload[0], _render(node.children), node.payload[1]]
        elif isinstance(node, Code):
            parts.append(node.payload[0])
    return "".join(parts)


class _Inline:
    """Turns a block's inline Markdown into markup with numbered tags."""

    def __init__(self, tags: Tags[Syntax], references: set[str]) -> None:
        self.tags = tags
        self.references = references

    def scan(self, text: str) -> None:
        position = 0
        while position < len(text):
            special = _SPECIAL_RE.search(text, position)
            if special is None:
                break
            self.tags.text(text[position : special.start()])
            position = self._syntax(text, special.start())
        self.tags.text(text[position:])

    def _syntax(self, text: str, start: int) -> int:
        """Emit the syntax at `start` (or its first character as text); returns the end."""
        for pattern in (_ESCAPE_RE, _CODE_SPAN_RE, _AUTOLINK_RE, _BARE_URL_RE):
            if found := pattern.match(text, start):
                if pattern is _ESCAPE_RE:
                    self.tags.text(found.group())
                else:
                    self.tags.code((found.group(), ""))
                return found.end()
        if text.startswith("![", start) and (link := self._link(text, start + 1)):
            self.tags.code((text[start : link[2]], ""))
            return link[2]
        if text[start] == "[" and (link := self._link(text, start)):
            self._pair("[", text[link[1] : link[2]], text[start + 1 : link[1]])
            return link[2]
        if html := _HTML_TAG_RE.match(text, start):
            return self._html(text, html)
        for pattern in _EMPHASIS_RES:
            if found := pattern.match(text, start):
                delimiter = found.group(1)
                self._pair(delimiter, delimiter, found.group(2))
                return found.end()
        self.tags.text(text[start])
        return start + 1

    def _pair(self, opening: str, closing: str, content: str) -> None:
        number = self.tags.open((opening, closing))
        self.scan(content)
        self.tags.close(number)

    def _html(self, text: str, tag: re.Match[str]) -> int:
        closing, name, empty = tag.groups()
        if name and not closing and not empty:
            end_tag = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE).search(text, tag.end())
            if end_tag:
                self._pair(tag.group(), end_tag.group(), text[tag.end() : end_tag.start()])
                return end_tag.end()
        self.tags.code((tag.group(), ""))
        return tag.end()

    def _link(self, text: str, start: int) -> tuple[int, int, int] | None:
        """(start, end of the text `]`, end) of a link at `start` (its `[`), if there is one."""
        close = _matching(text, start, "[", "]")
        if close is None:
            return None
        after = close + 1
        if text.startswith("(", after):
            end = _matching(text, after, "(", ")")
            return (start, close, end + 1) if end is not None else None
        if text.startswith("[", after):
            end = text.find("]", after)
            return (start, close, end + 1) if end > 0 else None
        label = normalizeReference(text[start + 1 : close])
        return (start, close, after) if label in self.references else None


def _matching(text: str, start: int, opening: str, closing: str) -> int | None:
    """The index of the bracket closing the one at `start` (escapes and code spans skipped)."""
    depth, position = 0, start
    while position < len(text):
        character = text[position]
        if character == "\\":
            position += 2
            continue
        if character == "`" and (span := _CODE_SPAN_RE.match(text, position)):
            position = span.end()
            continue
        depth += (character == opening) - (character == closing)
        if depth == 0:
            return position
        position += 1
    return None
