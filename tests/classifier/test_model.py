"""The classifier's behaviour on whole messages: labels, intents, languages, odd input, explanations."""

import numpy as np
import pytest

from madoguchi.classifier.features import analyze
from madoguchi.classifier.labels import CATEGORIES
from madoguchi.classifier.model import SIGNAL_HEADS, Classifier, Prediction, _kind_names


def test_prediction_shape(classifier: Classifier) -> None:
    p = classifier.classify("母が認知症で、毎晩起こされて眠れません")
    assert isinstance(p, Prediction)
    assert set(p.scores) == set(CATEGORIES)
    assert all(0.0 <= s <= 1.0 for s in p.scores.values())
    assert "elderly_care" in p.labels
    assert p.language == "ja" and p.intent is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("80代の母の介護をしているが、50代の弟がずっと部屋にひきこもっていて、母の年金だけでは生活が苦しい",
         {"elderly_care", "hikikomori", "poverty"}),
        ("仕事をクビになって、家賃が払えず来月アパートを出ないといけない", {"employment", "housing"}),
        ("息子が中学でいじめにあって不登校に。発達障害の診断もあって、どう支えればいいか", {"school", "disability"}),
    ],
)
def test_multi_label(classifier: Classifier, text: str, expected: set[str]) -> None:
    p = classifier.classify(text)
    assert expected <= set(p.labels), (p.labels, p.scores)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("こんにちは", "greeting"),
        ("ありがとうございました", "thanks"),
        ("人と話したいです", "talk_to_person"),
        ("データを消してください", "erase_data"),
    ],
)
def test_intents_get_no_category(classifier: Classifier, text: str, intent: str) -> None:
    p = classifier.classify(text)
    assert p.intent == intent
    assert p.labels == []
    assert not p.crisis


def test_english_is_read(classifier: Classifier) -> None:
    p = classifier.classify("I lost my job and I cannot pay the rent")
    assert p.language == "en"
    assert {"employment", "housing"} <= set(p.labels)


def test_unreadable_language_gets_no_labels(classifier: Classifier) -> None:
    p = classifier.classify("도와주세요 너무 힘들어요")
    assert p.language == "other" and p.labels == [] and p.uncertain


@pytest.mark.parametrize(
    "text",
    ["Tôi bị chồng đánh, tôi sợ lắm", "남편이 때려요", "Mi esposo me pega y tengo miedo", "suami saya memukul saya"],
)
def test_a_partner_beating_in_another_language_leads_with_domestic_violence(classifier: Classifier, text: str) -> None:
    # The answer's lines follow the first kind: DV相談＋ answers in other languages, the general lines do not
    # know it is a husband. Spanish without marks and Indonesian are Latin letters the English heads would
    # read (Indonesian got "school"): a family of another language and no English word make it that language.
    p = classifier.classify(text)
    assert p.crisis and p.crisis_kinds[0] == "domestic_violence"
    assert p.language == "other" and p.labels == ["abuse_violence"]


def test_an_expression_s_label_is_not_joined_by_the_fallback_label(classifier: Classifier) -> None:
    # No category passed for 🪦💊: the likeliest non-crisis one was added beside the expression's label, and
    # the bot added general lines to the crisis lines.
    p = classifier.classify("🪦💊")
    assert p.crisis and p.labels == ["suicide_risk"] and p.crisis_kinds == ["suicide"]


def test_english_with_a_foreign_phrase_stays_english(classifier: Classifier) -> None:
    p = classifier.classify("My neighbour shouts 'me pega' at night and I can hear her husband hitting her")
    assert p.language == "en" and p.crisis


@pytest.mark.parametrize(
    "text",
    [
        "สวัสดีค่ะ help please. my friend took pills she bought online and now she is bleeding a lot and very pale",
        "Привет. I am from Russia. My husband hits me when he drinks and I am scared to go home tonight",
        "안녕하세요. I want to die. I can't do this anymore",
        "Здравствуйте. my father fell in the bathroom and he is not moving",
        "السلام عليكم. Everyone would be better without me. I've already written letters to my kids.",
    ],
)
def test_a_greeting_in_another_script_then_english_is_read_as_english(classifier: Classifier, text: str) -> None:
    # Read as "other", a crisis in English after a greeting in the writer's own script got no labels at all.
    p = classifier.classify(text)
    assert p.language == "en" and p.crisis


