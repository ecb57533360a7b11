"""Site configuration: ``site.toml`` read once into a typed, frozen record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.errors import ConfigError, Problem

CONFIG_NAME = "site.toml"
SMTP_PASSWORD_VARIABLE = "SITE_BUILDER_SMTP_PASSWORD"
"""The environment variable the SMTP password is read from: never site.toml, which is shared."""


@dataclass(frozen=True, slots=True)
class EmailConfig:
    """The [email] table of site.toml: how the email edition is addressed and sent."""

    sender: str = ""
    """The From address, "Name <addr@example.org>" or "addr@example.org" (key: from)."""
    smtp: str = ""
    """The SMTP server, "host:port"; the email command's --smtp overrides it."""
    list_unsubscribe: tuple[str, ...] = ()
    """Where readers unsubscribe: https:// URLs and mailto: addresses, for the
    List-Unsubscribe header and the edition's footer (an https URL makes it one-click)."""
    username: str = ""
    """The SMTP login, if the server wants one; the password comes from the environment."""

    @property
    def unsubscribe_link(self) -> str:
        """The one the footer shows: a web page if there is one, else the first address."""
        return next((url for url in self.list_unsubscribe if url.startswith("https://")),
                    self.list_unsubscribe[0] if self.list_unsubscribe else "")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """What a site may set in site.toml; every field has a default."""

    root: Path = Path(".")
    """The site folder (where site.toml lives); relative paths below are taken from here."""
    title: str = "Tech-Finance Morning Briefing"
    """The site's name, in the header, titles and feeds."""
    description: str = "A daily briefing on technology companies, markets and science."
    """One sentence for the home page, meta descriptions and feed subtitles."""
    base_url: str = "http://localhost:8000/"
    """Absolute URL the site is published at; feeds and canonical links need it."""
    language: str = "en"
    """Default language of briefings (BCP 47), for lang attributes and feeds."""
    timezone: str = "Asia/Shanghai"
    """IANA zone the briefings are published in."""
    publish_time: str = "08:00"
    """Local time of day a briefing goes out; feed entries are timed from it."""
    author: str = "The Briefing Desk"
    """Named as author of every story in feeds and metadata."""
    theme: str = "default"
    """Folder name under themes/ (the site's own, then the builder's)."""
    per_page: int = 20
    """Days on a numbered home page, stories on a numbered section, company or topic page;
    a front page holds per_page to 2*per_page - 1 (paging.py)."""
    feed_length: int = 50
    """Entries in each feed."""
    allow_raw_html: bool = False
    """Let raw HTML in Markdown through (still sanitised with an allow-list)."""
    content_dir: str = "content"
    """Folder of the Markdown briefings and _data/."""
    output_dir: str = "output"
    """Where the built site goes."""
    templates_dir: str = "templates"
    """Site-local templates that override the theme's by name."""
    static_dir: str = "static"
    """Site-local static files copied over the theme's."""
    themes_dir: str = "themes"
    """Where the site's own themes live."""
    icon: str = ""
    """Site-relative path of an icon for feeds and the browser, if the site has one."""
    hub: str = ""
    """A WebSub hub to tell when feeds change (`site-builder ping`, and after a deploy)."""
    email: EmailConfig = EmailConfig()
    """The [email] table: the email edition's sender, server and unsubscribe links."""

    @property
    def content_path(self) -> Path:
        return self.root / self.content_dir

    @property
    def output_path(self) -> Path:
        return self.root / self.output_dir

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def publish_clock(self) -> dt.time:
        return dt.time.fromisoformat(self.publish_time)

    def absolute(self, url: str) -> str:
        """A site-relative URL ("/2025/03/27/") made absolute against base_url."""
        return self.base_url.rstrip("/") + "/" + url.lstrip("/")


