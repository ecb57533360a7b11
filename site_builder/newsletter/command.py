"""The email command: a day's built edition written to a file, sent over SMTP, or shown.

Its whole run is one function, email_edition, so that the CLI (or a lock around it) has one
call to make.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import TextIO

from site_builder.config import SMTP_PASSWORD_VARIABLE, SiteConfig, sender_address, smtp_address
from site_builder.errors import MailError, UsageError
from site_builder.newsletter.message import make_message, read_edition
from site_builder.newsletter.send import SmtpServer, send_message
from site_builder.output.edition import edition_files
from site_builder.report import Reporter

SHOWN_HEADERS = ("Subject", "From", "To", "Date", "Message-ID", "List-Unsubscribe",
                 "List-Unsubscribe-Post")


@dataclass(frozen=True, slots=True)
class EmailRequest:
    """What the command line asks for: the day, and where the message goes."""

    day: dt.date
    out: Path | None = None  # write the message here (an .eml file)
    to: Sequence[str] = ()  # send it to these addresses
    smtp: str | None = None  # "host:port", instead of [email] smtp
    dry_run: bool = False
    output: Path | None = None  # the built site, instead of the config's output folder


def email_edition(config: SiteConfig, reporter: Reporter, request: EmailRequest,
                  stdout: TextIO, environ: Mapping[str, str] = os.environ,
                  now: dt.datetime | None = None) -> int:
    """Read the day's edition from the built site and make its message; write it to
    request.out, send it to request.to, or with neither print it. A dry run prints what
    would be written and sent, and connects to nothing."""
    recipients = tuple(_recipient(address) for address in request.to)
    server = _server(config, request, environ) if recipients else None
    edition = read_edition(config, request.day, request.output)
    message = make_message(config, edition, now or dt.datetime.now(config.zone), recipients)
    data = message.as_bytes()
    if request.dry_run:
        stdout.write(_plan(request, message, server, recipients, len(data), environ))
        return 0
    if request.out is not None:
        _write(request.out, data)
        reporter.info(f"wrote {request.out} ({len(data):,} bytes)")
    if server is not None:
        delivery = send_message(message, sender_address(config.email.sender), recipients,
                                server)
        reporter.info(f"sent the edition of {request.day} to {len(delivery.sent)} recipient"
                      f"{'s' if len(delivery.sent) != 1 else ''} through {server}"
                      f"{'' if delivery.tls else ' (without TLS: the server offers none)'}")
    if request.out is None and server is None:
        stdout.write(message.as_string(policy=SMTP.clone(linesep="\n")))
    return 0


def _recipient(address: str) -> str:
    found = sender_address(address)
    if not found:
        raise UsageError(f"--to {address!r} is not one email address")
    return found


def _server(config: SiteConfig, request: EmailRequest, environ: Mapping[str, str]
            ) -> SmtpServer:
    """The SMTP server and login to send through; the password only from the environment."""
    address = request.smtp or config.email.smtp
    if not address:
        raise UsageError('no SMTP server to send through: set smtp = "host:port" in the '
                         "[email] table of site.toml, or give --smtp HOST:PORT")
    try:
        host, port = smtp_address(address)
    except ValueError as error:
        raise UsageError(f"--smtp: {error}") from None
    username = config.email.username
    password = environ.get(SMTP_PASSWORD_VARIABLE, "")
    if username and not password and not request.dry_run:
        raise MailError(f"[email] username is {username!r} but {SMTP_PASSWORD_VARIABLE} is "
                        "not set: put the SMTP password in that environment variable")
    return SmtpServer(host, port, username, password)


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a temporary file beside it, then renamed over it."""
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"--out {path}: there is no folder {folder}")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise MailError(f"cannot write {path}: {error.strerror}") from None


def _plan(request: EmailRequest, message: EmailMessage, server: SmtpServer | None,
          recipients: tuple[str, ...], size: int, environ: Mapping[str, str]) -> str:
    """What a run without --dry-run would do, and the message's headers and text part."""
    lines = []
    if request.out is not None:
        lines.append(f"would write {request.out} ({size:,} bytes)")
    if server is not None:
        lines.append(f"would send it through {server} to {', '.join(recipients)}, one copy "
                     "each; STARTTLS if the server offers it")
        if server.username:
            state = "set" if environ.get(SMTP_PASSWORD_VARIABLE) else "NOT set"
            lines.append(f"would log in as {server.username!r} over TLS only (the password "
                         f"from {SMTP_PASSWORD_VARIABLE}, which is {state})")
    if request.out is None and server is None:
        lines.append(f"would print the message ({size:,} bytes)")
    lines.append("")
    lines += [f"{name}: {message[name]}" for name in SHOWN_HEADERS if name in message]
    (html_path, _), (text_path, _) = edition_files(request.day)
    text = message.get_body(("plain",))
    lines += ["", f"text/plain part ({text_path}):", "",
              text.get_content().rstrip("\n") if isinstance(text, EmailMessage) else "",
              "", f"text/html part: {html_path}"]
    return "\n".join(lines) + "\n"
