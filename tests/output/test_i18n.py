"""Interface strings from the catalogs: which catalog a language gets, plurals, a site's own
catalog over the builder's, dates by locale, names in a page's language, and catalogs that
are complete and up to date with the templates and code."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from conftest import ONE_DAY, REPO_ROOT, tree_bytes, write_site

from site_builder.config import load_config
from site_builder.errors import ConfigError
from site_builder.output import dates, i18n
from site_builder.pipeline import build
from site_builder.report import Reporter

LOCALE = REPO_ROOT / "site_builder/locale"
CATALOGS = ("en", "zh_Hans")
THURSDAY = dt.date(2025, 3, 27)


def messages(path: Path) -> dict[object, object]:
    with path.open("rb") as handle:
        return {m.id: m for m in read_po(handle) if m.id}


@pytest.mark.parametrize("catalog", CATALOGS)
def test_every_catalog_translates_every_message_of_the_template(catalog: str):
    template = messages(LOCALE / "messages.pot")
    found = messages(LOCALE / catalog / "LC_MESSAGES/messages.po")
    assert set(found) == set(template), "run pybabel update (docs/translations.md)"
    untranslated = [m.id for m in found.values()  # type: ignore[attr-defined]
                    if m.fuzzy or not (all(m.string) if isinstance(m.string, tuple)  # type: ignore[attr-defined]
                                       else m.string)]  # type: ignore[attr-defined]
    assert untranslated == []


def test_the_template_holds_every_string_the_code_and_theme_mark(tmp_path: Path):
    """Extracting again gives the same messages: a string marked since was not left out."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(REPO_ROOT / "babel.cfg"),
                                "-o", str(pot), str(REPO_ROOT)])
    assert set(messages(pot)) == set(messages(LOCALE / "messages.pot"))


@pytest.mark.parametrize(("lang", "catalog"), [
    ("zh", "zh_Hans"), ("zh-CN", "zh_Hans"), ("zh-SG", "zh_Hans"), ("zh-Hans", "zh_Hans"),
    ("zh_CN", "zh_Hans"), ("en", "en"), ("en-US", "en"), ("en-GB", "en"),
    # Traditional Chinese has no catalog: English, never the Simplified strings
    ("zh-TW", "en"), ("zh-HK", "en"), ("zh-Hant", "en"),
    ("fr", "en"), ("not-a-language", "en"), ("", "en"),
])
def test_a_page_language_picks_its_catalog(lang: str, catalog: str):
    assert i18n.catalog_for(lang, i18n.catalog_names(Path("/nowhere"))) == catalog


def test_a_language_without_catalog_is_reported_once_and_shown_in_english(tmp_path: Path):
    config = load_config(tmp_path)[0]
    warnings = i18n.check_languages(config, ["en", "zh", "zh-TW", "zh-TW", "en-US"])
    assert len(warnings) == 1 and "'zh-TW'" in warnings[0] and "English" in warnings[0]
    traditional = i18n.Interfaces(config)["zh-TW"]
    assert traditional.gettext("Archive") == "Archive"
    assert traditional.long_date(THURSDAY) == "2025年3月27日 星期四"  # Traditional CLDR dates


def test_counts_take_the_plural_forms_of_their_language(tmp_path: Path):
    interfaces = i18n.Interfaces(load_config(tmp_path)[0])
    english, chinese = interfaces["en"], interfaces["zh"]
    assert [english.ngettext("%(num)s story", "%(num)s stories", n) for n in (0, 1, 3, 1200)] \
        == ["0 stories", "1 story", "3 stories", "1,200 stories"]
    assert [chinese.ngettext("%(num)s story", "%(num)s stories", n) for n in (1, 3)] == \
        ["1篇报道", "3篇报道"]
    assert chinese.gettext("Every story on %(topic)s, newest first.", topic="人工智能") == \
        "有关人工智能的全部报道，最新在前。"


@pytest.mark.parametrize(("lang", "long", "short", "month"), [
    ("en", "Thursday, 27 March 2025", "27 Mar 2025", "March 2025"),
    ("zh", "2025年3月27日 星期四", "2025年3月27日", "2025年3月"),
    ("zh-CN", "2025年3月27日 星期四", "2025年3月27日", "2025年3月"),
    ("en-US", "Thursday, March 27, 2025", "Mar 27, 2025", "March 2025"),
    ("fr", "jeudi 27 mars 2025", "27 mars 2025", "mars 2025"),
    ("xx-nonsense", "Thursday, 27 March 2025", "27 Mar 2025", "March 2025"),
])
def test_dates_are_written_the_way_of_the_page_language(lang, long, short, month):
    assert dates.long_date(THURSDAY, lang) == long
    assert dates.short_date(THURSDAY, lang) == short
    assert dates.month_year(2025, 3, lang) == month


