"""Inbound webhook payloads (SendGrid Inbound Parse, Brevo inbound parsing) as raw MIME, so
they go through the same parser as a mailbox's mail."""

from __future__ import annotations

from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

from providers.errors import PermanentProviderError

# Headers a webhook's structured fields replace (the body is rebuilt from them).
_BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}


def _compose(headers: list[tuple[str, str]], text: str, html: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    for name, value in headers:
        if name.lower() in _BODY_HEADERS or not value:
            continue
        try:
            message[name] = value.replace("\r", " ").replace("\n", " ")
        except (ValueError, TypeError):
            continue  # a header the email package refuses is not worth the whole message
    if text or not html:
        message.set_content(text or "")
        if html:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return message.as_bytes()


def sendgrid_raw(form: Mapping[str, str]) -> bytes:
    """The MIME message of a SendGrid Inbound Parse POST.

    With "POST the raw, full MIME message" on, ``email`` holds it whole; otherwise it is rebuilt
    from ``headers`` (the original header block), ``text`` and ``html``.
    """
    if form.get("email"):
        return form["email"].encode("utf-8", "surrogateescape")
    header_block = form.get("headers", "")
    if not header_block and not form.get("from"):
        raise PermanentProviderError("neither 'email' nor 'headers'/'from' in the SendGrid form")
    parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(
        header_block.encode("utf-8", "replace")
    )
    headers = [(name, str(value)) for name, value in parsed.items()]
    if not any(name.lower() == "from" for name, _ in headers):
        headers += [("From", form.get("from", "")), ("Subject", form.get("subject", ""))]
        headers += [("To", form.get("to", ""))]
    return _compose(headers, form.get("text", ""), form.get("html", ""))


def _address(value: Any) -> str:
    if isinstance(value, Mapping):
        name, address = str(value.get("Name") or ""), str(value.get("Address") or "")
        return f'"{name}" <{address}>' if name else address
    return str(value or "")


def brevo_raw(item: Mapping[str, Any]) -> bytes:
    """The MIME message of one item of a Brevo inbound parsing webhook (``items[]``)."""
    if not isinstance(item, Mapping):
        raise PermanentProviderError("a Brevo item must be a JSON object")
    extra = item.get("Headers") if isinstance(item.get("Headers"), Mapping) else {}
    headers: list[tuple[str, str]] = [
        ("From", _address(item.get("From"))),
        ("To", ", ".join(_address(a) for a in item.get("To") or [])),
        ("Subject", str(item.get("Subject") or "")),
        ("Message-ID", str(item.get("MessageId") or "")),
        ("In-Reply-To", str(item.get("InReplyTo") or "")),
        ("Date", str(item.get("SentAtDate") or "")),
    ]
    taken = {name.lower() for name, _ in headers}
    for name, value in (extra or {}).items():
        if str(name).lower() not in taken:
            headers.append((str(name), str(value)))
    return _compose(headers, str(item.get("RawTextBody") or ""), str(item.get("RawHtmlBody") or ""))


__all__ = ["brevo_raw", "sendgrid_raw"]