def test_a_phones_apostrophe_reads_as_the_plain_one(classifier: Classifier) -> None:
    curly = classifier.classify("I don’t want to live anymore")
    plain = classifier.classify("I don't want to live anymore")
    assert curly.crisis and curly.crisis_expressions == plain.crisis_expressions != []


@pytest.mark.parametrize(
    "text",
    ["Olá. Meu marido me bate e eu não sei o que fazer", "Hola. No sé qué hacer, no tengo dinero para la renta"],
)
def test_spanish_and_portuguese_are_not_read_as_english(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).language == "other"


@pytest.mark.parametrize("text", ["", "   ", "😢", "？？？", "a" * 10000, "\x00\x01", "。" * 50])
def test_odd_input_is_not_an_error(classifier: Classifier, text: str) -> None:
    p = classifier.classify(text)
    assert isinstance(p.labels, list)


@pytest.mark.parametrize("text", ["うーん", "どうしよう", "はぁ", "んー"])
def test_vague_message_is_not_labelled_with_confidence(classifier: Classifier, text: str) -> None:
    # The bot then asks a gentle question (uncertain) or answers the opening (an intent, no label).
    p = classifier.classify(text)
    assert not p.crisis
    assert p.uncertain or (p.intent is not None and not p.labels)


def test_batch_equals_single(classifier: Classifier) -> None:
    texts = ["しんどい", "死ぬほど忙しい", "家賃が払えない", "こんにちは", "", "I want to die", "母の介護。死にたい"]
    for batch, single in zip(classifier.classify_many(texts), [classifier.classify(t) for t in texts], strict=True):
        # The batch sums in another order (sparse product): scores agree to float32 precision.
        assert batch.scores == pytest.approx(single.scores, abs=2e-4)
        assert (batch.labels, batch.crisis, batch.crisis_kinds, batch.intent) == (
            single.labels, single.crisis, single.crisis_kinds, single.intent
        )


def test_crisis_kinds_lead_with_the_likeliest_said_kind() -> None:
    """The kinds said in words come first, the likeliest head first among them; kinds only the heads name
    follow, also likeliest first; with none, the likeliest head's kind; with no heads, other_danger."""
    by_likelihood = ["domestic_violence", "child_abuse", "elder_abuse", "suicide", "sexual_violence", "other_danger"]
    assert _kind_names(["child_abuse", "domestic_violence"], False, [], by_likelihood) == [
        "domestic_violence", "child_abuse"]  # fmt: skip
    assert _kind_names(["child_abuse"], True, ["elder_abuse", "domestic_violence"], by_likelihood) == [
        "child_abuse", "suicide", "domestic_violence", "elder_abuse"]  # fmt: skip
    assert _kind_names([], False, [], by_likelihood) == ["domestic_violence"]
    assert _kind_names(["elder_abuse", "child_abuse"], True, [], []) == ["elder_abuse", "child_abuse", "suicide"]
    assert _kind_names([], False, [], []) == ["other_danger"]


def test_a_woman_hit_by_her_boyfriend_gets_the_dv_lines_first(classifier: Classifier) -> None:
    """"家に帰りたくない" is also a child's words (a child_abuse expression) and came first in the file's order."""
    p = classifier.classify("彼氏に殴られた。もう家に帰りたくない")
    assert p.crisis and p.crisis_kinds[0] == "domestic_violence" and "child_abuse" in p.crisis_kinds


def test_crisis_kinds_in_a_batch_equal_single(classifier: Classifier) -> None:
    """A batch large enough for decide_many's fast path orders each message's kinds as a message alone does."""
    texts = [FEVER_ALONE, "彼氏に殴られた。もう家に帰りたくない", "父に毎晩なぐられてる。こわくて家に帰れない",
             "母が毎日ぶつ。ご飯もくれない", "しにたい", "夫に殴られて、もう死にたい", "家賃が払えない",
             "叔父が正月に来ると聞いただけで吐き気がする。子どもの頃のことは誰にも言ってない",
             "こんにちは"]  # fmt: skip
    batch = classifier.classify_many(texts)
    assert [p.crisis_kinds for p in batch] == [classifier.classify(t).crisis_kinds for t in texts]
    assert sum(bool(p.crisis_kinds) for p in batch) >= 6


