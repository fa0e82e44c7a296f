"""Raw RFC 5322 bytes to an ``InboundEmail``: the one parser every source and ``ingest`` use.

Whatever arrives (any charset, any transfer encoding, broken MIME) either becomes an email or
raises ``UnparseableMessage`` with a reason, so the caller can quarantine it and go on.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from mailparser_reply import EmailReplyParser

from providers.email.autoreply import auto_reply_reason
from providers.email.base import AttachmentInfo, InboundEmail
from providers.email.html_text import html_to_text
from providers.email.sanitise import sanitise_html
from providers.email.threading_keys import thread_key
from providers.errors import PermanentProviderError


class UnparseableMessage(PermanentProviderError):
    """The bytes are not an email Mailroom can read; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParseLimits:
    """How big a message, an attachment and a body may be."""

    max_message_bytes: int = 40 * 1024 * 1024
    max_attachment_bytes: int = 25 * 1024 * 1024
    max_attachments: int = 100
    max_body_chars: int = 1_000_000
    max_depth: int = 12
    max_headers: int = 200
    #: MIME parts in all (a message of thousands of tiny parts costs the parser, not the sender).
    max_parts: int = 500
    #: What the archives attached to one message may expand to, and how much larger than
    #: their compressed size (a zip or gzip bomb declares gigabytes in a few kilobytes).
    max_archive_expanded_bytes: int = 1024 * 1024 * 1024
    max_archive_ratio: float = 200.0
    max_archive_entries: int = 10_000


DEFAULT_LIMITS = ParseLimits()
MAX_NESTED_ARCHIVES = 16
_ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".7z", ".rar", ".bz2", ".xz")

# Charset names seen in real mail that Python's codec registry does not know, or knows wrongly.
_CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "ansi_x3.4-1968": "ascii",
    "utf8": "utf-8",
    "x-user-defined": "latin-1",
}
_ANGLE_ID = re.compile(r"<([^<>\s]{1,900})>")
_BARE_ID = re.compile(r"^[^<>\s@]{1,400}@[^<>\s@]{1,400}$")
_REPLY_PARSER = EmailReplyParser(languages=["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da"])
_KEPT_HEADER_CHARS = 2000
# Where a signature starts: the "-- " delimiter and what mail apps append on their own.
_SIGNATURE_START = re.compile(
    r"^(-- ?$|__+$|sent from my |get outlook for |von meinem .* gesendet|envoy[ée] de mon |"
    r"enviado desde mi |inviato da )",
    re.IGNORECASE,
)


def synthetic_message_id(raw: bytes) -> str:
    """A stable Message-ID for a message that has none: the same bytes give the same id."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@mailroom.invalid>"


def message_ids(value: str) -> list[str]:
    """The ``<...>`` message ids in a References / In-Reply-To header value, in order."""
    return [f"<{found}>" for found in _ANGLE_ID.findall(value)]


def _clean_message_id(value: str) -> str | None:
    found = message_ids(value)
    if found:
        return found[0]
    bare = value.strip()
    return f"<{bare}>" if _BARE_ID.match(bare) else None


def _codec_for(charset: str | None) -> str | None:
    if not charset:
        return None
    name = _CHARSET_ALIASES.get(charset.strip().strip('"').lower(), charset.strip().strip('"'))
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_text(payload: bytes, charset: str | None) -> str:
    """``payload`` as text: the declared charset if it fits, else UTF-8 (else cp1252 for
    mail labelled UTF-8, ASCII or Latin-1), else the declared charset with replacements.

    Never fails: undecodable bytes become U+FFFD, so a bad charset costs characters, not mail.
    """
    declared = _codec_for(charset)
    candidates = [declared, "utf-8"]
    if declared in (None, "utf-8", "ascii", "latin-1", "iso8859-1"):
        # Mail that claims UTF-8 or ASCII but is not is almost always Windows-1252.
        candidates.append("cp1252")
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return payload.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode(declared or "cp1252", errors="replace")


def _normalised_text(text: str, limit: int) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text[:limit]


def _header_text(message: Message, name: str) -> str:
    """A header's decoded value, or "" when it is missing or too broken to decode."""
    try:
        value = message.get(name)
    except Exception:  # the email package raises many kinds on broken headers
        raw = message.get_all(name, failobj=[]) if hasattr(message, "get_all") else []
        value = str(raw[0]) if raw else ""
    return "" if value is None else str(value).replace("\r", "").replace("\n", " ").strip()


@dataclass
class _Bodies:
    plain: list[str]
    html: list[str]
    attachments: list[AttachmentInfo]
    parts: int = 0
    archive_expanded_bytes: int = 0


