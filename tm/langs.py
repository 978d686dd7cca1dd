"""BCP-47 language tags: normalisation, language families and display names.

A *family* groups the tags a translator treats as one language for matching: `en`, `en-US`
and `en_GB` share the family `en-Latn`; `zh`, `zh-Hans` and `zh-CN` share `zh-Hans`, while
`zh-TW` is `zh-Hant`. The family is the language and its likely script (CLDR likely
subtags), so a lookup for `en` finds `en-US` units and Simplified Chinese never matches
Traditional.
"""

from functools import lru_cache

import langcodes

from tm.errors import InvalidLanguage


@lru_cache(maxsize=4096)
def normalize_tag(tag: str) -> str:
    """Return the canonical BCP-47 form of `tag` (`en_us` -> `en-US`), or raise InvalidLanguage."""
    cleaned = tag.strip().replace("_", "-")
    try:
        language = langcodes.Language.get(cleaned)
    except (ValueError, LookupError) as exc:  # langcodes raises LanguageTagError(ValueError)
        raise InvalidLanguage(f"{tag!r} is not a BCP-47 language tag (e.g. 'en', 'de-DE')") from exc
    if not language.language or language.language == "und" or not language.is_valid():
        raise InvalidLanguage(f"{tag!r} is not a known language; use a BCP-47 tag such as 'fr'")
    return str(langcodes.standardize_tag(cleaned))


@lru_cache(maxsize=4096)
def family(tag: str) -> str:
    """The matching family of `tag`: language plus likely script (`en-US` -> `en-Latn`)."""
    maximized = langcodes.Language.get(normalize_tag(tag)).maximize()
    return f"{maximized.language}-{maximized.script}"


@lru_cache(maxsize=4096)
def primary_language(tag: str) -> str:
    """The primary language subtag (`de-AT` -> `de`), used to pick stemmers and tokenizers."""
    return str(langcodes.Language.get(normalize_tag(tag)).language)


@lru_cache(maxsize=1024)
def display_name(tag: str) -> str:
    """The English name of the language for prompts (`pt-BR` -> `Portuguese (Brazil)`)."""
    return str(langcodes.Language.get(normalize_tag(tag)).display_name("en"))


def same_family(a: str, b: str) -> bool:
    """True when two tags belong to one matching family."""
    return family(a) == family(b)
