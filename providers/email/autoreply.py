"""Mail that must never be answered automatically: auto-replies, bounces, mailing lists.

Answering any of these is how mail loops start (an out-of-office answering our answer, forever).
The checks follow RFC 3834 (Auto-Submitted), RFC 2919 (List-Id), RFC 3464 (delivery status
reports) and the headers that Exchange, Gmail and common list servers set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.message import EmailMessage

_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "mailing-list", "x-mailing-list")
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply")
_SUPPRESS = {"all", "oof", "autoreply"}
_SYSTEM_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+.-].*)?@",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|undeliverable|undelivered mail|"
    r"delivery status notification|mail delivery (failed|failure|subsystem))",
    re.IGNORECASE,
)


def auto_reply_reason(
    message: EmailMessage, headers: Mapping[str, str], from_address: str, subject: str
) -> str | None:
    """Why ``message`` must not be answered automatically, or None if a person wrote it.

    ``headers`` holds the message's header values keyed by lower-case name.
    """
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"auto-submitted: {auto_submitted.split(';')[0]}"
    content_type = message.get_content_type()
    if content_type == "multipart/report" or "x-failed-recipients" in headers:
        return "bounce: delivery status report"
    return_path = headers.get("return-path", "").strip()
    if return_path.replace(" ", "") == "<>":
        return "bounce: null return path"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in _PRECEDENCE:
        return f"precedence: {precedence}"
    for name in _LIST_HEADERS:
        if headers.get(name, "").strip():
            return f"mailing list: {name}"
    for name in _AUTO_HEADERS:
        if headers.get(name, "").strip():
            return f"auto-reply: {name}"
    suppress = {
        part.strip().lower() for part in headers.get("x-auto-response-suppress", "").split(",")
    }
    if suppress & _SUPPRESS:
        return "auto-reply: x-auto-response-suppress"
    if _SYSTEM_SENDERS.match(from_address):
        return "system sender: " + from_address.split("@")[0].lower()
    if _AUTO_SUBJECT.match(subject):
        return "auto-reply: subject"
    return None


__all__ = ["auto_reply_reason"]
