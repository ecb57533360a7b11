"""Unit tests of site.toml loading: defaults, warnings for unknown keys, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.config import EmailConfig, SiteConfig, load_config, smtp_address
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


# The [email] table -------------------------------------------------------------------------------

def test_the_email_table_is_read_into_its_record(tmp_path: Path):
    config, warnings = config_from(tmp_path, '[email]\nfrom = "Briefing <news@example.org>"\n'
                                             'smtp = "smtp.example.org:587"\nusername = "desk"\n'
                                             'list_unsubscribe = "https://example.org/leave"\n')
    assert warnings == []
    assert config.email == EmailConfig(sender="Briefing <news@example.org>",
                                       smtp="smtp.example.org:587",
                                       list_unsubscribe=("https://example.org/leave",),
                                       username="desk")
    assert config.email.unsubscribe_link == "https://example.org/leave"
    assert smtp_address(config.email.smtp) == ("smtp.example.org", 587)
    assert smtp_address("[::1]:2525") == ("::1", 2525)


def test_the_footer_prefers_a_web_page_to_an_address():
    links = EmailConfig(list_unsubscribe=("mailto:leave@example.org", "https://example.org/x"))
    assert links.unsubscribe_link == "https://example.org/x"
    assert EmailConfig(list_unsubscribe=("mailto:leave@example.org",)).unsubscribe_link == \
        "mailto:leave@example.org"
    assert EmailConfig().unsubscribe_link == ""


def test_an_unknown_email_key_is_a_warning(tmp_path: Path):
    config, warnings = config_from(tmp_path, '[email]\nreply_to = "x@example.org"\n')
    assert config.email == EmailConfig()
    assert len(warnings) == 1 and "'email.reply_to'" in warnings[0]


@pytest.mark.parametrize("text,words", [
    ('email = "news@example.org"\n', "email must be a table"),
    ('[email]\nfrom = "not an address"\n', "email.from 'not an address' is not one email"),
    ('[email]\nfrom = "a@example.org, b@example.org"\n', "is not one email address"),
    ('[email]\nfrom = "x@example.org\\nBcc: all@example.org"\n', "is not one email address"),
    ('[email]\nsmtp = "smtp.example.org"\n', "email.smtp: 'smtp.example.org' is not host:port"),
    ('[email]\nsmtp = "smtp.example.org:99999"\n', "no port number from 1 to 65535"),
    ('[email]\nsmtp = 587\n', "email.smtp must be a string, not int"),
    ('[email]\nlist_unsubscribe = "javascript:alert(1)"\n', "is not an http(s) URL or a mailto"),
    ('[email]\nlist_unsubscribe = ["https://x.org/a>, <https://evil.org/"]\n', "not an http(s)"),
    ('[email]\nlist_unsubscribe = [1]\n', "a string or a list of strings"),
    ('[email]\npassword = "hunter2"\n', "email.password does not belong in site.toml"),
])
def test_wrong_email_values_are_errors_naming_the_key(tmp_path: Path, text: str, words: str):
    with pytest.raises(ConfigError) as raised:
        config_from(tmp_path, text)
    assert words in str(raised.value)
    if "password" in text:
        assert "hunter2" not in str(raised.value)
        assert "SITE_BUILDER_SMTP_PASSWORD" in str(raised.value)
