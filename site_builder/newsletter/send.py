"""Sending a message over SMTP: STARTTLS whenever the server offers it, a login only over TLS.

Each recipient gets a copy of their own (To: them alone), in one connection, so readers never
see each other's addresses. Every way it can fail is a MailError that names the server and
what to check; a recipient the server refuses does not stop the others.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from site_builder.errors import MailError

TIMEOUT = 30.0  # seconds to wait for the server at each step


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where to send, and the login if the site sets one ([email] username)."""

    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)  # from the environment, never printed
    timeout: float = TIMEOUT

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the server accepted, and whether the connection was encrypted."""

    sent: tuple[str, ...]
    tls: bool


def send_message(message: EmailMessage, sender: str, recipients: Sequence[str],
                 server: SmtpServer, context: ssl.SSLContext | None = None) -> Delivery:
    """Send a copy to each recipient; context checks the server's certificate (the system's
    trusted authorities by default, or those SSL_CERT_FILE names)."""
    try:
        with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
            smtp.ehlo()
            tls = smtp.has_extn("starttls")
            if tls:
                smtp.starttls(context=context or ssl.create_default_context())
                smtp.ehlo()
            if server.username:
                if not tls:
                    raise MailError(f"{server} offers no STARTTLS, and site_builder will not "
                                    f"send the password of {server.username!r} in clear: use "
                                    "a server or port that offers STARTTLS (587, usually)")
                smtp.login(server.username, server.password)
            sent, refused = _each(smtp, message, sender, recipients)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(f"{server} refused the login of {server.username!r}: "
                        f"{_said(error)} (check [email] username and the password)") from None
    except smtplib.SMTPNotSupportedError as error:
        raise MailError(f"{server} does not support what was asked ({error}): if it takes no "
                        "login, remove username from [email] in site.toml") from None
    except smtplib.SMTPSenderRefused as error:
        raise MailError(f"{server} refused the sender {sender}: {_said(error)} (check "
                        "[email] from)") from None
    except smtplib.SMTPResponseException as error:
        raise MailError(f"{server} answered {_said(error)}") from None
    except ssl.SSLCertVerificationError as error:
        raise MailError(f"the TLS certificate of {server} could not be verified "
                        f"({error.verify_message}); to trust a certificate of your own, name "
                        "its file in SSL_CERT_FILE") from None
    except ssl.SSLError as error:
        raise MailError(f"TLS with {server} failed: {error.reason or error}") from None
    except ConnectionRefusedError:
        raise MailError(f"could not connect to {server}: connection refused (is the server "
                        "running, and are [email] smtp or --smtp right?)") from None
    except socket.gaierror as error:
        raise MailError(f"could not connect to {server}: {error.strerror} (check the host "
                        "name in [email] smtp or --smtp)") from None
    except TimeoutError:
        raise MailError(f"{server} did not answer within {server.timeout:g} s") from None
    except smtplib.SMTPServerDisconnected as error:
        raise MailError(f"{server} closed the connection: {error}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"sending through {server} failed: {error}") from None
    if refused:
        shown = "; ".join(f"{address} ({_said_code(*reply)})" for address, reply in
                          sorted(refused.items()))
        raise MailError(f"{server} refused {len(refused)} recipient"
                        f"{'s' if len(refused) != 1 else ''}: {shown}; " +
                        (f"sent to {', '.join(sent)}" if sent else "nothing was sent"))
    return Delivery(tuple(sent), tls)


def _each(smtp: smtplib.SMTP, message: EmailMessage, sender: str, recipients: Sequence[str]
          ) -> tuple[list[str], dict[str, tuple[int, bytes]]]:
    """One transaction a recipient, To: them; those refused, with the server's reply."""
    sent: list[str] = []
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        del message["To"]
        message["To"] = recipient
        try:
            smtp.send_message(message, sender, [recipient])
        except smtplib.SMTPRecipientsRefused as error:
            refused.update(error.recipients)
            smtp.rset()
            continue
        sent.append(recipient)
    return sent, refused


def _said(error: smtplib.SMTPResponseException) -> str:
    return _said_code(error.smtp_code, error.smtp_error)


def _said_code(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(said.split())}"
