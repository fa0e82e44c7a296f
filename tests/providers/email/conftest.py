"""The real IMAP (dovecot) and SMTP (aiosmtpd) servers of ``tests.mail_servers``."""

from tests.mail_servers import dovecot, smtp_server

__all__ = ["dovecot", "smtp_server"]
