"""English keyword matching: a batch answers as each message alone."""

from madoguchi.classifier.keywords import KeywordMatcher, load_keywords
from madoguchi.classifier.normalize import normalize


def test_a_batch_matches_as_each_message_alone() -> None:
    matcher = KeywordMatcher(load_keywords(), "en")
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
        ]
    ]
    assert matcher.match_many(texts) == [matcher.match(t) for t in texts]
    assert matcher.match_many(texts)[1] == ["isolation"]
    assert matcher.match_many(texts)[4] == []
