from madoguchi.classifier.features import analyze
from madoguchi.classifier.tokenizer import get_tokenizer


def test_one_tokenizer_per_process() -> None:
    assert get_tokenizer() is get_tokenizer()


def test_spelling_variants_meet_in_normalized_forms() -> None:
    a, b, c = (analyze(t).forms for t in ("子供が心配", "子どもが心配", "こどもが心配"))
    assert a[0] == b[0] == c[0]
    assert analyze("引き篭もりの兄").forms[0] == analyze("引きこもりの兄").forms[0]


def test_function_words_are_decided_by_pos_once() -> None:
    stop = get_tokenizer().function_forms(["母が、認知症です。", "子どもが心配で眠れない", "兄は家にいます"])
    assert {"が", "、", "。", "は", "です"} <= stop
    assert not {"母", "認知", "子供", "心配", "眠る", "兄", "家"} & stop


def test_word_channel_drops_function_words_but_rules_see_everything() -> None:
    from madoguchi.classifier.features import Vectorizer

    docs = [analyze("母が、認知症です。"), analyze("母が心配です")]
    stop = get_tokenizer().function_forms([d.text for d in docs])
    vectorizer = Vectorizer(min_df=1).fit(docs, stop)
    assert "母" in vectorizer.word_vocab and "が" not in vectorizer.word_vocab
    assert "、" not in vectorizer.word_vocab
    assert "が" in docs[0].lemmas


def test_hiragana_only_reaches_kanji_forms() -> None:
    assert "死ぬ" in analyze("しにたい").lemmas
