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


def test_ascii_text_is_split_into_words_not_sudachi_loanwords() -> None:
    # Sudachi reads "want to" as ウォントゥ and "kill" as キル but "scared" as it is: English meets English
    # only when its words are kept as typed.
    assert analyze("I want to kill myself, I'm scared").forms == (
        "i", " ", "want", " ", "to", " ", "kill", " ", "myself", ",", " ", "i'm", " ", "scared",
    )
    assert analyze("kaigo ga taihen desu 3 nen").forms == (
        "kaigo", " ", "ga", " ", "taihen", " ", "desu", " ", "3", " ", "nen",
    )
    assert analyze("").forms == ()


def test_text_without_kana_or_kanji_is_split_into_words() -> None:
    # An emoji or a greeting in another script does not hand English to Sudachi (which reads "want to" as
    # a katakana loanword).
    assert analyze("i want to die 😢").forms == ("i", " ", "want", " ", "to", " ", "die", " ", "😢")
    assert analyze("Привет. he hits me").forms == ("привет", ".", " ", "he", " ", "hits", " ", "me")


def test_pieces_of_a_japanese_message_are_read_by_sudachi_as_the_message_was() -> None:
    tokenizer = get_tokenizer()
    whole = tokenizer.forms("仕事がkillingだ")
    piece = tokenizer.forms_many(["killing"], split_words=False)[0]
    assert piece and all(form in whole for form in piece)
    assert tokenizer.forms_many(["killing"])[0] == ["killing"]


def test_a_census_skips_ascii_text() -> None:
    from madoguchi.classifier.tokenizer import PosCensus

    census = PosCensus()
    forms = get_tokenizer().forms_many(["help me.", "母が、"], census)
    assert forms[0] == ["help", " ", "me", "."]
    assert "help" not in census.kept and "が" in census.dropped


def test_a_sampled_census_tallies_every_nth_message_of_the_corpus_whatever_part_it_starts_at() -> None:
    """Training tallies parts of speech on every CENSUS_EVERY-th message, counted from the corpus's first,
    in two parts read by two processes: the parts' tallies add up to the whole one's."""
    from madoguchi.classifier.tokenizer import PosCensus

    texts = ["母が泣いた", "父と行く", "兄に言う", "姉を待つ", "弟へ送る"]
    tokenizer = get_tokenizer()
    whole = PosCensus(every=2)
    tokenizer.forms_many(texts, whole)
    assert "が" in whole.dropped and "に" in whole.dropped and "へ" in whole.dropped  # messages 0, 2, 4
    assert "と" not in whole.dropped and "を" not in whole.dropped
    first, second = PosCensus(every=2, first=0), PosCensus(every=2, first=3)
    tokenizer.forms_many(texts[:2], first)
    tokenizer.forms_many(texts[2:3], first)  # a later batch of the same part goes on counting
    tokenizer.forms_many(texts[3:], second)
    assert first.dropped + second.dropped == whole.dropped and first.kept + second.kept == whole.kept
