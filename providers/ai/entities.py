"""Entities found verbatim in an email with regular expressions: no model, no guessing.

* order numbers — "#12345"; "ORD-123456" (2-5 capital letters, a dash, 4+ digits; invoice-,
  ticket- and request-like prefixes such as "INV-" are excluded); "order 123456" / "order no.
  123456" and the French/German/Spanish "commande", "Bestellung", "pedido";
* amounts with a currency — "$49.99", "€20", "£5", "20 EUR", "49,90 €", "12.50 dollars";
* email addresses;
* product names from a configurable list, matched case-insensitively on word boundaries and
  reported in the list's spelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from providers.ai.base import Entities

#: Products of the demo shop; pass your own list to :class:`EntityExtractor`.
DEFAULT_PRODUCTS: tuple[str, ...] = (
    "Aurora Headphones",
    "Nimbus Smartwatch",
    "Terra Backpack",
    "Lumen Desk Lamp",
    "Demo Shop Plus",
    "Starter Plan",
    "Pro Plan",
    "Business Plan",
)

_NON_ORDER_PREFIXES = frozenset({"INV", "REQ", "REF", "SKU", "ISO", "SOC", "TKT"})

_HASH_ORDER = re.compile(r"(?<![\w#&])#\d{4,12}\b")
_PREFIXED_ORDER = re.compile(r"\b([A-Z]{2,5})-\d{4,12}\b")
_WORD_ORDER = re.compile(
    r"\b(?:order|commande|bestellung|bestellnummer|pedido)"
    r"(?:\s+(?:number|no\.?|nr\.?|num(?:éro|ero)?|n[°º]))?\s*:?\s*(\d{5,12})\b",
    re.IGNORECASE,
)
_CURRENCY_SYMBOL = r"[$€£¥]"
_CURRENCY_CODE = r"(?:USD|EUR|GBP|CHF|CAD|AUD|SEK|NOK|DKK|PLN|JPY|dollars?|euros?|pounds?)"
_NUMBER = r"\d{1,3}(?:[,.\u00a0 ]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?:(?:US|CA|AU)?{_CURRENCY_SYMBOL}\s?(?:{_NUMBER}))"
    rf"|(?:\b(?:{_NUMBER})\s?(?:{_CURRENCY_SYMBOL}|{_CURRENCY_CODE}\b))"
    rf"|(?:\b{_CURRENCY_CODE}\s?(?:{_NUMBER})\b)"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in items))


class EntityExtractor:
    """Finds order numbers, amounts, email addresses and known product names in text."""

    def __init__(self, products: Sequence[str] = DEFAULT_PRODUCTS) -> None:
        self.products = tuple(products)
        self._product_patterns = [
            (name, re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE))
            for name in self.products
            if name.strip()
        ]

    def extract(self, text: str) -> Entities:
        """Entities of ``text``, each as it is written there, in order of appearance."""
        orders: list[tuple[int, str]] = [
            (m.start(), m.group(0)) for m in _HASH_ORDER.finditer(text)
        ]
        orders += [
            (m.start(), m.group(0))
            for m in _PREFIXED_ORDER.finditer(text)
            if m.group(1) not in _NON_ORDER_PREFIXES
        ]
        orders += [(m.start(1), m.group(1)) for m in _WORD_ORDER.finditer(text)]
        return Entities(
            order_numbers=_unique(value for _, value in sorted(orders)),
            amounts=_unique(m.group(0) for m in _AMOUNT.finditer(text)),
            emails=_unique(m.group(0) for m in _EMAIL.finditer(text)),
            products=[name for name, pattern in self._product_patterns if pattern.search(text)],
        )
