"""Unit tests of site.toml loading: defaults, warnings for unknown keys, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.config import SiteConfig, load_config
from site_builder.errors import ConfigError


def config_from(tmp_path: Path, text: str | None):
    if text is not None:
        (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path)


def test_no_site_toml_means_every_default(tmp_path: Path):
    config, warnings = config_from(tmp_path, None)
    assert config == SiteConfig(root=tmp_path) and warnings == []
    assert config.output_path == tmp_path / "output"


def test_values_are_read_and_a_site_table_is_accepted(tmp_path: Path):
    config, _ = config_from(tmp_path, 'title = "X"\n[site]\nper_page = 5\n'
                                      'base_url = "https://b.example/news/"\n')
    assert (config.title, config.per_page, config.base_url) == ("X", 5,
                                                                "https://b.example/news/")
    assert config.absolute("/2025/03/27/") == "https://b.example/news/2025/03/27/"


def test_unknown_key_is_a_warning_naming_it(tmp_path: Path):
    config, warnings = config_from(tmp_path, 'titel = "typo"\n')
    assert config.title == SiteConfig().title
    assert len(warnings) == 1 and "'titel'" in warnings[0]


@pytest.mark.parametrize("text,words", [
    ("per_page = \"ten\"\n", "per_page must be a int"),
    ("allow_raw_html = 1\n", "allow_raw_html must be a bool"),
    ("feed_length = true\n", "feed_length must be a int"),
    ("per_page = 0\n", "per_page must be at least 1"),
    ('base_url = "example.org"\n', "not an absolute"),
    ('timezone = "Mars/Olympus"\n', "not a known zone"),
    ('publish_time = "8 am"\n', "not a time"),
    ("title = \n", "not valid TOML"),
])
def test_wrong_values_are_errors_naming_the_key(tmp_path: Path, text: str, words: str):
    with pytest.raises(ConfigError) as raised:
        config_from(tmp_path, text)
    message = str(raised.value)
    assert words in message and "site.toml" in message


def test_toml_syntax_error_names_the_line(tmp_path: Path):
    with pytest.raises(ConfigError) as raised:
        config_from(tmp_path, 'title = "ok"\nper_page = = 3\n')
    assert raised.value.problems[0].line == 2


def test_overrides_win(tmp_path: Path):
    config, _ = load_config(tmp_path, {"base_url": "https://x.example/", "title": None})
    assert config.base_url == "https://x.example/" and config.title == SiteConfig().title
