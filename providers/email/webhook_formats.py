"""Inbound webhook payloads (SendGrid Inbound Parse, Brevo inbound parsing) as raw MIME, so
they go through the same parser as a mailbox's mail: Cc and attachments included, so the stored
email records them exactly as it does for mail read from IMAP or Gmail.

An attachment a webhook announced but whose content could not be had (a Brevo download that
failed after its retries, a SendGrid file missing from the form) is not dropped: it comes back
beside the message as an ``AttachmentInfo`` whose ``missing`` says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

from providers.email.base import AttachmentInfo
from providers.email.parsing import DEFAULT_LIMITS
from providers.errors import PermanentProviderError, ProviderError

# Headers a webhook's structured fields replace (the body is rebuilt from them).
_BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}
#: Room left for headers and bodies when attachments fill a message up to the parser's limit.
_BODY_ROOM = 1024 * 1024


@dataclass(frozen=True)
class WebhookFile:
    """One attachment whose content a webhook delivered (or we downloaded)."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class WebhookMessage:
    """A webhook's message as MIME, and the attachments it announced but could not give."""

    raw: bytes
    missing: list[AttachmentInfo] = field(default_factory=list)


def _content_type(value: str) -> tuple[str, str]:
    maintype, slash, subtype = (value or "").partition(";")[0].strip().lower().partition("/")
    if not (slash and maintype and subtype) or maintype in ("multipart", "message"):
        return "application", "octet-stream"
    return maintype, subtype


def _compose(
    headers: list[tuple[str, str]], text: str, html: str, files: Sequence[WebhookFile] = ()
) -> bytes:
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
    for attached in files:
        maintype, subtype = _content_type(attached.content_type)
        message.add_attachment(
            attached.content,
            maintype=maintype,
            subtype=subtype,
            filename=attached.filename or "attachment",
        )
    return message.as_bytes()


def _missing(filename: str, content_type: str, size: object, reason: str) -> AttachmentInfo:
    declared = int(size) if isinstance(size, int | float | str) and str(size).isdecimal() else 0
    return AttachmentInfo(
        filename=str(filename or "")[:255],
        content_type="/".join(_content_type(content_type)),
        size_bytes=declared,
        missing=reason,
    )


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(key.lower() == name for key, _ in headers)


def sendgrid_message(
    form: Mapping[str, str], files: Mapping[str, WebhookFile] | None = None
) -> WebhookMessage:
    """The MIME message of a SendGrid Inbound Parse POST.

    With "POST the raw, full MIME message" on, ``email`` holds it whole (its attachments and
    Cc inside). Otherwise it is rebuilt from ``headers`` (the original header block), ``text``,
    ``html``, ``cc`` and the files ``attachment1`` .. ``attachmentN`` (``attachments`` is N;
    ``attachment-info`` is JSON naming each file's ``filename`` and ``type``).
    """
    if form.get("email"):
        return WebhookMessage(form["email"].encode("utf-8", "surrogateescape"))
    header_block = form.get("headers", "")
    if not header_block and not form.get("from"):
        raise PermanentProviderError("neither 'email' nor 'headers'/'from' in the SendGrid form")
    parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(
        header_block.encode("utf-8", "replace")
    )
    headers = [(name, str(value)) for name, value in parsed.items()]
    if not _has(headers, "from"):
        headers += [("From", form.get("from", "")), ("Subject", form.get("subject", ""))]
        headers += [("To", form.get("to", ""))]
    if not _has(headers, "cc") and form.get("cc"):
        headers.append(("Cc", form["cc"]))
    attached, missing = _sendgrid_files(form, files or {})
    return WebhookMessage(
        _compose(headers, form.get("text", ""), form.get("html", ""), attached), missing
    )


