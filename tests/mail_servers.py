"""Real mail servers for the tests: Debian's dovecot (IMAP, and POP3 when dovecot-pop3d is
installed: plain with STLS, and POP3S, under a self-signed certificate for 127.0.0.1) on random
loopback ports, with its own temporary folder, and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from imapclient import IMAPClient

DOVECOT_USER = "mailroom-imap"
#: Debian's dovecot-pop3d installs the POP3 server here.
POP3_BINARY = Path("/usr/lib/dovecot/pop3")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


_ACCOUNTS = 80  # enough for every test of a session: IMAP, POP3, the Sent folder


def _accounts(folder: Path) -> list[tuple[str, str]]:
    """Accounts written before dovecot starts: its passwd-file cache may not notice a file
    rewritten within the same second, so no account is added while it runs."""
    account = pwd.getpwnam(DOVECOT_USER)
    created = [(f"u{uuid.uuid4().hex[:10]}", uuid.uuid4().hex) for _ in range(_ACCOUNTS)]
    lines = [
        f"{name}:{{PLAIN}}{password}:{account.pw_uid}:{account.pw_gid}::{folder}/home/{name}::"
        for name, password in created
    ]
    (folder / "users").write_text("\n".join(lines) + "\n")
    return created


@dataclass
class Pop3Ports:
    """Where dovecot speaks POP3: ``plain`` (offering STLS) and ``ssl`` (POP3S), both under
    the certificate in ``ca_file`` (self-signed, for 127.0.0.1)."""

    plain: int
    ssl: int
    ca_file: Path


@dataclass
class Dovecot:
    host: str
    port: int
    folder: Path
    unused: list[tuple[str, str]]
    #: None when dovecot-pop3d is not installed.
    pop3: Pop3Ports | None = None

    def add_user(self) -> tuple[str, str]:
        """An account of its own (name, password) with an empty INBOX."""
        return self.unused.pop()

    def client(self, user: str, password: str) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(user, password)
        return client

    def append(self, user: str, password: str, *messages: bytes, folder: str = "INBOX") -> None:
        client = self.client(user, password)
        try:
            for message in messages:
                client.append(folder, message)
        finally:
            client.logout()


def _certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (``tls.pem``) and its key (``tls.key``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "tls.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pem = folder / "tls.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return pem


def _tls_config(folder: Path, pop3: Pop3Ports | None) -> str:
    """TLS for POP3 only (dovecot turns it on globally; IMAP here stays plain, as before)."""
    if pop3 is None:
        return "ssl = no"
    return f"""ssl = yes
ssl_cert = <{pop3.ca_file}
ssl_key = <{folder}/tls.key
protocol imap {{
  ssl = no
}}"""


def _pop3_config(folder: Path, pop3: Pop3Ports | None) -> str:
    if pop3 is None:
        return """
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
"""
    return f"""
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3.plain}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {pop3.ssl}
    ssl = yes
  }}
}}
protocol pop3 {{
  mail_max_userip_connections = 100
}}
"""


def _config(folder: Path, port: int, pop3: Pop3Ports | None) -> str:
    return f"""
protocols = imap{" pop3" if pop3 else ""}
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
{_tls_config(folder, pop3)}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {DOVECOT_USER}
default_internal_user = {DOVECOT_USER}
default_internal_group = {DOVECOT_USER}
login_trusted_networks = 127.0.0.0/8
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{folder}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
{_pop3_config(folder, pop3)}"""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        pytest.skip(
            "dovecot is not installed (Debian package dovecot-imapd; `make test` installs it)"
        )
    try:
        account = pwd.getpwnam(DOVECOT_USER)
    except KeyError:
        if os.geteuid() != 0:
            pytest.skip(
                f"the system user {DOVECOT_USER} is missing (scripts/install-debian-packages.sh)"
            )
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                DOVECOT_USER,
            ],
            check=True,
        )
        account = pwd.getpwnam(DOVECOT_USER)
    # Not under pytest's tmp folders: those are private to root, and dovecot's mail processes
    # run as the unprivileged user, who must reach the mail folder.
    folder = Path(tempfile.mkdtemp(prefix="mailroom-dovecot-"))
    folder.chmod(0o755)
    for sub in ("mail", "home"):
        (folder / sub).mkdir()
        os.chown(folder / sub, account.pw_uid, account.pw_gid)
    accounts = _accounts(folder)
    (folder / "users").chmod(0o644)
    port = _free_port()
    pop3 = None
    if POP3_BINARY.exists():
        pop3 = Pop3Ports(_free_port(), _free_port(), _certificate(folder))
    config = folder / "dovecot.conf"
    config.write_text(_config(folder, port, pop3))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(200):
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                log = (
                    (folder / "dovecot.log").read_text()
                    if (folder / "dovecot.log").exists()
                    else ""
                )
                pytest.fail(f"dovecot exited: {output}\n{log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield Dovecot("127.0.0.1", port, folder, accounts, pop3)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(folder, ignore_errors=True)


class _Recorder:
    """Keeps every message the SMTP server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = (
            envelope.content
            if isinstance(envelope.content, bytes)
            else str(envelope.content).encode()
        )
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: _Recorder


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, recorder)
    finally:
        controller.stop()
