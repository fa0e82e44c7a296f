"""The one built-in taxonomy: the labels the classifier learns, the demo mail and the workflow
default all come from it."""

from __future__ import annotations

from collections import Counter

from providers.ai.taxonomy import SUPPORT_CATEGORIES, SUPPORT_TAXONOMY, support_taxonomy
from providers.ai.training_data import load_training_examples
from providers.email.demo import DemoEmailSource


def test_each_category_is_named_once_and_described() -> None:
    assert tuple(c.name for c in SUPPORT_TAXONOMY) == SUPPORT_CATEGORIES
    assert len(set(SUPPORT_CATEGORIES)) == len(SUPPORT_CATEGORIES) == 8
    assert all(c.description.strip() for c in SUPPORT_TAXONOMY)


def test_a_copy_can_change_without_changing_the_taxonomy() -> None:
    copy = support_taxonomy()
    assert copy == list(SUPPORT_TAXONOMY)
    copy[0].description = "changed by a workflow editor"
    copy.append(copy[0])
    assert SUPPORT_TAXONOMY[0].description != "changed by a workflow editor"
    assert len(SUPPORT_TAXONOMY) == 8


def test_the_shipped_training_data_is_labelled_with_exactly_the_taxonomy() -> None:
    labels = Counter(example.category for example in load_training_examples())
    assert set(labels) == set(SUPPORT_CATEGORIES)


def test_demo_mail_is_drawn_from_exactly_the_taxonomy() -> None:
    source = DemoEmailSource(mailbox="support@mailroom.example", seed=3)
    categories = {source.generate_labelled(index)[1].category for index in range(400)}
    assert categories == set(SUPPORT_CATEGORIES)