def _attachment(part: Message, payload: bytes, limits: ParseLimits) -> AttachmentInfo:
    try:
        filename = part.get_filename() or ""
    except Exception:
        filename = ""
    return AttachmentInfo(
        filename=str(filename)[:255],
        content_type=part.get_content_type(),
        size_bytes=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        inline=part.get_content_disposition() == "inline",
        over_size_limit=len(payload) > limits.max_attachment_bytes,
    )


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    return b""


def _collect(part: Message, bodies: _Bodies, limits: ParseLimits, depth: int) -> None:
    if depth > limits.max_depth:
        raise UnparseableMessage(f"MIME parts nested deeper than {limits.max_depth} levels")
    bodies.parts += 1
    if bodies.parts > limits.max_parts:
        raise UnparseableMessage(f"more than {limits.max_parts} MIME parts")
    content_type = part.get_content_type()
    if content_type in ("message/rfc822", "message/global", "text/rfc822-headers"):
        # A forwarded or bounced message is kept as an attachment, never read as our body.
        try:
            inner = part.get_payload(0)
            data = inner.as_bytes() if isinstance(inner, Message) else _payload_bytes(part)
        except Exception:
            data = str(part.get_payload()).encode("utf-8", "replace")
        bodies.attachments.append(_attachment(part, data, limits))
        return
    if part.is_multipart():
        children = part.get_payload()
        if isinstance(children, list):
            for child in children:
                if isinstance(child, Message):
                    _collect(child, bodies, limits, depth + 1)
        return
    disposition = part.get_content_disposition()
    payload = _payload_bytes(part)
    if part.get_content_maintype() == "multipart":
        # A multipart without a usable boundary: its payload is all the text there is.
        content_type = "text/plain"
    if content_type in ("text/plain", "text/html") and disposition != "attachment":
        text = _normalised_text(
            decode_text(payload, part.get_content_charset()), limits.max_body_chars
        )
        (bodies.plain if content_type == "text/plain" else bodies.html).append(text)
        return
    if len(bodies.attachments) >= limits.max_attachments:
        raise UnparseableMessage(f"more than {limits.max_attachments} attachments")
    attachment = _attachment(part, payload, limits)
    bodies.archive_expanded_bytes += archive_check(attachment, payload, limits)
    if bodies.archive_expanded_bytes > limits.max_archive_expanded_bytes:
        raise UnparseableMessage(
            f"attached archives expand to more than {limits.max_archive_expanded_bytes} bytes"
        )
    bodies.attachments.append(attachment)


def archive_check(attachment: AttachmentInfo, payload: bytes, limits: ParseLimits) -> int:
    """The bytes a zip or gzip attachment declares it expands to (0 for anything else);
    raise ``UnparseableMessage`` for a compression bomb. Only the archive's directory (zip)
    or size trailer (gzip) is read: nothing is ever decompressed."""
    name = attachment.filename.lower()
    declared = 0
    entries = 1
    if payload[:4] == b"PK\x03\x04" or name.endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return 0  # not a readable zip: recorded as an attachment like any other bytes
        entries = len(infos)
        declared = sum(info.file_size for info in infos)
        # Archives inside archives are how a bomb hides its ratio (42.zip).
        nested = sum(1 for info in infos if info.filename.lower().endswith(_ARCHIVE_SUFFIXES))
        if nested > MAX_NESTED_ARCHIVES:
            raise UnparseableMessage(
                f"attachment {attachment.filename!r} holds {nested} archives "
                f"(more than {MAX_NESTED_ARCHIVES}: a compression bomb)"
            )
    elif payload[:2] == b"\x1f\x8b" and len(payload) >= 18:
        # gzip's last four bytes: the uncompressed size modulo 2**32.
        declared = int.from_bytes(payload[-4:], "little")
    else:
        return 0
    if entries > limits.max_archive_entries:
        raise UnparseableMessage(
            f"attachment {attachment.filename!r} is an archive of {entries} files "
            f"(more than {limits.max_archive_entries}: a compression bomb)"
        )
    ratio = declared / max(1, len(payload))
    if declared > 10 * 1024 * 1024 and ratio > limits.max_archive_ratio:
        raise UnparseableMessage(
            f"attachment {attachment.filename!r} is a compression bomb: {len(payload)} bytes "
            f"declaring {declared} uncompressed ({ratio:.0f} times, more than "
            f"{limits.max_archive_ratio:g})"
        )
    return declared


def _received_at(fallback: datetime | None, now: datetime) -> datetime:
    """When the message arrived: the receiving mailbox's own time (IMAP's INTERNALDATE,
    Gmail's internalDate) when the source has one, else now, when we take it in; never the
    Date header, which the sender writes. Never later than now."""
    if fallback is None:
        return now
    arrived = fallback if fallback.tzinfo else fallback.replace(tzinfo=UTC)
    return min(arrived, now)


