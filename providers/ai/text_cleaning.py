"""Reduce an email to the text a classifier should see: the customer's own words.

Quoted lines (``>``) and their "On ... wrote:" header are dropped wherever they are, so both
top- and bottom-posted replies keep the new text; an Outlook-style original-message block
("-----Original Message-----" or "From:/Sent:" headers) and the signature after the ``-- ``
delimiter end the message. An old reply quoted in a new message thus does not decide its category.
"""

from __future__ import annotations

import html
import re

from providers.email.base import InboundEmail

# "On Mon, 3 Jun 2024 at 09:12, Support <s@x> wrote:" and its French/German/Spanish variants.
_QUOTE_HEADER_START = re.compile(r"^\s*(On|Le|Am|El)\s", re.IGNORECASE)
# German puts the name after the verb: "Am 3. Juni 2024 schrieb Support <s@x>:".
_QUOTE_HEADER_END = re.compile(
    r"((wrote|a\s+écrit|escribió)\s*|\bschrieb\b.*):\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine)",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*(From|De|Von)\s*:", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*(Sent|Date|Envoyé|Gesendet)\s*:", re.IGNORECASE)
_HTML_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/tr)\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")
_HTML_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _is_signature_delimiter(line: str) -> bool:
    # RFC 3676 says "-- "; many clients drop the trailing space, so accept "--" as well.
    return line.rstrip() == "--"


def _is_quote_header(line: str, next_line: str) -> bool:
    if not _QUOTE_HEADER_START.match(line):
        return False
    if _QUOTE_HEADER_END.search(line):
        return True
    # Clients wrap long headers: "On Mon, 3 Jun 2024 at 09:12, Jane Doe\n<jane@x.com> wrote:".
    return bool(_QUOTE_HEADER_END.search(f"{line} {next_line}")) and len(line) < 200


def strip_reply_noise(body: str) -> str:
    """Return ``body`` without quoted replies, forwarded blocks and the signature."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    skip_next = False  # the second line of a wrapped "On ... wrote:" header
    for index, line in enumerate(lines):
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if _is_signature_delimiter(line) or _ORIGINAL_MESSAGE.match(line):
            break
        if _OUTLOOK_FROM.match(line) and _OUTLOOK_SENT.match(next_line):
            break
        if line.lstrip().startswith(">"):
            continue
        if _is_quote_header(line, next_line):
            skip_next = not _QUOTE_HEADER_END.search(line)
            continue
        if skip_next:
            skip_next = False
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def html_to_text(markup: str) -> str:
    """A crude HTML-to-text conversion, enough to classify an HTML-only email."""
    without_scripts = _HTML_SCRIPT.sub(" ", markup)
    with_breaks = _HTML_BREAK.sub("\n", without_scripts)
    return html.unescape(_HTML_TAG.sub(" ", with_breaks))


def email_body(email: InboundEmail) -> str:
    """The plain-text body of ``email``, falling back to its HTML body when there is no text."""
    if email.body_text.strip():
        return email.body_text
    if email.body_html:
        return html_to_text(email.body_html)
    return ""


def classification_text(subject: str, body: str) -> str:
    """Subject and cleaned body joined into the single text the models see."""
    parts = [subject.strip(), strip_reply_noise(body)]
    return "\n".join(part for part in parts if part)


def email_classification_text(email: InboundEmail) -> str:
    """:func:`classification_text` of an :class:`InboundEmail`."""
    return classification_text(email.subject, email_body(email))
