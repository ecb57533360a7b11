"""Sending the email edition (newsletter/send.py) to an SMTP server the test starts on
127.0.0.1 (aiosmtpd): it arrives whole, TLS comes before any login, and every failure is a
clear error with a non-zero exit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from conftest import ONE_DAY, run_cli, write_site
from smtp_server import LOGIN, Received, free_port, make_certificates, smtp_server

from site_builder.cli import main
from site_builder.config import SMTP_PASSWORD_VARIABLE, SiteConfig, load_config
from site_builder.errors import MailError
from site_builder.newsletter.command import EmailRequest, email_edition
from site_builder.pipeline import build
from site_builder.report import Reporter

DAY = dt.date(2025, 3, 27)
SITE_TOML = """\
base_url = "https://news.example.org/"
[email]
from = "Morning Briefing <news@example.org>"
list_unsubscribe = ["https://news.example.org/unsubscribe", "mailto:leave@example.org"]
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteConfig:
    root = write_site(tmp_path_factory.mktemp("send") / "site", {
        "content/briefings/2025/2025-03-27.md": ONE_DAY, "site.toml": SITE_TOML})
    config = load_config(root)[0]
    build(config, Reporter(0), use_cache=False, jobs=1)
    return config


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory):
    return make_certificates(tmp_path_factory.mktemp("tls"))


def with_login(config: SiteConfig) -> SiteConfig:
    return dataclasses.replace(config, email=dataclasses.replace(config.email,
                                                                 username=LOGIN[0]))


def send(config: SiteConfig, port: int, *to: str, password: str = "") -> str:
    """The email command's run, sending to 127.0.0.1:port; what it printed."""
    printed = io.StringIO()
    environ = {SMTP_PASSWORD_VARIABLE: password} if password else {}
    email_edition(config, Reporter(0), EmailRequest(DAY, to=to, smtp=f"127.0.0.1:{port}"),
                  printed, environ)
    return printed.getvalue()


def built_part(config: SiteConfig, name: str) -> str:
    return (config.output_path / f"digest/2025/03/27/{name}").read_text(encoding="utf-8")


def test_each_recipient_gets_the_whole_message_addressed_to_them_alone(built: SiteConfig):
    received = Received()
    with smtp_server(received) as port:
        send(built, port, "ana@example.org", "bo@example.net")
    assert [(sender, rcpts) for sender, rcpts, _ in received.envelopes] == [
        ("news@example.org", ["ana@example.org"]), ("news@example.org", ["bo@example.net"])]
    for _, rcpts, data in received.envelopes:
        message = message_from_bytes(data, policy=default)
        assert isinstance(message, EmailMessage)
        assert message["To"] == rcpts[0]
        assert message.get_content_type() == "multipart/alternative"
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
        assert text.get_content().replace("\r\n", "\n") == built_part(built, "email.txt")
        assert html.get_content().replace("\r\n", "\n") == built_part(built, "email.html")
        assert message["Subject"].startswith("Morning Report")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_starttls_comes_first_and_the_login_only_over_it(
        built: SiteConfig, certificates, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.authority))
    received = Received()
    with smtp_server(received, tls=certificates.server, auth=True) as port:
        send(with_login(built), port, "ana@example.org", password=LOGIN[1])
    assert received.logins == [(LOGIN[0], True)]
    assert len(received.envelopes) == 1


def test_a_server_without_starttls_never_gets_the_password(built: SiteConfig):
    received = Received()
    with smtp_server(received, auth=True, auth_require_tls=False) as port, \
            pytest.raises(MailError, match="offers no STARTTLS.*in clear"):
        send(with_login(built), port, "ana@example.org", password=LOGIN[1])
    assert received.logins == [] and received.envelopes == []


def test_a_login_without_the_password_variable_stops_before_connecting(built: SiteConfig):
    with pytest.raises(MailError, match=SMTP_PASSWORD_VARIABLE):
        send(with_login(built), free_port(), "ana@example.org")


def test_a_bad_login_is_a_clear_error(built: SiteConfig, certificates,
                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.authority))
    received = Received()
    with smtp_server(received, tls=certificates.server, auth=True) as port, \
            pytest.raises(MailError, match=r"refused the login of 'desk': 535"):
        send(with_login(built), port, "ana@example.org", password="wrong")
    # (smtplib tries each mechanism the server offers: PLAIN, then LOGIN)
    assert received.logins and set(received.logins) == {(LOGIN[0], True)}
    assert received.envelopes == []


def test_a_certificate_no_one_trusts_is_refused(built: SiteConfig, certificates,
                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    received = Received()
    with smtp_server(received, tls=certificates.server) as port, \
            pytest.raises(MailError, match="certificate of 127.0.0.1:.* could not be verified"):
        send(built, port, "ana@example.org")
    assert received.envelopes == []


def test_a_rejected_recipient_fails_the_command_but_not_the_others(
        built: SiteConfig, capsys: pytest.CaptureFixture[str]):
    received = Received(refuse=frozenset({"nobody@example.org"}))
    with smtp_server(received) as port:
        code = main(["email", "2025-03-27", "--site", str(built.root), "--smtp",
                     f"127.0.0.1:{port}", "--to", "nobody@example.org", "ana@example.org"])
    error = capsys.readouterr().err
    assert code == 1
    assert "refused 1 recipient: nobody@example.org (550 5.1.1 no such mailbox here)" in error
    assert "sent to ana@example.org" in error and "Traceback" not in error
    assert [rcpts for _, rcpts, _ in received.envelopes] == [["ana@example.org"]]


def test_a_refused_connection_is_a_clear_error_and_a_failed_exit(built: SiteConfig):
    result = run_cli("email", "2025-03-27", "--site", built.root, "--to", "ana@example.org",
                     "--smtp", f"127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "connection refused" in result.stderr and "Traceback" not in result.stderr


def test_a_dry_run_connects_to_nothing(built: SiteConfig):
    received = Received()
    with smtp_server(received) as port:
        printed = io.StringIO()
        email_edition(with_login(built), Reporter(0), EmailRequest(
            DAY, to=("ana@example.org",), smtp=f"127.0.0.1:{port}", dry_run=True), printed, {})
    shown = printed.getvalue()
    assert received.envelopes == [] and received.logins == []
    assert f"would send it through 127.0.0.1:{port} to ana@example.org" in shown
    assert f"{SMTP_PASSWORD_VARIABLE}, which is NOT set" in shown
    assert "Subject: Morning Report" in shown and built_part(built, "email.txt").strip() in shown


def test_the_server_is_needed_to_send(built: SiteConfig, tmp_path: Path):
    assert main(["email", "2025-03-27", "--site", str(built.root), "--to",
                 "ana@example.org"]) == 2
    assert main(["email", "2025-03-27", "--site", str(built.root), "--to", "not an address",
                 "--smtp", "127.0.0.1:25"]) == 2
    assert main(["email", "2025-03-27", "--site", str(built.root), "--to", "a@example.org",
                 "--smtp", "127.0.0.1"]) == 2