def _date_header(message: Message) -> datetime | None:
    """The Date header as the sender wrote it, in UTC; None when missing or unreadable."""
    try:
        parsed = parsedate_to_datetime(_header_text(message, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sender(message: Message) -> tuple[str, str]:
    value = _header_text(message, "From") or _header_text(message, "Sender")
    name, address = parseaddr(value)
    if "@" not in address:
        found = [pair for pair in getaddresses([value]) if "@" in pair[1]]
        if not found:
            raise UnparseableMessage("no sender address (From is missing or invalid)")
        name, address = found[0]
    local, _, domain = address.rpartition("@")
    if not local or not domain or len(address) > 320:
        raise UnparseableMessage(f"invalid sender address {address[:80]!r}")
    return name.strip(), address.strip()


def text_for_classification(full_text: str) -> str:
    """The newest reply of ``full_text``: quoted history and signature removed."""
    try:
        replies = _REPLY_PARSER.read(full_text).replies
        reply = replies[0].body if replies else ""
    except Exception:  # a third-party heuristic must never cost us the email
        reply = full_text
    kept: list[str] = []
    for line in reply.splitlines():
        if _SIGNATURE_START.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    unquoted = "\n".join(kept).strip()
    return unquoted or full_text.strip()


def parse_message(
    raw: bytes,
    *,
    mailbox: str,
    source: str,
    received_at: datetime | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> InboundEmail:
    """Parse one message; raise ``UnparseableMessage`` with the reason when it cannot be read.

    ``received_at`` is when the mailbox received it (IMAP's INTERNALDATE); without it, the time
    of this call (the message is being taken in now). The Date header, which the sender
    controls, is kept apart as ``date_header`` and never used for the SLA. A message without
    a usable Message-ID gets ``synthetic_message_id(raw)``.
    """
    if not raw.strip():
        raise UnparseableMessage("empty message")
    if len(raw) > limits.max_message_bytes:
        raise UnparseableMessage(
            f"message of {len(raw)} bytes is larger than the limit of {limits.max_message_bytes}"
        )
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:
        raise UnparseableMessage(f"not a MIME message: {type(exc).__name__}: {exc}") from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise UnparseableMessage("no header fields")
    try:
        return _build(raw, message, mailbox, source, received_at, limits)
    except UnparseableMessage:
        raise
    except (RecursionError, Exception) as exc:
        raise UnparseableMessage(f"cannot read the message: {type(exc).__name__}: {exc}") from exc


def _build(
    raw: bytes,
    message: EmailMessage,
    mailbox: str,
    source: str,
    received_at: datetime | None,
    limits: ParseLimits,
) -> InboundEmail:
    from_name, from_address = _sender(message)
    headers: dict[str, str] = {}
    for name in list(dict.fromkeys(key.lower() for key in message))[: limits.max_headers]:
        headers[name] = _header_text(message, name)[:_KEPT_HEADER_CHARS]
    subject = _header_text(message, "Subject")[:998]
    bodies = _Bodies([], [], [])
    _collect(message, bodies, limits, 0)
    html = "\n".join(bodies.html) if bodies.html else None
    plain = "\n\n".join(text.strip() for text in bodies.plain if text.strip())
    full_text = plain or (html_to_text(html) if html else "")
    to_values = [address for _, address in getaddresses([_header_text(message, "To")]) if address]
    cc_values = [address for _, address in getaddresses([_header_text(message, "Cc")]) if address]
    message_id = _clean_message_id(_header_text(message, "Message-ID"))
    in_reply_to = message_ids(_header_text(message, "In-Reply-To"))
    return InboundEmail(
        message_id=message_id or synthetic_message_id(raw),
        mailbox=mailbox,
        from_address=from_address,
        from_name=from_name,
        to_address=", ".join(to_values)[:998],
        cc_address=", ".join(cc_values)[:998],
        subject=subject,
        body_text=full_text,
        body_html=sanitise_html(html) if html else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=message_ids(_header_text(message, "References"))[-50:],
        received_at=_received_at(received_at, datetime.now(UTC)),
        date_header=_date_header(message),
        headers=headers,
        text_for_classification=text_for_classification(full_text),
        auto_reply=auto_reply_reason(message, headers, from_address, subject),
        attachments=bodies.attachments,
        source=source,
        size_bytes=len(raw),
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        thread_key=thread_key(from_address, subject),
    )


__all__ = [
    "DEFAULT_LIMITS",
    "ParseLimits",
    "UnparseableMessage",
    "decode_text",
    "message_ids",
    "parse_message",
    "synthetic_message_id",
    "text_for_classification",
]
