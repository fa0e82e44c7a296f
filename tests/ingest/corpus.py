# ruff: noqa: E501, RUF001 - raw mail is data: long header lines and typographic dashes are the point
"""A corpus of real-world mail shapes, each with the outcome Mailroom must reach.

Every case is raw bytes as a mailbox would hold them. ``expect`` names what must hold after the
message went through the inbound path: ``status``; ``auto`` (a prefix of the auto-reply reason,
or None for mail a person wrote); ``text``/``not_text`` (in/absent from the full body);
``classify_not`` (absent from the text for classification); ``subject``; ``from_name``;
``attachments``; ``thread_of`` (the case whose thread it must join); ``new_thread``.
"""

from __future__ import annotations

import base64
import quopri
from dataclasses import dataclass, field
from typing import Any

BASE = "From: Anna Smith <anna@customer.example>\nTo: support@mailroom.example\nDate: Mon, 6 May 2024 10:00:00 +0000\n"


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    expect: dict[str, Any] = field(default_factory=dict)


def msg(
    headers: str,
    body: str | bytes = "Hello, my order 1234 has not arrived.\n",
    *,
    mid: str | None = "auto",
    base: str = BASE,
) -> bytes:
    head = base + headers
    if mid == "auto":
        mid = None
    if mid is not None:
        head += f"Message-ID: {mid}\n"
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    return head.encode("utf-8") + b"\n" + data


def text_part(charset: str, cte: str, text: str) -> bytes:
    raw = text.encode(charset)
    if cte == "base64":
        payload = base64.encodebytes(raw)
    elif cte == "quoted-printable":
        payload = quopri.encodestring(raw)
    else:
        payload = raw
    return (
        (
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset={charset}\n"
            f"Content-Transfer-Encoding: {cte}\n"
        ).encode()
        + b"\n"
        + payload
    )


def charset_case(n: int, charset: str, cte: str, text: str, probe: str) -> Case:
    head = BASE + f"Subject: Charset {charset} {cte}\nMessage-ID: <charset-{n}@customer.example>\n"
    return Case(
        f"charset-{charset}-{cte}",
        head.encode() + text_part(charset, cte, text),
        {"status": "ingested", "text": probe, "auto": None},
    )


def mid(n: str) -> str:
    return f"<{n}@customer.example>"


B = "b0undary"
MULTI = f"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary={B}\n"

