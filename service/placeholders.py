"""Masking of inline tags and placeholders before the LLM, and their exact restoration after.

Every inline code of a segment becomes a short XML-like token numbered in order of
appearance: a paired tag becomes `<tN>` ... `</tN>`, anything else `<tN/>`.

    "Click <b>{0}</b> to see %d files"  ->  "Click <t1><t2/></t1> to see <t3/> files"

Why this form: instruction-tuned models have seen a great deal of HTML and keep
well-formed XML tags intact far more reliably than `{0}`, `%1$s` or `<bpt>` soup; a
pair stays a pair, so the model can move `<t1>`..`</t1>` around the words it belongs
to (word order changes between languages); one short name for every kind of code
costs few tokens and means one regular expression finds all of them in the output,
tolerant of the slips models make (`<T1>`, `< t1 >`). The originals are kept aside and
put back byte for byte.

What is masked (first rule that matches wins):
- TMX/XLIFF inline code elements with their content: `<bpt i="1">&lt;b&gt;</bpt>`,
  `<ept>`, `<ph>`, `<it>`; a `bpt`/`ept` with the same `i`/`id`/`rid` become a pair.
- XML/HTML/XLIFF tags: `<b>`, `</b>`, `<g1>`, `<x2/>`, `<br/>`, `<a href="...">`;
  an opening and closing tag of the same name become a pair, an unmatched one a
  standalone token. Attributes must have a value (`<input disabled>` is left as text),
  so that prose such as "x <y and z> w" is not taken for a tag.
- `{{name}}`, `{0}`, `{name}`, `{0:.2f}`, `{}`.
- printf: `%s`, `%d`, `%1$s`, `%.2f`, `%@`, `%(name)s`, `%%`; Qt-style `%1`.
- `$name` and `${name}` (shell, PHP, JavaScript templates); `$5` is money, not masked.

Left as text on purpose: ICU messages (`{count, plural, one {# file} other {# files}}`)
need the model to translate the branches, which masking would hide; HTML entities
(`&amp;`) are text escapes, not codes.
"""

import re
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

_CODE_ELEMENT = r"<(?P<code>bpt|ept|ph|it)\b(?P<code_attrs>[^>]*)(?<!/)>.*?</(?P=code)\s*>"
_ATTRIBUTE = r"\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+)"
_TAG = rf"<(?P<close>/)?(?P<name>[A-Za-z_][\w:.-]*)(?:{_ATTRIBUTE})*\s*(?P<empty>/)?>"
_BRACES = r"\{\{[^{}]+\}\}|\{[\w.\[\]]*(?:![rsa])?(?::[^{}]*)?\}"
_PRINTF = (
    r"%%"
    r"|%\(\w+\)[-+0#]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%(?:\d+\$)?[-+0#]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcspn@]"
    r"|%\d{1,2}(?!\d)"
)
_DOLLAR = r"\$\{[^{}]+\}|\$[A-Za-z_]\w*"
CODE_RE = re.compile(f"{_CODE_ELEMENT}|{_TAG}|{_BRACES}|{_PRINTF}|{_DOLLAR}", re.DOTALL)
"""One inline code of any kind, as found in a source or target text."""

TOKEN_RE = re.compile(r"<\s*(?P<close>/)?\s*t(?P<number>\d+)\s*(?P<empty>/)?\s*>", re.IGNORECASE)
"""A mask token as a model may write it back (case and spaces tolerated)."""

_PAIR_ID_RE = re.compile(r"""\b(?:i|id|rid)\s*=\s*["']?([^"'\s>]+)""")


class Kind(StrEnum):
    """The shape of a token: the opening or closing half of a pair, or a standalone code."""

    OPEN = "open"
    CLOSE = "close"
    EMPTY = "empty"


def token(number: int, kind: Kind) -> str:
    """The canonical spelling of a token: `<t1>`, `</t1>` or `<t1/>`."""
    if kind is Kind.OPEN:
        return f"<t{number}>"
    if kind is Kind.CLOSE:
        return f"</t{number}>"
    return f"<t{number}/>"


@dataclass(frozen=True, slots=True)
class Placeholder:
    """One masked inline code: its token and the exact text it stands for."""

    number: int
    kind: Kind
    original: str

    @property
    def token(self) -> str:
        """The token written in the masked text."""
        return token(self.number, self.kind)


@dataclass(frozen=True, slots=True)
class Masked:
    """A text with its inline codes replaced by tokens, and what each token stands for."""

    text: str
    placeholders: tuple[Placeholder, ...]

    def original(self, token_text: str) -> str | None:
        """The code a token stands for, or None when this text has no such token."""
        return next((p.original for p in self.placeholders if p.token == token_text), None)


@dataclass(frozen=True, slots=True)
class Restored:
    """A model output with the tokens put back, and what the model did wrong with them.

    Tokens are reported in canonical spelling; `Masked.original` maps them back.
    """

    text: str
    lost: tuple[str, ...] = ()  # tokens of the source missing from the output
    added: tuple[str, ...] = ()  # tokens the source does not have; removed from `text`
    duplicated: tuple[str, ...] = ()  # tokens written more than once; every copy restored
    misordered: tuple[str, ...] = ()  # pairs whose closing token comes before the opening one

    @property
    def ok(self) -> bool:
        """True when every token came back exactly once and in order."""
        return not (self.lost or self.added or self.duplicated or self.misordered)


