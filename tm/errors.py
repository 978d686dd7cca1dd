"""The exception tree of the translation-memory core, documented in one place.

    TMError                      base of everything tm/ raises on purpose
    ├── InvalidLanguage          a language tag that is not valid BCP-47 (or is "und")
    ├── InvalidFile              a TMX/TBX/CSV file that cannot be read; nothing was stored
    │   └── UnsafeXML            DTDs, entity declarations or other XML attack vectors
    ├── NotFound                 base of the lookups that found nothing
    │   ├── UnknownMemory
    │   ├── UnknownGlossary
    │   └── UnknownKey           an API key id that does not exist (or was revoked)
    └── Conflict                 a name already taken, or a write that would break consistency

The HTTP layer maps each class to one status code; messages are written for the user and
say what to do next.
"""


class TMError(Exception):
    """Base of every error the translation-memory core raises on purpose."""


class InvalidLanguage(TMError, ValueError):
    """A language tag that is not a valid BCP-47 tag."""


class InvalidFile(TMError, ValueError):
    """A memory or glossary file that cannot be read; nothing from it was stored."""


class UnsafeXML(InvalidFile):
    """An XML file with a DTD, entity declarations or another construct refused for safety."""


class NotFound(TMError, LookupError):
    """Base of lookups that found nothing."""


class UnknownMemory(NotFound):
    """No memory with that id (for this tenant)."""


class UnknownGlossary(NotFound):
    """No glossary with that id (for this tenant)."""


class UnknownKey(NotFound):
    """No API key with that id."""


class Conflict(TMError):
    """A write that would break the store's consistency."""
