"""Plural forms by the language's own rules (CLDR, through Babel): never "1 times".

A plural text is a key with sub-keys per CLDR category (`one`, `other`, and for some
languages `few`, `many`…); `other` is required and is the fallback for a category a
translation does not give.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from content.texts import FALLBACK_LANGUAGE, Texts

OTHER = "other"


def category(language: str, count: int) -> str:
    """The CLDR plural category of `count` in `language` ("one", "other", ...)."""
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse(FALLBACK_LANGUAGE)
    return str(locale.plural_form(abs(count)))


def plural_key(texts: Texts, language: str, key: str, count: int) -> str:
    """The sub-key of `key` to use for `count`, falling back to `other`."""
    chosen = f"{key}.{category(language, count)}"
    # A language with no texts is shown in English, so English's forms decide.
    shown_in = language if language in texts.languages else FALLBACK_LANGUAGE
    return chosen if texts.has(chosen, shown_in) else f"{key}.{OTHER}"


def plural(texts: Texts, language: str, key: str, count: int, **params: object) -> str:
    """The text of `key` for `count`, with `count` filled in as well as `params`."""
    return texts.get(language, plural_key(texts, language, key, count), count=count, **params)
