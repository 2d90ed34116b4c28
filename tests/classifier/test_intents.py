"""Intent expressions (data/intent_expressions.yml): each family's examples are its intent, the worries
listed as not_intents stay worries, and the classifier uses the expressions only where the model is silent."""

import pytest
import yaml

from madoguchi.classifier.crisis import rule_view
from madoguchi.classifier.intents import INTENT_EXPRESSIONS_FILE, IntentRules
from madoguchi.classifier.model import Classifier
from madoguchi.classifier.normalize import normalize

SPEC = yaml.safe_load(INTENT_EXPRESSIONS_FILE.read_text(encoding="utf-8"))
RULES = IntentRules(SPEC)
EXAMPLES = [(f["id"], e) for f in SPEC["intents"] for e in f["examples"]]


def view(text: str) -> str:
    return rule_view(normalize(text))


@pytest.mark.parametrize(("intent", "text"), EXAMPLES)
def test_each_example_is_its_intent(intent: str, text: str) -> None:
    assert RULES.match(view(text)) == intent


@pytest.mark.parametrize("text", SPEC["not_intents"])
def test_worries_that_look_like_requests_are_not_intents(text: str) -> None:
    assert RULES.match(view(text)) is None


def test_long_messages_are_never_read_by_the_expressions() -> None:
    text = "ありがとうございました" * 4
    assert len(view(text)) > RULES.max_chars
    assert RULES.match(view(text)) is None


@pytest.mark.parametrize(("intent", "text"), EXAMPLES)
def test_the_classifier_recognises_the_examples(classifier: Classifier, intent: str, text: str) -> None:
    p = classifier.classify(text)
    assert p.intent == intent and p.labels == []


def test_a_crisis_is_never_turned_into_an_intent(classifier: Classifier) -> None:
    p = classifier.classify("今夜で最後にする。ありがとうございました")
    assert p.crisis and p.intent is None


@pytest.mark.parametrize("text", ["なんとなく", "その…", "うまく言えないんですけど", "最近いろいろあって"])
def test_a_hesitant_or_vague_message_never_reads_as_cancel(classifier: Classifier, text: str) -> None:
    # "cancel" closes the conversation; a resident who has not said anything yet must not be dismissed.
    assert classifier.classify(text).intent != "cancel"
