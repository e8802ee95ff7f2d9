"""The connection to the mail server the officer names (``--smtp HOST:PORT``).

Encrypted whenever the server offers it (STARTTLS, or TLS from the start on port 465), with the
server's certificate checked against the computer's trusted roots (on Windows, the ones IT installs);
a server that offers no encryption is refused unless it is this computer (localhost), since the
forms would otherwise cross the network readable. The password comes from an environment variable
(or is asked for in a terminal), never from the command line or a file in the audit.

:meth:`Relay.send` tells the two ways a message can fail apart, because sending at most once
depends on it: :class:`NotAccepted` (the server answered no: the message was not taken, and may be
tried again) and :class:`OutcomeUnknown` (the connection broke while sending: it may have gone).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from ..errors import ErrorCode, InputFileError, MaaError, WorkspaceError, problem

PASSWORD_VARIABLE = "MAA_SMTP_PASSWORD"
IMPLICIT_TLS_PORT = 465
_LOCAL_NAMES = {"localhost", "localhost.localdomain"}
_SERVER = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)):(?P<port>\d{1,5})")


class MailServerError(MaaError):
    """The mail server could not be used at all (unreachable, no TLS, login refused): nothing was sent."""


class NotAccepted(Exception):
    """The server refused this message (its sender, recipient or content): it was not sent."""


class OutcomeUnknown(Exception):
    """The connection failed while the message was being handed over: it may or may not have gone."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    @property
    def local(self) -> bool:
        """This computer: the only place maa sends to without encryption."""
        if self.host.casefold() in _LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_server(text: str) -> Server:
    """``HOST:PORT`` (``[::1]:25`` for an IPv6 address).

    Raises:
        InputFileError: not a host and a port.
    """
    match = _SERVER.fullmatch((text or "").strip())
    if not match or not 0 < int(match["port"]) < 65536:
        raise InputFileError(problem(ErrorCode.MAIL_BAD_SERVER, value=text))
    return Server(match["v6"] or match["host"], int(match["port"]))


@dataclass
class SmtpSettings:
    """Where and how to send. ``tls`` is the certificate check (default: the computer's trusted roots)."""

    server: Server
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: ssl.SSLContext | None = None
    timeout: float = 60.0


class Relay:
    """An open connection to the mail server; reopened between messages when the server closed it."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.conn: smtplib.SMTP | None = None
        self.encrypted = False

    def __enter__(self) -> Relay:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Connect, encrypt, log in.

        Raises:
            MailServerError: unreachable, no encryption offered (not localhost), the certificate could not
                be checked, or the login was refused.
        """
        s, server = self.settings, self.settings.server
        context = s.tls or ssl.create_default_context()
        try:
            if server.port == IMPLICIT_TLS_PORT:
                conn = smtplib.SMTP_SSL(server.host, server.port, timeout=s.timeout, context=context)
                self.encrypted = True
            else:
                conn = smtplib.SMTP(server.host, server.port, timeout=s.timeout)
                self.encrypted = False
        except ssl.SSLError as exc:
            raise MailServerError(problem(ErrorCode.MAIL_TLS_FAILED, server=str(server), detail=_said(exc))) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailServerError(problem(ErrorCode.MAIL_CONNECT, server=str(server), detail=_said(exc))) from None
        self.conn = conn
        try:
            conn.ehlo()
            if not self.encrypted and conn.has_extn("starttls"):
                conn.starttls(context=context)
                conn.ehlo()
                self.encrypted = True
        except ssl.SSLError as exc:
            self.close()
            raise MailServerError(problem(ErrorCode.MAIL_TLS_FAILED, server=str(server), detail=_said(exc))) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailServerError(problem(ErrorCode.MAIL_CONNECT, server=str(server), detail=_said(exc))) from None
        if not self.encrypted and not server.local:
            self.close()
            raise MailServerError(problem(ErrorCode.MAIL_NO_TLS, server=str(server)))
        if s.user:
            self._login()

    def _login(self) -> None:
        s = self.settings
        why = None
        try:
            self.conn.login(s.user, s.password or "")
        except smtplib.SMTPNotSupportedError:
            why = "the server offers no login (it may be a relay that needs none: leave out --smtp-user)"
        except smtplib.SMTPAuthenticationError as exc:
            why = _said(exc)
        except (OSError, smtplib.SMTPException) as exc:
            why = _said(exc)
        if why is not None:
            self.close()
            raise MailServerError(problem(ErrorCode.MAIL_LOGIN, server=str(s.server), user=s.user, detail=why,
                                          variable=PASSWORD_VARIABLE))

    def ready(self) -> None:
        """Make sure the connection is open before a message starts (servers close idle ones)."""
        if self.conn is not None:
            try:
                if self.conn.noop()[0] == 250:
                    return
            except (OSError, smtplib.SMTPException):
                pass
            self.close()
        self.open()

    def send(self, message: EmailMessage, sender: str, to: str) -> None:
        """Hand one message over.

        Raises:
            NotAccepted: the server refused it; it was not sent.
            OutcomeUnknown: the connection failed part-way; it may have been sent.
        """
        try:
            self.conn.send_message(message, from_addr=sender, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotAccepted("; ".join(_said(e) for e in exc.recipients.values()) or "recipient refused") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise NotAccepted(_said(exc)) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise OutcomeUnknown(_said(exc)) from None

    def close(self) -> None:
        if self.conn is None:
            return
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.conn.quit()
        with contextlib.suppress(OSError):
            self.conn.close()
        self.conn = None


def _said(exc) -> str:
    """What the server (or the network) said, in one line."""
    if isinstance(exc, tuple) and len(exc) == 2:  # (code, message) as smtplib keeps refused recipients
        code, text = exc
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, text = exc.smtp_code, exc.smtp_error
    else:
        return " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"


def need_password(user: str) -> WorkspaceError:
    return WorkspaceError(problem(ErrorCode.MAIL_NO_PASSWORD, user=user, variable=PASSWORD_VARIABLE))