CASES: list[Case] = [
    Case(
        "plain-ascii",
        msg("Subject: Where is my order?\n", mid=mid("plain")),
        {"status": "ingested", "subject": "Where is my order?", "text": "order 1234", "auto": None},
    ),
    Case(
        "crlf-line-endings",
        msg("Subject: CRLF mail\n", "Line one\nLine two\n", mid=mid("crlf")).replace(
            b"\n", b"\r\n"
        ),
        {"status": "ingested", "text": "Line one\nLine two"},
    ),
    Case(
        "utf8-8bit",
        msg(
            "Subject: Umlaut\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
            "Grüße aus Köln — ça va? 你好\n",
            mid=mid("utf8"),
        ),
        {"status": "ingested", "text": "Grüße aus Köln — ça va? 你好"},
    ),
    charset_case(1, "utf-8", "base64", "Zahlung fehlgeschlagen: 49,99 €", "49,99 €"),
    charset_case(
        2,
        "utf-8",
        "quoted-printable",
        "Remboursement demandé, merci beaucoup",
        "Remboursement demandé",
    ),
    charset_case(
        3,
        "iso-8859-1",
        "quoted-printable",
        "Não recebi o pedido, señor",
        "Não recebi o pedido, señor",
    ),
    charset_case(4, "windows-1252", "8bit", "Price was “€99” – wrong", "“€99” – wrong"),
    charset_case(5, "koi8-r", "8bit", "Здравствуйте, заказ не пришёл", "заказ не пришёл"),
    charset_case(6, "shift_jis", "base64", "注文が届きません", "注文が届きません"),
    charset_case(7, "iso-2022-jp", "7bit", "返金をお願いします", "返金をお願いします"),
    charset_case(8, "gb2312", "base64", "我的订单没有到", "我的订单没有到"),
    charset_case(9, "big5", "base64", "我的訂單沒有到", "我的訂單沒有到"),
    charset_case(
        10, "euc-kr", "base64", "주문이 도착하지 않았습니다", "주문이 도착하지 않았습니다"
    ),
    charset_case(11, "utf-16", "base64", "UTF-16 body here", "UTF-16 body here"),
    charset_case(12, "iso-8859-15", "quoted-printable", "Facture de 12 €", "12 €"),
    charset_case(
        13, "iso-8859-2", "quoted-printable", "Zamówienie nie dotarło", "Zamówienie nie dotarło"
    ),
    Case(
        "charset-utf7-alias",
        msg(
            "Subject: utf7\nMIME-Version: 1.0\nContent-Type: text/plain; charset=unicode-1-1-utf-7\n",
            "Hi +AOk-t+AOk-\n",
            mid=mid("utf7"),
        ),
        {"status": "ingested", "text": "Hi été"},
    ),
    Case(
        "charset-unknown-name",
        msg(
            "Subject: unknown charset\nMIME-Version: 1.0\nContent-Type: text/plain; charset=x-no-such-charset\nContent-Transfer-Encoding: 8bit\n",
            "Crème brûlée\n",
            mid=mid("unknown-cs"),
        ),
        {"status": "ingested", "text": "Crème brûlée"},
    ),
    Case(
        "charset-lies-ascii",
        msg(
            "Subject: declared ascii\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n",
            "Smørrebrød\n",
            mid=mid("lies"),
        ),
        {"status": "ingested", "text": "Smørrebrød"},
    ),
    Case(
        "invalid-utf8-bytes",
        msg(
            "Subject: broken bytes\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
            b"Good start \xff\xfe\xc3 end\n",
            mid=mid("badbytes"),
        ),
        {"status": "ingested", "text": "Good start"},
    ),
    Case(
        "encoded-word-subject",
        msg("Subject: =?UTF-8?B?w4ljaGFuZ2UgZGUgcHJvZHVpdA==?=\n", mid=mid("ew-subj")),
        {"status": "ingested", "subject": "Échange de produit"},
    ),
    Case(
        "encoded-word-from",
        msg(
            "Subject: name\n",
            mid=mid("ew-from"),
            base="From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@kunde.example>\nTo: support@mailroom.example\n",
        ),
        {"status": "ingested", "from_name": "Jürgen Müller"},
    ),
    Case(
        "multipart-alternative",
        msg(
            f"Subject: alt\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary={B}\n",
            f"--{B}\nContent-Type: text/plain; charset=utf-8\n\nPlain version wins\n--{B}\nContent-Type: text/html; charset=utf-8\n\n<p>HTML version</p>\n--{B}--\n",
            mid=mid("alt"),
        ),
        {"status": "ingested", "text": "Plain version wins", "not_text": "HTML version"},
    ),
    Case(
        "html-only-script",
        msg(
            "Subject: html\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n",
            "<html><head><style>p{color:red}</style><script>steal()</script></head><body><p onclick='x()'>Please <b>refund</b> me</p><img src=x onerror=alert(1)></body></html>",
            mid=mid("html"),
        ),
        {
            "status": "ingested",
            "text": "Please refund me",
            "not_text": "steal()",
            "html_not": ["<script", "onerror", "onclick", "<style", "<img"],
        },
    ),
    Case(
        "html-javascript-link",
        msg(
            "Subject: link\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n",
            '<p>See <a href="javascript:alert(1)">this</a> and <a href="https://shop.example/o/1">order</a></p>',
            mid=mid("jslink"),
        ),
        {"status": "ingested", "html_not": ["javascript:"], "html": "https://shop.example/o/1"},
    ),
    Case(
        "html-tracking-pixel-iframe",
        msg(
            "Subject: pixel\nMIME-Version: 1.0\nContent-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n",
            '<p>Bonjour, o=F9 est ma commande?</p><img src=3D"https://t.example/p.gif" width=3D1><iframe src=3D"https://evil.example"></iframe>',
            mid=mid("pixel"),
        ),
        {
            "status": "ingested",
            "text": "où est ma commande",
            "html_not": ["<img", "<iframe", "t.example"],
        },
    ),
    Case(
        "attachment-pdf",
        msg(
            "Subject: invoice attached\n" + MULTI,
            f"--{B}\nContent-Type: text/plain\n\nInvoice attached.\n--{B}\nContent-Type: application/pdf; name=invoice.pdf\nContent-Disposition: attachment; filename=invoice.pdf\nContent-Transfer-Encoding: base64\n\n{base64.b64encode(b'%PDF-1.4 fake pdf body' * 20).decode()}\n--{B}--\n",
            mid=mid("pdf"),
        ),
        {
            "status": "ingested",
            "attachments": [("invoice.pdf", "application/pdf", 440)],
            "text": "Invoice attached.",
        },
    ),
    Case(
        "attachment-rfc2231-name",
        msg(
            "Subject: rfc2231\n" + MULTI,
            f"--{B}\nContent-Type: text/plain\n\nPhoto.\n--{B}\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename*=utf-8''Re%C3%A7u%20%C3%A9t%C3%A9.jpg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ\n--{B}--\n",
            mid=mid("2231"),
        ),
        {"status": "ingested", "attachments": [("Reçu été.jpg", "image/jpeg", 6)]},
    ),
    Case(
        "inline-image-related",
        msg(
            f"Subject: related\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary={B}\n",
            f'--{B}\nContent-Type: text/html\n\n<p>Screenshot: <img src="cid:img1"></p>\n--{B}\nContent-Type: image/png\nContent-ID: <img1>\nContent-Disposition: inline\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--{B}--\n',
            mid=mid("related"),
        ),
        {"status": "ingested", "text": "Screenshot:", "attachments": [("", "image/png", 8)]},
    ),
    Case(
        "calendar-invite",
        msg(
            "Subject: call?\n" + MULTI,
            f"--{B}\nContent-Type: text/plain\n\nCan we talk?\n--{B}\nContent-Type: text/calendar; method=REQUEST\nContent-Disposition: attachment; filename=invite.ics\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n--{B}--\n",
            mid=mid("ics"),
        ),
        {
            "status": "ingested",
            "text": "Can we talk?",
            "attachments": [("invite.ics", "text/calendar", 29)],
        },
    ),
    Case(
        "forwarded-rfc822",
        msg(
            "Subject: Fwd: receipt\n" + MULTI,
            f"--{B}\nContent-Type: text/plain\n\nSee the forwarded receipt.\n--{B}\nContent-Type: message/rfc822\n\nFrom: shop@store.example\nSubject: Receipt\n\nInner body must not be our body.\n--{B}--\n",
            mid=mid("fwd"),
        ),
        {
            "status": "ingested",
            "text": "forwarded receipt",
            "not_text": "Inner body",
            "attachment_count": 1,
        },
    ),
    Case(
        "quoted-on-wrote",
        msg(
            "Subject: Re: order\n",
            "Still nothing arrived.\n\nOn Mon, 6 May 2024 at 09:00, Support <support@mailroom.example> wrote:\n> We shipped your order yesterday.\n> Regards\n",
            mid=mid("quote-en"),
        ),
        {"status": "ingested", "text": "We shipped your order", "classify_not": "We shipped"},
    ),
    Case(
        "quoted-outlook-original",
        msg(
            "Subject: RE: refund\n",
            "Please hurry with the refund.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: refund\n\nWe are processing it.\n",
            mid=mid("quote-outlook"),
        ),
        {"status": "ingested", "classify_not": "processing it"},
    ),
    Case(
        "quoted-german",
        msg(
            "Subject: AW: Rechnung\n",
            "Die Rechnung ist falsch.\n\nAm 06.05.2024 um 09:00 schrieb Support <support@mailroom.example>:\n> Anbei die Rechnung.\n",
            mid=mid("quote-de"),
        ),
        {"status": "ingested", "classify_not": "Anbei die Rechnung"},
    ),
    Case(
        "quoted-french",
        msg(
            "Subject: Re: colis\n",
            "Le colis est abîmé.\n\nLe lun. 6 mai 2024 à 09:00, Support <support@mailroom.example> a écrit :\n> Votre colis est parti.\n",
            mid=mid("quote-fr"),
        ),
        {"status": "ingested", "classify_not": "Votre colis est parti"},
    ),
    Case(
        "signature-dash-dash",
        msg(
            "Subject: login\n",
            "I cannot log in since yesterday.\n\n-- \nAnna Smith\nHead of Ops, ACME\n+44 20 7946 0000\n",
            mid=mid("sig"),
        ),
        {"status": "ingested", "text": "Head of Ops", "classify_not": "Head of Ops"},
    ),
    Case(
        "signature-mobile",
        msg(
            "Subject: app crash\n",
            "The app crashes on start.\n\nSent from my iPhone\n",
            mid=mid("sig-mobile"),
        ),
        {"status": "ingested", "classify_not": "Sent from my iPhone"},
    ),
    Case(
        "thread-root",
        msg("Subject: Damaged parcel 777\n", "The parcel arrived damaged.\n", mid=mid("root")),
        {"status": "ingested", "new_thread": True},
    ),
    Case(
        "thread-reply-references",
        msg(
            f"Subject: Re: Damaged parcel 777\nIn-Reply-To: <reply-from-us@mailroom.example>\nReferences: {mid('root')} <reply-from-us@mailroom.example>\n",
            "Any news?\n",
            mid=mid("ref"),
        ),
        {"status": "ingested", "thread_of": "thread-root"},
    ),
    Case(
        "thread-reply-in-reply-to-only",
        msg(
            f"Subject: Re: Damaged parcel 777\nIn-Reply-To: {mid('ref')}\n",
            "Hello again?\n",
            mid=mid("irt"),
        ),
        {"status": "ingested", "thread_of": "thread-root"},
    ),
    Case(
        "thread-broken-headers-subject-fallback",
        msg(
            "Subject: RE: Fwd: damaged  PARCEL 777\nIn-Reply-To: garbage-without-brackets\nReferences: <lost@nowhere.example>\n",
            "Third try.\n",
            mid=mid("broken-ref"),
        ),
        {"status": "ingested", "thread_of": "thread-root"},
    ),
    Case(
        "thread-no-headers-subject-fallback",
        msg(
            "Subject: AW: Damaged parcel 777\n",
            "Fourth try, from my other client.\n",
            mid=mid("nohdr"),
        ),
        {"status": "ingested", "thread_of": "thread-root"},
    ),
    Case(
        "thread-other-sender-same-subject",
        msg(
            "Subject: Re: Damaged parcel 777\n",
            "Me too!\n",
            mid=mid("other"),
            base="From: bob@other.example\nTo: support@mailroom.example\nDate: Mon, 6 May 2024 11:00:00 +0000\n",
        ),
        {"status": "ingested", "new_thread": True},
    ),
    Case(
        "no-message-id",
        msg("Subject: no id\n", "This message has no Message-ID.\n", mid=None),
        {"status": "ingested", "synthetic_id": True},
    ),
    Case(
        "message-id-without-brackets",
        msg("Subject: bare id\n", mid="bare-id-123@customer.example"),
        {"status": "ingested", "message_id": "<bare-id-123@customer.example>"},
    ),
    Case(
        "duplicate-of-plain",
        msg("Subject: Where is my order?\n", mid=mid("plain")),
        {"status": "duplicate"},
    ),
    Case(
        "auto-submitted-auto-replied",
        msg(
            "Subject: Out of office\nAuto-Submitted: auto-replied\n",
            "I am away until Monday.\n",
            mid=mid("ooo"),
        ),
        {"status": "ingested", "auto": "auto-submitted"},
    ),
    Case(
        "auto-submitted-auto-generated",
        msg("Subject: Your ticket\nAuto-Submitted: auto-generated\n", mid=mid("gen")),
        {"status": "ingested", "auto": "auto-submitted"},
    ),
    Case(
        "auto-submitted-no-is-human",
        msg("Subject: I am a person\nAuto-Submitted: no\n", mid=mid("human")),
        {"status": "ingested", "auto": None},
    ),
    Case(
        "precedence-bulk",
        msg("Subject: Big sale\nPrecedence: bulk\n", mid=mid("bulk")),
        {"status": "ingested", "auto": "precedence"},
    ),
    Case(
        "precedence-list",
        msg("Subject: digest\nPrecedence: list\n", mid=mid("plist")),
        {"status": "ingested", "auto": "precedence"},
    ),
    Case(
        "precedence-junk",
        msg("Subject: junk\nPrecedence: junk\n", mid=mid("junk")),
        {"status": "ingested", "auto": "precedence"},
    ),
    Case(
        "list-id",
        msg("Subject: [users] question\nList-Id: Users <users.lists.example>\n", mid=mid("listid")),
        {"status": "ingested", "auto": "mailing list"},
    ),
    Case(
        "list-unsubscribe",
        msg(
            "Subject: newsletter\nList-Unsubscribe: <mailto:unsub@news.example>\n", mid=mid("unsub")
        ),
        {"status": "ingested", "auto": "mailing list"},
    ),
    Case(
        "bounce-multipart-report",
        msg(
            f"Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary={B}\n",
            f"--{B}\nContent-Type: text/plain\n\nDelivery failed.\n--{B}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: 5.1.1\n--{B}\nContent-Type: message/rfc822\n\nFrom: support@mailroom.example\nSubject: Re: hi\n\nour reply\n--{B}--\n",
            mid=mid("dsn"),
            base="From: MAILER-DAEMON@mx.example (Mail Delivery System)\nTo: support@mailroom.example\n",
        ),
        {"status": "ingested", "auto": "bounce", "not_text": "our reply"},
    ),
    Case(
        "bounce-null-return-path",
        msg("Return-Path: <>\nSubject: failure notice\n", mid=mid("nullrp")),
        {"status": "ingested", "auto": "bounce"},
    ),
    Case(
        "bounce-x-failed-recipients",
        msg(
            "X-Failed-Recipients: gone@example.com\nSubject: Mail delivery failed\n",
            mid=mid("xfailed"),
        ),
        {"status": "ingested", "auto": "bounce"},
    ),
    Case(
        "x-autoreply",
        msg("Subject: Thanks for your mail\nX-Autoreply: yes\n", mid=mid("xauto")),
        {"status": "ingested", "auto": "auto-reply"},
    ),
    Case(
        "exchange-oof-suppress",
        msg("Subject: Automatic reply: order\nX-Auto-Response-Suppress: All\n", mid=mid("oof")),
        {"status": "ingested", "auto": "auto-reply"},
    ),
    Case(
        "subject-out-of-office-only",
        msg("Subject: Out of Office: back on Monday\n", mid=mid("ooo-subj")),
        {"status": "ingested", "auto": "auto-reply: subject"},
    ),
    Case(
        "noreply-sender",
        msg(
            "Subject: Your receipt\n",
            mid=mid("noreply"),
            base="From: Shop <no-reply@shop.example>\nTo: support@mailroom.example\n",
        ),
        {"status": "ingested", "auto": "system sender"},
    ),
    Case(
        "headers-only-no-body",
        msg("Subject: empty body\n", b"", mid=mid("nobody")),
        {"status": "ingested", "text_equals": ""},
    ),
    Case(
        "very-long-header",
        msg("Subject: " + "long " * 3000 + "\nX-Junk: " + "y" * 20000 + "\n", mid=mid("longhdr")),
        {"status": "ingested"},
    ),
    Case(
        "multipart-without-boundary",
        msg(
            "Subject: no boundary\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n",
            "Text of a multipart with no boundary.\n",
            mid=mid("nobound"),
        ),
        {"status": "ingested", "text": "no boundary"},
    ),
    Case(
        "multipart-never-closed",
        msg(
            "Subject: unclosed\n" + MULTI,
            f"--{B}\nContent-Type: text/plain\n\nUnclosed part text.\n",
            mid=mid("unclosed"),
        ),
        {"status": "ingested", "text": "Unclosed part text."},
    ),
    Case(
        "base64-garbage",
        msg(
            "Subject: bad base64\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
            "SGVsbG8gd29ybGQ!!!@@@###\n",
            mid=mid("b64bad"),
        ),
        {"status": "ingested"},
    ),
    Case(
        "nul-bytes",
        msg("Subject: nul\n", b"Before\x00after\n", mid=mid("nul")),
        {"status": "ingested", "text": "Beforeafter"},
    ),
    Case(
        "malformed-date",
        msg(
            "Subject: date\n",
            mid=mid("date"),
            base="From: anna@customer.example\nDate: yesterday-ish, 99 Foo 20x4\n",
        ),
        {"status": "ingested"},
    ),
    Case(
        "unknown-transfer-encoding",
        msg(
            "Subject: x-enc\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: x-weird\n",
            "Readable anyway.\n",
            mid=mid("xenc"),
        ),
        {"status": "ingested", "text": "Readable anyway."},
    ),
    Case(
        "deep-nesting",
        msg(
            "Subject: nested\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n",
            "".join(
                f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n" for i in range(40)
            )
            + "--b40\nContent-Type: text/plain\n\ndeep\n",
            mid=mid("deep"),
        ),
        {"status": "quarantined", "reason": "nested"},
    ),
    Case("hostile-empty", b"", {"status": "quarantined", "reason": "empty message"}),
    Case(
        "hostile-whitespace-only",
        b"\r\n\r\n   \n",
        {"status": "quarantined", "reason": "empty message"},
    ),
    Case("hostile-binary-garbage", bytes(range(256)) * 8, {"status": "quarantined"}),
    Case(
        "hostile-no-from",
        b"To: support@mailroom.example\nSubject: who am I\n\nNo sender here.\n",
        {"status": "quarantined", "reason": "no sender"},
    ),
    Case(
        "hostile-from-without-address",
        b"From: Just A Name\nSubject: no address\n\nbody\n",
        {"status": "quarantined", "reason": "no sender"},
    ),
    Case("hostile-json-not-mail", b'{"this": "is json, not mail"}\n', {"status": "quarantined"}),
]

MBOX = (
    b"From anna@customer.example Mon May  6 10:00:00 2024\n"
    + msg("Subject: mbox one\n", "First in mbox.\n>From here on.\n", mid=mid("mbox-1"))
    + b"\nFrom MAILER-DAEMON Mon May  6 10:01:00 2024\n"
    + b"Subject: mbox broken, no sender\n\nbody\n"
    + b"\nFrom bob@other.example Mon May  6 10:02:00 2024\n"
    + msg("Subject: mbox three\n", "Third.\n", mid=mid("mbox-3"), base="From: bob@other.example\n")
)
MBOX_EXPECT = ["ingested", "quarantined", "ingested"]