@dataclass(slots=True)
class _Code:
    """An inline code found in a text, before numbering."""

    start: int
    end: int
    kind: Kind
    pair_key: tuple[str, str] | None  # what an opening and a closing half must share
    partner: "_Code | None" = None
    number: int = 0


def _scan(text: str) -> list[_Code]:
    """Find the inline codes of `text` and pair opening with closing halves."""
    codes: list[_Code] = []
    open_tags: list[_Code] = []
    open_codes: dict[str, _Code] = {}
    for match in CODE_RE.finditer(text):
        code = _Code(match.start(), match.end(), Kind.EMPTY, None)
        codes.append(code)
        if element := match.group("code"):
            pair_id = _PAIR_ID_RE.search(match.group("code_attrs"))
            if element == "bpt" and pair_id:
                code.kind, code.pair_key = Kind.OPEN, ("code", pair_id.group(1))
                open_codes[pair_id.group(1)] = code
            elif (
                element == "ept" and pair_id and (opening := open_codes.pop(pair_id.group(1), None))
            ):
                _pair(opening, code)
        elif (name := match.group("name")) and not match.group("empty"):
            key = ("tag", name.lower())
            if not match.group("close"):
                code.kind, code.pair_key = Kind.OPEN, key
                open_tags.append(code)
                continue
            depth = next(
                (i for i in reversed(range(len(open_tags))) if open_tags[i].pair_key == key), None
            )
            if depth is not None:
                _pair(open_tags[depth], code)
                del open_tags[depth:]  # tags opened inside and never closed stay standalone
    for code in codes:
        if code.kind is Kind.OPEN and code.partner is None:
            code.kind = Kind.EMPTY
    return codes


def _pair(opening: _Code, closing: _Code) -> None:
    opening.partner, closing.partner = closing, opening
    closing.kind = Kind.CLOSE


def mask(text: str, reference: Masked | None = None) -> Masked:
    """Replace the inline codes of `text` by tokens.

    With `reference` (the masked source of a translation pair), a code that also occurs in
    the reference gets the reference's number, so a few-shot example shows the model the
    same token on both sides.
    """
    codes = _scan(text)
    free = _numbers_by_code(reference) if reference else {}
    next_number = max((p.number for p in reference.placeholders), default=0) if reference else 0
    for code in codes:
        if code.kind is Kind.CLOSE:
            continue
        key = _code_key(text, code)
        if free.get(key):
            code.number = free[key].pop(0)
        else:
            next_number += 1
            code.number = next_number
        if code.partner:
            code.partner.number = code.number
    parts: list[str] = []
    placeholders: list[Placeholder] = []
    position = 0
    for code in codes:
        placeholder = Placeholder(code.number, code.kind, text[code.start : code.end])
        parts += [text[position : code.start], placeholder.token]
        placeholders.append(placeholder)
        position = code.end
    parts.append(text[position:])
    return Masked("".join(parts), tuple(placeholders))


def _code_key(text: str, code: _Code) -> tuple[Kind, str, str]:
    closing = text[code.partner.start : code.partner.end] if code.partner else ""
    return code.kind, text[code.start : code.end], closing


def _numbers_by_code(masked: Masked) -> dict[tuple[Kind, str, str], list[int]]:
    closing = {p.number: p.original for p in masked.placeholders if p.kind is Kind.CLOSE}
    numbers: dict[tuple[Kind, str, str], list[int]] = {}
    for p in masked.placeholders:
        if p.kind is not Kind.CLOSE:
            key = (p.kind, p.original, closing.get(p.number, ""))
            numbers.setdefault(key, []).append(p.number)
    return numbers


def _canonical(match: re.Match[str]) -> str:
    kind = Kind.CLOSE if match["close"] else Kind.EMPTY if match["empty"] else Kind.OPEN
    return token(int(match["number"]), kind)


def unmask(output: str, masked: Masked) -> Restored:
    """Put the originals back into a model output and report lost, added and duplicated tokens."""
    originals = {p.token: p.original for p in masked.placeholders}
    seen: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    added: list[str] = []

    def restore(match: re.Match[str]) -> str:
        found = _canonical(match)
        if found not in originals:
            added.append(found)
            return ""
        seen[found] += 1
        first_seen.setdefault(found, match.start())
        return originals[found]

    text = TOKEN_RE.sub(restore, output)
    expected = Counter(p.token for p in masked.placeholders)
    misordered = [
        token(p.number, Kind.OPEN)
        for p in masked.placeholders
        if p.kind is Kind.CLOSE
        and (opening := first_seen.get(token(p.number, Kind.OPEN))) is not None
        and (closing := first_seen.get(p.token)) is not None
        and closing < opening
    ]
    return Restored(
        text=text,
        lost=tuple(t for t in expected if seen[t] < expected[t]),
        added=tuple(added),
        duplicated=tuple(t for t in expected if seen[t] > expected[t]),
        misordered=tuple(misordered),
    )


def count_codes(text: str) -> Counter[str]:
    """Count the inline codes of a text, masked or not (tokens in canonical spelling)."""
    normalized = TOKEN_RE.sub(_canonical, text)
    return Counter(p.original for p in mask(normalized).placeholders)


def strip_codes(text: str) -> str:
    """The text with every inline code and token replaced by a space."""
    return CODE_RE.sub(" ", TOKEN_RE.sub(" ", text))
