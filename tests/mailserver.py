"""A real SMTP server on this computer for the e-mail tests (aiosmtpd), with STARTTLS when asked.

Every message the server accepts is parsed back with the ``email`` package and kept in order,
with the envelope, whether the connection was encrypted and who logged in.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

USER, PASSWORD = "business.unit@northshire-scp.example", "correct horse battery staple"


@dataclass
class Received:
    sender: str
    to: list[str]
    message: EmailMessage
    encrypted: bool
    user: str | None

    @property
    def attachments(self) -> dict[str, bytes]:
        return {a.get_filename(): a.get_content() for a in self.message.iter_attachments()}

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()


@dataclass
class Inbox:
    """What the server accepted, and what it is told to refuse (recipients answered 550).

    ``hold_at``: the server takes that message (counting from 1) but keeps the client waiting for its answer until
    ``release`` is set, signalling ``held`` meanwhile: the moment a sender has handed a message over and not yet
    heard that it went, which is when a test kills the sender.
    """

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    hold_at: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if address in self.refuse:
            return "550 5.1.1 Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        user = session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, session.ssl is not None, user))
        if len(self.messages) == self.hold_at:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 2.0.0 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.to]


@dataclass
class Server:
    inbox: Inbox
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


@contextlib.contextmanager
def smtp_server(cert: tuple[Path, Path] | None = None, login: bool = False) -> Iterator[Server]:
    """An SMTP server on 127.0.0.1; with ``cert`` (certificate, key) it offers STARTTLS, with ``login`` it
    requires the test user's password (over TLS only)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    kwargs: dict = {}
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        kwargs["tls_context"] = context
    if login:
        kwargs.update(authenticator=_authenticator, auth_required=True, auth_require_tls=True)
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    try:
        yield Server(inbox, controller.port)
    finally:
        inbox.release.set()  # a held client is let go, so the server can stop
        controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1, made here and now (openssl), and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def trusting(cert: Path) -> ssl.SSLContext:
    """A client context that trusts only the test certificate (and checks it, as maa does)."""
    return ssl.create_default_context(cafile=str(cert))


def kill_maa_while_held(server: Server, *args: str, before_kill=None) -> int:
    """Run ``maa ARGS`` in its own process, kill it (as Task Manager or a power cut would: no clean-up) while the
    server holds the message ``server.inbox.hold_at``, and return its exit code.

    ``before_kill`` is called while the process is still waiting for the server's answer, to look at what it has
    recorded so far.
    """
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k != "MAA_SMTP_PASSWORD"}
    proc = subprocess.Popen([sys.executable, "-m", "maa_cli", *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if not server.inbox.held.wait(timeout=120):
            proc.kill()
            out = proc.communicate()[0].decode("utf-8", "replace")
            pytest.fail(f"maa never reached message {server.inbox.hold_at}:\n{out}")
        if before_kill is not None:
            before_kill()
        assert proc.poll() is None, "maa finished although the server had not answered"
    finally:
        proc.kill()
        proc.communicate()
        server.inbox.release.set()
    return proc.returncode
