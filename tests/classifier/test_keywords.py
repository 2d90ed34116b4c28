"""Keyword matching: English keywords begin words, and a batch answers as each message alone."""

from madoguchi.classifier.keywords import KeywordMatcher, load_keywords
from madoguchi.classifier.labels import CRISIS_CATEGORIES
from madoguchi.classifier.normalize import normalize

# A spec of its own: the matcher is tested apart from what data/keywords.yml holds today.
SPEC = {
    "mental_health": {"en": ["depress", "can't sleep"]},
    "isolation": {"en": ["lonely", "no friends", "alone"]},
    "employment": {"en": ["job", "work"]},
    "housing": {"en": ["rent", "evict"]},
    "school": {"en": ["homework"]},
    "abuse_violence": {"en": ["hits me"]},
    "elderly_care": {"ja": ["要介護", "介護"]},
}


def test_a_batch_matches_as_each_message_alone() -> None:
    matcher = KeywordMatcher(SPEC, "en")
    texts = [
        normalize(t)
        for t in [
            "I lost my job and cannot pay rent",
            "so lonely here, no friends",
            "",
            "my landlord wants me out. rent",  # a keyword at the very end, the next message starting with one
            "al",  # "alone" split over two messages must not match
            "one day at a time",
            "my husband hits me and I feel so depressed",
            "nothing here",
            "my parents are fighting and it's different at home",  # "rent" inside words
            "rent is due",  # and right after the previous message's end
        ]
    ]
    found = matcher.match_many(texts)
    assert found == [matcher.match(t) for t in texts]
    assert found[0] == ["employment", "housing"]
    assert found[1] == ["isolation"]
    assert found[4] == []
    assert found[6] == ["abuse_violence", "mental_health"]
    assert found[8] == []
    assert found[9] == ["housing"]


def test_an_english_keyword_begins_a_word() -> None:
    matcher = KeywordMatcher(SPEC, "en")
    assert matcher.match(normalize("My parents are always fighting")) == []
    assert matcher.match(normalize("I can't finish my homework")) == ["school"]
    assert matcher.match(normalize("the rent went up, I got evicted")) == ["housing"]
    assert matcher.match(normalize("I feel depressed (rent)")) == ["mental_health", "housing"]
    assert matcher.match(normalize("I can't sleep")) == ["mental_health"]
    assert matcher.words_in(normalize("parents, rent and homework"), "housing") == ["rent"]


def test_japanese_keywords_match_anywhere() -> None:
    matcher = KeywordMatcher(SPEC, "ja")
    assert matcher.match(normalize("母の要介護認定")) == ["elderly_care"]
    assert matcher.words_in(normalize("母の要介護認定"), "elderly_care") == ["要介護", "介護"]


def test_english_keywords_are_for_crises_only() -> None:
    """The model reads English for every other category (see data/keywords.yml)."""
    english = {c for c, by_lang in load_keywords().items() if by_lang.get("en")}
    assert english == set(CRISIS_CATEGORIES)