def _sendgrid_files(
    form: Mapping[str, str], files: Mapping[str, WebhookFile]
) -> tuple[list[WebhookFile], list[AttachmentInfo]]:
    try:
        info = json.loads(form.get("attachment-info") or "{}")
    except json.JSONDecodeError:
        info = {}
    info = info if isinstance(info, dict) else {}
    count = int(form["attachments"]) if form.get("attachments", "").isdecimal() else 0
    names = [f"attachment{n}" for n in range(1, count + 1)]
    names += sorted((name for name in files if name not in names), key=lambda n: (len(n), n))
    attached: list[WebhookFile] = []
    missing: list[AttachmentInfo] = []
    for name in names:
        entry = info.get(name)
        described: dict[str, Any] = entry if isinstance(entry, dict) else {}
        filename = str(described.get("filename") or described.get("name") or "")
        content_type = str(described.get("type") or "")
        found = files.get(name)
        if found is None:
            reason = f"SendGrid announced {count} attachments but {name} was not in the form"
            missing.append(_missing(filename, content_type, 0, reason))
            continue
        attached.append(
            WebhookFile(
                filename=filename or found.filename,
                content_type=content_type or found.content_type,
                content=found.content,
            )
        )
    return attached, missing


def _address(value: Any) -> str:
    if isinstance(value, Mapping):
        name, address = str(value.get("Name") or ""), str(value.get("Address") or "")
        return f'"{name}" <{address}>' if name else address
    return str(value or "")


def _addresses(value: Any) -> str:
    listed = value if isinstance(value, list) else [value] if value else []
    return ", ".join(found for found in (_address(a) for a in listed) if found)


Download = Callable[[str], bytes]
"""Fetches one Brevo attachment by its ``DownloadToken``; raises a ``ProviderError``."""


def brevo_message(item: Mapping[str, Any], download: Download | None) -> WebhookMessage:
    """The MIME message of one item of a Brevo inbound parsing webhook (``items[]``).

    Each of ``Attachments[]`` (``Name``, ``ContentType``, ``ContentLength``,
    ``DownloadToken``) is fetched with ``download``; one that cannot be (no API key, the
    download failed after its retries, larger than a message may be) is recorded as missing
    with the reason. ``Cc`` (a list of ``{Name, Address}``) is kept.
    """
    if not isinstance(item, Mapping):
        raise PermanentProviderError("a Brevo item must be a JSON object")
    extra = item.get("Headers") if isinstance(item.get("Headers"), Mapping) else {}
    headers: list[tuple[str, str]] = [
        ("From", _address(item.get("From"))),
        ("To", _addresses(item.get("To"))),
        ("Cc", _addresses(item.get("Cc"))),
        ("Reply-To", _address(item.get("ReplyTo"))),
        ("Subject", str(item.get("Subject") or "")),
        ("Message-ID", str(item.get("MessageId") or "")),
        ("In-Reply-To", str(item.get("InReplyTo") or "")),
        ("Date", str(item.get("SentAtDate") or "")),
    ]
    taken = {name.lower() for name, _ in headers}
    for name, value in (extra or {}).items():
        if str(name).lower() not in taken:
            headers.append((str(name), str(value)))
    text, html = str(item.get("RawTextBody") or ""), str(item.get("RawHtmlBody") or "")
    attached, missing = _brevo_files(item.get("Attachments"), download)
    return WebhookMessage(_compose(headers, text, html, attached), missing)


def _brevo_files(
    listed: Any, download: Download | None
) -> tuple[list[WebhookFile], list[AttachmentInfo]]:
    attached: list[WebhookFile] = []
    missing: list[AttachmentInfo] = []
    budget = DEFAULT_LIMITS.max_message_bytes - _BODY_ROOM
    for entry in listed if isinstance(listed, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name, content_type = str(entry.get("Name") or ""), str(entry.get("ContentType") or "")
        size, token = entry.get("ContentLength"), str(entry.get("DownloadToken") or "")
        declared = _missing(name, content_type, size, "").size_bytes
        reason = None
        if not token:
            reason = "Brevo gave no DownloadToken"
        elif download is None:
            reason = "MAILROOM_BREVO_API_KEY is not set: attachments cannot be downloaded"
        elif declared * 4 // 3 > budget:
            reason = f"{declared} bytes: more than a message may hold"
        else:
            try:
                content = download(token)
            except ProviderError as exc:
                reason = f"download failed: {exc}"
            else:
                # Base64 grows the bytes by a third inside the message.
                budget -= len(content) * 4 // 3
                if budget < 0:
                    reason = f"{len(content)} bytes: more than a message may hold"
                else:
                    attached.append(WebhookFile(name, content_type, content))
        if reason is not None:
            missing.append(_missing(name, content_type, size, reason))
    return attached, missing


__all__ = ["Download", "WebhookFile", "WebhookMessage", "brevo_message", "sendgrid_message"]
