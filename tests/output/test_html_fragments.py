"""Tests for site_builder.output.html_fragments: a FragmentWriter writes back what it reads
(tags, text, references, comments, declarations, processing instructions, marked sections)
so its subclasses override only what they change; one that decodes character references (the
feeds' absolute links) must escape text and attribute values again, so no text turns into
markup."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.output.feeds import absolute_links
from site_builder.output.html_fragments import FragmentWriter

BASE = "https://example.org/2025/03/27/story/"
SITE = "https://example.org/blog/"


def echo(fragment: str) -> str:
    return FragmentWriter(convert_charrefs=False).rewrite(fragment)


@pytest.mark.parametrize("fragment", [
    "<!-- a comment -->",
    "<p>before<!-- between -->after</p>",
    "<!---->",
    "<!DOCTYPE html>",
    "<?xml-stylesheet href='a.css'?>",
    "<![if !IE]><p>x</p><![endif]>",
    "<svg><![CDATA[a < b]]></svg>",
    "<p>a &amp; b &#60; &#x3c; &lt;</p>",
    "<img src=\"a.png\" alt='q \"x\"'/>",
    "<p>café 比亚迪 👍🏽</p>",
    "",
])
def test_what_the_base_handles_is_written_back_as_read(fragment: str) -> None:
    assert echo(fragment) == fragment


def test_a_cdata_section_keeps_its_whole_end() -> None:
    """Inside SVG or MathML a CDATA section runs to "]]>": written back with "]>" it would
    swallow the rest of the page."""
    assert echo("<svg><text><![CDATA[x]]></text></svg><p>after</p>").endswith(
        "]]></text></svg><p>after</p>")


def test_with_convert_charrefs_text_arrives_decoded_so_a_subclass_must_escape_it() -> None:
    decoded = FragmentWriter(convert_charrefs=True).rewrite("<p>a &lt;b&gt; &amp; &#99;</p>")
    assert decoded == "<p>a <b> & c</p>"  # what an echo that does not escape would write


def test_decoded_text_and_attributes_are_escaped_again() -> None:
    fragment = ('<p title="&quot;q&quot; &lt;b&gt;">a &lt;script&gt;alert(1)&lt;/script&gt; '
                '&amp; b</p>')
    assert absolute_links(fragment, BASE, SITE) == (
        '<p title="&quot;q&quot; &lt;b&gt;">a &lt;script&gt;alert(1)&lt;/script&gt; &amp; b</p>')


def test_script_and_style_text_is_raw_and_links_are_made_absolute() -> None:
    fragment = '<style>a > b {}</style><a href="/companies/x/">x &amp; y</a><img src="p.png">'
    assert absolute_links(fragment, BASE, SITE) == (
        '<style>a > b {}</style><a href="https://example.org/blog/companies/x/">x &amp; y</a>'
        '<img src="https://example.org/2025/03/27/story/p.png">')


class _Text(HTMLParser):
    """What a reader's parser makes of a fragment: its text and its tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read(fragment: str) -> _Text:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return parser


@settings(deadline=None)
@given(text=st.text(), title=st.text())
def test_no_text_or_attribute_value_turns_into_markup(text: str, title: str) -> None:
    written = f'<p title="{html.escape(title)}">{html.escape(text, quote=False)}</p>'
    found = read(absolute_links(written, BASE, SITE))
    original = read(written)
    assert found.tags == original.tags == ["p"]
    assert "".join(found.text) == "".join(original.text)
    assert found.attrs == original.attrs


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("<>&;#!-?[]/ apx=\"'\n")))
def test_the_echo_writes_back_any_markup_it_reads(fragment: str) -> None:
    """Whatever a fragment holds, reading the echo gives what reading the fragment gives."""
    once = echo(fragment)
    assert echo(once) == once
