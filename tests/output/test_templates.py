"""Unit tests of the theme's Jinja environment: view lookups, and links under a sub-path."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from conftest import ONE_DAY, write_site
from sitecheck import parse_page

from site_builder.config import load_config
from site_builder.output.templates import find_theme, make_environment
from site_builder.pipeline import build
from site_builder.report import Reporter


def environment(tmp_path: Path, base_url: str = "https://example.org/") -> jinja2.Environment:
    config = load_config(write_site(tmp_path / "s", {"site.toml": f'base_url = "{base_url}"\n'}),
                         )[0]
    return make_environment(config, find_theme(config), {"static/style.css": "abc"})


def render(env: jinja2.Environment, source: str, **values: object) -> str:
    return env.from_string(source).render(values)


def test_a_view_name_is_the_dict_item_and_a_dict_method_stays_a_method(tmp_path: Path):
    env = environment(tmp_path)
    view = {"title": "A & B", "items": "kept", "count": 0}
    assert render(env, "{{ v.title }} {{ v.count }}", v=view) == "A &amp; B 0"
    # Jinja's own order: a name dict has as an attribute is the attribute, not the item.
    assert render(env, "{% for k, n in v.items() %}{{ k }}{% endfor %}", v=view) == \
        "titleitemscount"
    assert render(env, "{{ v.upper() }}", v="abc") == "ABC"  # not a dict: Jinja's lookup


def test_a_missing_view_name_is_an_error_that_names_it(tmp_path: Path):
    env = environment(tmp_path)
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'headline'"):
        render(env, "{{ v.headline }}", v={"title": "x"})


def test_url_and_asset_as_filters_equal_the_functions(tmp_path: Path):
    env = environment(tmp_path, "https://example.org/news/")
    assert render(env, "{{ '/a/'|url }} {{ url('/a/') }} {{ 'x.html'|url }}") == \
        "/news/a/ /news/a/ x.html"
    assert render(env, "{{ '/static/style.css'|asset }}|{{ asset('/static/style.css') }}") == \
        "/news/static/style.css?v=abc|/news/static/style.css?v=abc"


def test_every_link_of_a_site_under_a_sub_path_stays_under_it(tmp_path: Path):
    site = write_site(tmp_path / "site", {
        "site.toml": 'base_url = "https://example.org/news/"\n',
        "content/briefings/2025/2025-03-27.md": ONE_DAY})
    build(load_config(site)[0], Reporter(0), use_cache=False)
    output = site / "output"
    pages = [output / "index.html", output / "2025/03/27/index.html",
             next((output / "2025/03/27").glob("*/index.html")), output / "search/index.html"]
    for page in pages:
        local = [link for link in parse_page(page).links
                 if link.startswith("/") and not link.startswith("//")]
        assert local, page
        assert all(link.startswith("/news/") for link in local), (page, local)
