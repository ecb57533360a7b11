"""Tests for site_builder.output.mention_links: a body's first mention of each company links
to its page; the output is read back with the standard HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.model import Company, Listing
from site_builder.output.mention_links import link_mentions

BYD = Company(key="002594.SZ", name="BYD", slug="byd-002594-sz", ticker="002594.SZ",
              exchange="SZSE", board="SZSE Main Board", aliases=("BYD Company",),
              listings=(Listing("002594.SZ", "SZSE", "SZSE Main Board"),
                        Listing("01211.HK", "HKEX", "HKEX Main Board")),
              names=(("zh", "比亚迪"),))
TESLA = Company(key="TSLA.O", name="Tesla", slug="tesla-tsla-o", ticker="TSLA.O",
                exchange="NASDAQ", board="")
LONELY = Company(key="000001.SZ", name="000001.SZ", slug="000001-sz", ticker="000001.SZ",
                 exchange="SZSE", board="SZSE Main Board")


class _Links(HTMLParser):
    """(href, text) of every link, and the whole text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.text = ""
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self.links.append((self._href, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._href is not None:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)


def links(fragment: str) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(fragment)
    parser.close()
    return parser.links


def text_of(fragment: str) -> str:
    parser = _Links()
    parser.feed(fragment)
    parser.close()
    return parser.text


def test_the_first_mention_of_each_company_links_to_its_page() -> None:
    body = ("<p>BYD (002594.SZ) overtook Tesla in sales.</p>\n"
            "<p>BYD said Tesla cut prices.</p>\n")
    linked = link_mentions(body, [BYD, TESLA])
    assert links(linked) == [("/companies/byd-002594-sz/", "BYD"),
                             ("/companies/tesla-tsla-o/", "Tesla")]
    assert text_of(linked) == text_of(body)


def test_a_company_written_only_as_a_ticker_links_the_ticker_as_written() -> None:
    assert links(link_mentions("<p>Shares of (000001.SZ) and (1211.HK) rose.</p>",
                               [LONELY, BYD])) == [("/companies/000001-sz/", "000001.SZ"),
                                                   ("/companies/byd-002594-sz/", "1211.HK")]


def test_names_in_other_languages_and_aliases_link_too() -> None:
    assert links(link_mentions("<p>公告称比亚迪销量大增。</p>", [BYD])) == [
        ("/companies/byd-002594-sz/", "比亚迪")]
    assert links(link_mentions("<p>BYD Company said so.</p>", [BYD])) == [
        ("/companies/byd-002594-sz/", "BYD Company")]  # the longest name at the place


def test_never_inside_links_code_or_headings() -> None:
    body = ('<h4>BYD results</h4>\n<p><a href="https://www.byd.com">BYD</a> and <code>BYD</code>'
            "</p>\n<pre><code>BYD\n</code></pre>\n<p>Later, BYD said.</p>\n")
    linked = link_mentions(body, [BYD])
    assert links(linked) == [("https://www.byd.com", "BYD"),
                             ("/companies/byd-002594-sz/", "BYD")]
    assert linked.index('class="mention"') > linked.index("Later")


def test_whole_words_only_for_latin_names() -> None:
    assert links(link_mentions("<p>BYDX and TeslaCoin, then Tesla's cars.</p>", [BYD, TESLA])) == [
        ("/companies/tesla-tsla-o/", "Tesla")]


def test_the_site_path_leads_the_link_and_a_body_without_mentions_is_unchanged() -> None:
    assert links(link_mentions("<p>Tesla.</p>", [TESLA], "/news")) == [
        ("/news/companies/tesla-tsla-o/", "Tesla")]
    body = "<p>Nothing &amp; nobody here.</p>\n"
    assert link_mentions(body, [BYD, TESLA]) is body


def test_entities_and_markup_are_kept_as_written() -> None:
    body = '<p>&quot;BYD&quot; &amp; <em>Tesla</em>&#39;s <img src="x.png" alt="BYD"></p>\n'
    linked = link_mentions(body, [BYD, TESLA])
    assert linked == ('<p>&quot;<a class="mention" href="/companies/byd-002594-sz/">BYD</a>'
                      '&quot; &amp; <em><a class="mention" href="/companies/tesla-tsla-o/">'
                      'Tesla</a></em>&#39;s <img src="x.png" alt="BYD"></p>\n')


@settings(derandomize=True, max_examples=200)
@given(st.lists(st.sampled_from(["BYD", "Tesla", "比亚迪", " ", "<p>", "</p>", "<a href='x'>",
                                 "</a>", "<code>", "</code>", "<h4>", "</h4>", "&amp;", "(1211.HK)",
                                 "<", ">", "x"])).map("".join))
def test_any_body_keeps_its_text_and_links_each_company_at_most_once(body: str) -> None:
    linked = link_mentions(body, [BYD, TESLA])
    assert text_of(linked) == text_of(body)
    mentions = [href for href, _ in links(linked) if href.startswith("/companies/")]
    assert len(mentions) == len(set(mentions))
