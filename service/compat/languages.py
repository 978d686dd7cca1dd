"""Language codes of the compatible APIs and the languages each one advertises.

adaptmt translates whatever the LLM knows; the lists below are what the adapters offer to
clients that ask (`/v2/languages`, `/languages`), chosen as the languages DeepL lists, so
that a client configured for DeepL sees the same menu. A code outside them is refused with
the API's "bad language" error rather than sent to the model.
"""

from tm.errors import InvalidLanguage
from tm.langs import display_name, normalize_tag

# fmt: off
DEEPL_SOURCE = (
    "AR", "BG", "CS", "DA", "DE", "EL", "EN", "ES", "ET", "FI", "FR", "HE", "HU", "ID", "IT",
    "JA", "KO", "LT", "LV", "NB", "NL", "PL", "PT", "RO", "RU", "SK", "SL", "SV", "TH", "TR",
    "UK", "VI", "ZH",
)
# fmt: on
"""DeepL's source language codes (DeepL does not tell variants apart on the source side)."""

# fmt: off
DEEPL_TARGET = (
    "AR", "BG", "CS", "DA", "DE", "EL", "EN-GB", "EN-US", "ES", "ET", "FI", "FR", "HE", "HU",
    "ID", "IT", "JA", "KO", "LT", "LV", "NB", "NL", "PL", "PT-BR", "PT-PT", "RO", "RU", "SK",
    "SL", "SV", "TH", "TR", "UK", "VI", "ZH-HANS", "ZH-HANT",
)
# fmt: on
"""DeepL's target language codes as `/v2/languages?type=target` lists them."""

DEEPL_TARGET_ALIASES = {"EN": "EN-US", "PT": "PT-PT", "ZH": "ZH-HANS"}
"""Deprecated or generic target codes DeepL still accepts, and what they stand for."""

DEEPL_FORMALITY = frozenset(["DE", "ES", "FR", "IT", "JA", "NL", "PL", "PT-BR", "PT-PT", "RU"])
"""Targets for which DeepL reports `supports_formality` (adaptmt accepts it for all)."""

# fmt: off
LIBRE_CODES = (
    "ar", "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "he", "hu", "id", "it",
    "ja", "ko", "lt", "lv", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv",
    "th", "tr", "uk", "vi", "zh-Hans", "zh-Hant",
)
# fmt: on
"""LibreTranslate-style codes (lower-case ISO 639-1, `pt-BR`, `zh-Hans`)."""

LIBRE_ALIASES = {"zh": "zh-Hans", "zt": "zh-Hant", "pb": "pt-BR", "nn": "nb", "no": "nb"}
"""Codes LibreTranslate's own language list uses for some of these."""


def _bcp47(code: str) -> str:
    """`EN-GB` -> `en-GB`, `ZH-HANS` -> `zh-Hans`, `nb` -> `nb`."""
    return normalize_tag(code.replace("_", "-"))


def from_deepl(code: str, *, target: bool, field: str) -> str:
    """A DeepL source or target code as a BCP-47 tag; InvalidLanguage when DeepL has no such."""
    upper = code.strip().upper()
    if target:
        upper = DEEPL_TARGET_ALIASES.get(upper, upper)
    known: tuple[str, ...] = DEEPL_TARGET if target else DEEPL_SOURCE
    if upper not in known:
        raise InvalidLanguage(f"Value for '{field}' not supported: {code!r}")
    return _bcp47(upper)


def deepl_source_code(tag: str) -> str:
    """A BCP-47 tag as DeepL's source code (`en-GB` -> `EN`)."""
    return tag.split("-", 1)[0].upper()


def deepl_languages(kind: str) -> list[dict[str, object]]:
    """`/v2/languages` rows for `source` or `target`."""
    if kind == "source":
        return [{"language": code, "name": display_name(_bcp47(code))} for code in DEEPL_SOURCE]
    return [
        {
            "language": code,
            "name": display_name(_bcp47(code)),
            "supports_formality": code in DEEPL_FORMALITY,
        }
        for code in DEEPL_TARGET
    ]


def from_libre(code: str, *, field: str) -> str:
    """A LibreTranslate-style code as a BCP-47 tag; InvalidLanguage when it is not offered."""
    cleaned = LIBRE_ALIASES.get(code.strip(), code.strip())
    by_lower = {known.lower(): known for known in LIBRE_CODES}
    if cleaned.lower() not in by_lower:
        raise InvalidLanguage(f"{field} {code!r} is not supported")
    return _bcp47(by_lower[cleaned.lower()])


def libre_languages() -> list[dict[str, object]]:
    """`/languages` rows: every code with its name and the codes it translates into."""
    return [
        {
            "code": code,
            "name": display_name(_bcp47(code)),
            "targets": [other for other in LIBRE_CODES if other != code],
        }
        for code in LIBRE_CODES
    ]


def from_any(code: str, *, field: str) -> str:
    """A code of any API that is a valid BCP-47 tag (ModernMT's `en`, `en-US`, `zh-TW`)."""
    try:
        return _bcp47(code)
    except InvalidLanguage:
        raise InvalidLanguage(f"{field} {code!r} is not a language code") from None
