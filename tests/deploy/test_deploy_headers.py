"""Each built file's kind, upload rank and headers: every file of the sample site has a kind,
feeds and pages their types with a charset, and the nginx snippet follows the same table."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploying import build, expected_type, sample_site

from site_builder.deploy.headers import RANKS, Headers, kind_rule, pretty_path
from site_builder.deploy.manifest import output_files
from site_builder.deploy.nginx import nginx_snippet

KINDS = [
    ("static/style.css", "asset"), ("pagefind/2025-03/fragment/en_1a2b3c4.pf_fragment", "asset"),
    ("pagefind/2025-03/pagefind.en_fbaeafb914.pf_meta", "asset"),
    ("2025/03/27/openai-expects-revenue/index.html", "story"),
    ("pagefind/2025-03/pagefind-entry.json", "other"), ("pagefind/shards.json", "other"),
    ("2025/03/27/index.html", "day"), ("index.html", "page"), ("page/2/index.html", "page"),
    ("topics/space/index.html", "page"), ("404.html", "page"), ("feed.xml", "feed"),
    ("companies/byd-002594-sz/atom.xml", "feed"), ("sections/x/feed.json", "feed"),
    ("sitemap.xml", "sitemap"), ("sitemap-2.xml", "sitemap"), ("news-sitemap.xml", "sitemap"),
    ("robots.txt", "sitemap"),
]


@pytest.fixture(scope="module")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = sample_site(tmp_path_factory.mktemp("sample"), "https://example.org/", "")
    build(site)
    return site / "output"


@pytest.mark.parametrize(("path", "kind"), KINDS)
def test_kinds(path: str, kind: str):
    assert kind_rule(path).kind == kind


def test_assets_and_stories_go_before_pages_and_pages_before_feeds():
    ranks = [RANKS[kind] for kind in ("asset", "story", "day", "page", "feed")]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert RANKS["sitemap"] == RANKS["feed"]


def test_every_file_of_the_sample_site_gets_its_type_and_cache_class(built_sample: Path):
    headers = Headers()
    for path in output_files(built_sample):
        found = headers.for_path(path)
        assert found.content_type == expected_type(path), path
        assert ("immutable" in found.cache_control) == (found.kind == "asset"), path


def test_settings_override_the_defaults_and_change_the_key():
    default = Headers()
    custom = Headers({"feed": "public, max-age=60"}, {".pagefind": "application/wasm"})
    assert custom.for_path("feed.xml").cache_control == "public, max-age=60"
    assert custom.for_path("pagefind/x/wasm.en.pagefind").content_type == "application/wasm"
    assert custom.for_path("index.html") == default.for_path("index.html")
    assert custom.key() != default.key() and Headers().key() == default.key()


def test_pretty_paths():
    assert [pretty_path(p) for p in ("index.html", "2025/03/27/index.html", "feed.xml",
                                     "404.html")] == ["", "2025/03/27/", "feed.xml", "404.html"]


def test_the_nginx_snippet_serves_the_link_at_the_base_path():
    snippet = nginx_snippet(Path("/srv/www/briefing"), "/briefing/",
                            Headers({"html": "public, max-age=1"}))
    assert "location /briefing/ {" in snippet and 'alias "/srv/www/briefing/";' in snippet
    assert "error_page 404 /briefing/404.html;" in snippet
    assert 'default_type "application/atom+xml; charset=utf-8";' in snippet
    assert 'add_header Cache-Control "public, max-age=1" always;' in snippet
    assert "location / {" in nginx_snippet(Path("/srv/www/site"), "/", Headers())