_FIELDS = {f.name: f for f in dataclasses.fields(SiteConfig) if f.name != "root"}
READ_ELSEWHERE = frozenset({"deploy"})
"""Tables of site.toml that one command reads for itself ([deploy.NAME]: site_builder/deploy/),
kept out of SiteConfig so that changing them never changes what a build makes."""


def read_site_toml(root: Path) -> dict[str, Any]:
    """site.toml under root as TOML data ({} when there is none); an error names its line."""
    path = root / CONFIG_NAME
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError.at(str(path), 0, "site.toml is not UTF-8 text", "save it as UTF-8")
    except tomllib.TOMLDecodeError as error:
        line = _toml_line(str(error))
        raise ConfigError.at(str(path), line, f"site.toml is not valid TOML: {error}")


def load_config(root: Path, overrides: dict[str, Any] | None = None) -> tuple[SiteConfig, list[str]]:
    """Read site.toml under root (absent means all defaults); return the config and warnings."""
    path = root / CONFIG_NAME
    data = read_site_toml(root)
    # A [site] table is accepted as well as top-level keys.
    if isinstance(data.get("site"), dict):
        data = {**{k: v for k, v in data.items() if k != "site"}, **data["site"]}
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    warnings: list[str] = []
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    if "email" in data:
        values["email"] = _email_config(data.pop("email"), str(path), problems, warnings)
    for key, value in data.items():
        if key in READ_ELSEWHERE:
            continue
        if key not in _FIELDS:
            warnings.append(f"{path}: unknown key {key!r} is ignored")
            continue
        expected = type(_FIELDS[key].default)
        if expected is bool and not isinstance(value, bool) or (
            expected is not bool and (not isinstance(value, expected) or isinstance(value, bool))
        ):
            problems.append(Problem(str(path), 0, f"{key} must be a {expected.__name__}, "
                                    f"not {type(value).__name__}", f"e.g. {key} = "
                                    f"{_toml_literal(_FIELDS[key].default)}"))
            continue
        values[key] = value
    config = SiteConfig(root=root, **values)
    problems.extend(_check_values(config, str(path)))
    if problems:
        raise ConfigError(problems)
    return config, warnings


def _check_values(config: SiteConfig, path: str) -> list[Problem]:
    problems = []
    if not config.base_url.startswith(("http://", "https://")):
        problems.append(Problem(path, 0, f"base_url {config.base_url!r} is not an absolute "
                                "http(s) URL", 'e.g. base_url = "https://briefing.example.org/"'))
    try:
        zoneinfo.ZoneInfo(config.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(path, 0, f"timezone {config.timezone!r} is not a known zone",
                                'use an IANA name such as "Asia/Shanghai"'))
    try:
        dt.time.fromisoformat(config.publish_time)
    except ValueError:
        problems.append(Problem(path, 0, f"publish_time {config.publish_time!r} is not a time",
                                'write it as "HH:MM"'))
    if config.hub and not config.hub.startswith(("http://", "https://")):
        problems.append(Problem(path, 0, f"hub {config.hub!r} is not an http(s) URL",
                                'e.g. hub = "https://pubsubhubbub.appspot.com/"'))
    for key in ("per_page", "feed_length"):
        if getattr(config, key) < 1:
            problems.append(Problem(path, 0, f"{key} must be at least 1"))
    for key in ("content_dir", "output_dir", "templates_dir", "static_dir", "themes_dir", "theme"):
        value = getattr(config, key)
        if not value or "\x00" in value:
            problems.append(Problem(path, 0, f"{key} must be a non-empty path"))
    return problems


_EMAIL_KEYS = {"from": "sender", "smtp": "smtp", "list_unsubscribe": "list_unsubscribe",
               "username": "username"}


