"""Numbered inline tags: how DOCX, HTML and Markdown show formatting to the pipeline.

A reader builds a block's markup with `Tags`: escaped text, `<gN>`..`</gN>` around a span
that has formatting, a link or emphasis, and `<xN/>` for something that is not text (an
image, a field, a code span). Each tag keeps a payload, whatever the format needs to
rebuild it. A writer parses the translated markup back with `Tags.parse` into a tree of
text, `Pair` and `Code` nodes carrying those payloads.

Parsing forgives what an LLM may do to the tags: unknown or doubled codes are dropped,
a closing tag without its opening one is dropped, overlapping pairs are closed where the
outer one closes, pairs left open are closed at the end, and a code the translation lost
(an image, a footnote reference) is appended at the end rather than lost from the file.
"""

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

P = TypeVar("P")

_NUMBERED_TAG_RE = re.compile(
    r"<\s*(?P<close>/)?\s*(?P<kind>[gx])(?P<number>\d+)\s*(?P<empty>/)?\s*>", re.IGNORECASE
)
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def escape(text: str) -> str:
    """`text` as markup text: `&`, `<` and `>` escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(markup_text: str) -> str:
    """Markup text as plain text; a bare `&` (as a model may write it) stays as it is."""

    def replace(match: re.Match[str]) -> str:
        name, decimal, hexadecimal = match.groups()
        if name:
            return _NAMED[name]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        return chr(code) if 0 < code <= 0x10FFFF else match.group()

    return _ENTITY_RE.sub(replace, markup_text)


@dataclass(slots=True)
class Pair(Generic[P]):
    """A `<gN>`..`</gN>` span: what it stands for, and what it contains."""

    number: int
    payload: P
    children: "list[Node[P]]" = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Code(Generic[P]):
    """An `<xN/>` code: something that is not text."""

    number: int
    payload: P


Node = str | Pair[P] | Code[P]


class Tags(Generic[P]):
    """Builds one block's markup and turns a translation of it back into a tree."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pairs: dict[int, P] = {}
        self._codes: dict[int, P] = {}

    @property
    def markup(self) -> str:
        """The markup built so far."""
        return "".join(self._parts)

    def text(self, text: str) -> None:
        """Add text (escaped)."""
        self._parts.append(escape(text))

    def open(self, payload: P) -> int:
        """Open a pair standing for `payload`; returns its number for `close`."""
        number = self._next_number()
        self._pairs[number] = payload
        self._parts.append(f"<g{number}>")
        return number

    def close(self, number: int) -> None:
        """Close the pair `number`."""
        self._parts.append(f"</g{number}>")

    def code(self, payload: P) -> None:
        """Add a code standing for `payload`."""
        number = self._next_number()
        self._codes[number] = payload
        self._parts.append(f"<x{number}/>")

    def parse(self, markup: str) -> list[Node[P]]:
        """The tree of a translation of this block's markup (repaired, see the module doc)."""
        root: list[Node[P]] = []
        stack: list[Pair[P]] = []
        seen_codes: set[int] = set()

        def add(node: Node[P]) -> None:
            siblings = stack[-1].children if stack else root
            if isinstance(node, str) and siblings and isinstance(siblings[-1], str):
                siblings[-1] += node
            elif node:
                siblings.append(node)

        position = 0
        for tag in _NUMBERED_TAG_RE.finditer(markup):
            add(unescape(markup[position : tag.start()]))
            position = tag.end()
            number = int(tag["number"])
            if number in self._codes and tag["kind"].lower() == "x" and not tag["close"]:
                if number not in seen_codes:
                    seen_codes.add(number)
                    add(Code(number, self._codes[number]))
            elif number in self._pairs and tag["kind"].lower() == "g" and not tag["empty"]:
                if not tag["close"]:
                    pair = Pair(number, self._pairs[number])
                    add(pair)
                    stack.append(pair)
                elif any(open_pair.number == number for open_pair in stack):
                    while stack.pop().number != number:
                        pass
        add(unescape(markup[position:]))
        for number, payload in self._codes.items():
            if number not in seen_codes:
                root.append(Code(number, payload))
        return root

    def _next_number(self) -> int:
        return len(self._pairs) + len(self._codes) + 1


def plain_text(nodes: "list[Node[P]]") -> str:
    """The text of a tree, its tags dropped."""
    return "".join(
        node
        if isinstance(node, str)
        else plain_text(node.children)
        if isinstance(node, Pair)
        else ""
        for node in nodes
    )
