"""Regex entities: what is found, verbatim, and what is not."""

from __future__ import annotations

from providers.ai.entities import EntityExtractor


def test_order_number_formats() -> None:
    text = (
        "Order #12345 and ORD-123456 arrived, order 778899 did not, nor order no. 5551234. "
        "Bestellnummer 77120, commande 45821, pedido 98765."
    )
    assert EntityExtractor().extract(text).order_numbers == [
        "#12345",
        "ORD-123456",
        "778899",
        "5551234",
        "77120",
        "45821",
        "98765",
    ]


def test_things_that_are_not_order_numbers() -> None:
    text = (
        "Invoice INV-2291, app version 5.2.1, since 12 May 2024, call me at 14:30, "
        "3 items, SOC-2 audit, issue #12 on GitHub, 20% off."
    )
    assert EntityExtractor().extract(text).order_numbers == []


def test_amounts_with_currency() -> None:
    text = (
        "I paid $49.99, then €20, 20 EUR, 49,90 € and 1,299.00 USD; a £5 fee and 12.50 dollars. "
        "Not amounts: 12 seats, 30 days, version 2.0."
    )
    assert EntityExtractor().extract(text).amounts == [
        "$49.99",
        "€20",
        "20 EUR",
        "49,90 €",
        "1,299.00 USD",
        "£5",
        "12.50 dollars",
    ]


def test_email_addresses() -> None:
    text = "Write to jane.doe+shop@example.co.uk or ops@our-company.com, not to @handle."
    assert EntityExtractor().extract(text).emails == [
        "jane.doe+shop@example.co.uk",
        "ops@our-company.com",
    ]


def test_products_from_a_configurable_list() -> None:
    default = EntityExtractor().extract("My aurora headphones and the PRO PLAN.")
    assert default.products == ["Aurora Headphones", "Pro Plan"]
    custom = EntityExtractor(["Widget X", "Gizmo"]).extract("The gizmo broke; Widget X too.")
    assert custom.products == ["Widget X", "Gizmo"]
    assert EntityExtractor(["Pro"]).extract("a professional").products == []


def test_duplicates_are_reported_once() -> None:
    entities = EntityExtractor().extract("ORD-123456 ... again ORD-123456, $5 and $5")
    assert entities.order_numbers == ["ORD-123456"]
    assert entities.amounts == ["$5"]