def _email_config(table: Any, path: str, problems: list[Problem],
                  warnings: list[str]) -> EmailConfig:
    """The [email] table, checked: each bad value is a problem naming the key and a fix."""
    if not isinstance(table, dict):
        problems.append(Problem(path, 0, "email must be a table", 'write it as [email] with '
                                'from = "Briefing <news@example.org>" below it'))
        return EmailConfig()
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "password":
            problems.append(Problem(path, 0, "email.password does not belong in site.toml",
                                    f"delete it and set {SMTP_PASSWORD_VARIABLE} in the "
                                    "environment of the email command instead"))
        elif key not in _EMAIL_KEYS:
            warnings.append(f"{path}: unknown key 'email.{key}' is ignored (known: "
                            f"{', '.join(sorted(_EMAIL_KEYS))})")
        elif key == "list_unsubscribe":
            links = [value] if isinstance(value, str) else value
            if not isinstance(links, list) or not all(isinstance(v, str) for v in links):
                problems.append(Problem(path, 0, "email.list_unsubscribe must be a string or a "
                                        "list of strings", 'e.g. list_unsubscribe = '
                                        '["https://example.org/unsubscribe", '
                                        '"mailto:leave@example.org"]'))
                continue
            values["list_unsubscribe"] = tuple(links)
        elif not isinstance(value, str):
            problems.append(Problem(path, 0, f"email.{key} must be a string, not "
                                    f"{type(value).__name__}", f'e.g. {key} = "..."'))
        else:
            values[_EMAIL_KEYS[key]] = value
    found = EmailConfig(**values)
    problems.extend(_email_problems(found, path))
    return found


def _email_problems(found: EmailConfig, path: str) -> list[Problem]:
    problems = []
    if found.sender and not sender_address(found.sender):
        problems.append(Problem(path, 0, f"email.from {found.sender!r} is not one email address",
                                'e.g. from = "Morning Briefing <news@example.org>"'))
    if found.smtp:
        try:
            smtp_address(found.smtp)
        except ValueError as error:
            problems.append(Problem(path, 0, f"email.smtp: {error}",
                                    'e.g. smtp = "smtp.example.org:587"'))
    for link in found.list_unsubscribe:
        if not link.startswith(("https://", "http://", "mailto:")) or len(link) < 10 or any(
                ch in link for ch in "\r\n<>, "):
            problems.append(Problem(
                path, 0, f"email.list_unsubscribe {link!r} is not an http(s) URL or a mailto: "
                "address", 'e.g. "https://example.org/unsubscribe" or "mailto:leave@example.org"'))
    if any(ch in found.username for ch in "\r\n"):
        problems.append(Problem(path, 0, "email.username must be one line"))
    return problems


def sender_address(text: str) -> str:
    """The address of a From value ("Name <a@b.org>" -> "a@b.org"); "" unless it is exactly
    one well-formed address, so nothing else can ride into the header."""
    if "\r" in text or "\n" in text:
        return ""
    # Imported here: only a site with an [email] table asks, and the email package is some
    # 10 ms of every command's start-up.
    from email.headerregistry import AddressHeader
    from email.policy import default as default_policy

    header = default_policy.header_factory("From", text)
    # (defects is BaseHeader's, which the header classes mix in; typeshed misses it)
    defects = getattr(header, "defects", ())
    if not isinstance(header, AddressHeader) or defects or len(header.addresses) != 1:
        return ""
    address = header.addresses[0]
    return address.addr_spec if address.username and address.domain else ""


def smtp_address(text: str) -> tuple[str, int]:
    """ "host:port" (or "[::1]:port") as (host, port); ValueError says what is wrong."""
    host, colon, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not colon or not host or not port:
        raise ValueError(f"{text!r} is not host:port")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} has no port number from 1 to 65535")
    if any(ch.isspace() or ch in "/@" for ch in host):
        raise ValueError(f"{text!r} does not start with a host name")
    return host, int(port)


def _toml_line(message: str) -> int:
    marker = "line "
    if marker in message:
        digits = message.split(marker, 1)[1].split()[0].rstrip(",)")
        if digits.isdigit():
            return int(digits)
    return 0


def _toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
