"""The translation catalogues of the report and the console summary.

Strings are English in the code; another language is a gettext `.po` file in
`locales/<lang>/LC_MESSAGES/perito.po`, compiled in memory by Babel when first used (no build
step, no binary file to keep in step with its source).
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Mapping
from importlib import resources

DOMAIN = "perito"
DEFAULT_LANGUAGE = "en"
ENV_VARIABLE = "PERITO_LANG"
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def available_languages() -> tuple[str, ...]:
    """English (the source language) and every language with a catalogue."""
    folder = resources.files(__package__).joinpath("locales")
    found = sorted(entry.name for entry in folder.iterdir()
                   if entry.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file())
    return (DEFAULT_LANGUAGE, *found)


def _language_of(value: str) -> str:
    """`es_MX.UTF-8` → `es`; `C`, `POSIX` and empty values say nothing."""
    code = value.split(".", 1)[0].split("@", 1)[0].replace("-", "_").split("_", 1)[0].lower()
    return "" if code in ("", "c", "posix") else code


def choose_language(option: str | None, environ: Mapping[str, str]) -> str:
    """`--lang`, else PERITO_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG), else English.

    A language without a catalogue falls back to English; `--lang` is checked by the parser.
    """
    known = available_languages()
    candidates = [option or "", environ.get(ENV_VARIABLE, "")]
    candidates += [environ.get(name, "") for name in _LOCALE_VARIABLES]
    for candidate in candidates:
        code = _language_of(candidate)
        if code:
            return code if code in known else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@functools.cache
@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of a language; English (or an unknown language) is the identity."""
    from babel.messages.mofile import write_mo  # Babel only once a text is translated
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    if language == DEFAULT_LANGUAGE or language not in available_languages():
        return NullTranslations()
    source = resources.files(__package__).joinpath(
        "locales", language, "LC_MESSAGES", f"{DOMAIN}.po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)