def test_explain_names_the_terms_behind_a_label(classifier: Classifier) -> None:
    text = "母が認知症で介護に疲れました"
    terms = classifier.explain(text, "elderly_care")
    assert 1 <= len(terms) <= 5
    assert any("介護" in t or "認知" in t for t in terms)
    crisis_terms = classifier.explain("もう消えたい", "crisis")
    assert any("消え" in t for t in crisis_terms)
    with pytest.raises(ValueError):
        classifier.explain(text, "no_such_label")


def test_explain_shows_what_a_coordinator_can_find_in_the_message(classifier: Classifier) -> None:
    # Two expression families match 薬ため; the char channel reads English words run together ("smy").
    terms = classifier.explain("薬ためてる。50錠くらい", "suicide_risk")
    assert terms and len(terms) == len(set(terms))
    assert sum("薬ため" in t for t in terms) == 1
    text = "my dad hits my mom every night and I am scared"
    for label in ["abuse_violence", "crisis"]:
        terms = classifier.explain(text, label)
        assert terms
        assert all(t.strip("「」") in text.lower() for t in terms), terms


# A small child alone and burning with fever: no crisis category, few of the words of other crises.
FEVER_ALONE = "子どもが熱で真っ赤なのに親が帰ってこない、まだ3歳"


def _head_probs(classifier: Classifier, text: str) -> np.ndarray:
    """Every head's probability for one message (categories, signal heads, kinds, intents)."""
    return classifier._probs(classifier._scores([analyze(text)]))[0]


def _top_two_signals(classifier: Classifier, probs: np.ndarray) -> list[float]:
    """The two highest of the signal heads and crisis categories: the crisis signal is their mean."""
    signal_columns = [*SIGNAL_HEADS, "suicide_risk", "abuse_violence"]
    return sorted(probs[classifier.columns.index(c)] for c in signal_columns)[-2:]


@pytest.mark.parametrize(
    ("head", "kind", "text", "ordinary"),
    [
        ("danger", "other_danger", FEVER_ALONE, "風邪で熱が38度あります。病院どこがいいですか"),
        # Sexual violence told only through what it left behind: none of the words of hitting or threats.
        ("sexual", "sexual_violence", "叔父が正月に来ると聞いただけで吐き気がする。子どもの頃のことは誰にも言ってない",
         "彼氏と別れた。振られたのは私のほう。毎日泣いてる"),
    ],
)
def test_a_signal_head_reads_a_crisis_the_crisis_head_reads_less(
    classifier: Classifier, head: str, kind: str, text: str, ordinary: str
) -> None:
    """A crisis of one kind that no curated expression matches: the head that learns only that kind reads it
    more surely than the crisis head and carries it into the signal; the ordinary message beside it, which
    shares its words, is not read as one."""
    probs = _head_probs(classifier, text)
    crisis, own = probs[classifier.columns.index("crisis")], probs[classifier.columns.index(head)]
    assert own > max(crisis, classifier.params.crisis_threshold), (crisis, own)
    p = classifier.classify(text)
    assert p.crisis and p.crisis_expressions == [] and kind in p.crisis_kinds
    # The signal is the mean of the two highest of the signal heads and crisis categories.
    top_two = _top_two_signals(classifier, probs)
    assert own in top_two and p.crisis_score == pytest.approx(sum(top_two) / 2, abs=1e-4)
    assert _head_probs(classifier, ordinary)[classifier.columns.index(head)] < 0.2


def test_the_terms_shown_for_a_crisis_are_the_highest_signal_heads(classifier: Classifier) -> None:
    assert classifier.columns[len(CATEGORIES) : len(CATEGORIES) + len(SIGNAL_HEADS)] == list(SIGNAL_HEADS)
    # The danger head raised this one's signal: its terms are the reason shown.
    assert {"熱", "真っ赤"} & set(classifier.explain(FEVER_ALONE, "crisis"))


def test_a_worry_keeps_its_likeliest_non_crisis_category(classifier: Classifier) -> None:
    """When no category clears its threshold the likeliest one is kept, flagged uncertain; never a crisis one."""
    for text in ["うーん", "なんかもやもやする", "ちょっと聞きたいことがあって"]:
        p = classifier.classify(text)
        if p.intent is None and not p.crisis:
            assert len(p.labels) >= 1
            assert not {"suicide_risk", "abuse_violence"} & set(p.labels)
    greeting = classifier.classify("こんにちは")
    assert greeting.intent == "greeting" and greeting.labels == []
