"""Interface strings, dates and numbers in a page's language: gettext catalogs through Babel.

The builder's catalogs are Babel ``.po`` files in ``site_builder/locale/<catalog>/LC_MESSAGES/
messages.po`` (``en`` and ``zh_Hans``); a site's own ``locale/`` folder, laid out the same way,
overrides any string of them or adds a language. They are compiled here, in memory, once per
build process (no ``.mo`` file is kept anywhere), the site's messages merged over the builder's.

A page's language is a BCP 47 tag (``zh``, ``zh-CN``, ``en``): the site's ``language`` for
site-wide pages, a briefing's ``lang`` for its day and story pages. It picks

- the catalog: the tag's language and script (``zh``, ``zh-CN`` and ``zh-SG`` are written in
  Simplified characters, so ``zh_Hans``), else its language alone, else English. A language
  the builder has no catalog for (``zh-Hant``, ``zh-TW``: Traditional) gets the English
  strings, never another script's, and the build says so once (``missing``);
- the Babel locale that writes its dates and numbers (dates.py): ``zh-TW`` gets Traditional
  dates even with English strings.

To add or change a string: mark it in a template with ``_()``/``ngettext()`` or in Python with
``.gettext()``/``.ngettext()`` of an Interface, then re-extract and update the catalogs (the
commands are in docs/translations.md) and translate the new messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from site_builder.config import SiteConfig
from site_builder.errors import ConfigError
from site_builder.output import dates
from site_builder.output.dates import parse_locale, script_of

BUILDER_LOCALE = Path(__file__).resolve().parents[1] / "locale"
SITE_LOCALE = "locale"  # the site's own catalogs, beside site.toml
DOMAIN = "messages"
FALLBACK = "en"  # the catalog, and the language of the msgids, when no other fits


@dataclass(frozen=True, slots=True)
class Interface:
    """The strings, dates and numbers of pages in one language.

    gettext and ngettext take printf-style named values ("%(desk)s"), as the templates'
    newstyle gettext does, so one catalog serves both; ngettext fills "%(num)s" with the
    count written the locale's way.
    """

    lang: str  # the page's language tag, as its content gives it
    catalog: str  # the catalog its strings come from: "zh_Hans", "en"
    translations: Translations

    def gettext(self, message: str, **values: Any) -> str:
        text: str = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        text: str = self.translations.ngettext(singular, plural, count)
        return text % {"num": self.number(count), **values}

    def number(self, value: int) -> str:
        return dates.number(value, self.lang)

    def long_date(self, day: dt.date) -> str:
        return dates.long_date(day, self.lang)

    def short_date(self, day: dt.date) -> str:
        return dates.short_date(day, self.lang)

    def month_year(self, year: int, month: int) -> str:
        return dates.month_year(year, month, self.lang)


class Interfaces:
    """The Interface of each language a build's pages are in, made on first use (in each
    process that renders: catalogs are compiled once per process and catalog)."""

    def __init__(self, config: SiteConfig) -> None:
        self.site_locale = config.root / SITE_LOCALE
        self.default = config.language
        self._made: dict[str, Interface] = {}

    def __getitem__(self, lang: str) -> Interface:
        found = self._made.get(lang)
        if found is None:
            found = self._made[lang] = self._make(lang or self.default)
        return found

    def _make(self, lang: str) -> Interface:
        catalog = catalog_for(lang, catalog_names(self.site_locale))
        return Interface(lang, catalog,
                         compiled(catalog, self.site_locale, catalogs_stamp(self.site_locale)))


def catalog_for(lang: str, available: Iterable[str]) -> str:
    """The catalog a page in this language takes its strings from; English when none fits."""
    names = frozenset(available)
    return next((name for name in catalog_candidates(parse_locale(lang)) if name in names),
                FALLBACK)


def check_languages(config: SiteConfig, langs: Iterable[str]) -> list[str]:
    """Read every catalog the pages in these languages need (a broken one is a ConfigError
    now, before anything is rendered); a warning for each language shown in English."""
    site_locale = config.root / SITE_LOCALE
    available = catalog_names(site_locale)
    stamp = catalogs_stamp(site_locale)
    warnings = []
    for lang in sorted(set(langs)):
        catalog = catalog_for(lang, available)
        compiled(catalog, site_locale, stamp)
        if catalog == FALLBACK and parse_locale(lang).language != FALLBACK:
            warnings.append(f"no interface catalog for language {lang!r}: its pages' "
                            f"navigation, headings and labels are in English (add "
                            f"{SITE_LOCALE}/<language>/LC_MESSAGES/{DOMAIN}.po to the site; "
                            f"there are: {', '.join(sorted(available))})")
    return warnings


def local_name(names: tuple[tuple[str, str], ...], lang: str, default: str) -> str:
    """A company's or topic's name in a page's language: the name given for its exact tag,
    else for its language and script, else for its bare language when that is written in the
    page's script (a "zh" name on a zh-CN page, never on a zh-TW one); else default."""
    if names and lang:
        given = {tag.casefold(): name for tag, name in names}
        for tag in name_tags(lang):
            if tag in given:
                return given[tag]
    return default


