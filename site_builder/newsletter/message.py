"""A day's email edition read back from the built site, and made into one message.

The parts are the built files, byte for byte, so what is sent is what the build wrote and the
tests checked; the Subject is the HTML part's <title>, so its wording lives in the theme.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from site_builder.config import SiteConfig, sender_address
from site_builder.content.load import find_content_files, read_content_file
from site_builder.errors import ContentError, MailError
from site_builder.output.edition import edition_files

ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058: the value of List-Unsubscribe-Post


@dataclass(frozen=True, slots=True)
class Edition:
    """A day's two built parts, and the subject its HTML part's <title> gives."""

    day: dt.date
    html: str
    text: str
    subject: str
    lang: str
    html_path: Path


def read_edition(config: SiteConfig, day: dt.date, output: Path | None = None) -> Edition:
    """The day's edition from the built output folder (config.output_path unless given).

    A day with no briefing is an error naming the nearest days that have one; a day that
    has one but is not built yet says to build first.
    """
    folder = output or config.output_path
    (html_path, _), (text_path, _) = edition_files(day)
    try:
        html = (folder / html_path).read_text(encoding="utf-8")
        text = (folder / text_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _missing(config, day, folder) from None
    except (OSError, UnicodeDecodeError) as error:
        raise MailError(f"cannot read the email edition of {day} in {folder}: {error}"
                        ) from None
    head = _Head()
    head.feed(html)
    head.close()
    subject = " ".join(head.title.split())
    if not subject:
        raise MailError(f"{folder / html_path} has no <title> to make the Subject from "
                        "(the theme's email.html must give one)")
    return Edition(day, html, text, subject, head.lang or config.language, folder / html_path)


def make_message(config: SiteConfig, edition: Edition, now: dt.datetime,
                 to: tuple[str, ...] = ()) -> EmailMessage:
    """One multipart/alternative message: the text part first, the HTML part preferred.

    Its Message-ID comes from the parts and base_url's host, so the same edition sent twice
    (a retry, a second batch of readers) is one message to clients that de-duplicate.
    """
    if not config.email.sender:
        raise MailError('site.toml sets no sender: add an [email] table with from = '
                        '"Name <address@example.org>"')
    message = EmailMessage(policy=SMTP)
    message["Subject"] = edition.subject  # RFC 2047-encoded by the policy when not ASCII
    message["From"] = _sender(config)
    if to:
        message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(config, edition)
    links = config.email.list_unsubscribe
    if links:
        message["List-Unsubscribe"] = ", ".join(f"<{link}>" for link in links)
        if any(link.startswith("https://") for link in links):
            message["List-Unsubscribe-Post"] = ONE_CLICK
    message.set_content(edition.text, subtype="plain", charset="utf-8")
    message.add_alternative(edition.html, subtype="html", charset="utf-8")
    message["Content-Language"] = edition.lang  # after set_content, which clears Content-*
    return message


def message_id(config: SiteConfig, edition: Edition) -> str:
    """<edition.2025-03-27.<hash of the parts>@host of base_url>."""
    host = urlsplit(config.base_url).hostname or "localhost"
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = "localhost"
    digest = hashlib.sha256(f"{edition.html}\0{edition.text}".encode()).hexdigest()[:20]
    return f"<edition.{edition.day.isoformat()}.{digest}@{host}>"


def _sender(config: SiteConfig) -> Address | str:
    """The configured From; a bare address gets the site's title as its display name."""
    configured = config.email.sender
    address = sender_address(configured)
    if configured.strip() == address:
        username, _, domain = address.rpartition("@")
        return Address(display_name=config.title, username=username, domain=domain)
    return configured


def _missing(config: SiteConfig, day: dt.date, folder: Path) -> MailError:
    """Why a day's edition is not there: no such briefing (and the nearest), or not built."""
    days = briefing_days(config)
    if day in days:
        return MailError(f"the email edition of {day} is not built in {folder}: run "
                         "`site-builder build` first")
    before = max((d for d in days if d < day), default=None)
    after = min((d for d in days if d > day), default=None)
    nearest = " and ".join(str(d) for d in (before, after) if d is not None)
    return MailError(f"there is no briefing for {day}" +
                     (f"; the nearest are {nearest}" if " and " in nearest else
                      f"; the nearest is {nearest}" if nearest else "; there are none yet"))


def briefing_days(config: SiteConfig) -> set[dt.date]:
    """The days of the published briefings, from their front matter (drafts are not built);
    a broken file is skipped here: the build names it."""
    days = set()
    for path in find_content_files(config):
        try:
            content = read_content_file(path, config)
        except ContentError:
            continue
        if not content.draft:
            days.add(content.date)
    return days


class _Head(HTMLParser):
    """The <title> text and the <html lang> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.lang = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang") or ""
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
