from madoguchi.classifier.features import analyze
from madoguchi.classifier.tokenizer import get_tokenizer


def test_one_tokenizer_per_process() -> None:
    assert get_tokenizer() is get_tokenizer()


def test_spelling_variants_meet_in_normalized_forms() -> None:
    a, b, c = (analyze(t).words for t in ("子供が心配", "子どもが心配", "こどもが心配"))
    assert a[0] == b[0] == c[0]
    assert analyze("引き篭もりの兄").words[0] == analyze("引きこもりの兄").words[0]


def test_particles_and_symbols_are_dropped_but_rules_see_everything() -> None:
    doc = analyze("母が、認知症です。")
    assert "が" not in doc.words and "、" not in doc.words
    assert "が" in doc.lemmas


def test_hiragana_only_reaches_kanji_forms() -> None:
    assert "死ぬ" in analyze("しにたい").lemmas
