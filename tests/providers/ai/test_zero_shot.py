"""Any taxonomy: zero-shot from the categories' descriptions, then learning from corrections.

These read the real shipped sentence encoders (a few seconds to load), not the trained
category model, so they do not need the ``local_ai`` fixture.
"""

from __future__ import annotations

import numpy as np
import pytest

from providers.ai.base import Category
from providers.ai.taxonomy_learner import TaxonomyLearner
from providers.ai.training_data import LabelledExample
from providers.ai.zero_shot import (
    MAX_EXAMPLES_PER_CATEGORY,
    TaxonomyClassifier,
    category_text,
    expected_calibration_error,
    fit_temperature,
    select_examples,
    softmax,
)
from providers.errors import PermanentProviderError

PRODUCT_TAXONOMY = [
    Category(
        name="warranty_claim",
        description="A product broke or is defective and the customer wants it repaired or "
        "replaced under warranty.",
    ),
    Category(
        name="product_question",
        description="Questions before or after buying about what a product does, its "
        "specifications, sizes and compatibility.",
    ),
    Category(
        name="delivery_issue",
        description="A parcel is late, lost, damaged in transit or delivered to the wrong address.",
    ),
]
EN = ["en"]


def test_zero_shot_returns_one_of_the_taxonomy_with_a_probability() -> None:
    model = TaxonomyClassifier(PRODUCT_TAXONOMY)
    assert not model.learnt
    cases = {
        "My coffee machine stopped heating after three months. Can you fix or replace it?": (
            "warranty_claim"
        ),
        "Does the X200 blender fit under a standard kitchen cabinet, and is it 220V?": (
            "product_question"
        ),
        "The tracking says delivered but there is no parcel at my door.": "delivery_issue",
    }
    for text, expected in cases.items():
        [probabilities] = model.predict_proba([text], EN)
        assert set(probabilities) == {c.name for c in PRODUCT_TAXONOMY}
        assert all(0.0 <= p <= 1.0 for p in probabilities.values())
        assert sum(probabilities.values()) == pytest.approx(1.0)
        assert max(probabilities, key=lambda name: probabilities[name]) == expected, text
        assert model.predict([text], EN) == [expected]


def test_mail_in_another_language_is_scored_on_the_multilingual_encoder() -> None:
    model = TaxonomyClassifier(PRODUCT_TAXONOMY)
    text = "Mon colis n'est jamais arrivé, le suivi indique qu'il est perdu."
    assert model.predict([text], ["fr"]) == ["delivery_issue"]


def test_editing_a_description_changes_the_classification() -> None:
    text = "The tracking says delivered but there is no parcel at my door."
    first = [
        Category(name="queue_a", description="A parcel is late, lost or never delivered."),
        Category(name="queue_b", description="Questions about invoices and card charges."),
    ]
    swapped = [
        Category(name="queue_a", description="Questions about invoices and card charges."),
        Category(name="queue_b", description="A parcel is late, lost or never delivered."),
    ]
    assert TaxonomyClassifier(first).predict([text], EN) == ["queue_a"]
    assert TaxonomyClassifier(swapped).predict([text], EN) == ["queue_b"]


def test_corrections_teach_a_team_convention_the_descriptions_do_not_say() -> None:
    taxonomy = [
        Category(name="refund_request", description="The customer wants their money back."),
        Category(name="delivery_issue", description="A parcel is late, lost or not delivered."),
    ]
    text = "My order still hasn't shown up and it's been two weeks."
    assert TaxonomyClassifier(taxonomy).predict([text], EN) == ["delivery_issue"]
    # This team refunds every late order at once, so its agents file them as refund requests.
    late = [
        "Where is my package? It was due last Monday.",
        "The parcel is ten days late, nothing has arrived.",
        "Tracking hasn't moved for a week, my order is stuck.",
        "Still waiting for my delivery, ordered a month ago.",
        "My shipment never arrived.",
        "The courier lost my parcel.",
        "Order not received yet, it is very late.",
        "Package shows in transit for three weeks now.",
    ]
    corrections = [LabelledExample(t, "refund_request", "correction") for t in late]
    learnt = TaxonomyClassifier(taxonomy, corrections)
    assert learnt.learnt
    assert learnt.predict([text], EN) == ["refund_request"]
    # A category with no example stays reachable through its description.
    assert learnt.predict(["How do I change the address on my account?"], EN) != []
    [probabilities] = learnt.predict_proba(["The box arrived crushed and the glass broke."], EN)
    assert 0.0 <= probabilities["delivery_issue"] <= 1.0


def test_the_learner_rebuilds_when_corrections_or_descriptions_change() -> None:
    corrections: list[LabelledExample] = []
    learner = TaxonomyLearner(lambda: [], lambda: list(corrections), check_seconds=0.0)
    first = learner.classifier_for(PRODUCT_TAXONOMY)
    assert learner.classifier_for(PRODUCT_TAXONOMY) is first and not first.learnt
    corrections.append(
        LabelledExample("Is the lid dishwasher safe?", "product_question", "correction")
    )
    learnt = learner.classifier_for(PRODUCT_TAXONOMY)
    assert learnt is not first and learnt.learnt
    edited = [c.model_copy() for c in PRODUCT_TAXONOMY]
    edited[0].description = "Anything about repairs."
    assert learner.classifier_for(edited).fingerprint != learnt.fingerprint


def test_shipped_examples_count_for_the_categories_they_name() -> None:
    shipped = [LabelledExample(f"refund text {i}", "refund", "banking77") for i in range(100)]
    shipped += [LabelledExample("hand written refund", "refund", "handwritten")]
    shipped += [LabelledExample("not in the taxonomy", "billing", "handwritten")]
    corrections = [LabelledExample("a corrected refund", "refund", "correction")]
    taxonomy = [Category(name="refund"), Category(name="warranty_claim")]
    chosen = select_examples(taxonomy, shipped + corrections)
    assert len(chosen) == MAX_EXAMPLES_PER_CATEGORY
    assert chosen[0].source == "correction" and chosen[1].source == "handwritten"
    assert {e.category for e in chosen} == {"refund"}


def test_a_bad_taxonomy_is_refused() -> None:
    with pytest.raises(PermanentProviderError, match="no category"):
        TaxonomyClassifier([])
    with pytest.raises(PermanentProviderError, match="twice"):
        TaxonomyClassifier([Category(name="a"), Category(name="a")])


def test_category_text_reads_the_name_as_words() -> None:
    assert category_text(Category(name="warranty_claim", description="Broken.")) == (
        "warranty claim: Broken."
    )
    assert category_text(Category(name="product-question")) == "product question"


def test_the_temperature_fit_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(4000, 5))
    true_temperature = 0.3
    probabilities = softmax(scores, true_temperature)
    truth = [int(rng.choice(5, p=row)) for row in probabilities]
    assert fit_temperature(scores, truth) == pytest.approx(true_temperature, rel=0.1)
    calibrated = expected_calibration_error(softmax(scores, true_temperature), truth)
    overconfident = expected_calibration_error(softmax(scores, 0.05), truth)
    assert calibrated < 0.03 < overconfident