@functools.lru_cache(maxsize=64)
def name_tags(lang: str) -> tuple[str, ...]:
    """The names tags that fit a page language, best first, case-folded."""
    locale = parse_locale(lang)
    language = str(locale.language)
    script = script_of(locale)
    tags = [lang.replace("_", "-").casefold()]
    if script:
        tags.append(f"{language}-{script}".casefold())
        if script == script_of(parse_locale(language)):
            tags.append(language)
    else:
        tags.append(language)
    return tuple(dict.fromkeys(tags))


def catalog_candidates(locale: Locale) -> tuple[str, ...]:
    """Catalog folder names for a locale, best first: "zh_Hans" for zh-CN, "fr" for fr-CA.

    A language written in more than one script is only ever matched with its script, so a
    zh-Hant page never gets a Simplified catalog.
    """
    script = script_of(locale)
    language = str(locale.language)
    return (f"{language}_{script}", language) if script else (language,)


def catalog_dirs(config: SiteConfig) -> tuple[Path, ...]:
    """The folders catalogs are read from, for the build's "nothing changed" signature."""
    return BUILDER_LOCALE, config.root / SITE_LOCALE


def catalog_names(site_locale: Path) -> frozenset[str]:
    """The catalogs there are: the builder's and the site's."""
    return frozenset(path.parent.parent.name for path in _catalog_files(site_locale))


def _catalog_files(site_locale: Path) -> Iterator[Path]:
    for root in (BUILDER_LOCALE, site_locale):
        if root.is_dir():
            yield from sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def catalogs_stamp(site_locale: Path) -> str:
    """A hash of every catalog a build may read: part of every page's theme hash."""
    digest = hashlib.sha256()
    for path in _catalog_files(site_locale):
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=16)
def compiled(catalog: str, site_locale: Path, stamp: str) -> Translations:
    """A catalog compiled in memory: the builder's messages, the site's over them.

    Cached by the catalogs' stamp, so a long-lived process (serve) reads edited ones afresh.
    """
    messages = Catalog(locale=None)
    for root in (BUILDER_LOCALE, site_locale):
        path = root / catalog / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.is_file():
            continue
        read = read_catalog(path, catalog)
        if messages.locale is None:
            messages = read
            continue
        for message in read:
            if not (message.id and message.string and not message.fuzzy):
                continue
            known = messages.get(message.id)
            if known is None:
                messages[message.id] = message
            else:  # setting it would merge the two and keep the builder's string
                known.string = message.string
    buffer = io.BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def read_catalog(path: Path, catalog: str) -> Catalog:
    """One .po file; a malformed one is the site's mistake, named with its line."""
    try:
        with path.open("rb") as handle:
            found: Catalog = read_po(handle, locale=catalog, abort_invalid=True)
    except PoFileError as error:
        line = getattr(error, "lineno", -1) + 1  # Babel counts lines from 0
        what = str(error).rsplit(" on ", 1)[0]
        raise ConfigError.at(str(path), line, f"catalog is not a valid .po file: {what}",
                             "check its quotes and msgid/msgstr lines")
    except (UnicodeDecodeError, UnknownLocaleError, ValueError) as error:
        raise ConfigError.at(str(path), 0, f"cannot read the catalog: {error}",
                             "save it as UTF-8 under locale/<language>/LC_MESSAGES/")
    return found


def template_gettext(translations: Translations) -> dict[str, Callable[..., str]]:
    """The templates' _(), gettext() and ngettext(), as jinja2.ext.i18n installs them
    (newstyle: the translation, Markup where autoescaping is on, always %-formatted with the
    values, "%(num)s" defaulting to the count), each lookup made once per message.

    A page calls them some two hundred times, and a build some 200,000: Jinja's own run the
    catalog lookup, Markup() and the formatting every time, a tenth of rendering. The catalog
    stays the source; what is kept is its answer, per process and environment.
    """
    plain: dict[tuple[bool, str], str] = {}  # (autoescape, message) -> its formatted text
    found: dict[tuple[bool, str], str] = {}  # (autoescape, message) -> its translation
    counted: dict[tuple[bool, str, str, int], str] = {}

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        autoescape = context.eval_ctx.autoescape
        if not variables:
            text = plain.get((autoescape, string))
            if text is None:
                text = plain[(autoescape, string)] = _translated(
                    translations.gettext(string), autoescape) % variables
            return text
        rv = found.get((autoescape, string))
        if rv is None:
            rv = found[(autoescape, string)] = _translated(translations.gettext(string),
                                                             autoescape)
        return rv % variables

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, /,
                 **variables: Any) -> str:
        autoescape = context.eval_ctx.autoescape
        variables.setdefault("num", num)
        key = (autoescape, singular, plural, num)
        rv = counted.get(key)
        if rv is None:
            rv = counted[key] = _translated(translations.ngettext(singular, plural, num),
                                            autoescape)
        return rv % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _translated(text: str, autoescape: bool) -> str:
    return Markup(text) if autoescape else text