def test_numbers_are_grouped_by_locale():
    assert dates.number(1234567, "en") == "1,234,567"
    assert dates.number(1234567, "fr") == "1\u202f234\u202f567"


@pytest.mark.parametrize(("names", "lang", "shown"), [
    ((("zh", "蔚来"),), "zh", "蔚来"),
    ((("zh", "蔚来"),), "zh-CN", "蔚来"),
    ((("zh", "蔚来"),), "en", "NIO"),
    ((("zh", "蔚来"),), "zh-TW", "NIO"),  # a Simplified name is not shown to Traditional pages
    ((("zh", "蔚来"), ("zh-Hant", "蔚來")), "zh-TW", "蔚來"),
    ((("zh-CN", "蔚来"),), "zh-cn", "蔚来"),
    ((), "zh", "NIO"),
])
def test_a_name_is_shown_in_the_page_language_where_one_is_given(names, lang, shown):
    assert i18n.local_name(names, lang, "NIO") == shown


SITE_CATALOG = """\
    msgid ""
    msgstr ""
    "Content-Type: text/plain; charset=utf-8\\n"

    msgid "Archive"
    msgstr "历史简报"

    msgid "%(num)s story"
    msgid_plural "%(num)s stories"
    msgstr[0] "%(num)s条"
    """


def chinese_site(make_site, extra: dict[str, str] | None = None) -> Path:
    return make_site({"site.toml": 'language = "zh"\n',
                      "content/briefings/2025/2025-03-27.md": ONE_DAY, **(extra or {})})


def test_a_site_catalog_overrides_the_builders_strings_it_names(make_site):
    site = chinese_site(make_site, {"locale/zh_Hans/LC_MESSAGES/messages.po": SITE_CATALOG})
    build(load_config(site)[0], Reporter(0), use_cache=False)
    page = (site / "output/archive/index.html").read_text("utf-8")
    assert "<h1>历史简报</h1>" in page and "1期简报" in page and "3条" in page
    assert ">主题</a>" in page  # what the site does not name stays the builder's


def test_a_site_catalog_can_add_a_language(make_site):
    site = make_site({"site.toml": 'language = "fr"\n',
                      "content/briefings/2025/2025-03-27.md": ONE_DAY,
                      "locale/fr/LC_MESSAGES/messages.po": SITE_CATALOG.replace("历史简报",
                                                                                "Archives")})
    reporter = Reporter(0)
    build(load_config(site)[0], reporter, use_cache=False)
    assert "<h1>Archives</h1>" in (site / "output/archive/index.html").read_text("utf-8")
    assert not any("catalog" in warning for warning in reporter.warnings)


def test_a_broken_site_catalog_is_an_error_naming_it_and_the_output_is_kept(make_site):
    site = chinese_site(make_site)
    build(load_config(site)[0], Reporter(0), use_cache=False)
    before = tree_bytes(site / "output")
    write_site(site, {"locale/zh_Hans/LC_MESSAGES/messages.po":
                      'msgid "Archive"\nmsgstr "Archive"\n\nmsgid "Topics"\nmsgstr: "x"\n'})
    with pytest.raises(ConfigError) as raised:
        build(load_config(site)[0], Reporter(0), use_cache=False)
    assert "locale/zh_Hans/LC_MESSAGES/messages.po:5: catalog is not a valid .po file" in \
        str(raised.value)
    assert tree_bytes(site / "output") == before


def test_editing_a_site_catalog_rebuilds_what_shows_its_strings(make_site, tmp_path: Path):
    """An incremental build after a catalog edit equals a full build of the edited site."""
    site = chinese_site(make_site)
    config = load_config(site)[0]
    build(config, Reporter(0))
    write_site(site, {"locale/zh_Hans/LC_MESSAGES/messages.po": SITE_CATALOG})
    build(config, Reporter(0))
    build(config, Reporter(0), output=tmp_path / "full", use_cache=False)
    assert tree_bytes(site / "output") == tree_bytes(tmp_path / "full")
    assert "历史简报" in (site / "output/index.html").read_text("utf-8")


def test_the_wheel_carries_the_catalogs():
    """pyproject's package data names the .po and .pot files (no compiled .mo in git)."""
    text = (REPO_ROOT / "pyproject.toml").read_text("utf-8")
    assert '"locale/*/LC_MESSAGES/*.po"' in text and '"locale/*.pot"' in text
    tracked = subprocess.run(["git", "ls-files", "site_builder/locale"], cwd=REPO_ROOT,
                             capture_output=True, text=True, check=False).stdout.split()
    if shutil.which("git") and tracked:
        assert not [path for path in tracked if path.endswith(".mo")]
        assert {f"site_builder/locale/{c}/LC_MESSAGES/messages.po" for c in CATALOGS} <= \
            set(tracked)
